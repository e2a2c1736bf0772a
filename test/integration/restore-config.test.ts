/**
 * `--create-pool` brings back the whole configuration (issue 13): a pool of the Cognito model
 * (over HTTP) with an app client that has a secret, a SAML and an OIDC identity provider, a
 * resource server, a prefix domain and TOTP MFA is snapshotted by `backup` into the local S3,
 * deleted, and `restore --create-pool --idp-secrets` recreates all of it; the secrets never reach
 * the backup or the output.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateIdentityProviderCommand,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolDomainCommand,
  DeleteUserPoolCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  ListIdentityProvidersCommand,
  ListResourceServersCommand,
  ListUserPoolClientsCommand,
  ListUsersCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createDrillPool } from '../../scripts/local/pools';
import { runCli } from '../support/cli';
import { useEmulators, useS3Bucket } from '../support/emulators';

jest.setTimeout(240_000);

const emu = useEmulators({ cognito: ['primary'], sqs: false, pools: false });
const BUCKET = 'config-backups';
const OIDC_SECRET = 'corp-oidc-secret-5b1e';
const s3 = useS3Bucket(BUCKET, 'us-east-1');

test('a deleted pool comes back with its app client, SAML and OIDC providers, resource server, domain and MFA', async () => {
  const { primary, primaryClient: client } = emu();
  const pool = await createDrillPool(client, { name: 'cfg', usernameMode: 'username' });
  const UserPoolId = pool.poolId;
  for (let i = 0; i < 3; i++)
    await primary.shim.putUser(UserPoolId, {
      Username: `person${i}`,
      Attributes: [{ Name: 'email', Value: `person${i}@example.com` }],
    });
  await client.send(
    new CreateResourceServerCommand({
      UserPoolId,
      Identifier: 'orders',
      Name: 'Orders API',
      Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read orders' }],
    }),
  );
  await client.send(
    new CreateIdentityProviderCommand({
      UserPoolId,
      ProviderName: 'Okta',
      ProviderType: 'SAML',
      ProviderDetails: { MetadataURL: 'https://okta.example.com/app/metadata', IDPSignout: 'true' },
      AttributeMapping: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
    }),
  );
  await client.send(
    new CreateIdentityProviderCommand({
      UserPoolId,
      ProviderName: 'Corp',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: 'corp-app',
        client_secret: OIDC_SECRET,
        oidc_issuer: 'https://idp.example.com',
        authorize_scopes: 'openid email',
        attributes_request_method: 'GET',
      },
      AttributeMapping: { email: 'email' },
    }),
  );
  const web = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId,
      ClientName: 'orders-web',
      GenerateSecret: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'orders/read'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: ['https://app.example.com/callback'],
      SupportedIdentityProviders: ['COGNITO', 'Okta', 'Corp'],
    }),
  );
  const oldClientId = web.UserPoolClient!.ClientId!;
  const oldSecret = web.UserPoolClient!.ClientSecret!;
  const prefix = `cfg-${UserPoolId.slice(-8).toLowerCase()}`;
  await client.send(new CreateUserPoolDomainCommand({ UserPoolId, Domain: prefix }));
  await client.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId,
      MfaConfiguration: 'OPTIONAL',
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );

  const backup = await runCli(
    'backup',
    [
      '--region',
      primary.region,
      '--pool',
      UserPoolId,
      '--to',
      `s3://${BUCKET}/cognito`,
      '--endpoint',
      primary.endpoint,
      '--s3-endpoint',
      s3().endpoint,
    ],
    { timeoutMs: 90_000 },
  );
  expect(backup.code).toBe(0);
  // No secret in any object of the backup.
  for (const [key, object] of s3().objects(BUCKET)) {
    const text = key.endsWith('.gz') ? gunzipSync(object.body).toString('utf8') : object.body.toString('utf8');
    expect(text).not.toContain(OIDC_SECRET);
    expect(text).not.toContain(oldSecret);
  }
  await new Promise((r) => setTimeout(r, 20));
  const at = new Date().toISOString();

  // The pool is deleted (its domain with it).
  await client.send(new DeleteUserPoolCommand({ UserPoolId }));

  const dir = mkdtempSync(join(tmpdir(), 'restore-config-'));
  const secrets = join(dir, 'idp-secrets.json');
  writeFileSync(secrets, JSON.stringify({ Corp: { client_secret: OIDC_SECRET } }), { mode: 0o600 });
  chmodSync(secrets, 0o600);
  // The restore as the operator runs it, into the pool named by `target` (--create-pool or --target-pool).
  const restoreCli = (target: string[]) =>
    runCli(
      'restore',
      [
        '--from',
        `s3://${BUCKET}/cognito`,
        '--at',
        at,
        '--target-region',
        primary.region,
        '--target-endpoint',
        primary.endpoint,
        '--s3-endpoint',
        s3().endpoint,
        '--backup-region',
        'us-east-1',
        ...target,
        '--idp-secrets',
        secrets,
        '--apply',
        '--checkpoint',
        join(dir, 'checkpoint.json'),
        '--report',
        join(dir, 'report.json'),
      ],
      { timeoutMs: 150_000 },
    );
  const run = await restoreCli(['--create-pool', 'cfg-restored']);
  expect(run.stderr).not.toContain(OIDC_SECRET);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/client_secret"?\s*[:=]/);
  const newPool = /created pool (\S+) \(cfg-restored\)/.exec(run.stderr)?.[1];
  expect(newPool).toBeDefined();
  expect(run.stderr).not.toMatch(
    /not recreated: (MFA |resource server orders|identity provider (Okta|Corp)|app client orders-web|prefix domain)/,
  );
  expect(run.stderr).toMatch(/recreated: identity provider Corp \(OIDC\)/);
  expect(run.code).toBe(0);

  const NewPool = newPool!;
  expect((await client.send(new ListUsersCommand({ UserPoolId: NewPool }))).Users).toHaveLength(3);
  expect(await client.send(new GetUserPoolMfaConfigCommand({ UserPoolId: NewPool }))).toMatchObject({
    MfaConfiguration: 'OPTIONAL',
    SoftwareTokenMfaConfiguration: { Enabled: true },
  });
  expect(
    (await client.send(new ListResourceServersCommand({ UserPoolId: NewPool, MaxResults: 50 }))).ResourceServers,
  ).toEqual([
    expect.objectContaining({
      Identifier: 'orders',
      Name: 'Orders API',
      Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read orders' }],
    }),
  ]);
  const providers =
    (await client.send(new ListIdentityProvidersCommand({ UserPoolId: NewPool, MaxResults: 60 }))).Providers ?? [];
  expect(providers.map((p) => p.ProviderName).sort()).toEqual(['Corp', 'Okta']);
  const corp = await client.send(new DescribeIdentityProviderCommand({ UserPoolId: NewPool, ProviderName: 'Corp' }));
  expect(corp.IdentityProvider?.ProviderDetails).toMatchObject({ client_id: 'corp-app', client_secret: OIDC_SECRET });
  const clients =
    (await client.send(new ListUserPoolClientsCommand({ UserPoolId: NewPool, MaxResults: 60 }))).UserPoolClients ?? [];
  // The drill pool's own app client comes back too.
  expect(clients.map((c) => c.ClientName).sort()).toEqual(['cfg-app', 'orders-web']);
  const webId = clients.find((c) => c.ClientName === 'orders-web')!.ClientId!;
  const recreated = (await client.send(new DescribeUserPoolClientCommand({ UserPoolId: NewPool, ClientId: webId })))
    .UserPoolClient!;
  expect(recreated).toMatchObject({
    ClientName: 'orders-web',
    AllowedOAuthScopes: ['openid', 'orders/read'],
    SupportedIdentityProviders: ['COGNITO', 'Okta', 'Corp'],
    CallbackURLs: ['https://app.example.com/callback'],
  });
  expect(recreated.ClientSecret).toBeTruthy();
  expect(recreated.ClientSecret).not.toBe(oldSecret);
  expect(run.stderr).not.toContain(recreated.ClientSecret!);
  expect(run.stderr).toContain(`app client id ${oldClientId} -> ${recreated.ClientId}`);
  const idsFile = join(dir, `${NewPool}-client-ids.json`);
  expect(existsSync(idsFile)).toBe(true);
  const ids = JSON.parse(readFileSync(idsFile, 'utf8'));
  expect(ids).toMatchObject({ [oldClientId]: recreated.ClientId });
  expect(Object.keys(ids)).toHaveLength(2);
  expect((await client.send(new DescribeUserPoolCommand({ UserPoolId: NewPool }))).UserPool?.Domain).toBe(prefix);

  // Run again as the operator would after a --create-pool run stopped in its configuration step:
  // everything is present, nothing is made twice, and the ids file still maps the old ids.
  const resumed = await restoreCli(['--target-pool', NewPool, '--recreate-config']);
  expect(resumed.stderr).toContain('already present: resource server orders');
  expect(resumed.stderr).toContain('already present: identity provider Corp (OIDC)');
  expect(resumed.stderr).toContain(`already present: app client orders-web (was ${oldClientId}): now ${webId}`);
  expect(resumed.stderr).toContain(`already present: prefix domain ${prefix}`);
  expect(resumed.stderr).not.toMatch(/recreated: (resource server|identity provider|app client|prefix domain)/);
  expect(resumed.code).toBe(0);
  const after =
    (await client.send(new ListUserPoolClientsCommand({ UserPoolId: NewPool, MaxResults: 60 }))).UserPoolClients ?? [];
  expect(after).toHaveLength(2);
  expect(JSON.parse(readFileSync(idsFile, 'utf8'))).toEqual(ids);
});

test('--recreate-config goes with --target-pool and --apply', async () => {
  const run = await runCli('restore', [
    '--from',
    `s3://${BUCKET}/cognito`,
    '--at',
    new Date().toISOString(),
    '--target-region',
    'us-east-1',
    '--target-pool',
    'us-east-1_Abc123456',
    '--backup-region',
    'us-east-1',
    '--s3-endpoint',
    s3().endpoint,
    '--recreate-config',
  ]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--recreate-config needs --apply and --target-pool/);
});
