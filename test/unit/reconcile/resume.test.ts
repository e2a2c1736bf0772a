import type { CheckpointState, CheckpointStore } from '../../../src/reconcile/checkpoint';
import { MemoryCheckpointStore } from '../../../src/reconcile/checkpoint';
import { Pair, writeKeys } from './fixture';

/** A drifted pair: creates (with groups), attribute drift, disabled users, a replica left without a password. */
function seed(pair: Pair): void {
  pair.source.group('g1');
  pair.source.group('g2');
  pair.target.group('g1');
  for (let i = 0; i < 40; i++) pair.user(`new${i}`, { groups: i % 2 ? ['g1'] : ['g1', 'g2'], enabled: i % 7 !== 0 });
  for (let i = 0; i < 30; i++) {
    const { replica } = pair.user(`old${i}`, { replica: true, groups: ['g1'] });
    if (i % 3 === 0) replica!.Attributes.name = 'stale';
    if (i % 3 === 1) replica!.Enabled = false;
    if (i % 3 === 2) replica!.UserStatus = 'FORCE_CHANGE_PASSWORD';
  }
}

/** What the target pool looks like, for comparing outcomes. */
function snapshot(pair: Pair): unknown {
  const users = [...pair.target.users.values()]
    .map((u) => ({
      u: u.Username,
      e: u.Enabled,
      s: u.UserStatus,
      // subs are random per seeding: name the source user instead
      a: Object.entries(u.Attributes)
        .filter(([k]) => k !== 'sub')
        .map(([k, v]) => (k === 'custom:source_sub' ? [k, pair.source.bySub.get(v)] : [k, v]))
        .sort(),
    }))
    .sort((a, b) => a.u.localeCompare(b.u));
  const groups = [...pair.target.groups.values()].map((g) => [g.GroupName, [...g.members].sort()]).sort();
  return { users, groups };
}

/** A store that loses everything saved after `crashed` is set (the process died without its last checkpoint). */
class CrashingStore implements CheckpointStore {
  crashed = false;
  constructor(private readonly inner: MemoryCheckpointStore) {}
  get dir() {
    return this.inner.dir;
  }
  get location() {
    return this.inner.location;
  }
  load() {
    return this.inner.load();
  }
  async save(state: CheckpointState) {
    if (!this.crashed) await this.inner.save(state);
  }
  async persistSpool() {}
  async clear() {
    if (!this.crashed) await this.inner.clear();
  }
}

const reference = (() => {
  let cached: { snapshot: unknown; writes: string[] } | undefined;
  return async () => {
    if (cached) return cached;
    const pair = new Pair({ latencyMs: 20 });
    seed(pair);
    const r = await pair.run({ apply: true });
    expect(r.exitCode).toBe(0);
    cached = { snapshot: snapshot(pair), writes: writeKeys(pair.west).sort() };
    return cached;
  };
})();

describe('resume after an interruption, at arbitrary points, without repeating a completed write', () => {
  const points = [1, 2, 7, 23, 50, 96, 140];
  for (const crash of [false, true]) {
    for (const after of points) {
      test(`${crash ? 'crash (last checkpoint lost)' : 'clean stop (Ctrl-C, Lambda time box)'} after ${after} writes`, async () => {
        const ref = await reference();
        const pair = new Pair({ latencyMs: 20 });
        seed(pair);
        const store = new CrashingStore(new MemoryCheckpointStore(pair.dir));
        pair.store = store;
        const stop = new AbortController();
        let writes = 0;
        pair.west.failNext = (op) => {
          if (
            /^Admin(Create|SetUserPassword|Update|Delete|Enable|Disable|AddUser|RemoveUser)/.test(op) &&
            ++writes === after
          ) {
            stop.abort();
            if (crash) store.crashed = true;
          }
          return undefined;
        };
        const first = await pair.run({ apply: true, signal: stop.signal, saveIntervalMs: 1_000_000, horizonChunk: 10 });
        expect(first.status).toBe('stopped');
        expect(first.exitCode).toBe(130);
        pair.west.failNext = undefined;
        store.crashed = false;
        const second = await pair.run({ apply: true });
        expect(second.status).toBe('complete');
        expect(second.exitCode).toBe(0);
        expect(second.report.resumed).toBe(true);
        // Same end state as an uninterrupted run, and no write made twice.
        expect(snapshot(pair)).toEqual(ref.snapshot);
        const done = writeKeys(pair.west);
        expect(done.length).toBe(new Set(done).size);
        expect(done.sort()).toEqual(ref.writes);
        // Nothing left behind: a third run is a no-op.
        const before = writeKeys(pair.west).length;
        const third = await pair.run({ apply: true });
        expect(third.report.counts.inSync).toBe(70);
        expect(writeKeys(pair.west).length).toBe(before);
      });
    }
  }

  test('stopped during the listing: finished shards are not listed again, the rest continue', async () => {
    const pair = new Pair();
    for (let i = 0; i < 2000; i++) pair.user(`u${i}`, { replica: i % 2 === 0 });
    const stop = new AbortController();
    let pages = 0;
    pair.east.failNext = (op) => {
      if (op === 'ListUsers' && ++pages === 20) stop.abort();
      return undefined;
    };
    const first = await pair.run({ apply: false, signal: stop.signal });
    expect(first.status).toBe('stopped');
    expect(first.report.phase).toBe('scan');
    pair.east.failNext = undefined;
    const listedBefore = pair.east.counts.ListUsers;
    const second = await pair.run({ apply: false });
    expect(second.status).toBe('complete');
    expect(second.report.counts.sourceUsers).toBe(2000);
    expect(second.report.counts.create).toBe(1000);
    // A fresh listing of the same pool takes `full` pages; the resumed one repeats at most the
    // page each shard had in flight when the run stopped.
    const resumedPages = pair.east.counts.ListUsers - listedBefore;
    await pair.run({ apply: false, restart: true });
    const full = pair.east.counts.ListUsers - listedBefore - resumedPages;
    expect(listedBefore).toBeGreaterThanOrEqual(20);
    expect(resumedPages).toBeLessThan(full);
    expect(listedBefore + resumedPages).toBeLessThanOrEqual(full + 16);
  });

  test('a checkpoint of the previous layout (the target listing under scan.standby) is resumed, listing again', async () => {
    const pair = new Pair();
    for (let i = 0; i < 400; i++) pair.user(`u${i}`, { replica: i % 2 === 0 });
    const stop = new AbortController();
    let pages = 0;
    pair.east.failNext = (op) => {
      if (op === 'ListUsers' && ++pages === 5) stop.abort();
      return undefined;
    };
    expect((await pair.run({ apply: false, signal: stop.signal })).status).toBe('stopped');
    pair.east.failNext = undefined;
    const store = pair.store as MemoryCheckpointStore;
    const { target, ...rest } = store.state!.scan;
    store.state!.scan = { ...rest, standby: target } as unknown as CheckpointState['scan'];
    const r = await pair.run({ apply: false });
    expect(r.status).toBe('complete');
    expect(r.report.resumed).toBe(true);
    expect(r.report.counts).toMatchObject({ sourceUsers: 400, standbyUsers: 200, create: 200, inSync: 200 });
  });

  test('a checkpoint of another pool pair or mode is never resumed', async () => {
    const pair = new Pair();
    pair.user('a');
    const stop = new AbortController();
    stop.abort();
    const stopped = await pair.run({ apply: false, signal: stop.signal });
    expect(stopped.status).toBe('stopped');
    const notes: string[] = [];
    const r = await pair.run({
      apply: true,
      progress: { phase() {}, update() {}, log: (m) => notes.push(m), end() {} },
    });
    expect(r.report.resumed).toBe(false);
    expect(notes.join('\n')).toMatch(/another pool pair or mode/);
  });
});
