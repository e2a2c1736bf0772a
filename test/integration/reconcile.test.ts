/**
 * The reconciler against two pools of the Cognito model (e-mail as username, like production pools),
 * through the emulator layer: seeded drift of every kind is found by a dry run (no write), repaired
 * by --apply, and the immediate second run is a no-op (zero write calls and zero per-user reads,
 * counted by the shim). Also: --deep (SMS MFA replicated, TOTP recorded), a pagination token
 * rejected mid-listing, the import job path, the reverse direction, and the CLI itself.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  type AttributeType,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_CREDENTIALS } from '../../scripts/local/clients';
import type { CognitoEmulator } from '../../scripts/local/cognito';
import { splitCsv as splitCsvLine } from '../../scripts/local/cognito-model';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { FileCheckpointStore } from '../../src/reconcile/checkpoint';
import { uploadCsv } from '../../src/reconcile/import-job';
import { reconcile, type ReconcileOptions } from '../../src/reconcile/run';
import { cognitoGateway } from '../../src/config/wiring';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);

const emu = useEmulators({ sqs: false, pools: { usernameMode: 'email', prefix: 'reconcile' } });
const PASSWORD = 'Correct-Horse-9!';
const READS_PER_USER = ['AdminGetUser', 'AdminListGroupsForUser'];

const attrs = (list: AttributeType[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.Name!, a.Value!]));

async function createUser(
  client: CognitoIdentityProviderClient,
  poolId: string,
  email: string,
  extra: Record<string, string> = {},
  password = true,
): Promise<{ username: string; sub: string }> {
  const r = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries({ email, email_verified: 'true', ...extra }).map(([Name, Value]) => ({
        Name,
        Value,
      })),
    }),
  );
  const username = r.User!.Username!;
  if (password)
    await client.send(
      new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }),
    );
  return { username, sub: attrs(r.User!.Attributes).sub };
}

async function standbyUser(email: string) {
  const { standbyClient, pools } = emu();
  const r = await standbyClient.send(
    new ListUsersCommand({ UserPoolId: pools.standby.poolId, Filter: `email = "${email}"` }),
  );
  return r.Users ?? [];
}

async function groupsOf(client: CognitoIdentityProviderClient, poolId: string, username: string): Promise<string[]> {
  const r = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }));
  return (r.Groups ?? []).map((g) => g.GroupName!).sort();
}

function options(from: 'primary' | 'standby', extra: Partial<ReconcileOptions> = {}): ReconcileOptions {
  const { primary, standby, pools } = emu();
  const side = (e: CognitoEmulator, poolId: string) => ({
    region: e.region,
    poolId,
    endpoint: e.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const p = side(primary, pools.primary.poolId);
  const s = side(standby, pools.standby.poolId);
  const limits = { headroom: 0 };
  return {
    source: cognitoGateway(from === 'primary' ? p : s, limits),
    target: cognitoGateway(from === 'primary' ? s : p, limits),
    store: new FileCheckpointStore(join(mkdtempSync(join(tmpdir(), 'reconcile-it-')), 'checkpoint.json')),
    ...extra,
  };
}

const seeded: Record<string, { username: string; sub: string }> = {};

beforeAll(async () => {
  const { primaryClient: P, standbyClient: S, pools, primary } = emu();
  const pid = pools.primary.poolId;
  const sid = pools.standby.poolId;
  await P.send(
    new CreateGroupCommand({ UserPoolId: pid, GroupName: 'admins', Description: 'Administrators', Precedence: 1 }),
  );
  await P.send(new CreateGroupCommand({ UserPoolId: pid, GroupName: 'beta' }));
  await S.send(new CreateGroupCommand({ UserPoolId: sid, GroupName: 'beta' }));
  const replica = async (key: string, extra: Record<string, string> = {}, password = true) =>
    createUser(S, sid, `${key}@example.com`, { name: key, 'custom:source_sub': seeded[key].sub, ...extra }, password);
  for (const key of [
    'insync',
    'missing',
    'renamed',
    'extra',
    'grpadd',
    'grprm',
    'disabled',
    'forced',
    'paged1',
    'paged2',
  ]) {
    seeded[key] = await createUser(P, pid, `${key}@example.com`, { name: key });
  }
  await P.send(
    new AdminAddUserToGroupCommand({ UserPoolId: pid, Username: seeded.missing.username, GroupName: 'beta' }),
  );
  await P.send(
    new AdminAddUserToGroupCommand({ UserPoolId: pid, Username: seeded.grpadd.username, GroupName: 'admins' }),
  );
  await P.send(new AdminDisableUserCommand({ UserPoolId: pid, Username: seeded.disabled.username }));
  // Users a failover cannot carry: federated (EXTERNAL_PROVIDER), never confirmed.
  await primary.shim.putUser(pid, {
    Username: 'Google_1234',
    UserStatus: 'EXTERNAL_PROVIDER',
    Attributes: [
      { Name: 'email', Value: 'fed@example.com' },
      { Name: 'identities', Value: JSON.stringify([{ providerName: 'Google', userId: '1234' }]) },
    ],
  });
  await primary.shim.putUser(pid, {
    Username: 'unconfirmed@example.com',
    UserStatus: 'UNCONFIRMED',
    Attributes: [{ Name: 'email', Value: 'unconfirmed@example.com' }],
  });

  await replica('insync');
  await replica('renamed', { name: 'Old name' });
  await replica('extra', { 'custom:tier': 'gold' });
  await replica('grpadd');
  const rm = await replica('grprm');
  await S.send(new AdminAddUserToGroupCommand({ UserPoolId: sid, Username: rm.username, GroupName: 'beta' }));
  await replica('disabled');
  await replica('forced', {}, false); // FORCE_CHANGE_PASSWORD: could not recover at failover
  await replica('paged1');
  await replica('paged2');
  await createUser(S, sid, 'gone@example.com', { 'custom:source_sub': '00000000-dead-4000-8000-000000000000' }); // orphan
  await createUser(S, sid, 'native@example.com'); // signed up in the standby
});

test('dry run: every drift found, nothing written', async () => {
  const { standby, primary } = emu();
  standby.shim.resetCalls();
  primary.shim.resetCalls();
  const r = await reconcile(options('primary'));
  expect(r.exitCode).toBe(0);
  const c = r.report.counts;
  expect(c).toMatchObject({
    sourceUsers: 12,
    standbyUsers: 11,
    inSync: 3,
    create: 1,
    update: 6,
    skip: 2,
    orphans: 1,
    standbyOnly: 1,
  });
  expect(c.skipReasons).toEqual({ federated: 1, unconfirmed: 1 });
  expect(c.drift).toMatchObject({ missing: 1, attributes: 2, groups: 2, enabled: 1, password: 1 });
  expect(standby.shim.writeCalls()).toBe(0);
  expect(primary.shim.writeCalls()).toBe(0);
  expect(r.report.readiness.notCarried.federated).toBe(1);
});

test('--apply repairs every kind of drift; orphans deleted under the rules; the standby-only user kept', async () => {
  const { standbyClient: S, pools } = emu();
  const sid = pools.standby.poolId;
  const r = await reconcile(options('primary', { apply: true, deleteOrphans: true }));
  expect(r.exitCode).toBe(0);
  expect(r.report.counts).toMatchObject({ created: 1, updated: 6, failed: 0, deleted: 1 });

  const [missing] = await standbyUser('missing@example.com');
  expect(missing.UserStatus).toBe('CONFIRMED');
  expect(attrs(missing.Attributes)['custom:source_sub']).toBe(seeded.missing.sub);
  expect(await groupsOf(S, sid, missing.Username!)).toEqual(['beta']);
  expect(attrs((await standbyUser('renamed@example.com'))[0].Attributes).name).toBe('renamed');
  expect(attrs((await standbyUser('extra@example.com'))[0].Attributes)['custom:tier']).toBeUndefined();
  expect(await groupsOf(S, sid, (await standbyUser('grpadd@example.com'))[0].Username!)).toEqual(['admins']);
  expect(await groupsOf(S, sid, (await standbyUser('grprm@example.com'))[0].Username!)).toEqual([]);
  expect((await standbyUser('disabled@example.com'))[0].Enabled).toBe(false);
  expect((await standbyUser('forced@example.com'))[0].UserStatus).toBe('CONFIRMED');
  expect(await standbyUser('gone@example.com')).toEqual([]);
  expect(await standbyUser('native@example.com')).toHaveLength(1);
  expect(await standbyUser('fed@example.com')).toEqual([]);
});

test('the immediate second run is a no-op: zero write calls, zero per-user reads (shim counters)', async () => {
  const { standby, primary } = emu();
  standby.shim.resetCalls();
  primary.shim.resetCalls();
  const r = await reconcile(options('primary', { apply: true, deleteOrphans: true }));
  expect(r.exitCode).toBe(0);
  expect(r.report.counts).toMatchObject({ inSync: 10, create: 0, update: 0, orphans: 0 });
  expect(standby.shim.writeCalls()).toBe(0);
  expect(primary.shim.writeCalls()).toBe(0);
  for (const op of READS_PER_USER) {
    expect(standby.shim.calls[op] ?? 0).toBe(0);
    expect(primary.shim.calls[op] ?? 0).toBe(0);
  }
  expect(Object.keys(standby.shim.calls).sort()).toEqual(expect.arrayContaining(['ListUsers']));
});

test('--deep: SMS MFA replicated, TOTP users recorded for the failover; a second deep run writes nothing', async () => {
  const { primary, standby, standbyClient: S, pools } = emu();
  const pid = pools.primary.poolId;
  await primary.shim.putUser(pid, {
    Username: 'sms@example.com',
    Attributes: [
      { Name: 'email', Value: 'sms@example.com' },
      { Name: 'email_verified', Value: 'true' },
      { Name: 'phone_number', Value: '+15555550142' },
      { Name: 'phone_number_verified', Value: 'true' },
    ],
    UserMFASettingList: ['SMS_MFA'],
    PreferredMfaSetting: 'SMS_MFA',
  });
  await primary.shim.putUser(pid, {
    Username: 'totp@example.com',
    Attributes: [
      { Name: 'email', Value: 'totp@example.com' },
      { Name: 'email_verified', Value: 'true' },
    ],
    UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
    PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
  });
  const r = await reconcile(options('primary', { apply: true, deep: true }));
  expect(r.exitCode).toBe(0);
  expect(r.report.readiness.notCarried).toMatchObject({ totp: 1, totpSource: 'deep' });
  expect(r.report.billedReads).toBe(14); // one AdminGetUser per source user: --deep bills them all
  const [sms] = await standbyUser('sms@example.com');
  const g = await S.send(new AdminGetUserCommand({ UserPoolId: pools.standby.poolId, Username: sms.Username! }));
  expect(g.UserMFASettingList).toEqual(['SMS_MFA']);
  expect(attrs(g.UserAttributes)['custom:source_mfa']).toBe('SMS_MFA;SMS_MFA');
  expect(attrs((await standbyUser('totp@example.com'))[0].Attributes)['custom:source_mfa']).toBe(
    'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA',
  );

  standby.shim.resetCalls();
  const again = await reconcile(options('primary', { apply: true, deep: true }));
  expect(again.report.counts.update + again.report.counts.create).toBe(0);
  expect(standby.shim.writeCalls()).toBe(0);
  // Without --deep, the TOTP users are still known from the replicas' MFA markers.
  const listOnly = await reconcile(options('primary'));
  expect(listOnly.report.readiness.notCarried).toMatchObject({ totp: 1, totpSource: 'markers' });
  expect(listOnly.report.billedReads).toBe(0);
});

test('--import: missing users seeded by an import job (RESET_REQUIRED), groups completed by the normal path', async () => {
  const { primaryClient: P, standby, pools } = emu();
  const pid = pools.primary.poolId;
  for (let i = 0; i < 4; i++) {
    const u = await createUser(P, pid, `bulk${i}@example.com`, { name: `Bulk, ${i}` });
    if (i % 2)
      await P.send(new AdminAddUserToGroupCommand({ UserPoolId: pid, Username: u.username, GroupName: 'beta' }));
  }
  standby.shim.resetCalls();
  const r = await reconcile(
    options('primary', {
      apply: true,
      import: { roleArn: 'arn:aws:iam::000000000000:role/cognito-import-logs', threshold: 3, pollMs: 200 },
    }),
  );
  expect(r.exitCode).toBe(0);
  expect(r.report.import).toMatchObject({ used: true, candidates: 4 });
  expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 4 });
  expect(standby.shim.calls.AdminCreateUser ?? 0).toBe(0);
  const [bulk1] = await standbyUser('bulk1@example.com');
  expect(bulk1.UserStatus).toBe('RESET_REQUIRED');
  expect(attrs(bulk1.Attributes).name).toBe('Bulk, 1');
  expect(await groupsOf(emu().standbyClient, pools.standby.poolId, bulk1.Username!)).toEqual(['beta']);
  standby.shim.resetCalls();
  const again = await reconcile(options('primary', { apply: true }));
  expect(again.report.counts).toMatchObject({ create: 0, update: 0 });
  expect(standby.shim.writeCalls()).toBe(0);
});

describe('issue 10.1: import jobs report users that were never created', () => {
  test('a job that ends Succeeded with a failed and a skipped row: every row is looked up in the standby, the missing user created one by one', async () => {
    const { primaryClient: P, standbyClient: S, standby, pools } = emu();
    const made: Record<string, { username: string; sub: string }> = {};
    for (let i = 0; i < 4; i++)
      made[i] = await createUser(P, pools.primary.poolId, `rows${i}@example.com`, { name: `rows${i}` });
    const upload = async (url: string, body: Buffer) => {
      // rows0's row fails in the job (its only auto-verified attribute reads unverified), and rows1 is
      // made in the standby by another writer after the listing: its row is skipped.
      const [head, ...lines] = body.toString('utf8').split('\n');
      const header = splitCsvLine(head);
      const flag = header.indexOf('email_verified');
      const csv = [
        head,
        ...lines.map((line) => {
          if (!line.includes('rows0@example.com')) return line;
          const cells = splitCsvLine(line);
          cells[flag] = 'false';
          return cells.join(',');
        }),
      ].join('\n');
      await createUser(S, pools.standby.poolId, 'rows1@example.com', {
        name: 'rows1',
        'custom:source_sub': made[1].sub,
      });
      await uploadCsv(url, Buffer.from(csv));
    };
    standby.shim.resetCalls();
    const r = await reconcile(
      options('primary', {
        apply: true,
        import: { roleArn: 'arn:aws:iam::000000000000:role/cognito-import-logs', threshold: 3, pollMs: 200, upload },
      }),
    );
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 2, failed: 1, skipped: 1 });
    expect(r.exitCode).toBe(0);
    expect(r.report.counts.failed).toBe(0);
    const [rows0] = await standbyUser('rows0@example.com');
    expect(rows0.UserStatus).toBe('CONFIRMED'); // created one by one, with a recoverable password
    expect(await standbyUser('rows1@example.com')).toHaveLength(1);
    expect((await standbyUser('rows2@example.com'))[0].UserStatus).toBe('RESET_REQUIRED');
    expect(r.report.counts.created).toBe(1);
    standby.shim.resetCalls();
    const again = await reconcile(options('primary', { apply: true }));
    expect(again.report.counts).toMatchObject({ create: 0, update: 0 });
    expect(standby.shim.writeCalls()).toBe(0);
  });
});

test('reverse reconcile (failback): the user who signed up in the standby is created in the primary; nothing deleted there', async () => {
  const { primary, pools } = emu();
  const r = await reconcile(options('standby', { apply: true, deleteOrphans: true }));
  expect(r.exitCode).toBe(0);
  const found = await emu().primaryClient.send(
    new ListUsersCommand({ UserPoolId: pools.primary.poolId, Filter: 'email = "native@example.com"' }),
  );
  expect(found.Users).toHaveLength(1);
  expect(r.report.counts.deleted).toBe(0);
  expect(primary.shim.calls.AdminDeleteUser ?? 0).toBe(0);
});

test('the CLI: --json report on stdout, report file 0600, exit 0; bad usage exits 2', async () => {
  const { primary, standby, pools } = emu();
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-cli-'));
  const report = join(dir, 'report.json');
  const args = [
    '--source-region',
    primary.region,
    '--source-pool',
    pools.primary.poolId,
    '--source-endpoint',
    primary.endpoint,
    '--target-region',
    standby.region,
    '--target-pool',
    pools.standby.poolId,
    '--target-endpoint',
    standby.endpoint,
    '--json',
    '--report',
    report,
    '--checkpoint',
    join(dir, 'cp.json'),
  ];
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_PROFILE;
  const run = (extra: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(__dirname, '..', '..', 'scripts', 'reconcile.ts'), ...args, ...extra],
        { env },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const ok = await run([]);
  expect(ok.code).toBe(0);
  // issue 12.4: the quota-bound time is said on stderr before anything is listed
  expect(ok.stderr).toMatch(
    /^about \d+ users in the source and \d+ in the target \(Cognito's estimates\): listing both takes at least/m,
  );
  const json = JSON.parse(ok.stdout);
  expect(json).toMatchObject({ mode: 'dry-run', status: 'complete' });
  expect(json.counts.sourceUsers).toBeGreaterThan(10);
  expect(statSync(report).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(report, 'utf8')).runId).toBe(json.runId);
  expect((await run(['--max-deletes', '-1'])).code).toBe(2);
});

test('short pages, throttling and pagination tokens rejected mid-listing: same result, nothing failed', async () => {
  const { primary, standby, pools } = emu();
  // Enough users for several pages per listing (the shim also cuts pages short at random).
  for (let i = 0; i < 150; i++) {
    await primary.shim.putUser(pools.primary.poolId, {
      Username: `many${i}@example.com`,
      Attributes: [
        { Name: 'email', Value: `many${i}@example.com` },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
  }
  const clean = await reconcile(options('primary', { shards: ['all'] }));
  primary.shim.faults = { shortPages: true, throttleShare: 0.3, seed: 7 };
  standby.shim.faults = { shortPages: true, throttleShare: 0.3, seed: 8 };
  primary.shim.resetCalls();
  standby.shim.resetCalls();
  try {
    const o = options('primary', { shards: ['all'] });
    // Twice, right after a page that has more to come, every token handed out so far stops being accepted.
    // (Hooked on the source's SDK client: the run's views of the port do not inherit patches of the
    // adapter's methods, issue 11.1.)
    let expired = 0;
    const client = (o.source as CognitoGateway).client;
    const send = client.send.bind(client) as (command: unknown) => Promise<{ PaginationToken?: string }>;
    (client as unknown as { send: typeof send }).send = async (command) => {
      const page = await send(command);
      if (command instanceof ListUsersCommand && page.PaginationToken && expired < 2) {
        expired++;
        primary.shim.expirePaginationTokens();
      }
      return page;
    };
    const r = await reconcile(o);
    expect(expired).toBe(2);
    expect(r.exitCode).toBe(0);
    expect(r.report.listing.source.restarts).toBe(2);
    const throttled = [primary, standby].reduce(
      (n, e) => n + Object.values(e.shim.throttled).reduce((a, b) => a + b, 0),
      0,
    );
    expect(throttled).toBeGreaterThan(0); // absorbed: nothing failed
    for (const k of [
      'sourceUsers',
      'standbyUsers',
      'inSync',
      'create',
      'update',
      'skip',
      'orphans',
      'standbyOnly',
      'failed',
    ] as const) {
      expect(r.report.counts[k]).toBe(clean.report.counts[k]);
    }
  } finally {
    primary.shim.faults = {};
    standby.shim.faults = {};
  }
});
