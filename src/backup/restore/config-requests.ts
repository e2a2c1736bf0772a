/**
 * `--create-pool`, after CreateUserPool: the requests that recreate the rest of a backed-up
 * configuration (the snapshot's `SnapshotConfig`), one pure function per piece, each saying what
 * it cannot carry over. The order they are sent in is {@link ./recreate-config}'s.
 * @packageDocumentation
 */
import type {
  AppClientRequest,
  DomainRequest,
  IdentityProviderRequest,
  MfaSettingsUpdate,
  ResourceServerRequest,
} from '../../cognito/types';
import type { BackedUpAppClient, BackedUpIdentityProvider, SnapshotConfig } from '../types';

/** The config fields added after format v1's first writers: absent in an older snapshot. */
export type BackedUpConfiguration = Pick<
  SnapshotConfig,
  'mfa' | 'clients' | 'identityProviders' | 'resourceServers' | 'domain'
>;

/** Secrets of identity providers, by provider name (`--idp-secrets`): `{ "Corp": { "client_secret": "..." } }`. */
export type IdpSecrets = Record<string, Record<string, string>>;

/** The CreateUserPoolClient fields a described client carries over (the SDK's CreateUserPoolClientRequest). */
const CLIENT_FIELDS = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const;

/**
 * The SetUserPoolMfaConfig request of the backed-up MFA settings, or `undefined` when there is
 * nothing to set (MFA off, no factor). `problem` says why a factor cannot come back as it was: SMS
 * needs its SMS configuration (the SNS caller role), which the backup may not hold.
 */
export function mfaRequest(mfa: Record<string, unknown> | undefined): {
  request?: MfaSettingsUpdate;
  problem?: string;
} {
  if (!mfa) return {};
  const m = mfa as MfaSettingsUpdate;
  const request: MfaSettingsUpdate = {};
  if (m.SoftwareTokenMfaConfiguration) request.SoftwareTokenMfaConfiguration = m.SoftwareTokenMfaConfiguration;
  if (m.EmailMfaConfiguration) request.EmailMfaConfiguration = m.EmailMfaConfiguration;
  if (m.WebAuthnConfiguration) request.WebAuthnConfiguration = m.WebAuthnConfiguration;
  let problem: string | undefined;
  if (m.SmsMfaConfiguration?.SmsConfiguration?.SnsCallerArn) request.SmsMfaConfiguration = m.SmsMfaConfiguration;
  else if (m.SmsMfaConfiguration)
    problem = 'SMS MFA: the backup holds no SMS configuration (SNS caller role ARN); set it, then SMS MFA, by hand';
  const anyFactor = Object.keys(request).length > 0;
  if (m.MfaConfiguration && m.MfaConfiguration !== 'OFF') {
    if (!anyFactor)
      return { problem: problem ?? `MFA ${m.MfaConfiguration}: the backup names no factor to enable with it` };
    request.MfaConfiguration = m.MfaConfiguration;
  }
  return anyFactor ? { request, problem } : { problem };
}

/** The CreateResourceServer request of a backed-up resource server. */
export function resourceServerRequest(server: Record<string, unknown>): ResourceServerRequest {
  const s = server as ResourceServerRequest;
  return { Identifier: s.Identifier, Name: s.Name, ...(s.Scopes?.length ? { Scopes: s.Scopes } : {}) };
}

/**
 * The CreateIdentityProvider request of a backed-up provider, with its removed secrets put back
 * from `secrets`; `missing` names the secret details neither holds (the provider is then not
 * created: it would not work).
 */
export function identityProviderRequest(
  backed: BackedUpIdentityProvider,
  secrets: IdpSecrets | undefined,
): { request: IdentityProviderRequest; missing: string[] } {
  const p = backed.provider as IdentityProviderRequest;
  const given = secrets?.[p.ProviderName ?? ''] ?? {};
  const missing = backed.removedSecrets.filter((k) => typeof given[k] !== 'string' || given[k] === '');
  const details: Record<string, string> = { ...p.ProviderDetails };
  for (const k of backed.removedSecrets) if (given[k]) details[k] = given[k];
  // Answered by DescribeIdentityProvider but worked out by Cognito, not taken from a request.
  if (p.ProviderType === 'SAML') {
    for (const k of ['ActiveEncryptionCertificate', 'SLORedirectBindingURI', 'SSORedirectBindingURI'])
      delete details[k];
    // A metadata URL is fetched again; a metadata file is sent as it was.
    if (details.MetadataURL) delete details.MetadataFile;
  }
  return {
    request: {
      ProviderName: p.ProviderName,
      ProviderType: p.ProviderType,
      ProviderDetails: details,
      ...(p.AttributeMapping && Object.keys(p.AttributeMapping).length ? { AttributeMapping: p.AttributeMapping } : {}),
      ...(p.IdpIdentifiers?.length ? { IdpIdentifiers: p.IdpIdentifiers } : {}),
    },
    missing,
  };
}

/**
 * The CreateUserPoolClient request of a backed-up client: the same settings, a NEW secret when it
 * had one (`GenerateSecret`; the old secret was never backed up). Identity providers and custom
 * scopes that were not recreated are left out of it (CreateUserPoolClient refuses names the pool
 * does not have), and named in `dropped`.
 */
export function appClientRequest(
  backed: BackedUpAppClient,
  available: { providers: ReadonlySet<string>; scopes: ReadonlySet<string> },
): { request: AppClientRequest; dropped: string[] } {
  const c = backed.client as Record<string, unknown>;
  const request: Record<string, unknown> = {};
  for (const f of CLIENT_FIELDS) if (c[f] !== undefined) request[f] = c[f];
  const dropped: string[] = [];
  const providers = request.SupportedIdentityProviders as string[] | undefined;
  if (providers) {
    request.SupportedIdentityProviders = providers.filter((p) => {
      const keep = p === 'COGNITO' || available.providers.has(p);
      if (!keep) dropped.push(`identity provider ${p}`);
      return keep;
    });
  }
  const scopes = request.AllowedOAuthScopes as string[] | undefined;
  if (scopes) {
    request.AllowedOAuthScopes = scopes.filter((s) => {
      const keep = !s.includes('/') || available.scopes.has(s);
      if (!keep) dropped.push(`scope ${s}`);
      return keep;
    });
  }
  if (backed.hadSecret) request.GenerateSecret = true;
  return { request: request as AppClientRequest, dropped };
}

/**
 * The CreateUserPoolDomain requests of the backed-up domains: the prefix domain as it was; the
 * custom domain with its ACM certificate ARN (in us-east-1), or `problem` when the backup does not
 * hold it (the snapshot could not describe the domain).
 */
export function domainRequests(domain: SnapshotConfig['domain']): {
  requests: DomainRequest[];
  problems: string[];
} {
  const requests: DomainRequest[] = [];
  const problems: string[] = [];
  const version = (d: Record<string, unknown>) =>
    typeof d.ManagedLoginVersion === 'number' ? { ManagedLoginVersion: d.ManagedLoginVersion } : {};
  if (domain?.prefix?.Domain) requests.push({ Domain: String(domain.prefix.Domain), ...version(domain.prefix) });
  const custom = domain?.custom;
  if (custom?.Domain) {
    const arn = (custom.CustomDomainConfig as { CertificateArn?: string } | undefined)?.CertificateArn;
    if (arn)
      requests.push({ Domain: String(custom.Domain), CustomDomainConfig: { CertificateArn: arn }, ...version(custom) });
    else
      problems.push(
        `custom domain ${String(custom.Domain)}: the backup holds no certificate ARN (DescribeUserPoolDomain was not allowed); create it with its ACM certificate (us-east-1) and point its DNS at the CloudFront target`,
      );
  }
  return { requests, problems };
}
