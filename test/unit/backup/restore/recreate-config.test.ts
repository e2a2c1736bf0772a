/**
 * `--create-pool` beyond CreateUserPool: the create requests built from real
 * DescribeUserPoolClient / DescribeIdentityProvider shapes (the API reference's describe
 * responses), and the recreation against the Cognito model, a failing piece reported without
 * stopping the rest.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appClientRequest,
  domainRequests,
  identityProviderRequest,
  mfaRequest,
  resourceServerRequest,
} from '../../../../src/backup/restore/config-requests';
import { NOT_RECREATED } from '../../../../src/backup/restore/create-pool';
import { loadIdpSecrets } from '../../../../src/backup/restore/idp-secrets';
import { recreateConfiguration } from '../../../../src/backup/restore/recreate-config';
import { withoutClientSecret, withoutProviderSecrets } from '../../../../src/backup/snapshot-config';
import type { SnapshotConfig } from '../../../../src/backup/types';
import { ConfigError } from '../../../../src/core/errors';
import { uniquePoolId } from '../../helpers';
import { modelPool } from '../model-pool';

// DescribeUserPoolClient's answer for a confidential client (API reference shape), as JSON.
const described = {
  UserPoolId: 'us-east-1_EXAMPLE',
  ClientName: 'orders-web',
  ClientId: '1example23456789',
  ClientSecret: 'client-secret-never-stored',
  LastModifiedDate: '2026-01-01T00:00:00.000Z',
  CreationDate: '2025-01-01T00:00:00.000Z',
  RefreshTokenValidity: 30,
  AccessTokenValidity: 60,
  IdTokenValidity: 60,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
  ReadAttributes: ['email', 'name'],
  WriteAttributes: ['name'],
  ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  SupportedIdentityProviders: ['COGNITO', 'Corp', 'Gone'],
  CallbackURLs: ['https://app.example.com/callback'],
  LogoutURLs: ['https://app.example.com/logout'],
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: ['openid', 'email', 'orders/read', 'billing/write'],
  AllowedOAuthFlowsUserPoolClient: true,
  PreventUserExistenceErrors: 'ENABLED',
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: false,
  AuthSessionValidity: 3,
};

// DescribeIdentityProvider's answers (the CreateIdentityProvider reference's "Describe response").
const oidc = {
  UserPoolId: 'us-east-1_EXAMPLE',
  ProviderName: 'Corp',
  ProviderType: 'OIDC',
  ProviderDetails: {
    attributes_request_method: 'GET',
    attributes_url: 'https://auth.example.com/userInfo',
    attributes_url_add_attributes: 'false',
    authorize_scopes: 'openid profile email',
    authorize_url: 'https://auth.example.com/authorize',
    client_id: '1example23456789',
    client_secret: 'provider-app-client-secret',
    jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
    oidc_issuer: 'https://auth.example.com',
    token_url: 'https://example.com/token',
  },
  AttributeMapping: { email: 'email' },
  IdpIdentifiers: ['corp'],
};
const saml = {
  ProviderName: 'Okta',
  ProviderType: 'SAML',
  ProviderDetails: {
    IDPInit: 'true',
    IDPSignout: 'true',
    EncryptedResponses: 'true',
    ActiveEncryptionCertificate: '[certificate]',
    MetadataURL: 'https://auth.example.com/sso/saml/metadata',
    RequestSigningAlgorithm: 'rsa-sha256',
    SLORedirectBindingURI: 'https://auth.example.com/slo/saml',
    SSORedirectBindingURI: 'https://auth.example.com/sso/saml',
  },
  AttributeMapping: {},
  IdpIdentifiers: [],
};

describe('the create requests of a backed-up configuration', () => {
  it('an app client: the same settings, a NEW secret asked for, providers and scopes not recreated left out and named', () => {
    const { request, dropped } = appClientRequest(withoutClientSecret(described as never), {
      providers: new Set(['Corp']),
      scopes: new Set(['orders/read']),
    });
    expect(request).toEqual({
      ClientName: 'orders-web',
      GenerateSecret: true,
      RefreshTokenValidity: 30,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      TokenValidityUnits: described.TokenValidityUnits,
      ReadAttributes: ['email', 'name'],
      WriteAttributes: ['name'],
      ExplicitAuthFlows: described.ExplicitAuthFlows,
      SupportedIdentityProviders: ['COGNITO', 'Corp'],
      CallbackURLs: described.CallbackURLs,
      LogoutURLs: described.LogoutURLs,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'orders/read'],
      AllowedOAuthFlowsUserPoolClient: true,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      EnablePropagateAdditionalUserContextData: false,
      AuthSessionValidity: 3,
    });
    expect(dropped).toEqual(['identity provider Gone', 'scope billing/write']);
  });

  it('an OIDC provider: its secret put back from --idp-secrets, or named as missing', () => {
    const backed = withoutProviderSecrets(oidc as never);
    expect(backed.removedSecrets).toEqual(['client_secret']);
    expect(identityProviderRequest(backed, undefined).missing).toEqual(['client_secret']);
    const { request, missing } = identityProviderRequest(backed, { Corp: { client_secret: 'given' } });
    expect(missing).toEqual([]);
    expect(request).toEqual({
      ProviderName: 'Corp',
      ProviderType: 'OIDC',
      ProviderDetails: { ...oidc.ProviderDetails, client_secret: 'given' },
      AttributeMapping: { email: 'email' },
      IdpIdentifiers: ['corp'],
    });
  });

  it('a SAML provider: sent directly, without the details Cognito works out itself', () => {
    const { request, missing } = identityProviderRequest(withoutProviderSecrets(saml as never), undefined);
    expect(missing).toEqual([]);
    expect(request.ProviderDetails).toEqual({
      IDPInit: 'true',
      IDPSignout: 'true',
      EncryptedResponses: 'true',
      MetadataURL: 'https://auth.example.com/sso/saml/metadata',
      RequestSigningAlgorithm: 'rsa-sha256',
    });
  });

  it('MFA: the backed-up factors; SMS without its configuration is named, not sent', () => {
    expect(mfaRequest({ MfaConfiguration: 'OFF' })).toEqual({});
    expect(mfaRequest({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } })).toEqual({
      request: { MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } },
    });
    const sms = { SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::1:role/sns', ExternalId: 'x' } };
    expect(mfaRequest({ MfaConfiguration: 'ON', SmsMfaConfiguration: sms }).request).toEqual({
      MfaConfiguration: 'ON',
      SmsMfaConfiguration: sms,
    });
    const noSms = mfaRequest({ MfaConfiguration: 'ON', SmsMfaConfiguration: { SmsAuthenticationMessage: '{####}' } });
    expect(noSms.request).toBeUndefined();
    expect(noSms.problem).toMatch(/SMS configuration/);
  });

  it('resource servers and domains: a custom domain needs its certificate ARN', () => {
    expect(resourceServerRequest({ UserPoolId: 'x', Identifier: 'orders', Name: 'Orders', Scopes: [] })).toEqual({
      Identifier: 'orders',
      Name: 'Orders',
    });
    const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    expect(
      domainRequests({
        prefix: { Domain: 'acme', ManagedLoginVersion: 2 },
        custom: { Domain: 'login.acme.example', CustomDomainConfig: { CertificateArn: arn } },
      }),
    ).toEqual({
      requests: [
        { Domain: 'acme', ManagedLoginVersion: 2 },
        { Domain: 'login.acme.example', CustomDomainConfig: { CertificateArn: arn } },
      ],
      problems: [],
    });
    const byName = domainRequests({ custom: { Domain: 'login.acme.example' } });
    expect(byName.requests).toEqual([]);
    expect(byName.problems).toEqual([expect.stringMatching(/login\.acme\.example.*certificate ARN/)]);
    expect(NOT_RECREATED.join(' ')).toMatch(/DNS/);
  });
});

describe('recreateConfiguration against the model', () => {
  it('recreates in dependency order, reports what it could not, and never prints a secret', async () => {
    const { clock, pool, gateway } = modelPool();
    const config: SnapshotConfig = {
      pool: {},
      mfa: { MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } },
      resourceServers: [
        { Identifier: 'orders', Name: 'Orders', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] },
      ],
      identityProviders: [
        withoutProviderSecrets(oidc as never),
        withoutProviderSecrets(saml as never),
        withoutProviderSecrets({ ...oidc, ProviderName: 'Partner' } as never),
      ],
      clients: [
        withoutClientSecret(described as never),
        withoutClientSecret({ ClientId: 'public1', ClientName: 'mobile' }),
      ],
      domain: { prefix: { Domain: 'acme-restored' }, custom: { Domain: 'login.acme.example' } },
    };
    const out = await clock.run(
      recreateConfiguration({ pool: gateway, config, idpSecrets: { Corp: { client_secret: 'the-corp-secret' } } }),
    );
    expect(pool.config.MfaConfiguration).toBe('OPTIONAL');
    expect([...pool.resourceServers.keys()]).toEqual(['orders']);
    expect([...pool.identityProviders.keys()].sort()).toEqual(['Corp', 'Okta']);
    expect(pool.identityProviders.get('Corp')?.ProviderDetails.client_secret).toBe('the-corp-secret');
    const made = [...pool.clients.values()];
    expect(made.map((c) => c.ClientName).sort()).toEqual(['mobile', 'orders-web']);
    const web = made.find((c) => c.ClientName === 'orders-web')!;
    expect(web.ClientSecret).toBeTruthy();
    expect(web.ClientSecret).not.toBe(described.ClientSecret);
    expect(web.SupportedIdentityProviders).toEqual(['COGNITO', 'Corp']);
    expect(out.clientIds).toEqual({ '1example23456789': web.ClientId, public1: expect.any(String) });
    expect(pool.config.Domain).toBe('acme-restored');
    expect(out.notRecreated).toEqual([
      expect.stringMatching(/^identity provider Partner \(OIDC\): its client_secret .*--idp-secrets/),
      expect.stringMatching(/^app client orders-web .*without identity provider Gone, scope billing\/write/),
      expect.stringMatching(/^custom domain login\.acme\.example: .*certificate ARN/),
    ]);
    const printed = JSON.stringify(out);
    expect(printed).not.toContain('the-corp-secret');
    expect(printed).not.toContain(web.ClientSecret);
  });

  it('a piece that fails is reported and the rest goes on', async () => {
    const { clock, model, gateway } = modelPool();
    const taken = model.addPool({ id: uniquePoolId('us-east-1') });
    taken.domains.set('acme-taken', { Domain: 'acme-taken' });
    const out = await clock.run(
      recreateConfiguration({
        pool: gateway,
        config: {
          domain: { prefix: { Domain: 'acme-taken' } },
          clients: [withoutClientSecret({ ClientId: 'c1', ClientName: 'after-the-failure' })],
          resourceServers: [{ Identifier: 'orders', Name: '' }],
        },
      }),
    );
    expect(out.notRecreated).toEqual([
      expect.stringMatching(/^resource server orders: InvalidParameterException/),
      expect.stringMatching(/^prefix domain acme-taken: InvalidParameterException/),
    ]);
    expect(out.recreated).toEqual([expect.stringMatching(/^app client after-the-failure/)]);
  });
});

describe('recreateConfiguration run again (--recreate-config)', () => {
  it('after a run stopped part-way, makes only what the pool lacks and keeps the ids of what it has', async () => {
    const { clock, pool, gateway } = modelPool();
    const config: SnapshotConfig = {
      pool: {},
      mfa: { MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } },
      resourceServers: [
        { Identifier: 'orders', Name: 'Orders', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] },
      ],
      identityProviders: [withoutProviderSecrets(saml as never), withoutProviderSecrets(oidc as never)],
      clients: [
        withoutClientSecret({ ClientId: 'old-a', ClientName: 'twin' }),
        withoutClientSecret({ ClientId: 'old-b', ClientName: 'twin' }),
        withoutClientSecret({ ...described, ClientId: 'old-web' } as never),
      ],
      domain: { prefix: { Domain: 'acme-again' } },
    };
    const secrets = { Corp: { client_secret: 'the-corp-secret' } };
    // The first run stopped after the resource server, one provider and the first client.
    const first = await clock.run(
      recreateConfiguration({
        pool: gateway,
        config: {
          ...config,
          identityProviders: config.identityProviders!.slice(0, 1),
          clients: config.clients!.slice(0, 1),
          domain: undefined,
        },
      }),
    );
    const firstTwin = first.clientIds['old-a'];

    const again = await clock.run(
      recreateConfiguration({ pool: gateway, config, idpSecrets: secrets, skipPresent: true }),
    );
    expect(again.alreadyPresent).toEqual([
      'resource server orders',
      'identity provider Okta (SAML)',
      `app client twin (was old-a): now ${firstTwin}`,
    ]);
    expect(again.recreated).toEqual([
      'MFA OPTIONAL',
      'identity provider Corp (OIDC)',
      expect.stringMatching(/^app client twin \(was old-b\): now /),
      expect.stringMatching(/^app client orders-web \(was old-web\): now .*NEW secret/),
      'prefix domain acme-again',
    ]);
    // The present provider and scope are still named by the client made now.
    expect(again.notRecreated).toEqual([
      expect.stringMatching(/^app client orders-web .*without identity provider Gone, scope billing\/write/),
    ]);
    const clients = [...pool.clients.values()];
    expect(clients.map((c) => c.ClientName).sort()).toEqual(['orders-web', 'twin', 'twin']);
    expect(again.clientIds).toEqual({
      'old-a': firstTwin,
      'old-b': clients.find((c) => c.ClientName === 'twin' && c.ClientId !== firstTwin)!.ClientId,
      'old-web': clients.find((c) => c.ClientName === 'orders-web')!.ClientId,
    });
    const web = clients.find((c) => c.ClientName === 'orders-web')!;
    expect(web.SupportedIdentityProviders).toEqual(['COGNITO', 'Corp']);
    expect(web.AllowedOAuthScopes).toEqual(['openid', 'email', 'orders/read']);

    // A third run has nothing left to make.
    const third = await clock.run(
      recreateConfiguration({ pool: gateway, config, idpSecrets: secrets, skipPresent: true }),
    );
    expect(third.recreated).toEqual(['MFA OPTIONAL']);
    expect(third.notRecreated).toEqual([]);
    expect(third.alreadyPresent).toHaveLength(7);
    expect(third.clientIds).toEqual(again.clientIds);
    expect(pool.clients.size).toBe(3);
  });
});

describe('--idp-secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-secrets-'));
  it('reads an owner-only JSON file of secrets by provider', async () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ Corp: { client_secret: 's' } }), { mode: 0o600 });
    chmodSync(file, 0o600);
    expect(await loadIdpSecrets(file)).toEqual({ Corp: { client_secret: 's' } });
  });
  it('refuses a file others can read, or one of the wrong shape, without quoting it', async () => {
    const open = join(dir, 'open.json');
    writeFileSync(open, JSON.stringify({ Corp: { client_secret: 'visible-secret' } }));
    chmodSync(open, 0o644);
    await expect(loadIdpSecrets(open)).rejects.toThrow(/readable by group or others.*chmod 600/);
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ Corp: 'visible-secret' }), { mode: 0o600 });
    chmodSync(wrong, 0o600);
    const err = await loadIdpSecrets(wrong).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain('visible-secret');
  });
  it('names a missing file as a configuration error', async () => {
    await expect(loadIdpSecrets(join(dir, 'absent.json'))).rejects.toThrow(ConfigError);
    await expect(loadIdpSecrets(join(dir, 'absent.json'))).rejects.toThrow(
      /--idp-secrets .*absent\.json: no such file/,
    );
  });
});
