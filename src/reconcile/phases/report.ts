/**
 * The closing step, `report`: builds the run's JSON report from the session (counts, calls,
 * listing totals, the deletion decision, readiness). Reads the session only; writes nothing.
 */
import type { QuotaCategory } from '../../cognito/quotas';
import { readiness } from '../readiness';
import type { SideScanState } from '../scan';
import type { Session } from '../session';
import type { ReconcileReport, RunStatus } from '../types';
import { decideDeletion } from './orphans';

function listingTotals(scan: SideScanState): { pages: number; restarts: number } {
  const all = [...Object.values(scan.shards), ...Object.values(scan.members)];
  return { pages: all.reduce((n, s) => n + s.pages, 0), restarts: all.reduce((n, s) => n + s.restarts, 0) };
}

/** The report of the run as it stands (`stopped`: what it has so far; it resumes next time). */
export function buildReport(session: Session, status: RunStatus): ReconcileReport {
  const { state, options, source, target } = session;
  const counts = session.report.counts;
  const sourceGroups = (state.scan.source.groups ?? []).map((g) => g.name);
  const targetGroups = (state.scan.target.groups ?? []).map((g) => g.name);
  let estimate = 0;
  for (const [category, n] of Object.entries(counts.plannedCalls)) {
    estimate = Math.max(estimate, n / target.rate(category as QuotaCategory));
  }
  const billed = (source.calls.AdminGetUser ?? 0) + (target.calls.AdminGetUser ?? 0);
  const decision = session.deletion ?? decideDeletion(session);
  return {
    version: 1,
    tool: 'cognito-standby-sync reconcile',
    runId: state.runId,
    status,
    phase: state.phase,
    startedAt: state.startedAt,
    finishedAt: new Date(options.clock.now()).toISOString(),
    mode: options.apply ? 'apply' : 'dry-run',
    deep: options.deep,
    source: { region: source.region, poolId: source.poolId },
    target: { region: target.region, poolId: target.poolId },
    resumed: session.resumed,
    sessions: state.sessions,
    counts,
    groups: {
      missingInTarget: sourceGroups.filter((g) => !targetGroups.includes(g)),
      onlyInTarget: targetGroups.filter((g) => !sourceGroups.includes(g)),
    },
    import: state.import,
    deletion: { ...decision, requested: options.deleteOrphans, limit: options.maxDeletes },
    estimatedApplySeconds: Math.ceil(estimate),
    calls: { source: { ...source.calls }, target: { ...target.calls } },
    listing: { source: listingTotals(state.scan.source), target: listingTotals(state.scan.target) },
    billedReads: billed,
    writeCalls: target.writeCalls,
    readiness: readiness(counts, {
      deep: options.deep,
      totpKnown: session.hasMarker(),
      recoveryRate: target.rate('UserAccountRecovery'),
    }),
    warnings: session.warnings,
    entries: session.report.state.entries,
    omitted: session.report.state.omitted,
    checkpoint: options.store.location,
  };
}
