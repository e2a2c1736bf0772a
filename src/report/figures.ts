/**
 * The figures of the readiness and drill report, from its inputs. Pure: nothing here reads a
 * file, the network or the clock. Only counts, durations and pool ids come out; the reconcile
 * reports' per-user entries (which may name users) are never read.
 * @packageDocumentation
 */
import { OPERATION_CATEGORY } from '../cognito/quotas';
import type { ReconcileReport } from '../reconcile/types';
import type {
  Distribution,
  DoctorRecord,
  DrillRecord,
  LagSamples,
  NotObserved,
  QueueRecord,
  ReportFigures,
  ReportInputs,
  TrendPoint,
} from './types';

/** Lag bands of the histogram: upper bounds in ms (the last band is open). */
export const LAG_BANDS: readonly { label: string; below: number }[] = [
  { label: '< 1 s', below: 1_000 },
  { label: '1-5 s', below: 5_000 },
  { label: '5-30 s', below: 30_000 },
  { label: '30 s-1 min', below: 60_000 },
  { label: '1-15 min', below: 900_000 },
  { label: '>= 15 min', below: Number.POSITIVE_INFINITY },
];

/** Nearest-rank percentile of `samples` (0 for none). */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** p50, p95 and max of `samples`. */
export function distribution(samples: readonly number[]): Distribution {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    max: samples.length ? Math.max(...samples) : 0,
  };
}

/** Requests a run sent to both pools, per quota category (operations outside the table as `other`). */
export function callsByCategory(report: Pick<ReconcileReport, 'calls'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const side of [report.calls?.source ?? {}, report.calls?.target ?? {}])
    for (const [op, n] of Object.entries(side)) {
      const category = OPERATION_CATEGORY[op] ?? 'other';
      out[category] = (out[category] ?? 0) + n;
    }
  return out;
}

const completeRuns = (runs: ReconcileReport[]) =>
  runs
    .filter((r) => r.status === 'complete' && r.readiness && r.counts)
    .sort((a, b) => byTime(a.finishedAt, b.finishedAt));

const byTime = (a: string | undefined, b: string | undefined) => (a ?? '').localeCompare(b ?? '');
const side = (s: { region: string; poolId: string }) => `${s.poolId} (${s.region})`;
const latest = <T>(items: T[], at: (t: T) => string | undefined): T | undefined =>
  [...items].sort((a, b) => byTime(at(a), at(b))).at(-1);

function readinessOf(run: ReconcileReport): NonNullable<ReportFigures['readiness']> {
  const r = run.readiness;
  return {
    at: run.finishedAt,
    runId: run.runId,
    mode: run.mode,
    source: side(run.source),
    target: side(run.target),
    expected: r.expected,
    matching: r.matching,
    percent: Math.round(r.share * 10_000) / 100,
    missing: r.missing,
    drifted: r.drifted,
    mfaPending: r.mfaPending,
    failed: r.failed,
    drift: { ...run.counts.drift },
    notCarried: {
      totp: r.notCarried.totp,
      federated: r.notCarried.federated,
      schemaGapUsers: r.notCarried.schemaGaps.users,
      schemaGapAttributes: { ...r.notCarried.schemaGaps.attributes },
      noIdentity: r.notCarried.noIdentity,
      ambiguous: r.notCarried.ambiguous,
      noVerifiedContact: r.notifications.notSent['no-verified-contact'] ?? 0,
    },
  };
}

function trendOf(run: ReconcileReport): TrendPoint {
  return {
    at: run.finishedAt,
    direction: `${run.source.poolId} -> ${run.target.poolId}`,
    readinessPercent: Math.round(run.readiness.share * 10_000) / 100,
    drift: run.readiness.missing + run.readiness.drifted,
    calls: callsByCategory(run),
  };
}

/** The lag to show: the newest queue observation with samples or CloudWatch percentiles, else the newest drill's samples. */
function lagOf(
  queue: QueueRecord | undefined,
  drill: DrillRecord | undefined,
): { source?: string; lags: LagSamples[]; lag?: Distribution } {
  if (queue?.lags?.length) return { source: `queue observation of ${queue.at}`, lags: queue.lags };
  if (queue?.lag?.n)
    return {
      source: `CloudWatch percentiles of ${queue.from ? `${queue.from} to ` : ''}${queue.at}`,
      lags: [],
      lag: queue.lag,
    };
  if (drill?.lags.length) return { source: `drill of ${drill.finishedAt}`, lags: drill.lags };
  return { lags: [] };
}

const FIGURE_NAMES: Record<NotObserved['figure'], string> = {
  lag: 'replication lag',
  oldestMessage: 'oldest message waiting',
  dlqDepth: 'DLQ depth',
};

function recoveryPointOf(inputs: ReportInputs, drill: DrillRecord | undefined): ReportFigures['recoveryPoint'] {
  const queue = latest(inputs.queues, (q) => q.at);
  const { source, lags, lag } = lagOf(queue, drill);
  const all = lags.flatMap((l) => l.samples);
  const dlqFromDrill = drill ? Object.values(drill.dlq).reduce((a, b) => a + b, 0) : undefined;
  return {
    lagSource: source,
    lagByKind: lags.map((l) => ({ kind: l.kind, ...distribution(l.samples) })),
    lag: lag ? { n: lag.n, p50: lag.p50, p95: lag.p95, max: lag.max } : all.length ? distribution(all) : undefined,
    lagHistogram: all.length ? histogram(all) : [],
    oldestMessageAgeMs: queue?.oldestMessageAgeMs,
    dlqDepth: queue?.dlqDepth ?? dlqFromDrill,
    notObserved: (queue?.notObserved ?? []).map((n) => ({ figure: n.figure, reason: n.reason })),
    backup: inputs.backup,
  };
}

function lagTrendOf(inputs: ReportInputs): ReportFigures['lagTrend'] {
  const points: { at: string; lags: LagSamples[]; lag?: Distribution }[] = [
    ...inputs.drills.map((d) => ({ at: d.finishedAt, lags: d.lags })),
    ...inputs.queues.map((q) => ({ at: q.at, lags: q.lags ?? [], lag: q.lag })),
  ];
  return points
    .map((p) => ({ at: p.at, samples: p.lags.flatMap((l) => l.samples), lag: p.lag }))
    .filter((p) => p.samples.length || p.lag?.n)
    .sort((a, b) => byTime(a.at, b.at))
    .map((p) =>
      p.samples.length || !p.lag
        ? { at: p.at, p50: percentile(p.samples, 50), p95: percentile(p.samples, 95) }
        : { at: p.at, p50: p.lag.p50, p95: p.lag.p95 },
    );
}

/** Samples per {@link LAG_BANDS} band. */
export function histogram(samples: readonly number[]): { label: string; count: number }[] {
  const counts = LAG_BANDS.map((b) => ({ label: b.label, count: 0 }));
  for (const s of samples) counts[LAG_BANDS.findIndex((b) => s < b.below)].count++;
  return counts;
}

function passwordlessOf(doctor: DoctorRecord | undefined): boolean | null {
  if (!doctor) return null;
  if (doctor.target?.allowedFirstAuthFactors) return doctor.target.allowedFirstAuthFactors.includes('EMAIL_OTP');
  if (doctor.findings.some((f) => f.id === 'passwordless.available')) return true;
  return doctor.findings.some((f) => f.id.startsWith('passwordless.')) ? false : null;
}

function drillOf(drill: DrillRecord): NonNullable<ReportFigures['drill']> {
  return {
    finishedAt: drill.finishedAt,
    passed: drill.exitCode === 0 && drill.lost === 0,
    totalMs: drill.totalMs,
    users: drill.users,
    acts: drill.acts.map((a) => ({ n: a.n, title: a.title, status: a.status, ms: a.ms })),
    expected: drill.expected,
    intact: drill.intact,
    lost: drill.lost,
    dlq: { ...drill.dlq },
    failures: drill.failures.length,
  };
}

function doctorOf(doctor: DoctorRecord): NonNullable<ReportFigures['doctor']> {
  const counts = { blocker: 0, warning: 0, info: 0 };
  for (const f of doctor.findings) counts[f.severity]++;
  const order = { blocker: 0, warning: 1, info: 2 };
  return {
    checkedAt: doctor.checkedAt,
    ok: doctor.ok,
    counts,
    findings: [...doctor.findings]
      .sort((a, b) => order[a.severity] - order[b.severity])
      .map((f) => ({ id: f.id, severity: f.severity, title: f.title, fix: f.fix })),
  };
}

/**
 * The figures of the page. Readiness and the recovery time come from the newest complete
 * reconcile run, trends from every complete run in time order, the drill and the doctor from
 * their newest records.
 *
 * @example
 * const figures = reportFigures(await readReportFolder('reports'), new Date().toISOString());
 * writeFileSync('report.html', renderReport(figures));
 */
export function reportFigures(inputs: ReportInputs, generatedAt: string): ReportFigures {
  const runs = completeRuns(inputs.reconcileRuns);
  const last = runs.at(-1);
  const drill = latest(inputs.drills, (d) => d.finishedAt);
  const doctor = latest(inputs.doctors, (d) => d.checkedAt);
  const notes: string[] = [];
  if (!runs.length) notes.push('no complete reconcile report found: readiness, recovery time and trends are not shown');
  const stopped = inputs.reconcileRuns.length - runs.length;
  if (stopped > 0) notes.push(`${stopped} reconcile report(s) of runs that did not complete were left out`);
  if (inputs.skipped.length) notes.push(`${inputs.skipped.length} file(s) not understood were left out`);
  const queue = latest(inputs.queues, (q) => q.at);
  for (const n of queue?.notObserved ?? [])
    notes.push(`queue observation of ${queue?.at}: ${FIGURE_NAMES[n.figure] ?? n.figure} not observed (${n.reason})`);
  return {
    generatedAt,
    readiness: last ? readinessOf(last) : undefined,
    recoveryPoint: recoveryPointOf(inputs, drill),
    recoveryTime: last
      ? {
          users: last.readiness.notifications.users,
          ratePerSecond: last.readiness.notifications.ratePerSecond,
          seconds: last.readiness.notifications.seconds,
          human: last.readiness.notifications.human,
          passwordless: passwordlessOf(doctor),
        }
      : undefined,
    trends: runs.map(trendOf),
    lagTrend: lagTrendOf(inputs),
    drill: drill ? drillOf(drill) : undefined,
    doctor: doctor ? doctorOf(doctor) : undefined,
    notes,
  };
}
