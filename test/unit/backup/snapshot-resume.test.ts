/** A snapshot across sessions: paused at page boundaries, resumed from its newest checkpoint. */
import { CognitoModel } from '../../../scripts/local/cognito-model';
import { poolRoot } from '../../../src/backup/keys';
import {
  resumeSnapshot,
  runSnapshotSession,
  type SnapshotSession,
  type SnapshotSessionOptions,
} from '../../../src/backup/snapshot';
import {
  CheckpointTakenError,
  findOpenSnapshot,
  isSnapshotComplete,
  readLatestCheckpoint,
  type SnapshotCheckpoint,
} from '../../../src/backup/snapshot-progress';
import { completeSnapshotIds, readChunk } from '../../../src/backup/snapshot-read';
import { type BackupStore, MemoryBackupStore } from '../../../src/backup/store';
import type { BackedUpUser, SnapshotGroupLine, SnapshotManifest } from '../../../src/backup/types';
import { verifyBackup } from '../../../src/backup/verify';
import { cognitoGateway } from '../../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../helpers';

const LISTINGS = new Set(['ListUsers', 'ListUsersInGroup']);

function fixture(users = 150) {
  const clock = new VirtualClock();
  const model = new CognitoModel({ clock });
  const pool = model.addPool({ id: uniquePoolId('us-east-1') });
  for (let i = 0; i < users; i++)
    pool.put({
      Username: `user${i}`,
      Attributes: { email: `user${i}@example.com` },
      Created: new Date(clock.now() - 86_400_000),
    });
  const big = pool.group('big', { Description: 'many members' });
  for (let i = 0; i < 130; i++) big.members.add(`user${i}`);
  pool.group('small').members.add('user3');
  pool.group('empty');
  for (let g = 0; g < 5; g++) pool.group(`team${g}`).members.add(`user${10 + g}`);
  const gateway = cognitoGateway(
    { region: 'us-east-1', poolId: pool.options.id },
    { client: model.client, clock, headroom: 0 },
  );
  const store = new MemoryBackupStore();
  /** Listing pages asked for so far; `pauseAfter(k)` pauses the session once its k-th page is asked for. */
  let pages = 0;
  let pauseAt = Number.POSITIVE_INFINITY;
  let pause = new AbortController();
  model.failNext = (op) => {
    if (LISTINGS.has(op) && ++pages >= pauseAt) pause.abort();
    return undefined;
  };
  const session = (options: Partial<SnapshotSessionOptions> & { pauseAfter?: number } = {}) => {
    pages = 0;
    pauseAt = options.pauseAfter ?? Number.POSITIVE_INFINITY;
    pause = new AbortController();
    return clock.run(
      runSnapshotSession({
        pool: gateway,
        store,
        prefix: 'b',
        now: () => clock.now(),
        chunkLimits: { maxRecords: 25 },
        pause: pause.signal,
        ...options,
      }),
    );
  };
  const root = poolRoot('b', pool.options.id);
  /** Sessions until complete, each paused after `pauseAfter(i)` pages (sessions after the cut: none). */
  const runToEnd = async (first: SnapshotSession, pauseAfter?: number) => {
    let s = first;
    let sessions = 1;
    while (s.status === 'paused') {
      const resume = await readLatestCheckpoint(store, root, s.checkpoint.snapshotId);
      expect(resume).toEqual(s.checkpoint);
      s = await session({ resume, pauseAfter, shards: undefined });
      sessions++;
      if (sessions > 500) throw new Error('not finishing');
    }
    return { complete: s, sessions };
  };
  return { clock, model, pool, gateway, store, session, runToEnd, root };
}

/** Every user line and group line a manifest names, read back through the checked reader. */
async function contents(store: BackupStore, manifest: SnapshotManifest) {
  const users = (
    await Promise.all(manifest.chunks.filter((c) => c.kind === 'users').map((c) => readChunk<BackedUpUser>(store, c)))
  ).flat();
  const lines = (
    await Promise.all(
      manifest.chunks.filter((c) => c.kind === 'groups').map((c) => readChunk<SnapshotGroupLine>(store, c)),
    )
  ).flat();
  // Subs are random per model: compared by username.
  const nameOf = new Map(users.map((u) => [u.sub, u.username]));
  const members = new Map<string, string[]>();
  for (const l of lines)
    members.set(l.group, [...(members.get(l.group) ?? []), ...l.members.map((sub) => nameOf.get(sub) ?? sub)]);
  for (const list of members.values()) list.sort();
  return {
    subs: users.map((u) => u.username).sort(),
    definitions: lines
      .filter((l) => l.definition)
      .map((l) => l.group)
      .sort(),
    members,
  };
}

async function expectSameAsUninterrupted(
  f: ReturnType<typeof fixture>,
  manifest: SnapshotManifest,
  reference: Awaited<ReturnType<typeof contents>>,
) {
  const got = await contents(f.store, manifest);
  expect(got.subs).toEqual(reference.subs); // every user once: none missing, none twice
  expect(new Set(got.subs).size).toBe(got.subs.length);
  expect(got.definitions).toEqual(reference.definitions);
  expect(got.members).toEqual(reference.members);
  expect(manifest.counts).toEqual({
    users: reference.subs.length,
    groups: reference.definitions.length,
    memberships: [...reference.members.values()].reduce((n, m) => n + m.length, 0),
  });
}

async function reference() {
  const f = fixture();
  const s = await f.session();
  if (s.status !== 'complete') throw new Error('expected complete');
  return {
    pages: f.model.counts.ListUsers + f.model.counts.ListUsersInGroup,
    contents: await contents(f.store, s.manifest),
  };
}

describe('a snapshot in sessions', () => {
  it('cut at each page boundary and resumed: exactly the users, groups and members of an uninterrupted one', async () => {
    const ref = await reference();
    expect(ref.contents.subs).toHaveLength(150);
    expect(ref.pages).toBeGreaterThan(16 + 8);
    let cut = 0;
    for (let k = 1; k <= ref.pages; k++) {
      const f = fixture();
      const first = await f.session({ pauseAfter: k });
      if (first.status === 'complete') {
        // Asked for during the last pages: the pages in flight finished the snapshot.
        expect(k).toBeGreaterThan(ref.pages / 2);
        await expectSameAsUninterrupted(f, first.manifest, ref.contents);
        continue;
      }
      cut++;
      expect(first.checkpoint.seq).toBe(1);
      expect(await completeSnapshotIds(f.store, f.root)).toEqual([]); // no manifest for a paused snapshot
      const { complete } = await f.runToEnd(first);
      if (complete.status !== 'complete') throw new Error('expected complete');
      expect(complete.sessions).toBe(2);
      await expectSameAsUninterrupted(f, complete.manifest, ref.contents);
      expect(await completeSnapshotIds(f.store, f.root)).toEqual([complete.manifest.snapshotId]);
    }
    expect(cut).toBeGreaterThan(ref.pages / 2);
  });

  it('one page a session (unsharded): many sessions, the same snapshot; the verification accepts it', async () => {
    const ref = await reference();
    const f = fixture();
    const { complete, sessions } = await f.runToEnd(await f.session({ pauseAfter: 1, shards: [''] }), 1);
    if (complete.status !== 'complete') throw new Error('expected complete');
    expect(sessions).toBeGreaterThan(4);
    await expectSameAsUninterrupted(f, complete.manifest, ref.contents);
    // Each session wrote its chunks in its own folder; the manifest names chunks of many of them.
    const folders = new Set(complete.manifest.chunks.map((c) => c.key.split('/').at(-2)));
    expect(folders.size).toBeGreaterThan(5);
    const report = await f.clock.run(
      verifyBackup({ pool: f.gateway, store: f.store, prefix: 'b', now: () => f.clock.now() }),
    );
    expect(report.problems).toEqual([]);
    expect(report.snapshot?.id).toBe(complete.manifest.snapshotId);
  });

  it('a deadline pauses a session (checked before each page)', async () => {
    const f = fixture();
    const first = await f.session({ deadline: f.clock.now() + 200 });
    expect(first.status).toBe('paused');
    const { complete } = await f.runToEnd(first);
    expect(complete.status).toBe('complete');
  });

  it('a users token refused on resume restarts that shard; its earlier chunks are not in the manifest', async () => {
    const ref = await reference();
    const f = fixture();
    const first = await f.session({ pauseAfter: 2, shards: [''] });
    if (first.status !== 'paused') throw new Error('expected paused');
    expect(first.checkpoint.shards[0]).toMatchObject({ pass: 0, done: false, nextToken: expect.any(String) });
    const before = first.checkpoint.shards[0].chunks.map((c) => c.key);
    expect(before.length).toBeGreaterThan(0);
    f.model.pager.expireAll(); // Cognito no longer accepts the saved token
    const { complete } = await f.runToEnd(first);
    if (complete.status !== 'complete') throw new Error('expected complete');
    await expectSameAsUninterrupted(f, complete.manifest, ref.contents);
    const named = complete.manifest.chunks.map((c) => c.key);
    expect(named.filter((k) => before.includes(k))).toEqual([]);
    expect(named.filter((k) => /\/p1\/users-\d{5}\.jsonl\.gz$/.test(k)).length).toBeGreaterThan(0);
  });

  it('a group token refused on resume lists the groups again; every member once', async () => {
    const ref = await reference();
    const f = fixture();
    // Users first (one shard, 3 pages), then 'big' (3 pages: 130 members): pause inside it.
    let first: SnapshotSession | undefined;
    for (let k = 2; k < 12 && !first; k++) {
      const g = fixture();
      const s = await g.session({ pauseAfter: k, shards: [''] });
      if (s.status === 'paused' && s.checkpoint.groups.open.some((o) => o.nextToken)) {
        first = s;
        Object.assign(f, g);
      }
    }
    if (first?.status !== 'paused') throw new Error('no session paused inside a group');
    f.model.pager.expireAll();
    const { complete } = await f.runToEnd(first);
    if (complete.status !== 'complete') throw new Error('expected complete');
    await expectSameAsUninterrupted(f, complete.manifest, ref.contents);
    expect(complete.manifest.chunks.some((c) => /\/p1\/groups-\d{5}\.jsonl\.gz$/.test(c.key))).toBe(true);
  });

  it('a session killed before its checkpoint is redone from the previous one (new names, nothing overwritten)', async () => {
    const ref = await reference();
    const f = fixture();
    const first = await f.session({ pauseAfter: 1, shards: [''] });
    if (first.status !== 'paused') throw new Error('expected paused');
    const store = f.store;
    const put = store.putNew.bind(store);
    let puts = 0;
    store.putNew = async (key: string, body: Uint8Array) => {
      if (++puts > 2) throw new Error('connection reset');
      return put(key, body);
    };
    await expect(f.session({ resume: first.checkpoint })).rejects.toThrow('connection reset');
    store.putNew = put;
    expect((await readLatestCheckpoint(store, f.root, first.checkpoint.snapshotId))?.seq).toBe(1);
    const { complete } = await f.runToEnd(first);
    if (complete.status !== 'complete') throw new Error('expected complete');
    await expectSameAsUninterrupted(f, complete.manifest, ref.contents);
  });

  it('two sessions from the same checkpoint: the second cannot write the next one', async () => {
    const f = fixture();
    const first = await f.session({ pauseAfter: 2 });
    if (first.status !== 'paused') throw new Error('expected paused');
    const resume: SnapshotCheckpoint = first.checkpoint;
    const a = await f.session({ resume, pauseAfter: 2 });
    expect(a.status).toBe('paused');
    await expect(f.session({ resume, pauseAfter: 2 })).rejects.toBeInstanceOf(CheckpointTakenError);
  });

  it('finds the open snapshot, and knows a complete one', async () => {
    const f = fixture(20);
    const since = new Date(f.clock.now() - 60_000);
    expect(await findOpenSnapshot(f.store, f.root, since)).toBeUndefined();
    const first = await f.session({ pauseAfter: 1 });
    if (first.status !== 'paused') throw new Error('expected paused');
    const id = first.checkpoint.snapshotId;
    expect(await findOpenSnapshot(f.store, f.root, since)).toEqual({ snapshotId: id, checkpoint: first.checkpoint });
    expect(await findOpenSnapshot(f.store, f.root, new Date(f.clock.now() + 60_000))).toBeUndefined();
    expect(await isSnapshotComplete(f.store, f.root, id)).toBe(false);
    await f.runToEnd(first);
    expect(await isSnapshotComplete(f.store, f.root, id)).toBe(true);
    expect(await findOpenSnapshot(f.store, f.root, since)).toBeUndefined();
  });

  it('resumeSnapshot goes on in one go; nothing to resume is an error', async () => {
    const f = fixture(30);
    const first = await f.session({ pauseAfter: 2 });
    if (first.status !== 'paused') throw new Error('expected paused');
    const opts = { pool: f.gateway, store: f.store, prefix: 'b', now: () => f.clock.now() };
    const done = await f.clock.run(resumeSnapshot(opts, first.checkpoint.snapshotId));
    expect(done.manifest.counts.users).toBe(30);
    await expect(f.clock.run(resumeSnapshot(opts, first.checkpoint.snapshotId))).rejects.toThrow(/already complete/);
    await expect(f.clock.run(resumeSnapshot(opts, '20260101T000000000Z-abcdef'))).rejects.toThrow(/no checkpoint/);
  });
});
