/**
 * Steps more than one act uses: the reconciler run in-process with its summary in the narration.
 * @packageDocumentation
 */
import type { ProgressSink } from '../../../src/reconcile/progress';
import type { ReconcileReport } from '../../../src/reconcile/run';
import { formatSummary } from '../../../src/reconcile/summary';
import type { DrillContext } from '../context';
import type { Narrator } from '../narrator';
import type { Side } from '../runtime/names';
import { reconcileSides } from '../runtime/tools';

/** The reconciler's progress notes, in the narration. */
function progressSink(narrator: Narrator): ProgressSink {
  return { phase() {}, update() {}, log: (m) => narrator.detail(`reconciler: ${m}`), end() {} };
}

/** Runs the reconciler in-process, as `npm run reconcile` would, from `from`'s pool to the other one. */
export async function runReconcile(
  ctx: DrillContext,
  from: Side,
  apply: boolean,
  label: string,
): Promise<ReconcileReport> {
  const result = await reconcileSides(ctx.world, from, {
    apply,
    label,
    deleteOrphans: apply,
    progress: progressSink(ctx.narrator),
  });
  if (result.exitCode !== 0) ctx.results.failures.push(`reconcile ${label} ended with exit status ${result.exitCode}`);
  return result.report;
}

export function printSummary(narrator: Narrator, report: ReconcileReport): void {
  narrator.detail(formatSummary(report).split('\n'));
}
