/**
 * `npm run backup` against an emulated pool (the Cognito model over HTTP) and the local S3: a
 * snapshot of users, groups and configuration with its manifest, `--verify` sound, a damaged
 * chunk found (exit 1), a failure mid-snapshot leaving no manifest (exit 2), bad flags (exit 2),
 * `--resume` of a snapshot paused by the scheduled function's code.
 */
import { gunzipSync } from 'node:zlib';
import { AdminAddUserToGroupCommand, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createDrillPool, type DrillPool } from '../../scripts/local/pools';
import { runSnapshotSession } from '../../src/backup/snapshot';
import { S3BackupStore } from '../../src/backup/store';
import { cognitoGateway } from '../../src/config/wiring';
import { type CliRun, runCli } from '../support/cli';
import { useEmulators, useS3Bucket } from '../support/emulators';

jest.setTimeout(120_000);

const emu = useEmulators({ cognito: ['primary'], sqs: false, pools: false });
const BUCKET = 'backups';
const USERS = 130;
const s3 = useS3Bucket(BUCKET);
let pool: DrillPool;

function backup(args: string[]): Promise<CliRun> {
  const { primary } = emu();
  return runCli(
    'backup',
    [
      '--region',
      primary.region,
      '--pool',
      pool.poolId,
      '--to',
      `s3://${BUCKET}/cognito`,
      '--endpoint',
      primary.endpoint,
      '--s3-endpoint',
      s3().endpoint,
      ...args,
    ],
    { timeoutMs: 90_000 },
  );
}

const manifests = () => [...s3().objects(BUCKET).keys()].filter((k) => k.endsWith('/manifest.json'));

beforeAll(async () => {
  const { primary, primaryClient } = emu();
  pool = await createDrillPool(primaryClient, { name: 'backup', usernameMode: 'username' });
  for (let i = 0; i < USERS; i++)
    await primary.shim.putUser(pool.poolId, {
      Username: `person${i}`,
      Attributes: [
        { Name: 'email', Value: `person${i}@example.com` },
        { Name: 'email_verified', Value: 'true' },
      ],
      Enabled: i % 9 !== 0,
    });
  await primaryClient.send(new CreateGroupCommand({ UserPoolId: pool.poolId, GroupName: 'admins', Precedence: 1 }));
  for (let i = 0; i < 65; i++)
    await primaryClient.send(
      new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: `person${i}`, GroupName: 'admins' }),
    );
});

test('takes a snapshot: users, groups and the configuration in chunks, the manifest last; then verifies it', async () => {
  const run = await backup(['--json']);
  expect(run.stderr).not.toMatch(/@example\.com/);
  expect(run.code).toBe(0);
  const summary = JSON.parse(run.stdout);
  expect(summary).toMatchObject({ users: USERS, groups: 1, memberships: 65 });
  expect(summary.userListBoundMs).toBeGreaterThan(0);
  expect(manifests()).toEqual([`cognito/${pool.poolId}/snapshots/${summary.snapshotId}/manifest.json`]);

  const objects = s3().objects(BUCKET);
  const manifest = JSON.parse(objects.get(manifests()[0])!.body.toString('utf8'));
  expect(manifest.counts).toEqual({ users: USERS, groups: 1, memberships: 65 });
  const users = manifest.chunks
    .filter((c: { kind: string }) => c.kind === 'users')
    .flatMap((c: { key: string }) => gunzipSync(objects.get(c.key)!.body).toString('utf8').trim().split('\n'))
    .map((l: string) => JSON.parse(l));
  expect(users).toHaveLength(USERS);
  expect(users.find((u: { username: string }) => u.username === 'person0')).toMatchObject({
    enabled: false,
    attributes: { email: 'person0@example.com', email_verified: 'true' },
  });
  const config = JSON.parse(
    gunzipSync(objects.get(manifest.chunks.find((c: { kind: string }) => c.kind === 'config').key)!.body).toString(),
  );
  expect(config.pool.Id).toBe(pool.poolId);

  const text = await backup([]);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^Snapshot \d{8}T\d{9}Z-[0-9a-f]{6} complete: s3:\/\/backups\/cognito\//);
  expect(text.stdout).toMatch(/the UserList quota bound for its \d+ list calls is/);

  const verified = await backup(['--verify', '--json']);
  expect(verified.code).toBe(0);
  const report = JSON.parse(verified.stdout);
  expect(report.problems).toEqual([]);
  expect(report.snapshot.id).toBe(/^Snapshot (\S+) complete/.exec(text.stdout)![1]); // the latest
  expect(report.live).toMatchObject({ users: USERS, missing: 0, newSince: 0, goneSince: 0 });
  const plain = await backup(['--verify']);
  expect(plain.stdout).toMatch(/^Backup of .*: sound$/m);
  expect(plain.stdout).toMatch(/journal: empty/);
});

test('--verify finds a chunk that differs from its manifest: exit 1', async () => {
  const first = await backup(['--json']);
  expect(first.code).toBe(0);
  const { snapshotId } = JSON.parse(first.stdout);
  // The latest snapshot is the one just taken (ids sort by start time).
  const objects = s3().objects(BUCKET);
  const key = [...objects.keys()].find((k) => k.includes(snapshotId) && k.includes('/users-'))!;
  const body = objects.get(key)!.body;
  body[body.length - 3] ^= 0xff; // damage in place (an emulator's object, for the test)
  const run = await backup(['--verify']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/problem: chunk .*users-\d{5}\.jsonl\.gz: SHA-256 differs from the manifest/);
});

test('a failure mid-snapshot writes no manifest and exits 2; bad flags exit 2', async () => {
  const before = manifests();
  s3().failNext(1000, 'InternalError');
  const run = await backup([]);
  s3().failNext(0);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^error: /m);
  expect(manifests()).toEqual(before);

  expect((await backup(['--to', 'bucket-without-scheme'])).code).toBe(2);
});

test('--resume goes on with a snapshot paused by the scheduled function, to one complete manifest', async () => {
  const { primary, primaryClient } = emu();
  const gateway = cognitoGateway(
    { region: primary.region, poolId: pool.poolId, endpoint: primary.endpoint },
    { client: primaryClient, headroom: 0 },
  );
  const pause = new AbortController();
  const paused = await runSnapshotSession({
    pool: gateway,
    store: new S3BackupStore(s3().client(), BUCKET),
    prefix: 'cognito',
    pause: pause.signal,
    onProgress: (p) => {
      if (p.users > 0) pause.abort();
    },
  });
  if (paused.status !== 'paused') throw new Error('expected a paused snapshot');
  const { snapshotId } = paused.checkpoint;
  expect(manifests().some((k) => k.includes(snapshotId))).toBe(false);

  const run = await backup(['--resume', snapshotId, '--json']);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ snapshotId, users: USERS, groups: 1, memberships: 65 });
  expect(manifests().filter((k) => k.includes(snapshotId))).toHaveLength(1);
  const verified = await backup(['--verify', '--json']);
  expect(JSON.parse(verified.stdout).problems).toEqual([]);

  // A finished snapshot, a bad id, or --resume with --verify: exit 2.
  expect((await backup(['--resume', snapshotId])).code).toBe(2);
  expect((await backup(['--resume', 'latest'])).code).toBe(2);
  expect((await backup(['--resume', snapshotId, '--verify'])).code).toBe(2);
});
