import { randomUUID } from 'node:crypto';
import { describeError } from '../../core/errors';
import { redactContacts } from '../redact';
import { SUB_SHARDS } from '../scan';
import { type JobDeps, SessionContext, type SessionOptions } from './context';
import { emptyListingCounts, emptySendCounts } from './counts';
import { LeaseHeldError, LeaseLostError } from './errors';
import { runListing } from './listing';
import { runSending } from './sending';
import { SessionStop, type StopReason } from './stop';
import type { JobOptions, JobState } from './types';

/**
 * A new job's state: listing from the start of every shard, nothing sent.
 *
 * @example
 * await store.create(newJobState({ poolId: 'eu-west-1_B', options: { send: true, sourceSubAttribute, mfaMarkerAttribute } }));
 */
export function newJobState(init: { poolId: string; options: JobOptions; jobId?: string; now?: number }): JobState {
  const at = new Date(init.now ?? Date.now()).toISOString();
  return {
    poolId: init.poolId,
    jobId: init.jobId ?? `${at.slice(0, 19).replace(/[-:]/g, '')}-${randomUUID().slice(0, 8)}`,
    phase: 'listing',
    desired: 'running',
    options: init.options,
    shards: SUB_SHARDS.map((prefix) => ({
      prefix,
      done: false,
      pages: 0,
      segments: [],
      generation: 0,
      counts: emptyListingCounts(),
    })),
    send: { shard: 0, page: 0, row: 0 },
    sendCounts: emptySendCounts(),
    sendElapsedMs: 0,
    startedAt: at,
    updatedAt: at,
    sessions: 0,
    version: 0,
  };
}

/**
 * How a session ended: `done` (the job is finished, or was), `stopped` (the time budget ran out:
 * continue it), `paused` (the operator's pause, or the sender gave up: see the state's error),
 * `interrupted` (the signal), `busy` (another session holds the lease), `lease-lost` (the lease
 * lapsed and another took the job).
 */
export type SessionStatus = 'done' | 'stopped' | 'paused' | 'interrupted' | 'busy' | 'lease-lost';

/** What one session did. */
export interface SessionResult {
  status: SessionStatus;
  /** The state as last saved (absent when the lease was never taken). */
  state?: JobState;
}

const byReason: Record<StopReason, SessionStatus> = { time: 'stopped', paused: 'paused', interrupted: 'interrupted' };

/**
 * One session of the failover job: takes the job's lease, lists or sends until the job is done
 * or the session must stop (time budget, pause, signal), saving the cursor as it goes, and
 * releases the lease. Any number of sessions, from any process or machine sharing the stores,
 * continue one job; only the lease's holder works. Talks to the standby pool only. Throws what
 * it cannot recover from (its storage failing past the retries), with the error saved on the job.
 *
 * @example
 * const r = await runJobSession(deps, { poolId, owner: context.awsRequestId, deadline: Date.now() + 800_000 });
 * if (r.status === 'stopped') await invokeSelf({ action: 'continue', jobId: r.state!.jobId });
 */
export async function runJobSession(deps: JobDeps, options: SessionOptions): Promise<SessionResult> {
  const now = deps.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 120_000;
  let state: JobState;
  try {
    state = await deps.store.acquire(options.poolId, options.owner, now() + leaseMs, now());
  } catch (err) {
    if (err instanceof LeaseHeldError) return { status: 'busy' };
    throw err;
  }
  const stop = new SessionStop({
    deadline: options.deadline,
    signal: options.signal,
    store: deps.store,
    poolId: options.poolId,
    pollMs: options.pollMs,
    now,
  });
  const ctx = new SessionContext(deps, options, stop, state);
  try {
    if (state.phase === 'done' || state.phase === 'failed') return { status: 'done', state };
    if (state.desired === 'paused') return { status: 'paused', state };
    const pool = state.pool ?? (await deps.standby.describePool());
    await ctx.commit((draft) => {
      draft.pool = pool;
      draft.sessions++;
      draft.error = undefined;
    });
    if (ctx.state.phase === 'listing') await runListing(ctx);
    if (ctx.state.phase === 'sending' && !stop.reason) await runSending(ctx);
    if (ctx.state.phase === 'done') return { status: 'done', state: ctx.state };
    return { status: byReason[stop.reason ?? 'time'], state: ctx.state };
  } catch (err) {
    if (err instanceof LeaseLostError) return { status: 'lease-lost', state: ctx.state };
    const error = redactContacts(describeError(err));
    await ctx
      .commit((draft) => {
        draft.error = error;
      })
      .catch(() => undefined);
    throw err;
  } finally {
    stop.dispose();
    await deps.store.release(options.poolId, options.owner).catch(() => undefined);
  }
}
