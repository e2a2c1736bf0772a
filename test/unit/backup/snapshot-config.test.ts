/**
 * The configuration a snapshot keeps: app clients, identity providers, resource servers and
 * domains besides DescribeUserPool and the MFA factors, and never a secret (client secrets, IdP
 * client secrets, Sign in with Apple's key): what was removed is named.
 */
import { gunzipSync } from 'node:zlib';
import { readSnapshotConfig, withoutClientSecret, withoutProviderSecrets } from '../../../src/backup/snapshot-config';
import { takeSnapshot } from '../../../src/backup/snapshot';
import { readChunk } from '../../../src/backup/snapshot-read';
import { MemoryBackupStore } from '../../../src/backup/store';
import type { SnapshotConfig } from '../../../src/backup/types';
import { modelPool } from './model-pool';

const OIDC_SECRET = 'oidc-client-secret-4f9a';
const APPLE_KEY = '-----BEGIN PRIVATE KEY-----apple-key-77c1';

async function configuredPool() {
  const { clock, pool, gateway } = modelPool();
  await clock.run(
    (async () => {
      await gateway.createResourceServer({
        Identifier: 'orders',
        Name: 'Orders API',
        Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read orders' }],
      });
      await gateway.createIdentityProvider({
        ProviderName: 'Corp',
        ProviderType: 'OIDC',
        ProviderDetails: {
          client_id: 'corp-app',
          client_secret: OIDC_SECRET,
          oidc_issuer: 'https://idp.example.com',
          authorize_scopes: 'openid email',
        },
        AttributeMapping: { email: 'email' },
      });
      await gateway.createIdentityProvider({
        ProviderName: 'SignInWithApple',
        ProviderType: 'SignInWithApple',
        ProviderDetails: {
          client_id: 'com.example',
          team_id: 'TEAM',
          key_id: 'KEY',
          private_key: APPLE_KEY,
          authorize_scopes: 'email',
        },
      });
      await gateway.createIdentityProvider({
        ProviderName: 'Okta',
        ProviderType: 'SAML',
        ProviderDetails: { MetadataURL: 'https://okta.example.com/metadata' },
      });
      await gateway.createAppClient({
        ClientName: 'backend',
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: ['orders/read'],
        AllowedOAuthFlowsUserPoolClient: true,
      });
      await gateway.createAppClient({ ClientName: 'web', SupportedIdentityProviders: ['COGNITO', 'Corp', 'Okta'] });
      await gateway.createDomain({ Domain: `acme-${pool.options.id.slice(-6).toLowerCase()}` });
      await gateway.createDomain({
        Domain: `login-${pool.options.id.slice(-6).toLowerCase()}.example.com`,
        CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' },
      });
    })(),
  );
  const clientSecret = [...pool.clients.values()].find((c) => c.ClientName === 'backend')?.ClientSecret as string;
  return { clock, pool, gateway, clientSecret };
}

describe('the configuration a snapshot keeps', () => {
  it('holds the app clients, identity providers, resource servers and both domains', async () => {
    const { clock, gateway } = await configuredPool();
    const config = await clock.run(readSnapshotConfig(gateway));
    expect(config.clients?.map((c) => [c.client.ClientName, c.hadSecret]).sort()).toEqual([
      ['backend', true],
      ['web', false],
    ]);
    expect(config.clients?.find((c) => c.client.ClientName === 'backend')?.client).toMatchObject({
      AllowedOAuthScopes: ['orders/read'],
      AllowedOAuthFlows: ['client_credentials'],
    });
    const byName = new Map(config.identityProviders?.map((p) => [p.provider.ProviderName, p]));
    expect(byName.get('Corp')).toEqual({
      provider: expect.objectContaining({
        ProviderType: 'OIDC',
        ProviderDetails: {
          client_id: 'corp-app',
          oidc_issuer: 'https://idp.example.com',
          authorize_scopes: 'openid email',
        },
        AttributeMapping: { email: 'email' },
      }),
      removedSecrets: ['client_secret'],
    });
    expect(byName.get('Okta')?.removedSecrets).toEqual([]);
    expect(config.resourceServers).toEqual([expect.objectContaining({ Identifier: 'orders', Name: 'Orders API' })]);
    expect(config.domain?.prefix?.Domain).toMatch(/^acme-/);
    expect(config.domain?.custom).toMatchObject({
      CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc' },
    });
  });

  it('no secret reaches the chunk: client secrets and IdP secrets are absent from the stored bytes', async () => {
    const { clock, gateway, clientSecret } = await configuredPool();
    expect(clientSecret).toBeTruthy();
    const store = new MemoryBackupStore();
    const { manifest } = await clock.run(
      takeSnapshot({ pool: gateway, store, prefix: 'backups', now: () => clock.now() }),
    );
    const configChunk = manifest.chunks.find((c) => c.kind === 'config')!;
    const [config] = await readChunk<SnapshotConfig>(store, configChunk);
    expect(config.clients).toHaveLength(2);
    expect(config.identityProviders).toHaveLength(3);
    for (const [key, body] of store.objects) {
      const text = key.endsWith('.gz') ? gunzipSync(body).toString('utf8') : Buffer.from(body).toString('utf8');
      expect(text).not.toContain(clientSecret);
      expect(text).not.toContain(OIDC_SECRET);
      expect(text).not.toContain('apple-key-77c1');
      expect(text).not.toMatch(/"(ClientSecret|client_secret|private_key)":/);
    }
  });

  it('a domain whose description is not allowed (no resource-level permission) is kept by name', async () => {
    const { clock, gateway } = await configuredPool();
    const denied = Object.create(gateway) as typeof gateway;
    denied.describeDomain = async () => {
      throw Object.assign(new Error('not allowed'), { code: 'AccessDeniedException' });
    };
    const config = await clock.run(readSnapshotConfig(denied));
    expect(config.domain?.prefix).toEqual({ Domain: expect.stringMatching(/^acme-/) });
    expect(config.domain?.custom).toEqual({ Domain: expect.stringMatching(/^login-.*\.example\.com$/) });
  });

  it('strips by name: the documented secret keys, and any detail named as a secret', () => {
    expect(withoutClientSecret({ ClientId: 'a', ClientName: 'x', ClientSecret: 's' })).toEqual({
      client: { ClientId: 'a', ClientName: 'x' },
      hadSecret: true,
    });
    const facebook = withoutProviderSecrets({
      ProviderName: 'Facebook',
      ProviderType: 'Facebook',
      ProviderDetails: { client_id: '1', client_secret: 's', api_version: 'v17.0', future_private_token: 't' },
    });
    expect(facebook.provider.ProviderDetails).toEqual({ client_id: '1', api_version: 'v17.0' });
    expect(facebook.removedSecrets).toEqual(['client_secret', 'future_private_token']);
  });
});
