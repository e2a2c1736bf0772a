import { JobNotFoundError } from './errors';
import type { JobStore } from './ports';
import { newJobState } from './session';
import { type JobStatus, jobStatus } from './status';
import type { JobOptions, JobState } from './types';

/** Asks the failover function to continue the job (an asynchronous invocation). */
export type InvokeJob = (payload: { action: 'continue'; jobId: string }) => Promise<void>;

/**
 * Starts a failover job for the pool: writes its state item (refused while another job of the
 * pool is running or paused) and invokes the function, which lists and, with `options.send`,
 * sends, continuing itself until done.
 *
 * @example
 * const job = await startJob(new DynamoJobStore(db, table), invoke, { poolId, options: { send: true, ...attributes } });
 */
export async function startJob(
  store: JobStore,
  invoke: InvokeJob,
  init: { poolId: string; options: JobOptions; now?: number },
): Promise<JobState> {
  const state = newJobState(init);
  await store.create(state);
  await invoke({ action: 'continue', jobId: state.jobId });
  return state;
}

/** The job's status (see {@link jobStatus}); throws {@link JobNotFoundError} without a job. */
export async function jobStatusOf(store: JobStore, poolId: string, now: number): Promise<JobStatus> {
  const state = await store.get(poolId);
  if (!state) throw new JobNotFoundError(`no failover job for pool ${poolId}`);
  return jobStatus(state, now);
}

/** Pauses the job: the session at work stops at its next row or page (within seconds), state kept. */
export async function pauseJob(store: JobStore, poolId: string): Promise<JobState> {
  return store.setDesired(poolId, 'paused');
}

/** Resumes a paused job (or restarts the continuations of one that stopped): sets it running and invokes the function. */
export async function resumeJob(store: JobStore, invoke: InvokeJob, poolId: string): Promise<JobState> {
  const state = await store.setDesired(poolId, 'running');
  if (state.phase !== 'done' && state.phase !== 'failed') await invoke({ action: 'continue', jobId: state.jobId });
  return state;
}
