import { DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_SOURCE_SUB_ATTRIBUTE } from '../core/constants';
import type { Clock } from '../cognito/limiter';
import type { CognitoPool } from '../cognito/pool';
import { type ProgressSink, silentProgress } from './progress';
import { SUB_SHARDS } from './scan';
import type { ReconcileOptions } from './types';

/**
 * The reconciler's options with every default filled in: the one place that knows them. Phases
 * read these, never `ReconcileOptions`.
 */
export interface ResolvedOptions
  extends Omit<
    ReconcileOptions,
    | 'apply'
    | 'deep'
    | 'import'
    | 'deleteOrphans'
    | 'maxDeletes'
    | 'minSourceShare'
    | 'sourceSubAttribute'
    | 'mfaMarkerAttribute'
    | 'clock'
    | 'progress'
    | 'reportLimit'
    | 'shards'
    | 'restart'
    | 'maxCheckpointAgeMs'
    | 'saveIntervalMs'
    | 'horizonChunk'
    | 'scheduler'
  > {
  apply: boolean;
  deep: boolean;
  import?: Required<Pick<NonNullable<ReconcileOptions['import']>, 'roleArn' | 'threshold' | 'chunkRows'>> &
    Pick<NonNullable<ReconcileOptions['import']>, 'pollMs' | 'upload'>;
  deleteOrphans: boolean;
  maxDeletes: number;
  minSourceShare: number;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  clock: Clock;
  progress: ProgressSink;
  reportLimit: number;
  shards: string[];
  restart: boolean;
  maxCheckpointAgeMs: number;
  saveIntervalMs: number;
  horizonChunk: number;
  scheduler: NonNullable<ReconcileOptions['scheduler']>;
}

const DAY_MS = 24 * 3600_000;
const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** Fills in the defaults of a run's options (documented on {@link ReconcileOptions}). */
export function resolveOptions(options: ReconcileOptions): ResolvedOptions {
  const imp = options.import;
  return {
    ...options,
    apply: !!options.apply,
    deep: !!options.deep,
    import: imp && {
      roleArn: imp.roleArn,
      threshold: imp.threshold ?? 1000,
      chunkRows: imp.chunkRows ?? 100_000,
      pollMs: imp.pollMs,
      upload: imp.upload,
    },
    deleteOrphans: !!options.deleteOrphans,
    maxDeletes: options.maxDeletes ?? 10,
    minSourceShare: options.minSourceShare ?? 0.5,
    sourceSubAttribute: options.sourceSubAttribute ?? DEFAULT_SOURCE_SUB_ATTRIBUTE,
    mfaMarkerAttribute: options.mfaMarkerAttribute ?? DEFAULT_MFA_MARKER_ATTRIBUTE,
    clock: options.clock ?? realClock,
    progress: options.progress ?? silentProgress,
    reportLimit: options.reportLimit ?? 1000,
    shards: options.shards ?? SUB_SHARDS,
    restart: !!options.restart,
    maxCheckpointAgeMs: options.maxCheckpointAgeMs ?? DAY_MS,
    saveIntervalMs: options.saveIntervalMs ?? 10_000,
    horizonChunk: options.horizonChunk ?? 500,
    scheduler: options.scheduler ?? {},
  };
}

/** Orphan deletions in flight: the option, or enough to keep the target's UserUpdate category busy. */
export function deleteConcurrency(options: ResolvedOptions, target: Pick<CognitoPool, 'rate'>): number {
  return options.deleteConcurrency ?? Math.max(4, Math.ceil(target.rate('UserUpdate') * 2));
}

/** `--deep` reads (AdminGetUser) in flight: enough to keep the source's UserRead category busy. */
export function deepReadConcurrency(source: Pick<CognitoPool, 'rate'>): number {
  return Math.max(8, Math.ceil(source.rate('UserRead') * 2));
}

/** The identity of a run for its checkpoint: the pool pair and the mode. */
export function checkpointKey(o: Pick<ReconcileOptions, 'source' | 'target' | 'apply' | 'deep' | 'import'>): string {
  return [
    `${o.source.region}/${o.source.poolId}`,
    `${o.target.region}/${o.target.poolId}`,
    o.apply ? 'apply' : 'dry-run',
    o.deep ? 'deep' : 'list',
    o.import ? 'import' : 'no-import',
  ].join(' ');
}
