import { recordErasure } from '../../../../src/backup/erasure';
import { poolRoot } from '../../../../src/backup/keys';
import { CorruptChunkError, NoSnapshotError } from '../../../../src/backup/restore/errors';
import { stateAt } from '../../../../src/backup/restore/state-at';
import type { StateAtOptions } from '../../../../src/backup/restore/types';
import { MemoryBackupStore } from '../../../../src/backup/store';
import type { GroupInfo, UserRecord } from '../../../../src/core/types';
import { backedUp, POOL, stateRecord, tombstone, writeBatch, writeSnapshot } from './fixtures';

const root = poolRoot('backups', POOL);
const T = '2026-11-30T09:41:00.000Z';

async function rebuild(store: MemoryBackupStore, options: Partial<StateAtOptions> = {}) {
  const users = new Map<string, UserRecord>();
  let groups: GroupInfo[] = [];
  const stats = await stateAt(
    { store, root, at: new Date(T), ...options },
    {
      user: (u) => {
        users.set(u.attributes.sub, u);
      },
      groups: (g) => {
        groups = g;
      },
    },
  );
  return { users, groups, stats };
}

describe('stateAt: the state at T from the snapshot and the journal', () => {
  let store: MemoryBackupStore;
  beforeEach(() => {
    store = new MemoryBackupStore();
  });

  it('starts from the latest complete snapshot started at or before T (a snapshot without a manifest does not exist)', async () => {
    await writeSnapshot(store, root, { snapshotId: 's1', startedAt: '2026-11-29T00:00:00.000Z', users: [backedUp(1)] });
    await writeSnapshot(store, root, { snapshotId: 's2', startedAt: '2026-11-30T00:00:00.000Z', users: [backedUp(2)] });
    await writeSnapshot(store, root, {
      snapshotId: 's3',
      startedAt: '2026-11-30T06:00:00.000Z',
      users: [backedUp(3)],
      noManifest: true,
    });
    await writeSnapshot(store, root, { snapshotId: 's4', startedAt: '2026-11-30T10:00:00.000Z', users: [backedUp(4)] });
    const { users, stats } = await rebuild(store);
    expect(stats.snapshotId).toBe('s2');
    expect([...users.values()].map((u) => u.username)).toEqual(['user2']);
  });

  it('refuses when no complete snapshot started before T', async () => {
    await writeSnapshot(store, root, { snapshotId: 's4', startedAt: '2026-11-30T10:00:00.000Z', users: [backedUp(4)] });
    await expect(rebuild(store)).rejects.toBeInstanceOf(NoSnapshotError);
  });

  it('refuses a chunk that does not match its manifest', async () => {
    const m = await writeSnapshot(store, root, {
      snapshotId: 's',
      startedAt: '2026-11-30T00:00:00.000Z',
      users: [backedUp(1)],
    });
    store.objects.set(m.chunks[0].key, new Uint8Array([1, 2, 3]));
    await expect(rebuild(store)).rejects.toBeInstanceOf(CorruptChunkError);
  });

  it('replays the journal in Cognito order up to T, and not after', async () => {
    const u = backedUp(1);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [u] });
    const at = (t: string, name: string) =>
      stateRecord(t, { ...u, attributes: { ...u.attributes, name }, lastModifiedAt: t });
    await writeBatch(store, root, '2026-11-30T09:00:01.000Z', 'w1', 1, [at('2026-11-30T09:00:00.000Z', 'Nine')]);
    await writeBatch(store, root, '2026-11-30T09:40:01.000Z', 'w1', 2, [at('2026-11-30T09:40:00.000Z', 'Nine forty')]);
    await writeBatch(store, root, '2026-11-30T09:42:01.000Z', 'w1', 3, [at('2026-11-30T09:42:00.000Z', 'Too late')]);
    const { users, stats } = await rebuild(store);
    expect(users.get(u.sub)?.attributes.name).toBe('Nine forty');
    expect(stats).toMatchObject({ users: 1, updatedByJournal: 1, journalObjects: 3, journalRecords: 3, gaps: [] });
  });

  it('replays records written shortly before the snapshot started (the listing took time)', async () => {
    const u = backedUp(1, { lastModifiedAt: '2026-11-29T23:00:00.000Z' });
    // The listing read the user at 00:20 with its old state; the change of 23:58 reached the journal at once.
    await writeSnapshot(store, root, {
      snapshotId: 's',
      startedAt: '2026-11-30T00:00:00.000Z',
      finishedAt: '2026-11-30T00:30:00.000Z',
      users: [u],
    });
    const changed = { ...u, enabled: false, lastModifiedAt: '2026-11-29T23:58:00.000Z' };
    await writeBatch(store, root, '2026-11-29T23:58:01.000Z', 'w1', 7, [
      stateRecord('2026-11-29T23:58:01.000Z', changed),
    ]);
    const { users } = await rebuild(store);
    expect(users.get(u.sub)?.enabled).toBe(false);
  });

  it('a tombstone at or before T removes the user; one after T does not', async () => {
    const gone = backedUp(1);
    const later = backedUp(2);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [gone, later] });
    await writeBatch(store, root, '2026-11-30T09:30:00.000Z', 'w1', 1, [tombstone('2026-11-30T09:29:59.000Z', gone)]);
    await writeBatch(store, root, '2026-11-30T09:45:00.000Z', 'w1', 2, [tombstone('2026-11-30T09:44:59.000Z', later)]);
    const { users, stats } = await rebuild(store);
    expect([...users.keys()]).toEqual([later.sub]);
    expect(stats.deleted).toBe(1);
  });

  it('a user the journal read before the snapshot began, and the snapshot did not list, stays deleted (no tombstone needed)', async () => {
    const kept = backedUp(1);
    const gone = backedUp(7); // deleted while change capture was off: the journal holds no tombstone
    const justBefore = backedUp(8); // read 30 s before the listing began: perhaps not listed yet
    await writeBatch(store, root, '2026-11-30T09:00:00.000Z', 'w', 1, [
      stateRecord('2026-11-30T09:00:00.000Z', gone),
      stateRecord('2026-11-30T09:04:30.000Z', justBefore),
    ]);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T09:05:00.000Z', users: [kept] });
    const { users, stats } = await rebuild(store);
    expect([...users.keys()].sort()).toEqual([kept.sub, justBefore.sub].sort());
    expect(stats.deleted).toBe(1);
  });

  it('a user deleted and made again under the same name is another user (another sub)', async () => {
    const first = backedUp(1);
    const second = backedUp(2, {
      username: 'user1',
      createdAt: '2026-11-30T09:20:00.000Z',
      lastModifiedAt: '2026-11-30T09:20:00.000Z',
    });
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [first] });
    await writeBatch(store, root, '2026-11-30T09:10:00.000Z', 'w1', 1, [tombstone('2026-11-30T09:10:00.000Z', first)]);
    await writeBatch(store, root, '2026-11-30T09:20:01.000Z', 'w1', 2, [
      stateRecord('2026-11-30T09:20:01.000Z', second),
    ]);
    // A late record of the first user's old state (read before the deletion, written after) changes nothing.
    await writeBatch(store, root, '2026-11-30T09:21:00.000Z', 'w2', 1, [
      stateRecord('2026-11-30T09:09:00.000Z', first),
    ]);
    const now = await rebuild(store);
    expect([...now.users.values()].map((u) => [u.username, u.attributes.sub])).toEqual([['user1', second.sub]]);
    expect(now.stats).toMatchObject({ deleted: 1, fromJournal: 1 });
    // Before the deletion, the first one is the user.
    const before = await rebuild(store, { at: new Date('2026-11-30T09:05:00.000Z') });
    expect([...before.users.values()].map((u) => u.attributes.sub)).toEqual([first.sub]);
  });

  it("orders by Cognito's clock, not by the writers' skewed clocks", async () => {
    const u = backedUp(1);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [u] });
    // w-fast's clock is 3 minutes ahead: its older state looks newer by its own time.
    const older = { ...u, attributes: { ...u.attributes, name: 'Older' }, lastModifiedAt: '2026-11-30T09:30:00.000Z' };
    const newer = { ...u, attributes: { ...u.attributes, name: 'Newer' }, lastModifiedAt: '2026-11-30T09:31:00.000Z' };
    await writeBatch(store, root, '2026-11-30T09:33:01.000Z', 'w-fast', 1, [
      stateRecord('2026-11-30T09:33:01.000Z', older),
    ]);
    await writeBatch(store, root, '2026-11-30T09:31:01.000Z', 'w-slow', 1, [
      stateRecord('2026-11-30T09:31:01.000Z', newer),
    ]);
    const { users } = await rebuild(store);
    expect(users.get(u.sub)?.attributes.name).toBe('Newer');
    // A writer whose clock runs behind still has its change counted before T.
    const late = { ...u, attributes: { ...u.attributes, name: 'Behind' }, lastModifiedAt: '2026-11-30T09:40:30.000Z' };
    await writeBatch(store, root, '2026-11-30T09:37:30.000Z', 'w-slow', 2, [
      stateRecord('2026-11-30T09:37:30.000Z', late),
    ]);
    expect((await rebuild(store)).users.get(u.sub)?.attributes.name).toBe('Behind');
  });

  it('a state read after T is used only for a change Cognito made before T, and never for its groups', async () => {
    const u = backedUp(1, { groups: ['admins'] });
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [u] });
    // At 09:45 a script strips the group: Cognito's modification time stays as it was.
    await writeBatch(store, root, '2026-11-30T09:45:01.000Z', 'w', 1, [
      stateRecord('2026-11-30T09:45:00.000Z', { ...u, groups: [] }),
    ]);
    expect((await rebuild(store)).users.get(u.sub)?.groups).toEqual(['admins']);
    // A change made at 09:40:55 reached the journal late (09:41:03), with a group change made after T.
    const renamed = {
      ...u,
      attributes: { ...u.attributes, name: 'Renamed' },
      groups: ['other'],
      lastModifiedAt: '2026-11-30T09:40:55.000Z',
    };
    await writeBatch(store, root, '2026-11-30T09:41:03.000Z', 'w2', 1, [
      stateRecord('2026-11-30T09:41:03.000Z', renamed),
    ]);
    const { users } = await rebuild(store);
    expect(users.get(u.sub)).toMatchObject({ attributes: { name: 'Renamed' }, groups: ['admins'] });
  });

  it("detects and reports a gap in a writer's sequence, never skipping it silently", async () => {
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [backedUp(1)] });
    for (const seq of [10, 11, 14, 15])
      await writeBatch(store, root, `2026-11-30T09:${seq}:00.000Z`, 'worker-a', seq, [
        stateRecord(`2026-11-30T09:${seq}:00.000Z`, backedUp(seq)),
      ]);
    await writeBatch(store, root, '2026-11-30T09:20:00.000Z', 'worker-b', 1, []);
    const { stats, users } = await rebuild(store);
    expect(stats.gaps).toEqual([{ writerId: 'worker-a', fromSeq: 12, toSeq: 13 }]);
    expect(users.size).toBe(5);
  });

  it('never hands on a user in the erasure ledger, from the snapshot or from the journal', async () => {
    const a = backedUp(1);
    const b = backedUp(2);
    const c = backedUp(3, { createdAt: '2026-11-30T09:00:00.000Z', lastModifiedAt: '2026-11-30T09:00:00.000Z' });
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [a, b] });
    await writeBatch(store, root, '2026-11-30T09:00:01.000Z', 'w', 1, [stateRecord('2026-11-30T09:00:01.000Z', c)]);
    await recordErasure(store, root, { sub: a.sub, at: '2026-11-30T12:00:00.000Z', cause: 'DeleteUser' });
    await recordErasure(store, root, { sub: c.sub, at: '2026-11-30T12:00:00.000Z', cause: 'operator' });
    const { users, stats } = await rebuild(store);
    expect([...users.keys()]).toEqual([b.sub]);
    expect(stats.erased).toBe(2);
  });

  it('joins groups from membership lines, keeps group definitions, and names groups users refer to', async () => {
    const a = backedUp(1, { groups: undefined });
    const b = backedUp(2, { groups: undefined });
    await writeSnapshot(store, root, {
      snapshotId: 's',
      startedAt: '2026-11-30T00:00:00.000Z',
      users: [a, b],
      groups: [
        { name: 'admins', precedence: 1, description: 'Admins' },
        { group: 'admins', members: [a.sub] },
        // The snapshot writer's form: one line per page, the first with the group's definition.
        { group: 'staff', definition: { name: 'staff', precedence: 5 }, members: [b.sub] },
        { group: 'staff', members: [a.sub] },
      ],
    });
    const moved = { ...b, groups: ['new-group'], lastModifiedAt: '2026-11-30T09:00:00.000Z' };
    await writeBatch(store, root, '2026-11-30T09:00:01.000Z', 'w', 1, [stateRecord('2026-11-30T09:00:01.000Z', moved)]);
    const { users, groups } = await rebuild(store);
    expect(users.get(a.sub)?.groups).toEqual(['admins', 'staff']);
    expect(users.get(b.sub)?.groups).toEqual(['new-group']);
    expect(groups).toEqual([
      { name: 'admins', precedence: 1, description: 'Admins' },
      { name: 'staff', precedence: 5 },
      { name: 'new-group' },
    ]);
  });

  it('keeps groups and MFA from an older state when the newer one does not know them', async () => {
    const u = backedUp(1, {
      groups: ['staff'],
      mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' },
    });
    await writeSnapshot(store, root, {
      snapshotId: 's',
      startedAt: '2026-11-30T00:00:00.000Z',
      users: [{ ...u, mfa: undefined }],
    });
    await writeBatch(store, root, '2026-11-30T08:00:00.000Z', 'w', 1, [
      stateRecord('2026-11-30T08:00:00.000Z', { ...u, lastModifiedAt: '2026-11-30T08:00:00.000Z' }),
    ]);
    const listed = {
      ...u,
      groups: undefined,
      mfa: undefined,
      enabled: false,
      lastModifiedAt: '2026-11-30T09:00:00.000Z',
    };
    await writeBatch(store, root, '2026-11-30T09:00:00.000Z', 'w', 2, [
      stateRecord('2026-11-30T09:00:00.000Z', listed),
    ]);
    const { users } = await rebuild(store);
    expect(users.get(u.sub)).toMatchObject({ enabled: false, groups: ['staff'], mfa: u.mfa });
  });

  it('a snapshot user changed after T with no earlier state known is kept as the nearest state and counted; one created after T is left out', async () => {
    const changed = backedUp(1, { lastModifiedAt: '2026-11-30T09:50:00.000Z' });
    const created = backedUp(2, { createdAt: '2026-11-30T09:50:00.000Z', lastModifiedAt: '2026-11-30T09:50:00.000Z' });
    await writeSnapshot(store, root, {
      snapshotId: 's',
      startedAt: '2026-11-30T09:30:00.000Z',
      finishedAt: '2026-11-30T10:00:00.000Z',
      users: [changed, created],
    });
    const { users, stats } = await rebuild(store);
    expect([...users.keys()]).toEqual([changed.sub]);
    expect(stats.newerThanRestorePoint).toBe(1);
  });

  it('hands on only the selected subs (--sub)', async () => {
    const a = backedUp(1);
    const b = backedUp(2);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [a, b] });
    const { users, stats } = await rebuild(store, { select: (sub) => sub === b.sub });
    expect([...users.keys()]).toEqual([b.sub]);
    expect(stats.unselected).toBe(1);
  });
});
