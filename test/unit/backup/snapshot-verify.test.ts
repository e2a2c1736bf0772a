/** The backup verification over the Cognito model (direct transport) and the in-memory backup store. */
import { CognitoModel } from '../../../scripts/local/cognito-model';
import { journalKey, poolRoot } from '../../../src/backup/keys';
import { newestJournalRecord, parseCompactTime } from '../../../src/backup/recovery-point';
import { takeSnapshot } from '../../../src/backup/snapshot';
import { MemoryBackupStore } from '../../../src/backup/store';
import { SubDigest } from '../../../src/backup/sub-digest';
import { verifyBackup } from '../../../src/backup/verify';
import { cognitoGateway } from '../../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../helpers';

function fixture(users = 300) {
  const clock = new VirtualClock();
  const model = new CognitoModel({ clock });
  const pool = model.addPool({ id: uniquePoolId('us-east-1') });
  for (let i = 0; i < users; i++)
    pool.put({
      Username: `user${i}`,
      Attributes: { email: `user${i}@example.com` },
      Created: new Date(clock.now() - 86_400_000),
    });
  pool.group('admins').members.add('user1');
  const gateway = cognitoGateway(
    { region: 'us-east-1', poolId: pool.options.id },
    { client: model.client, clock, headroom: 0 },
  );
  const store = new MemoryBackupStore();
  const now = () => clock.now();
  const snapshot = () =>
    clock.run(takeSnapshot({ pool: gateway, store, prefix: 'b', now, chunkLimits: { maxRecords: 50 } }));
  const verify = () => clock.run(verifyBackup({ pool: gateway, store, prefix: 'b', now }));
  return { clock, model, pool, store, snapshot, verify, root: poolRoot('b', pool.options.id) };
}

describe('verifyBackup', () => {
  it('no snapshot is a problem', async () => {
    const f = fixture(3);
    const report = await f.verify();
    expect(report.problems).toEqual([expect.stringMatching(/^no complete snapshot under memory:\/\/b\/us-east-1_/)]);
  });

  it('a sound snapshot of an unchanged pool: no problem, counts as in the manifest', async () => {
    const f = fixture();
    const { manifest } = await f.snapshot();
    f.clock.advance(60_000);
    const report = await f.verify();
    expect(report.problems).toEqual([]);
    expect(report.snapshot).toMatchObject({
      id: manifest.snapshotId,
      counts: { users: 300, groups: 1, memberships: 1 },
    });
    expect(report.snapshot!.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(report.live).toEqual({
      users: 300,
      missing: 0,
      newSince: 0,
      goneSince: 0,
      groups: 1,
      groupsNewSince: [],
      groupsGoneSince: [],
    });
    expect(report.journal).toBeUndefined();
    // Only list calls and pool reads, never a per-user read.
    expect(f.model.counts.AdminGetUser ?? 0).toBe(0);
  });

  it('users created or deleted since the snapshot are counted, not problems; a user older than the snapshot and absent from it is missing', async () => {
    const f = fixture();
    await f.snapshot();
    f.clock.advance(60_000);
    f.pool.put({ Username: 'late', Attributes: { email: 'late@example.com' }, Created: new Date(f.clock.now()) });
    f.pool.remove(f.pool.users.get('user7')!);
    f.pool.group('newgroup');
    let report = await f.verify();
    expect(report.problems).toEqual([]);
    expect(report.live).toMatchObject({
      users: 300,
      newSince: 1,
      goneSince: 1,
      missing: 0,
      groupsNewSince: ['newgroup'],
    });

    // A user that existed when the snapshot started but is not in it: the snapshot is incomplete.
    f.pool.put({ Username: 'old', Attributes: { email: 'old@example.com' }, Created: new Date(0) });
    report = await f.verify();
    expect(report.live).toMatchObject({ missing: 1, newSince: 1, goneSince: 1 });
    expect(report.problems).toEqual([
      expect.stringMatching(/^1 live user\(s\) created before the snapshot started are not in it/),
    ]);
    expect(report.problems.join()).not.toContain('old@example.com');
  });

  it('a chunk that differs from its manifest is a problem, and the live comparison is skipped', async () => {
    const f = fixture(20);
    const { manifest } = await f.snapshot();
    const chunk = manifest.chunks.find((c) => c.kind === 'groups')!;
    f.store.objects.set(chunk.key, Buffer.from('not gzip'));
    const report = await f.verify();
    expect(report.problems).toEqual([
      expect.stringMatching(/^chunk .*groups-00000\.jsonl\.gz: 8 bytes, the manifest says/),
    ]);
    expect(report.live).toBeUndefined();
  });

  it('a manifest whose counts disagree with its chunks is a problem', async () => {
    const f = fixture(20);
    const { manifest, manifestKey } = await f.snapshot();
    f.store.objects.set(
      manifestKey,
      Buffer.from(JSON.stringify({ ...manifest, counts: { ...manifest.counts, users: 21 } })),
    );
    const report = await f.verify();
    expect(report.problems).toEqual(['the users chunks hold 20 users, the manifest says 21']);
  });

  it('reports the journal newest record as the recovery point', async () => {
    const f = fixture(5);
    await f.snapshot();
    const older = new Date(f.clock.now() - 3 * 3_600_000);
    const newest = new Date(f.clock.now() - 90_000);
    for (const [at, seq] of [
      [older, 1],
      [newest, 2],
      [new Date(newest.getTime() - 1000), 3],
    ] as const)
      await f.store.putNew(journalKey(f.root, at, 'w1', seq), Buffer.from(''));
    const report = await f.verify();
    expect(report.journal).toEqual({
      key: journalKey(f.root, newest, 'w1', 2),
      newestAt: newest.toISOString(),
      lagMs: 90_000,
    });
  });

  it('finds the newest journal record beyond the hours it probes first', async () => {
    const store = new MemoryBackupStore();
    const old = new Date('2026-01-01T00:00:00.000Z');
    await store.putNew(journalKey('r/', old, 'w', 1), Buffer.from(''));
    expect(await newestJournalRecord(store, 'r/', new Date('2026-06-01T00:00:00.000Z'))).toEqual({
      key: journalKey('r/', old, 'w', 1),
      at: old,
    });
    expect(await newestJournalRecord(new MemoryBackupStore(), 'r/', new Date())).toBeUndefined();
    expect(parseCompactTime('20261130T094100123Z')?.toISOString()).toBe('2026-11-30T09:41:00.123Z');
    expect(parseCompactTime('nope')).toBeUndefined();
  });
});

describe('SubDigest', () => {
  it('agrees on the same subs in any order and names the buckets that differ', () => {
    const a = new SubDigest();
    const b = new SubDigest();
    const subs = ['0a-1', '0a-2', 'ff-3', '12-4'];
    for (const s of subs) a.add(s);
    for (const s of [...subs].reverse()) b.add(s);
    expect(a.differingBuckets(b)).toEqual([]);
    b.add('0a-5');
    a.add('77-6');
    expect(a.differingBuckets(b)).toEqual(['0a', '77']);
    expect(a.size).toBe(5);
  });
});
