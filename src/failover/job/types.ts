import type { QuotaCategory } from '../../cognito/quotas';
import type { PoolConfig } from '../../core/types';
import type { ExcludedRow, ManifestRow } from '../manifest';
import type { FailoverRules } from '../rules';

/**
 * The failover job's state: one job per standby pool, kept in a {@link JobStore} (DynamoDB in the
 * standby Region, or a local file). Counts and cursors only: no contact data.
 */

/** Where the job is. `listing` builds the manifest; `sending` sends the resets; `done`/`failed` are final. */
export type JobPhase = 'listing' | 'sending' | 'done' | 'failed';

/** What the operator wants: `paused` stops the job at the next row or page (the state is kept). */
export type DesiredState = 'running' | 'paused';

/** What the job was started with (the CLI's flags): the rules of a wave, and its pace. */
export interface JobOptions extends FailoverRules {
  /** Resets per second wanted (default: the UserAccountRecovery quota less the headroom). */
  rate?: number;
  /** Share of each quota left to the live application (default: the function's). */
  headroom?: number;
  /** The account's quotas where they differ from the defaults (`--quota Category=rps`). */
  quotas?: Partial<Record<QuotaCategory, number>>;
}

/** One listing shard (`sub ^= "<prefix>"`) and how far it got. */
export interface ShardCursor {
  prefix: string;
  /** The token of the next page; absent with `pages: 0` (start) or `done`. */
  nextToken?: string;
  done: boolean;
  /** Pages written by the current generation (page numbers 0 .. pages-1). */
  pages: number;
  /**
   * Which session wrote which pages of the current generation: pages from `from` on (up to the
   * next segment) were written by session `session`, whose number their object names carry. One
   * entry per session that listed the shard.
   */
  segments: { from: number; session: number }[];
  /** Bumped when the shard restarts after an expired pagination token: parts of older generations are superseded. */
  generation: number;
  /** The current generation's listing counts (a restart starts them again, so totals stay exact). */
  counts: ListingCounts;
}

/** What the listing found. */
export interface ListingCounts {
  listed: number;
  rows: number;
  /** Rows marked to send (`send: true`). */
  toSend: number;
  /** Users listed apart, by reason (`disabled`, `mfa-unknown`, ...). */
  excluded: Record<string, number>;
  /** MFA reads of replicas without a marker: read, and failed or not found. */
  mfaRead: number;
  mfaUnread: number;
}

/** What the send phase did (one count per row settled). */
export interface SendCounts {
  sent: number;
  /** Refused by Cognito (nothing went out), by reason (`limit-exceeded`, the error's name). */
  failed: Record<string, number>;
  maybeSent: number;
  alreadySent: number;
  resolved: number;
  leftMaybeSent: number;
  notToSend: number;
}

/** The send cursor: the next row to send is row `row` of page `page` of shard `shard` (its index in `shards`). */
export interface SendCursor {
  shard: number;
  page: number;
  row: number;
}

/** The lease: only its owner works on the job until `until` (epoch ms). */
export interface Lease {
  owner: string;
  until: number;
}

/** The job's state item. */
export interface JobState {
  poolId: string;
  jobId: string;
  phase: JobPhase;
  desired: DesiredState;
  options: JobOptions;
  /** The standby pool's configuration, read once at the first session (the classification stays the same across sessions). */
  pool?: PoolConfig;
  shards: ShardCursor[];
  send: SendCursor;
  sendCounts: SendCounts;
  /** Sends made since `sendStartedAt`, for the rate (this session's and earlier ones'). */
  sendStartedAt?: string;
  /** Time spent sending, summed over sessions (ms): the rate is sent / this. */
  sendElapsedMs: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Invocations that worked on the job. */
  sessions: number;
  /** Why the job failed (phase `failed`), or why the last session stopped early. */
  error?: string;
  lease?: Lease;
  /** Optimistic concurrency: every save is conditional on it and increments it. */
  version: number;
}

/**
 * Which part: page `page` of generation `generation` of shard `shard`, written by session
 * `session` (see {@link ShardCursor.segments}). A session whose lease lapsed, or whose save's
 * answer was lost, writes under its own number: it can never overwrite a part another committed.
 */
export interface PartRef {
  shard: string;
  generation: number;
  page: number;
  session: number;
}

/** One object of the manifest: the rows and the users listed apart of one listed page (contact data inside). */
export interface ManifestPart {
  shard: string;
  generation: number;
  rows: ManifestRow[];
  excluded: ExcludedRow[];
}
