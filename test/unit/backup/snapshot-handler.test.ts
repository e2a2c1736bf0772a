/** The scheduled snapshot and verify functions, and their configuration. */
import { CognitoModel } from '../../../scripts/local/cognito-model';
import { MemoryBackupStore } from '../../../src/backup/store';
import { loadBackupConfig } from '../../../src/config/backup';
import { cognitoGateway } from '../../../src/config/wiring';
import { readChunk } from '../../../src/backup/snapshot-read';
import type { BackedUpUser } from '../../../src/backup/types';
import {
  BackupVerifyError,
  createSnapshotHandler,
  createVerifyHandler,
  SNAPSHOT_STALE_MS,
  type SnapshotEvent,
} from '../../../src/handlers/backup';
import { uniquePoolId, VirtualClock } from '../helpers';

function deps(users = 12) {
  const clock = new VirtualClock(Date.now());
  const model = new CognitoModel({ clock });
  const poolId = uniquePoolId('us-east-1');
  const seeded = model.addPool({ id: poolId });
  for (let i = 0; i < users; i++)
    seeded.put({ Username: `u${i}`, Attributes: { email: `u${i}@example.com` }, Created: new Date(0) });
  const config = loadBackupConfig({ SOURCE_POOL_ID: poolId, AWS_REGION: 'us-east-1', BACKUP_BUCKET: 'backup-bucket' });
  const pool = cognitoGateway({ region: 'us-east-1', poolId }, { client: model.client, clock, headroom: 0 });
  return { clock, seeded, d: { config, pool, store: new MemoryBackupStore() } };
}

describe('backup configuration', () => {
  it('reads the bucket, the prefix (default cognito-backup) and the Regions', () => {
    expect(
      loadBackupConfig({ SOURCE_POOL_ID: 'us-east-1_Abc', AWS_REGION: 'us-east-1', BACKUP_BUCKET: 'backup-bucket' }),
    ).toMatchObject({
      bucket: 'backup-bucket',
      prefix: 'cognito-backup',
      sourceRegion: 'us-east-1',
      bucketRegion: 'us-east-1',
    });
    expect(
      loadBackupConfig({
        SOURCE_POOL_ID: 'us-east-1_Abc',
        AWS_REGION: 'us-east-1',
        BACKUP_BUCKET: 'backup-bucket',
        BACKUP_PREFIX: 'team/cognito',
        BACKUP_REGION: 'eu-west-1',
      }),
    ).toMatchObject({ prefix: 'team/cognito', bucketRegion: 'eu-west-1' });
  });

  it('names every bad or missing variable', () => {
    expect(() =>
      loadBackupConfig({ SOURCE_POOL_ID: 'us-east-1_Abc', AWS_REGION: 'us-east-1', BACKUP_PREFIX: '/abs' }),
    ).toThrow(/backup configuration is invalid: .*BACKUP_BUCKET: is not set.*BACKUP_PREFIX: expected an S3 key prefix/);
  });
});

describe('the scheduled functions', () => {
  it('snapshot then verify: the verify passes and reports the snapshot', async () => {
    const { clock, seeded, d } = deps();
    const out = await clock.run(createSnapshotHandler(d)({}, { getRemainingTimeInMillis: () => 600_000 }));
    // The configuration, and one chunk per `sub` shard that has users (each shard writes its own).
    const shards = new Set([...seeded.users.values()].map((u) => u.Attributes.sub[0]));
    expect(out).toMatchObject({ counts: { users: 12, groups: 0 }, chunks: 1 + shards.size });
    expect(out.manifest).toMatch(/^memory:\/\/cognito-backup\/us-east-1_\w+\/snapshots\/.*\/manifest\.json$/);
    const report = await clock.run(createVerifyHandler(d)());
    expect(report.problems).toEqual([]);
    expect(report.snapshot?.id).toBe(out.snapshotId);
  });

  it('verify fails (its alarm goes off) when there is no snapshot, or a user is missing from it', async () => {
    const { clock, seeded, d } = deps();
    await expect(clock.run(createVerifyHandler(d)())).rejects.toBeInstanceOf(BackupVerifyError);
    await clock.run(createSnapshotHandler(d)({}));
    seeded.put({ Username: 'forgotten', Attributes: { email: 'f@example.com' }, Created: new Date(0) });
    await expect(clock.run(createVerifyHandler(d)())).rejects.toThrow(/1 live user\(s\) created before the snapshot/);
  });
});

describe('the scheduled snapshot continues itself', () => {
  /** A pool of 5,000 users: about 90 list pages, three 1-second budgets at 30 pages a second or more. */
  function chained() {
    const { clock, seeded, d } = deps(5000);
    const invoked: SnapshotEvent[] = [];
    const handler = createSnapshotHandler({
      ...d,
      now: () => clock.now(),
      continueSnapshot: async (payload) => {
        invoked.push(payload);
      },
    });
    // 21 s left: 20 s of margin, 1 s of work.
    const short = { getRemainingTimeInMillis: () => 21_000 };
    const long = { getRemainingTimeInMillis: () => 600_000 };
    return { clock, seeded, d, invoked, handler, short, long };
  }

  it('budget reached: a checkpoint, and the next session invoked with its id; the chain ends with the manifest', async () => {
    const f = chained();
    const first = await f.clock.run(f.handler({ source: 'schedule' }, f.short));
    expect(first).toMatchObject({ status: 'paused', session: 1, continued: true });
    expect(first.counts!.users).toBeGreaterThan(0);
    expect(first.counts!.users).toBeLessThan(5000);
    expect(f.invoked).toEqual([{ action: 'continue', snapshotId: first.snapshotId, after: 1 }]);
    expect([...f.d.store.objects.keys()].filter((k) => k.endsWith('manifest.json'))).toEqual([]);

    let out = first;
    while (out.status === 'paused') out = await f.clock.run(f.handler(f.invoked.at(-1), f.short));
    expect(out).toMatchObject({ status: 'complete', snapshotId: first.snapshotId, counts: { users: 5000 } });
    expect(out.session).toBe(f.invoked.length + 1);
    expect(f.invoked.length).toBeGreaterThan(1);
    // Every user once.
    const manifest = JSON.parse(
      Buffer.from(f.d.store.objects.get(out.manifest!.replace('memory://', ''))!).toString('utf8'),
    );
    const users = (
      await Promise.all(
        manifest.chunks
          .filter((c: { kind: string }) => c.kind === 'users')
          .map((c: never) => readChunk<BackedUpUser>(f.d.store, c)),
      )
    ).flat();
    expect(new Set(users.map((u) => u.username)).size).toBe(5000);
    expect(users).toHaveLength(5000);
    const report = await f.clock.run(createVerifyHandler(f.d)());
    expect(report.problems).toEqual([]);
  });

  it('a continuation of a finished snapshot does nothing; nor does one another session went on from', async () => {
    const f = chained();
    const first = await f.clock.run(f.handler({ source: 'schedule' }, f.short));
    const stale = f.invoked[0];
    const second = await f.clock.run(f.handler(stale, f.short));
    expect(second).toMatchObject({ status: 'paused', session: 2 });
    const puts = f.d.store.objects.size;
    expect(await f.clock.run(f.handler(stale, f.long))).toMatchObject({
      status: 'ignored',
      reason: 'another session went on',
    });
    expect(f.d.store.objects.size).toBe(puts);
    const done = await f.clock.run(f.handler(f.invoked.at(-1), f.long));
    expect(done).toMatchObject({ status: 'complete', snapshotId: first.snapshotId });
    const invocations = f.invoked.length;
    const objects = f.d.store.objects.size;
    expect(await f.clock.run(f.handler(f.invoked.at(-1), f.long))).toMatchObject({
      status: 'ignored',
      reason: 'already complete',
    });
    expect(f.d.store.objects.size).toBe(objects);
    expect(f.invoked).toHaveLength(invocations);
  });

  it('the schedule never starts a second snapshot: it leaves a chain at work, and takes a broken one over', async () => {
    const f = chained();
    const first = await f.clock.run(f.handler({ source: 'schedule' }, f.short));
    expect(await f.clock.run(f.handler({ source: 'schedule' }, f.long))).toMatchObject({
      status: 'ignored',
      reason: 'a snapshot is in progress',
      snapshotId: first.snapshotId,
    });
    // The chain broke (its continuation was lost): the schedule after it goes on with the same snapshot.
    f.clock.advance(SNAPSHOT_STALE_MS);
    const taken = await f.clock.run(f.handler({ source: 'schedule' }, f.long));
    expect(taken).toMatchObject({ status: 'complete', snapshotId: first.snapshotId, counts: { users: 5000 } });
    // The next schedule starts a new snapshot.
    f.clock.advance(1000);
    const next = await f.clock.run(f.handler({ source: 'schedule' }, f.long));
    expect(next.status).toBe('complete');
    expect(next.snapshotId).not.toBe(first.snapshotId);
  });

  it('logs ids and counts only', async () => {
    const f = chained();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const first = await f.clock.run(f.handler({ source: 'schedule' }, f.short));
      await f.clock.run(f.handler({ action: 'continue', snapshotId: first.snapshotId, after: 1 }, f.long));
    } finally {
      spy.mockRestore();
    }
    const text = lines.join('');
    expect(text).toContain('snapshot paused before the timeout');
    expect(text).not.toMatch(/@example\.com|"u\d+"|nextToken/);
  });
});
