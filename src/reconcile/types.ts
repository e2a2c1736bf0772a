import type { CognitoPool } from '../cognito/pool';
import type { Clock } from '../cognito/limiter';
import type { CheckpointState, CheckpointStore } from './checkpoint';
import type { SchedulerOptions } from './apply-scheduler';
import type { ImportState } from './import-job';
import type { ProgressSink } from './progress';
import type { Readiness } from './readiness';
import type { Counts, EntryKind, ReportEntry } from './report';
import type { DeletionDecision } from './safety';

/**
 * The two sides of a run. `source` is the pool replicated from, `target` the pool made to match:
 * the standby Region's pool in a daily reconcile, the primary's in a reverse one (failback). The
 * Regions' roles (primary, standby) are never used for the sides of a run.
 */
export type RunSide = 'source' | 'target';

/** Everything a reconcile run needs. The CLI and the Lambda handler build this; the run does the rest. */
export interface ReconcileOptions {
  /** The pool replicated from. */
  source: CognitoPool;
  /** The pool made to match (the standby Region's pool; the primary's in a reverse reconcile at failback). */
  target: CognitoPool;
  store: CheckpointStore;
  /** Write the changes (default: dry run). */
  apply?: boolean;
  /** Read every source user with AdminGetUser for MFA (bills every source user as active). */
  deep?: boolean;
  /** Seed missing users through a user import job when at least `threshold` are missing. */
  import?: {
    roleArn: string;
    threshold?: number;
    chunkRows?: number;
    pollMs?: number;
    upload?: (url: string, body: Buffer) => Promise<void>;
  };
  deleteOrphans?: boolean;
  /**
   * Write only the users the target lacks (a restore of deleted users); a user the target has is
   * planned and reported, never written. Default false.
   */
  onlyMissing?: boolean;
  /** Most orphans deleted per run. Default 10. */
  maxDeletes?: number;
  /** Refuse deletions when source users < this share of target users. Default 0.5. */
  minSourceShare?: number;
  sourceSubAttribute?: string;
  mfaMarkerAttribute?: string;
  groupRoleMap?: Record<string, string>;
  linkFederatedUsers?: boolean;
  clock?: Clock;
  /** Aborting stops the run cleanly at once (checkpoint saved, nothing half-sent). */
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Receives the quota-bound time estimate of a run that starts, before the first ListUsers (default: progress notes). */
  onEstimate?: (lines: string[]) => void;
  /** Per-user entries kept per kind in the report. Default 1000. */
  reportLimit?: number;
  /** User shards of each listing. Default `0`..`f` (sub prefixes); `['all']` lists unfiltered. */
  shards?: string[];
  /** Discard any checkpoint and start afresh. */
  restart?: boolean;
  /** A checkpoint older than this is discarded (its listings are stale). Default 24 h. */
  maxCheckpointAgeMs?: number;
  /** Checkpoint at least this often, ms. Default 10 s. */
  saveIntervalMs?: number;
  /** Users started beyond the recorded horizon per checkpoint write. Default 500. */
  horizonChunk?: number;
  scheduler?: Partial<Omit<SchedulerOptions, 'rate'>>;
  /** Lines per sorted run of the on-disk sort of the listings (the memory bound). Default 100,000. */
  sortRunLines?: number;
  /** Orphan deletions in flight. Default: enough to keep UserUpdate busy. */
  deleteConcurrency?: number;
  /**
   * The change-capture replica index (source sub -> replica username), kept in step in apply
   * mode: every pair found or made is remembered, every deleted orphan forgotten. Its calls are
   * not Cognito calls (DynamoDB); a failure is a warning, never a failed user.
   */
  replicaIndex?: {
    remember(sourceSub: string, replicaUsername: string): Promise<unknown>;
    forget(sourceSub: string, expectedUsername?: string): Promise<unknown>;
  };
  /** The source pool's PostConfirmation trigger should be this function (warned otherwise). */
  expectedTrigger?: string;
  /**
   * Writes the report of a finished run *before* its checkpoint is deleted (and a stopped run's
   * after its checkpoint is saved). When it fails, the checkpoint is kept (phase done): the same
   * command run again rebuilds the report without listing or writing anything again.
   */
  saveReport?: (report: ReconcileReport) => Promise<void>;
}

export type RunStatus = 'complete' | 'stopped';

/** The JSON report of a run. */
export interface ReconcileReport {
  version: 1;
  tool: 'cognito-standby-sync reconcile';
  runId: string;
  status: RunStatus;
  phase: CheckpointState['phase'];
  startedAt: string;
  finishedAt: string;
  mode: 'dry-run' | 'apply';
  deep: boolean;
  source: { region: string; poolId: string };
  target: { region: string; poolId: string };
  resumed: boolean;
  sessions: number;
  counts: Counts;
  groups: { missingInTarget: string[]; onlyInTarget: string[] };
  import?: ImportState;
  deletion: DeletionDecision & { requested: boolean; limit: number };
  /** Dry run: time the apply would take at the target's quotas (the largest category wins). */
  estimatedApplySeconds: number;
  /** Requests sent, by side and operation (retries included). */
  calls: { source: Record<string, number>; target: Record<string, number> };
  /** Pages listed, and listings started over after a rejected pagination token, per side. */
  listing: { source: { pages: number; restarts: number }; target: { pages: number; restarts: number } };
  /** Per-user reads that bill the user as active (AdminGetUser), both sides. */
  billedReads: number;
  /** Write requests sent to the target. */
  writeCalls: number;
  readiness: Readiness;
  warnings: string[];
  entries: Partial<Record<EntryKind, ReportEntry[]>>;
  omitted: Partial<Record<EntryKind, number>>;
  checkpoint: string;
}

export interface ReconcileResult {
  status: RunStatus;
  report: ReconcileReport;
  /** 0: done, nothing failed; 1: an operation failed; 130: stopped before the end (resumable). */
  exitCode: 0 | 1 | 130;
}
