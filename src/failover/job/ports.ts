import type { DesiredState, JobState, ManifestPart, PartRef } from './types';

/**
 * Where the job's state lives (one item per standby pool). Every write is conditional:
 * `acquire` takes the lease only when nobody else holds a live one, `save` succeeds only for the
 * lease's owner at the version it read, so two invocations never work on one job at once.
 */
export interface JobStore {
  /** Where the state lives, for messages (`dynamodb://table/job#pool`, a file path). */
  readonly location: string;
  get(poolId: string): Promise<JobState | undefined>;
  /** Writes a new job; throws {@link JobExistsError} when one is running or paused (a finished one is replaced). */
  create(state: JobState): Promise<void>;
  /** Takes (or renews) the lease for `owner` until `until`; throws {@link LeaseHeldError} when another owner holds a live one. */
  acquire(poolId: string, owner: string, until: number, now: number): Promise<JobState>;
  /**
   * Saves the state (not `desired`, which only {@link setDesired} writes) and renews the lease;
   * throws {@link LeaseLostError} when the version or the lease changed. Returns the state saved.
   */
  save(state: JobState, until: number): Promise<JobState>;
  /** Drops the lease if `owner` holds it. */
  release(poolId: string, owner: string): Promise<void>;
  /** Sets what the operator wants (pause, resume); returns the state after. */
  setDesired(poolId: string, desired: DesiredState): Promise<JobState>;
}

/** Where the manifest's parts live (S3 in the standby Region, or a local directory). Contact data: personal. */
export interface ManifestStore {
  readonly location: string;
  putPart(jobId: string, ref: PartRef, part: ManifestPart): Promise<void>;
  /** The part, or undefined when it was never written. */
  getPart(jobId: string, ref: PartRef): Promise<ManifestPart | undefined>;
}
