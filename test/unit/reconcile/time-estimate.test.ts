import { formatDuration, LONG_RUN_MS } from '../../../src/core/time-estimate';
import { estimateReconcile, reconcileTimeEstimate } from '../../../src/reconcile/time-estimate';
import { Pair } from './fixture';

const RATES = { sourceList: 24, targetList: 12, create: 40, password: 24, deepRead: 96 };

describe('issue 12.4 the reconciler says its time up front', () => {
  test('a small dry run: the slower listing of the two sides, nothing about writes', () => {
    const lines = reconcileTimeEstimate({
      sourceUsers: 6_000,
      targetUsers: 6_000,
      rates: RATES,
      apply: false,
      deep: false,
    });
    // 100 pages each side, at 24/s and 12/s side by side: the target's 100/12 s binds
    expect(lines[0]).toMatch(/^about 6,000 users in the source and 6,000 in the target/);
    expect(lines[0]).toContain(`listing both takes at least ${formatDuration((100 / 12) * 1000)}`);
    expect(lines[0]).toContain('source 24.0/s, target 12.0/s');
    expect(lines.join('\n')).not.toMatch(/--apply|--deep|at this size/);
    expect(lines.at(-1)).toBe(`in all, at least ${formatDuration((100 / 12) * 1000)} at these quotas`);
  });

  test('apply and deep: the reads at UserRead, the creates of the missing users at the slower of UserCreation and UserAccountRecovery', () => {
    const input = { sourceUsers: 6_000, targetUsers: 1_200, rates: RATES, apply: true, deep: true };
    const e = estimateReconcile(input);
    expect(e.listMs).toBeCloseTo((100 / 24) * 1000); // 100 source pages at 24/s; 20 target pages at 12/s
    expect(e.deepMs).toBeCloseTo((6_000 / 96) * 1000);
    expect(e.missing).toBe(4_800);
    expect(e.createMs).toBeCloseTo((4_800 / 24) * 1000); // AdminSetUserPassword 24/s binds, not AdminCreateUser 40/s
    expect(e.createAllMs).toBeCloseTo((6_000 / 24) * 1000);
    expect(e.totalMs).toBeCloseTo(e.listMs + e.deepMs + e.createMs);
    const lines = reconcileTimeEstimate(input);
    expect(lines[1]).toBe(
      `--deep: reading every source user takes at least ${formatDuration(e.deepMs)} (AdminGetUser, 96.0/s, UserRead)`,
    );
    expect(lines[2]).toContain(
      `creating the 4,800 users the target lacks by these estimates takes at least ${formatDuration(e.createMs)}`,
    );
    expect(lines[2]).toContain(`every source user one by one would take at most ${formatDuration(e.createAllMs)}`);
    expect(lines[2]).toContain(
      'AdminCreateUser 40.0/s (UserCreation) and AdminSetUserPassword 24.0/s (UserAccountRecovery)',
    );
    expect(lines[3]).toBe(`in all, at least ${formatDuration(e.totalMs)} at these quotas`);
    expect(e.totalMs).toBeLessThan(LONG_RUN_MS);
    expect(lines).toHaveLength(4);
  });

  test('at scale: the routes for a long run; with --import the missing users are not paced by the create quotas', () => {
    const backfill = { sourceUsers: 2_000_000, targetUsers: 0, rates: RATES, apply: true, deep: false };
    const lines = reconcileTimeEstimate(backfill);
    expect(estimateReconcile(backfill).createMs).toBeCloseTo((2_000_000 / 24) * 1000); // 23 h
    const routes = lines.at(-1)!;
    expect(routes).toMatch(/^at this size: run it in AWS as the scheduled reconcile/);
    expect(routes).toContain("Lambda's 15-minute limit");
    expect(routes).toContain('--import seeds the missing users through user import jobs');
    expect(routes).toMatch(/Forgot password/);

    const imported = { ...backfill, importThreshold: 1000 };
    expect(estimateReconcile(imported).createMs).toBe(0);
    const importLines = reconcileTimeEstimate(imported);
    expect(importLines[1]).toContain(
      'the 2,000,000 users the target lacks by these estimates go through user import jobs',
    );
    // Imported, the run is bound by the listing of 2 million at 24/s (23 min): no routes
    expect(importLines.at(-1)).toBe(
      `in all, at least ${formatDuration((Math.ceil(2e6 / 60) / 24) * 1000)} at these quotas`,
    );

    // An in-sync pair of 40 million, dry run: the listing alone is over 6 hours at 24/s per side
    const huge = reconcileTimeEstimate({
      ...backfill,
      sourceUsers: 40e6,
      targetUsers: 40e6,
      apply: false,
      rates: { ...RATES, targetList: 24 },
    });
    expect(huge[0]).toContain(`at least ${formatDuration((Math.ceil(40e6 / 60) / 24) * 1000)}`);
    expect(huge.at(-1)).toMatch(/scheduled reconcile/);
    expect(huge.at(-1)).not.toContain('--import');
  });

  test('reconcile says it once both pools are described, before the first ListUsers, at the rates of the run limiters', async () => {
    const pair = new Pair({ quotas: { UserList: 6, UserCreation: 10, UserAccountRecovery: 5, UserRead: 20 } });
    for (let i = 0; i < 130; i++) pair.user(`u${i}`, { replica: i < 10 });
    const seen: { lines: string[]; listUsers: number; describes: number }[] = [];
    const countOps = (op: string) => [...pair.east.log, ...pair.west.log].filter((c) => c.op === op).length;
    const r = await pair.run({
      apply: true,
      deep: true,
      onEstimate: (lines) =>
        seen.push({ lines, listUsers: countOps('ListUsers'), describes: countOps('DescribeUserPool') }),
    });
    expect(r.exitCode).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0].listUsers).toBe(0);
    expect(seen[0].describes).toBeGreaterThanOrEqual(2);
    expect(countOps('ListUsers')).toBeGreaterThan(0);
    const [listing, deep, apply] = seen[0].lines;
    expect(listing).toMatch(/^about 130 users in the source and 10 in the target/);
    expect(listing).toContain('source 6.0/s, target 6.0/s'); // the fixture's limiters have no headroom
    expect(deep).toContain('(AdminGetUser, 20.0/s, UserRead)');
    expect(apply).toContain(
      `creating the 120 users the target lacks by these estimates takes at least ${formatDuration(24_000)}`,
    );
  });

  test('without onEstimate the lines are notes of the run; a resumed run does not say them again', async () => {
    const pair = new Pair();
    for (let i = 0; i < 5; i++) pair.user(`u${i}`);
    const logged: string[] = [];
    const progress = { phase() {}, update() {}, end() {}, log: (m: string) => logged.push(m) };
    const stop = new AbortController();
    // Stopped right after the estimate: the checkpoint stays at the listing
    const first = await pair.run({ progress, onEstimate: () => stop.abort(), signal: stop.signal });
    expect(first.status).toBe('stopped');
    let said = 0;
    const resumed = await pair.run({ progress, onEstimate: () => said++ });
    expect(resumed.status).toBe('complete');
    expect(logged.some((m) => m.startsWith('resuming run'))).toBe(true);
    expect(said).toBe(0);

    const fresh = await new Pair().run({ progress });
    expect(fresh.status).toBe('complete');
    expect(logged.filter((m) => m.startsWith('about 0 users in the source and 0 in the target'))).toHaveLength(1);
  });
});
