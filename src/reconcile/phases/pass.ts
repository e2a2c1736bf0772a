/**
 * Phase `pass`: goes through the source users in identity-key order (the merge join of the two
 * sorted listings), plans each against the replica it claims, and in apply mode writes the differences through the apply scheduler at the pace of the
 * target's quotas. Touches the pass tracker (resume), the report's per-user counts, the target
 * (through the jobs and the missing groups) and the replica index; saves the checkpoint as it
 * goes (the horizon is recorded before any user beyond it is started).
 */
import { TaskPool } from '../../core/concurrency';
import type { QuotaCategory } from '../../cognito/quotas';
import { ApplyScheduler } from '../apply-scheduler';
import { SeqTracker } from '../seq-tracker';
import { failoverFate } from '../failover-estimate';
import { deepReadConcurrency } from '../options';
import { listedUsers, RunStoppedError } from '../scan';
import type { Session } from '../session';
import { createMissingGroups } from './groups';
import { type Finish, planFailed, planUser } from './plan-user';
import type { Phase } from './types';

/** Users planned between two yields to the event loop (planning is CPU work). */
const YIELD_EVERY = 32;
/** Progress is reported every this many users. */
const PROGRESS_EVERY = 50;

export const passPhase: Phase = {
  name: 'pass',
  async run(session) {
    const { options, report } = session;
    await session.listings.load();
    if (options.apply) await createMissingGroups(session);
    const tracker = (session.pass = new SeqTracker(session.state.pass));
    const scheduler = new ApplyScheduler({ ...options.scheduler, rate: rateOf(session) });
    // --deep: users are read (AdminGetUser) and planned this many at a time.
    const preparing = new TaskPool(deepReadConcurrency(session.source));
    const source = session.state.scan.source;
    let processed = 0;
    options.progress.phase(options.apply ? 'reconciling' : 'planning', listedUsers(source));
    const tick = () => {
      processed++;
      if (processed % PROGRESS_EVERY === 0)
        options.progress.update(
          processed,
          options.apply ? `${report.counts.writes} writes, ${report.counts.failed} failed` : undefined,
        );
    };

    // Every source user goes through the join (those done by a previous session too): it claims
    // the target users that are not orphans.
    const done = (seq: number) => tracker.status(seq) === 'done';
    for await (const { seq, user, claim } of session.listings.pairs({ unmatched: true, done, onDone: tick })) {
      const status = tracker.status(seq);
      if (session.stopping) break;
      // Let timers (the limiter's pacing) run between users.
      if (seq % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      if (tracker.needsHorizon(seq)) {
        tracker.extendHorizon(seq + options.horizonChunk);
        await session.save(false);
      } else await session.saveIfDue();
      tracker.start(seq);
      // Called once per user, synchronously with its completion: the checkpoint never holds a
      // user's counts without it being done, nor the other way round.
      const finish: Finish = (bucket, replica) => {
        report.settle(bucket);
        if (bucket !== 'vanished' && bucket !== 'ambiguous')
          report.failover(failoverFate(replica, session.failoverOptions()));
        tracker.complete(seq);
        tick();
      };
      const plan = () =>
        planUser(session, seq, user, claim, status, scheduler, finish).catch((err) =>
          planFailed(session, seq, user, claim, err, finish),
        );
      if (options.deep) await preparing.add(plan);
      else await plan();
    }
    await preparing.onIdle();
    if (preparing.failure) throw preparing.failure.error;
    if (session.stopping) {
      for (const job of scheduler.stop()) tracker.release(job.seq);
      throw new RunStoppedError();
    }
    await scheduler.idle();
    await session.replicaIndex.onIdle();
    session.throwIfStopping();
    options.progress.update(processed);
    session.state.phase = 'orphans';
    session.pass = undefined;
    session.state.pass = undefined;
    await session.save(true);
  },
  async settled(session) {
    await session.listings.sourceListed();
    session.report.counts.sourceUsers = listedUsers(session.state.scan.source);
  },
};

/** The scheduler's rate of a category key (`source:…` or `target:…`): that side's limiter. */
function rateOf(session: Session): (key: string) => number {
  return (key) => {
    const [side, category] = key.split(':') as [string, QuotaCategory];
    return (side === 'source' ? session.source : session.target).rate(category);
  };
}
