import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolRoot } from '../../../../src/backup/keys';
import { parseJsonLines } from '../../../../src/backup/restore/json-lines';
import { findSnapshot } from '../../../../src/backup/restore/snapshots';
import { stateAt, toUserRecord } from '../../../../src/backup/restore/state-at';
import type { StateAtOptions } from '../../../../src/backup/restore/types';
import { JournalWindow } from '../../../../src/backup/restore/window';
import { MemoryBackupStore } from '../../../../src/backup/store';
import type { BackedUpUser, JournalRecord, SnapshotManifest } from '../../../../src/backup/types';
import type { GroupInfo, UserRecord } from '../../../../src/core/types';
import { backedUp, POOL, stateRecord, tombstone, writeBatch, writeSnapshot } from './fixtures';

const root = poolRoot('backups', POOL);
const T = '2026-11-30T09:41:00.000Z';
const SNAPSHOT = '2026-11-30T06:00:00.000Z';
const GROUPS = ['admins', 'staff', 'users'];

/** A time `minutes` after the snapshot started. */
const after = (minutes: number) => new Date(Date.parse(SNAPSHOT) + minutes * 60_000).toISOString();

/**
 * The state as the restore rebuilt it before its working set went to disk: the whole journal
 * window in one {@link JournalWindow}, the members of every group in a Map by sub.
 */
async function inMemoryReference(store: MemoryBackupStore, manifest: SnapshotManifest, records: JournalRecord[]) {
  const window = new JournalWindow(new Date(T), 5 * 60_000);
  for (const r of records) window.add(r);
  const membersOf = new Map<string, string[]>();
  for (const chunk of manifest.chunks.filter((c) => c.kind === 'groups'))
    for (const line of parseJsonLines<{ group?: string; members?: string[] }>((await store.get(chunk.key))!))
      for (const sub of line.members ?? []) membersOf.set(sub, [...(membersOf.get(sub) ?? []), line.group!]);
  const users = new Map<string, UserRecord>();
  let deleted = 0;
  for (const chunk of manifest.chunks.filter((c) => c.kind === 'users'))
    for (const listed of parseJsonLines<BackedUpUser>((await store.get(chunk.key))!)) {
      const user = listed.groups || !membersOf.size ? listed : { ...listed, groups: membersOf.get(listed.sub) ?? [] };
      const r = window.resolve(user, manifest.startedAt);
      if (r.kind === 'deleted') deleted++;
      if ('user' in r) users.set(r.user.sub, toUserRecord(r.user));
    }
  deleted += window.deletedRemaining;
  for (const user of window.remaining(Date.parse(manifest.startedAt))) users.set(user.sub, toUserRecord(user));
  deleted += window.deletedUnrecorded;
  return { users, deleted };
}

async function rebuild(store: MemoryBackupStore, options: Partial<StateAtOptions> = {}) {
  const users = new Map<string, UserRecord>();
  const order: string[] = [];
  let groups: GroupInfo[] = [];
  const stats = await stateAt(
    { store, root, at: new Date(T), ...options },
    {
      user: (u) => {
        users.set(u.attributes.sub, u);
        order.push(u.attributes.sub);
      },
      groups: (g) => {
        groups = g;
      },
    },
  );
  return { users, order, groups, stats };
}

/**
 * 300 snapshot users without their groups (membership lines, 7 subs a line, spread over two
 * chunks), and a journal of 200 records over 150 subs in 12 batches: states before and after T,
 * late reads, states without groups, tombstones before and after T, users made after the
 * snapshot, and users read before the snapshot that it did not list.
 */
async function scenario(store: MemoryBackupStore): Promise<{ manifest: SnapshotManifest; records: JournalRecord[] }> {
  const listed = Array.from({ length: 300 }, (_, n) => backedUp(n, { groups: undefined }));
  const lines: { group: string; definition?: GroupInfo; members: string[] }[] = [];
  for (const [g, group] of GROUPS.entries()) {
    const members = listed.filter((_, n) => n % 3 === g || n % 7 === g).map((u) => u.sub);
    for (let i = 0; i < members.length; i += 7)
      lines.push({
        group,
        ...(i === 0 ? { definition: { name: group, precedence: g } } : {}),
        members: members.slice(i, i + 7),
      });
  }
  await writeSnapshot(store, root, {
    snapshotId: 's',
    startedAt: SNAPSHOT,
    users: listed,
    groups: lines,
    chunkUsers: 40,
  });
  const records: JournalRecord[] = [];
  for (let k = 0; k < 200; k++) {
    const n = (k * 37) % 450; // subs 300.. are not in the snapshot
    const minute = (k % 9) * 30 - 20; // from before the snapshot to after T (T is snapshot + 221 minutes)
    const user = backedUp(n, {
      enabled: k % 4 !== 0,
      groups: k % 5 === 0 ? undefined : [GROUPS[k % 3]],
      lastModifiedAt: after(k % 6 === 0 ? minute - 1 : minute),
      createdAt: n >= 300 ? after(-30) : '2026-11-01T00:00:00.000Z',
    });
    records.push(
      k % 11 === 0 ? tombstone(after(minute), user) : stateRecord(after(minute + (k % 7 === 0 ? 2 : 0)), user),
    );
  }
  for (let b = 0; b * 17 < records.length; b++)
    await writeBatch(store, root, after(b * 18 - 20), 'writer-a', b + 1, records.slice(b * 17, (b + 1) * 17));
  return { manifest: await findSnapshot(store, root, new Date(T)), records };
}

describe('stateAt on disk: the working set sorted by sub and joined, in memory that does not grow with the pool', () => {
  let store: MemoryBackupStore;
  beforeEach(() => {
    store = new MemoryBackupStore();
  });

  it('rebuilds the same state as the whole window and every membership held in memory', async () => {
    const { manifest, records } = await scenario(store);
    const reference = await inMemoryReference(store, manifest, records);
    const { users, stats } = await rebuild(store);
    expect(reference.users.size).toBeGreaterThan(250);
    expect(reference.deleted).toBeGreaterThan(0);
    expect(users).toEqual(reference.users);
    expect(stats.deleted).toBe(reference.deleted);
    expect(stats.users).toBe(reference.users.size);
    expect(stats.journalRecords).toBe(records.length);
    // The scenario reaches every path: journal over snapshot, journal only, deletions either way.
    expect(stats).toMatchObject({
      fromJournal: expect.any(Number),
      updatedByJournal: expect.any(Number),
    });
    expect(Math.min(stats.fromJournal, stats.updatedByJournal, stats.deleted)).toBeGreaterThan(0);
  });

  it('spilled in runs of a few lines, merged on read, the state is the same', async () => {
    await scenario(store);
    const inOneRun = await rebuild(store);
    const spilled = await rebuild(store, { runLines: 3 });
    expect(spilled.users).toEqual(inOneRun.users);
    expect(spilled.stats).toEqual(inOneRun.stats);
    expect(spilled.groups).toEqual(inOneRun.groups);
    expect(spilled.groups.map((g) => g.name)).toEqual(expect.arrayContaining(GROUPS));
  });

  it('hands users on in sub order, and leaves nothing in its working folder', async () => {
    await scenario(store);
    const workDir = await mkdtemp(join(tmpdir(), 'by-sub-test-'));
    try {
      const { order } = await rebuild(store, { workDir, runLines: 5 });
      expect(order).toEqual([...order].sort());
      expect(await readdir(workDir)).toEqual([]);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('a journal record for one sub spread over many runs is replayed in the order it was written', async () => {
    const u = backedUp(1, { lastModifiedAt: after(10) });
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: SNAPSHOT, users: [backedUp(1)] });
    // Same Cognito time and read time: the later written wins (as in one window in memory).
    const records = Array.from({ length: 12 }, (_, i) =>
      stateRecord(after(10), { ...u, attributes: { ...u.attributes, name: `v${i}` } }),
    );
    await writeBatch(store, root, after(11), 'writer-a', 1, records);
    const { users } = await rebuild(store, { runLines: 2 });
    expect(users.get(u.sub)?.attributes.name).toBe('v11');
  });

  it('a listing margin made smaller (an emulator that lists at once) counts a user read just before the listing, and not listed, as deleted', async () => {
    const justBefore = backedUp(8);
    await writeBatch(store, root, after(-1), 'w', 1, [stateRecord(after(-0.5), justBefore)]);
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: SNAPSHOT, users: [backedUp(1)] });
    expect((await rebuild(store)).users.has(justBefore.sub)).toBe(true);
    const strict = await rebuild(store, { listingMarginMs: 1_000 });
    expect(strict.users.has(justBefore.sub)).toBe(false);
    expect(strict.stats.deleted).toBe(1);
  });
});
