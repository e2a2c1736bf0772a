/**
 * The configuration a snapshot keeps (its `config.json.gz` record): DescribeUserPool,
 * GetUserPoolMfaConfig, the app clients, identity providers, resource servers and domains, every
 * secret left out. Client secrets and IdP secrets never reach a backup: what was removed is
 * recorded by name, so that a restore can say what to ask the operator for.
 * @packageDocumentation
 */
import type { CognitoPool } from '../cognito/pool';
import type { AppClientSettings, DomainSettings, IdentityProviderSettings } from '../cognito/types';
import { asJson } from './snapshot-lines';
import type { BackedUpAppClient, BackedUpIdentityProvider, SnapshotConfig } from './types';

/**
 * `ProviderDetails` keys that hold a secret. Source: the CreateIdentityProvider API reference
 * (`ProviderDetails`, per provider type; the SDK model's CreateIdentityProviderRequest carries the
 * same text): `client_secret` for OIDC, Login with Amazon, Google and Facebook, which
 * DescribeIdentityProvider answers back; `private_key` for Sign in with Apple (taken on create,
 * not described). SAML details hold no secret (metadata and a public certificate).
 */
export const SECRET_PROVIDER_DETAILS: readonly string[] = ['client_secret', 'private_key'];

/** Any other detail whose name says it is a secret is removed too (a provider type added later). */
const SECRET_NAME = /secret|private|password/i;

/**
 * The pool's configuration as a snapshot keeps it, secrets removed.
 *
 * @example
 * ```ts
 * const config = await readSnapshotConfig(sourcePool);
 * console.log(`${config.clients?.length} app clients backed up, secrets left out`);
 * ```
 */
export async function readSnapshotConfig(pool: CognitoPool): Promise<SnapshotConfig> {
  const [settings, mfa, clients, identityProviders, resourceServers] = await Promise.all([
    pool.describePoolSettings(),
    pool.describeMfaSettings(),
    pool.listAppClients(),
    pool.listIdentityProviders(),
    pool.listResourceServers(),
  ]);
  const [prefix, custom] = await Promise.all([
    settings.Domain ? readDomain(pool, settings.Domain) : undefined,
    settings.CustomDomain ? readDomain(pool, settings.CustomDomain) : undefined,
  ]);
  const domain = {
    ...(prefix ? { prefix: asJson(prefix) } : {}),
    ...(custom ? { custom: asJson(custom) } : {}),
  };
  return {
    pool: asJson(settings),
    mfa: asJson(mfa),
    clients: clients.map(withoutClientSecret),
    identityProviders: identityProviders.map(withoutProviderSecrets),
    resourceServers: resourceServers.map((s) => asJson(s)),
    ...(prefix || custom ? { domain } : {}),
  };
}

/** Answers of a call the caller's IAM policy does not allow. */
const NOT_ALLOWED = new Set(['AccessDeniedException', 'NotAuthorizedException']);

/**
 * A domain's description, or its name alone when DescribeUserPoolDomain is not allowed: the
 * action has no resource-level permission (it takes a domain, not a pool id), and the suite's
 * roles grant no `cognito-idp` action on `*`. A custom domain's certificate ARN then is not kept.
 */
async function readDomain(pool: CognitoPool, name: string): Promise<DomainSettings> {
  try {
    return (await pool.describeDomain(name)) ?? { Domain: name };
  } catch (err) {
    if (NOT_ALLOWED.has((err as { code?: string }).code ?? (err as Error).name)) return { Domain: name };
    throw err;
  }
}

/** An app client without its secret, and whether it had one. */
export function withoutClientSecret(client: AppClientSettings): BackedUpAppClient {
  const { ClientSecret, ...rest } = client;
  return { client: asJson(rest), hadSecret: !!ClientSecret };
}

/** An identity provider without the secret keys of its `ProviderDetails`, and their names. */
export function withoutProviderSecrets(provider: IdentityProviderSettings): BackedUpIdentityProvider {
  const details: Record<string, string> = {};
  const removedSecrets: string[] = [];
  for (const [key, value] of Object.entries(provider.ProviderDetails ?? {})) {
    if (SECRET_PROVIDER_DETAILS.includes(key) || SECRET_NAME.test(key)) removedSecrets.push(key);
    else details[key] = value;
  }
  return { provider: asJson({ ...provider, ProviderDetails: details }), removedSecrets: removedSecrets.sort() };
}
