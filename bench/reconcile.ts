/**
 * Reconciler bench: `npm run -s bench:reconcile [-- --json] [--users 50000] [--scale 5] [--baseline-scale 10]
 * [--steady-scale 2] [--latency-ms 40] [--skip-baseline] [--skip-memory] [--memory-sizes 100000,1000000]`.
 *
 * Time is scaled (clock time runs `scale` times faster than real time) so the bench takes minutes;
 * the engine's own CPU time is magnified by the same factor, so a lower scale is more faithful
 * (and slower). The one-user-at-a-time baseline is bound by latency, not CPU, and runs faster.
 *
 * 1. Backfill: a source pool of N users in 10 groups; the standby lacks 20% of them, 5% have
 *    drifted (attributes, groups, enabled state), and it holds 2% orphans. The reconciler runs
 *    with --apply --delete-orphans against a quota-faithful Cognito model (scripts/local/cognito-model) (per-category token buckets at the
 *    AWS default rates, TooManyRequestsException beyond them, 40 ms latency), time scaled down.
 *    Reported: wall time (in Cognito seconds) against the theoretical minimum (per side and
 *    category, calls divided by the rate; the largest wins), failed operations, throttles; then
 *    the same plan applied one user at a time (the call pattern of backup/restore tools).
 * 2. Steady state: the in-sync pair after the backfill: calls by kind, wall time against the
 *    list-bound minimum.
 * 3. Memory: peak resident size of a dry run over in-sync pools of 100,000 and 1,000,000 users
 *    each (separate processes, synthetic pools generated on the fly so the model holds nothing).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CognitoGateway } from '../src/cognito/gateway';
import type { Clock } from '../src/cognito/limiter';
import { makeRandom } from '../scripts/local/internal/http';
import { cognitoGateway } from '../src/config/wiring';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory } from '../src/cognito/quotas';
import { MemoryCheckpointStore } from '../src/reconcile/checkpoint';
import type { ProgressSink } from '../src/reconcile/progress';
import { reconcile, type ReconcileOptions } from '../src/reconcile/run';
import { CognitoModel, type ModelPool } from '../scripts/local/cognito-model';

/** Clock time runs `scale` times faster than real time. */
export class ScaledClock implements Clock {
  private readonly start = performance.now();
  private readonly origin = 1_700_000_000_000;
  constructor(readonly scale: number) {}
  now(): number {
    return this.origin + (performance.now() - this.start) * this.scale;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms / this.scale));
  }
}

/** Deterministic PRNG (mulberry32). */
const rng = (seed: number) => makeRandom(seed);

const GROUPS = Array.from({ length: 10 }, (_, i) => `group-${i}`);

function uuid(r: () => number): string {
  const h = () => Math.floor(r() * 16).toString(16);
  const s = Array.from({ length: 32 }, h).join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

interface Scenario {
  east: CognitoModel;
  west: CognitoModel;
  source: ModelPool;
  standby: ModelPool;
  missing: number;
  drifted: number;
  orphans: number;
}

/** Builds the backfill scenario: same seed, same pools. */
export function scenario(users: number, clock: Clock, latencyMs: number, record = false): Scenario {
  const r = rng(42);
  const east = new CognitoModel({ clock, latencyMs, record });
  const west = new CognitoModel({ clock, latencyMs, record });
  const source = east.addPool({ id: 'us-east-1_BenchSrc' });
  const standby = west.addPool({ id: 'us-west-2_BenchStb', customAttributes: ['source_sub', 'source_mfa', 'tier'] });
  for (const g of GROUPS) {
    source.group(g, { Description: `bench ${g}` });
    standby.group(g, { Description: `bench ${g}` });
  }
  let missing = 0;
  let drifted = 0;
  for (let i = 0; i < users; i++) {
    const sub = uuid(r);
    const attributes = {
      sub,
      email: `user${i}@example.com`,
      email_verified: 'true',
      name: `User ${i}`,
      given_name: 'User',
      family_name: `N${i}`,
      locale: 'en',
    };
    const u = source.put({ Username: `user${i}`, Attributes: attributes });
    const groups = [GROUPS[i % 10]];
    if (r() < 0.1) groups.push(GROUPS[(i + 3) % 10]);
    if (i % 5 !== 0) for (const g of groups) source.groups.get(g)!.members.add(u.Username);
    const roll = r();
    if (roll < 0.2) {
      missing++;
      continue;
    }
    const replica = { ...attributes, sub: uuid(r), 'custom:source_sub': sub };
    const rep = standby.put({ Username: u.Username, Attributes: replica });
    const memberOf = i % 5 !== 0 ? [...groups] : [];
    if (roll < 0.25) {
      drifted++;
      const kind = Math.floor(r() * 4);
      if (kind === 0) rep.Attributes.name = `Old name ${i}`;
      else if (kind === 1) memberOf.push(GROUPS[(i + 5) % 10]);
      else if (kind === 2) rep.Enabled = false;
      else rep.Attributes.family_name = 'Stale';
    }
    for (const g of new Set(memberOf)) standby.groups.get(g)!.members.add(rep.Username);
  }
  const orphans = Math.round(users * 0.02);
  for (let i = 0; i < orphans; i++) {
    standby.put({
      Username: `gone${i}`,
      Attributes: { sub: uuid(r), email: `gone${i}@example.com`, email_verified: 'true', 'custom:source_sub': uuid(r) },
    });
  }
  return { east, west, source, standby, missing, drifted, orphans };
}

interface Timed {
  phases: { name: string; at: number }[];
  sink: ProgressSink;
}

function phaseRecorder(clock: Clock): Timed {
  const phases: { name: string; at: number }[] = [];
  return { phases, sink: { phase: (name) => phases.push({ name, at: clock.now() }), update() {}, log() {}, end() {} } };
}

export function gateways(
  s: Scenario,
  clock: Clock,
  headroom: number,
): { source: CognitoGateway; target: CognitoGateway } {
  return {
    source: cognitoGateway(
      { region: 'us-east-1', poolId: s.source.options.id },
      { client: s.east.client, clock, headroom },
    ),
    target: cognitoGateway(
      { region: 'us-west-2', poolId: s.standby.options.id },
      { client: s.west.client, clock, headroom },
    ),
  };
}

/** Theoretical minimum: per side and category, answered calls / allowed rate; the largest. */
function minimum(s: Scenario, headroom: number, filter?: (op: string) => boolean): { seconds: number; bound: string } {
  let best = { seconds: 0, bound: '' };
  for (const [side, fake] of [
    ['source', s.east],
    ['target', s.west],
  ] as const) {
    const per: Partial<Record<QuotaCategory, number>> = {};
    for (const [op, n] of Object.entries(fake.counts)) {
      if (filter && !filter(op)) continue;
      const c = categoryOf(op);
      per[c] = (per[c] ?? 0) + n;
    }
    for (const [c, n] of Object.entries(per)) {
      const seconds = n / (DEFAULT_QUOTAS[c as QuotaCategory] * (1 - headroom));
      if (seconds > best.seconds) best = { seconds, bound: `${side} ${c} (${n} calls)` };
    }
  }
  return best;
}

function categoryOf(op: string): QuotaCategory {
  return OPERATION_CATEGORY[op] ?? 'UserPoolRead';
}

const READS = new Set(['ListUsers', 'ListUsersInGroup', 'ListGroups', 'DescribeUserPool', 'GetCSVHeader']);

async function backfill(users: number, scale: number, latencyMs: number, oneAtATime: boolean) {
  const clock = new ScaledClock(scale);
  const s = scenario(users, clock, latencyMs);
  const headroom = 0;
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-bench-'));
  const timed = phaseRecorder(clock);
  const options: ReconcileOptions = {
    ...gateways(s, clock, headroom),
    store: new MemoryCheckpointStore(dir),
    apply: true,
    deleteOrphans: true,
    maxDeletes: s.orphans,
    clock,
    progress: timed.sink,
    saveIntervalMs: 30_000,
    ...(oneAtATime ? { scheduler: { maxInFlight: 1, lookahead: 1 }, deleteConcurrency: 1 } : {}),
  };
  const t0 = clock.now();
  const real0 = performance.now();
  const result = await reconcile(options);
  const wall = (clock.now() - t0) / 1000;
  const realSeconds = (performance.now() - real0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const applyStart = timed.phases.find((p) => p.name === 'reconciling')?.at ?? t0;
  const applyWall = (clock.now() - applyStart) / 1000;
  const min = minimum(s, headroom);
  const applyMin = minimum(s, headroom, (op) => !READS.has(op));
  const c = result.report.counts;
  return {
    mode: oneAtATime ? 'one user at a time' : 'reconciler',
    users,
    seeded: { missing: s.missing, drifted: s.drifted, orphans: s.orphans },
    found: { missing: c.create, drifted: c.update, orphans: c.orphans },
    repaired: { created: c.created, updated: c.updated, deleted: c.deleted },
    failedOperations: c.failed + c.deleteFailed,
    throttled: s.east.throttled + s.west.throttled,
    calls: { source: { ...s.east.counts }, target: { ...s.west.counts } },
    wallSeconds: round(wall),
    minimumSeconds: round(min.seconds),
    bound: min.bound,
    efficiency: round(min.seconds / wall, 3),
    applyPhase: {
      wallSeconds: round(applyWall),
      minimumSeconds: round(applyMin.seconds),
      bound: applyMin.bound,
      efficiency: round(applyMin.seconds / applyWall, 3),
    },
    realSeconds: round(realSeconds),
    exitCode: result.exitCode,
    phases: timed.phases.map((p) => ({ name: p.name, at: round((p.at - t0) / 1000) })),
    scenario: s,
    clock,
  };
}

async function steadyState(s: Scenario, scale: number) {
  // Its own, slower clock: a listing-bound run is short, and the planning CPU (real time) is
  // magnified less than at the backfill's scale.
  const clock = new ScaledClock(scale);
  s.east.useClock(clock);
  s.west.useClock(clock);
  for (const f of [s.east, s.west]) for (const k of Object.keys(f.counts)) delete f.counts[k];
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-bench-'));
  const t0 = clock.now();
  const result = await reconcile({
    ...gateways(s, clock, 0),
    store: new MemoryCheckpointStore(dir),
    apply: true,
    clock,
    saveIntervalMs: 30_000,
  });
  const wall = (clock.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const min = minimum(s, 0);
  const writes = s.west.writes;
  const perUserReads =
    (s.east.counts.AdminGetUser ?? 0) + (s.west.counts.AdminGetUser ?? 0) + (s.west.counts.AdminListGroupsForUser ?? 0);
  return {
    users: result.report.counts.sourceUsers,
    inSync: result.report.counts.inSync,
    calls: { source: { ...s.east.counts }, target: { ...s.west.counts } },
    writes,
    perUserReads,
    scale,
    wallSeconds: round(wall),
    listBoundSeconds: round(min.seconds),
    bound: min.bound,
    efficiency: round(min.seconds / wall, 3),
  };
}

function memory(sizes: number[]): { users: number; peakRssMiB: number; seconds: number }[] {
  return sizes.map((users) => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'reconcile-memory.ts'), String(users)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    return JSON.parse(out.trim().split('\n').pop()!) as { users: number; peakRssMiB: number; seconds: number };
  });
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const users = Number(arg('--users') ?? 50_000);
  const scale = Number(arg('--scale') ?? 5);
  const baselineScale = Number(arg('--baseline-scale') ?? 10);
  const latency = Number(arg('--latency-ms') ?? 40);
  const log = (m: string) => {
    if (!json) process.stderr.write(`${m}\n`);
  };
  log(`backfill of ${users} users (time scaled x${scale}, ${latency} ms latency)...`);
  const engine = await backfill(users, scale, latency, false);
  log(
    `  reconciler: ${engine.wallSeconds}s against a minimum of ${engine.minimumSeconds}s (${engine.bound}): efficiency ${engine.efficiency}`,
  );
  log('steady state (the repaired pair again)...');
  const steadyScale = Number(arg('--steady-scale') ?? 2);
  const steady = await steadyState(engine.scenario, steadyScale);
  log(
    `  ${steady.writes} writes, ${steady.perUserReads} per-user reads, ${steady.wallSeconds}s against ${steady.listBoundSeconds}s list-bound`,
  );
  let baseline: Awaited<ReturnType<typeof backfill>> | undefined;
  if (!process.argv.includes('--skip-baseline')) {
    log('baseline: the same plan, one user at a time...');
    baseline = await backfill(users, baselineScale, latency, true);
    log(`  one at a time: ${baseline.wallSeconds}s (apply phase ${baseline.applyPhase.wallSeconds}s)`);
  }
  const sizes = (arg('--memory-sizes') ?? '100000,1000000').split(',').map(Number);
  let mem: ReturnType<typeof memory> = [];
  if (!process.argv.includes('--skip-memory')) {
    log(`memory: dry runs over in-sync pools of ${sizes.join(', ')} users...`);
    mem = memory(sizes);
    for (const m of mem) log(`  ${m.users} users: peak RSS ${m.peakRssMiB} MiB (${m.seconds}s)`);
  }
  const strip = ({ scenario: _s, clock: _c, ...rest }: Awaited<ReturnType<typeof backfill>>) => rest;
  const result = {
    command: 'npm run bench:reconcile -- --json',
    settings: {
      users,
      scale,
      baselineScale,
      steadyScale,
      latencyMs: latency,
      headroom: 0,
      quotas: 'AWS defaults',
      burstSeconds: 1,
      node: process.version,
      cpus: cpus().length,
    },
    backfill: strip(engine),
    baseline: baseline
      ? { ...strip(baseline), speedupOfReconciler: round(baseline.wallSeconds / engine.wallSeconds, 2) }
      : undefined,
    steadyState: steady,
    memory: mem,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
