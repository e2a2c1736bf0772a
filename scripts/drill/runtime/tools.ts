/**
 * The suite's operator tools run in-process against the local Regions, as their CLIs would run
 * them: the reconciler (either direction, signed as the source side's reconcile role).
 * @packageDocumentation
 */
import path from 'node:path';
import type { Clock } from '../../../src/cognito/limiter';
import { FileCheckpointStore } from '../../../src/reconcile/checkpoint';
import { type ProgressSink, silentProgress } from '../../../src/reconcile/progress';
import { reconcile, type ReconcileResult } from '../../../src/reconcile/run';
import { writeReportFile } from '../../../src/reconcile/summary';
import { other, type Side } from './names';
import type { World } from './world';

/**
 * The reconciler's clock with unref'd sleeps: its periodic checkpoint saver sleeps 10 s at a
 * time and is not woken when the run ends, which would hold an in-process host (a test, the
 * drill) for up to 10 s after the run. The world's servers keep the process alive meanwhile.
 */
export const clock: Clock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref();
    }),
};

/**
 * Reconciles `from`'s pool into the other one: the reconcile function of `from`'s deployment,
 * signed with its role (its writes are echoes to the target's change capture). Report and
 * checkpoint go to the world's private folder, named by `label`.
 */
export async function reconcileSides(
  world: World,
  from: Side,
  options: { apply: boolean; label: string; deleteOrphans?: boolean; progress?: ProgressSink },
): Promise<ReconcileResult> {
  const region = world.regions[from].region;
  const dir = path.join(world.workDir, 'reconcile');
  const result = await reconcile({
    source: world.gateway(from, 'reconcile', region),
    target: world.gateway(other(from), 'reconcile', region),
    store: new FileCheckpointStore(path.join(dir, `${options.label}.checkpoint.json`)),
    apply: options.apply,
    deleteOrphans: options.deleteOrphans ?? false,
    maxDeletes: 10,
    clock,
    progress: options.progress ?? silentProgress,
  });
  await writeReportFile(path.join(dir, `${options.label}.report.json`), result.report);
  return result;
}
