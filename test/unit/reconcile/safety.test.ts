import { deletionDecision, type DeletionFacts } from '../../../src/reconcile/safety';
import { Pair } from './fixture';

const ok: DeletionFacts = {
  requested: true,
  apply: true,
  sourceUsers: 100,
  targetUsers: 110,
  minSourceShare: 0.5,
  sourceSubAttributeInSchema: true,
  failed: 0,
};

describe('deletion rules', () => {
  test('allowed only when every rule holds', () => {
    expect(deletionDecision(ok)).toEqual({ allowed: true });
    expect(deletionDecision({ ...ok, requested: false }).allowed).toBe(false);
    expect(deletionDecision({ ...ok, apply: false }).reason).toMatch(/dry run/);
    expect(deletionDecision({ ...ok, sourceSubAttributeInSchema: false }).reason).toMatch(/source-sub attribute/);
    expect(deletionDecision({ ...ok, sourceUsers: 0, targetUsers: 0 }).reason).toMatch(/empty/);
    expect(deletionDecision({ ...ok, failed: 1 }).reason).toMatch(/failed/);
  });

  test('refused when the source listing looks incomplete: fewer source users than half the standby', () => {
    expect(deletionDecision({ ...ok, sourceUsers: 50, targetUsers: 100 }).allowed).toBe(true);
    const d = deletionDecision({ ...ok, sourceUsers: 49, targetUsers: 100 });
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/looks incomplete \(49 source users, below 50% of the target's 100\)/);
    expect(deletionDecision({ ...ok, sourceUsers: 79, targetUsers: 100, minSourceShare: 0.8 }).allowed).toBe(false);
  });
});

describe('orphans in a run', () => {
  function seed(pair: Pair, orphans: number, native = 3, users = 10): void {
    for (let i = 0; i < users; i++) pair.user(`u${i}`, { replica: true });
    for (let i = 0; i < orphans; i++)
      pair.target.put({
        Username: `gone${i}`,
        Attributes: { email: `gone${i}@example.com`, 'custom:source_sub': `00000000-0000-4000-8000-00000000000${i}` },
      });
    for (let i = 0; i < native; i++)
      pair.target.put({ Username: `native${i}`, Attributes: { email: `native${i}@example.com` } });
  }

  test('only reported without --delete-orphans, and in a dry run', async () => {
    const pair = new Pair();
    seed(pair, 4);
    const dry = await pair.run({ deleteOrphans: true });
    expect(dry.report.counts).toMatchObject({ orphans: 4, standbyOnly: 3, deleted: 0 });
    expect(dry.report.deletion.reason).toMatch(/dry run/);
    const applied = await pair.run({ apply: true });
    expect(applied.report.counts.deleted).toBe(0);
    expect(pair.target.users.size).toBe(17);
    expect(applied.report.entries.orphan!.map((e) => e.standbyUsername).sort()).toEqual([
      'gone0',
      'gone1',
      'gone2',
      'gone3',
    ]);
    expect(applied.report.entries['standby-only']!.map((e) => e.standbyUsername).sort()).toEqual([
      'native0',
      'native1',
      'native2',
    ]);
  });

  test('at most --max-deletes, never a standby-only user; the rest next run', async () => {
    const pair = new Pair();
    seed(pair, 5);
    const first = await pair.run({ apply: true, deleteOrphans: true, maxDeletes: 2 });
    expect(first.report.counts.deleted).toBe(2);
    expect(pair.west.counts.AdminDeleteUser).toBe(2);
    // Each deletion was checked against the source pool first (ListUsers on sub, not billed).
    expect(pair.east.log.filter((c) => c.op === 'ListUsers').length).toBeGreaterThanOrEqual(2);
    const second = await pair.run({ apply: true, deleteOrphans: true, maxDeletes: 10 });
    expect(second.report.counts.deleted).toBe(3);
    expect([...pair.target.users.keys()].filter((u) => u.startsWith('native'))).toHaveLength(3);
    expect([...pair.target.users.keys()].filter((u) => u.startsWith('gone'))).toHaveLength(0);
  });

  test('refused when the source looks incomplete (source listing far smaller than the standby)', async () => {
    const pair = new Pair();
    seed(pair, 15, 0, 10); // 10 source users, 25 standby users
    const r = await pair.run({ apply: true, deleteOrphans: true, maxDeletes: 100 });
    expect(r.report.deletion.allowed).toBe(false);
    expect(r.report.deletion.reason).toMatch(/looks incomplete/);
    expect(pair.west.counts.AdminDeleteUser ?? 0).toBe(0);
  });

  test('an orphan whose source sub still exists in the source is kept', async () => {
    const pair = new Pair();
    seed(pair, 0, 0);
    // The source user changed its e-mail and its old replica was not matched: a ListUsers on its sub finds it.
    const { source } = pair.user('moved', { attributes: { email: 'new@example.com' } });
    pair.target.put({
      Username: 'moved-old',
      Attributes: { email: 'old@example.com', 'custom:source_sub': source.Attributes.sub },
    });
    const r = await pair.run({ apply: true, deleteOrphans: true });
    expect(r.report.counts.orphans).toBe(1);
    expect(r.report.counts.deleted).toBe(0);
    expect(pair.target.users.has('moved-old')).toBe(true);
    expect(r.report.warnings.join('\n')).toMatch(/kept: its source user .* exists/);
  });
});

describe('the replica index (change capture) is kept in step in apply mode', () => {
  test('pairs found or made are remembered, deleted orphans forgotten; nothing in a dry run', async () => {
    const pair = new Pair();
    const { source } = pair.user('kept', { replica: true });
    const { source: added } = pair.user('added');
    pair.target.put({
      Username: 'gone',
      Attributes: { email: 'gone@example.com', 'custom:source_sub': 'feedface-0000-4000-8000-000000000000' },
    });
    const remembered: string[] = [];
    const forgotten: string[] = [];
    const replicaIndex = {
      remember: async (sub: string, username: string) => {
        remembered.push(`${sub}=${username}`);
        return 'written';
      },
      forget: async (sub: string, username?: string) => {
        forgotten.push(`${sub}=${username}`);
        return true;
      },
    };
    await pair.run({ replicaIndex, deleteOrphans: true });
    expect(remembered).toEqual([]);
    const r = await pair.run({ apply: true, replicaIndex, deleteOrphans: true });
    expect(remembered.sort()).toEqual([`${source.Attributes.sub}=kept`, `${added.Attributes.sub}=added`].sort());
    expect(forgotten).toEqual(['feedface-0000-4000-8000-000000000000=gone']);
    expect(r.report.counts.indexWrites).toBe(2);
    // An index that fails costs a warning, never a failed user.
    const failing = { remember: async () => Promise.reject(new Error('AccessDenied')), forget: async () => true };
    const again = await pair.run({ apply: true, replicaIndex: failing });
    expect(again.exitCode).toBe(0);
    expect(again.report.warnings.join('\n')).toMatch(/replica index could not be updated/);
  });
});
