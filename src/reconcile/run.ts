import { ConfigError } from '../core/errors';
import { resolveOptions } from './options';
import { buildReport, PHASES, relistIfSpoolLost } from './phases';
import { RunStoppedError } from './scan';
import { Session } from './session';
import { sayTimeEstimate } from './time-estimate';
import type { ReconcileOptions, ReconcileResult } from './types';

export { checkpointKey } from './options';
export type { ReconcileOptions, ReconcileReport, ReconcileResult, RunSide, RunStatus } from './types';

/**
 * Reconciles the target pool with the source: lists both (resumably), plans every user with the
 * shared core, and in apply mode writes the differences through `replicateSourceUser` at the
 * pace of the target's quotas; then handles orphans under the deletion rules. Returns the report;
 * a stopped run returns what it has and resumes from its checkpoint next time.
 *
 * The run resolves its options once (`options.ts`), opens a session (`session.ts`: checkpoint,
 * stop signal, warnings, the run's views of the two gateways, counters) and goes through the
 * table of phases (`phases/index.ts`: list, import, pass, orphans), then builds the report
 * (`phases/report.ts`).
 *
 * @example
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * const { report, exitCode } = await reconcile({
 *   source: primaryGateway, // the pool replicated from
 *   target: standbyGateway, // the pool made to match (the primary's at failback)
 *   store: new FileCheckpointStore('.reconcile/checkpoint.json'),
 *   apply: true,
 *   deleteOrphans: true,
 *   signal: controller.signal,
 * });
 * console.log(report.counts, exitCode); // 130: stopped, run the same command again to resume
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const session = new Session(resolveOptions(options));
  try {
    await session.open();
    try {
      await runPhases(session);
    } catch (err) {
      if (!(err instanceof RunStoppedError) && !session.stopping) {
        session.stop(); // nothing of this run is sent after it failed
        throw err;
      }
    }
    return session.state.phase === 'done' ? await finishComplete(session) : await finishStopped(session);
  } finally {
    session.listings?.close();
  }
}

/** Runs every phase from the one the checkpoint is at. */
async function runPhases(session: Session): Promise<void> {
  await relistIfSpoolLost(session);
  sayTimeEstimate(session);
  for (const phase of PHASES) {
    if (session.state.phase === phase.name) await phase.run(session);
    await phase.settled?.(session);
  }
}

/**
 * A stopped run: once the requests already sent have finished (nothing new is sent), saves the
 * checkpoint and the spool, and returns (and saves) what it has.
 */
async function finishStopped(session: Session): Promise<ReconcileResult> {
  const { options } = session;
  await session.drain();
  await options.store.persistSpool();
  await session.save(true);
  options.progress.end();
  const stopped = buildReport(session, 'stopped');
  await options.saveReport?.(stopped);
  return { status: 'stopped', report: stopped, exitCode: 130 };
}

/** A finished run: saves the report, then deletes the checkpoint (kept when the report cannot be written). */
async function finishComplete(session: Session): Promise<ReconcileResult> {
  const { options } = session;
  const report = buildReport(session, 'complete');
  if (options.saveReport) {
    try {
      await options.saveReport(report);
    } catch (err) {
      await session.save(true); // phase done: the findings stay in the checkpoint
      await options.store.persistSpool();
      throw new ConfigError(
        `cannot write the report: ${(err as Error).message}; the checkpoint ${options.store.location} is kept: run the same command again (with a writable --report) to get the report`,
      );
    }
  }
  await options.store.clear();
  options.progress.end();
  const failed = report.counts.failed + report.counts.deleteFailed > 0;
  return { status: 'complete', report, exitCode: failed ? 1 : 0 };
}
