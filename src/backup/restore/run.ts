/**
 * Restore to a point in time: the pool's state at that time is rebuilt from the backup (the latest
 * complete snapshot before it and the journal up to it) onto local disk, served as a read-only
 * source pool ({@link BackupPool}), and the reconciler plans the target against it with the shared
 * planner and writes the differences with the shared writer: at the target's quota-bound pace,
 * resumable from its checkpoint, dry run by default. Nothing in the target is ever deleted.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { CognitoPool } from '../../cognito/pool';
import type { PoolConfig } from '../../core/types';
import { type ReconcileOptions, type ReconcileReport, type ReconcileResult, reconcile } from '../../reconcile/run';
import type { CheckpointStore } from '../../reconcile/checkpoint';
import { readErasures } from '../erasure';
import { compactTime } from '../keys';
import type { BackupStore } from '../store';
import { BackupPool } from './backup-pool';
import { readConfig } from './chunks';
import { JournalGapError } from './errors';
import { poolConfigOf } from './pool-config';
import { findSnapshot } from './snapshots';
import { stateAt } from './state-at';
import { RestoredState, StateWriter } from './state-files';
import type { JournalGap, StateStats } from './types';

/** Everything a restore needs. The CLI builds this. */
export interface RestoreOptions {
  /** The backup bucket (read: GetObject, ListBucket). */
  backup: BackupStore;
  /** The backed-up pool's folder (`poolRoot(prefix, poolId)`). */
  root: string;
  /** The restore point. */
  at: Date;
  /** The pool restored into (the primary again, a standby, or a pool made for it). */
  target: CognitoPool;
  /** The reconciler's checkpoint (resume state). */
  checkpoint: CheckpointStore;
  /** Where the rebuilt state is kept on disk until the restore completes (personal data: mode 0600). */
  stateDir: string;
  /** Write (default: dry run). */
  apply?: boolean;
  /** Apply even though the journal misses batches in the window (they are reported either way). */
  acceptGap?: boolean;
  /** Only users the target lacks (`--only deleted`). */
  onlyDeleted?: boolean;
  /** Only these source subs (`--sub`, repeatable); default all. */
  subs?: string[];
  /** See {@link StateAtOptions}. */
  lookbackMs?: number;
  slackMs?: number;
  listingMarginMs?: number;
  /** Build the state again even when the one in `stateDir` is for this restore. */
  restart?: boolean;
  /** The reconciler's settings passed on (replica attributes, progress, stop signal, report, pace). */
  reconcile?: Omit<
    ReconcileOptions,
    'source' | 'target' | 'store' | 'apply' | 'deep' | 'import' | 'deleteOrphans' | 'onlyMissing' | 'saveReport'
  >;
  /** Writes the restore's report (before the checkpoint is deleted, as the reconciler's). */
  saveReport?: (report: RestoreReport) => Promise<void>;
}

/** The reconciler's report with what the restore adds. */
export interface RestoreReport extends Omit<ReconcileReport, 'tool'> {
  tool: 'cognito-standby-sync restore';
  restore: {
    at: string;
    backup: string;
    selection: { onlyDeleted: boolean; subs: number };
    state: StateStats;
    /** True when `--apply` was refused (journal gap without `--accept-gap`). */
    refused?: boolean;
  };
}

export interface RestoreResult {
  state: StateStats;
  /** The reconciler's run; absent when the restore refused to apply. */
  run?: ReconcileResult;
  warnings: string[];
  /** 0 done, nothing failed; 1 done but a problem (a failed user, a gap in the journal); 130 stopped. */
  exitCode: 0 | 1 | 130;
}

/** `+deleted`, `+subs-<digest>`: what a restore restricted itself to, in its source's identity. */
function selectionTag(onlyDeleted: boolean | undefined, subs: ReadonlySet<string> | undefined): string {
  const digest =
    subs &&
    createHash('sha256')
      .update([...subs].sort().join(','))
      .digest('hex')
      .slice(0, 12);
  return `${onlyDeleted ? '+deleted' : ''}${digest ? `+subs-${digest}` : ''}`;
}

/** A journal gap in words. */
export function describeGaps(gaps: readonly JournalGap[]): string {
  return gaps
    .map((g) => `writer ${g.writerId} batches ${g.fromSeq}${g.toSeq > g.fromSeq ? `..${g.toSeq}` : ''}`)
    .join(', ');
}

/**
 * Restores the target pool to the backup's state at `options.at` (see the module comment).
 *
 * @example
 * const { exitCode, warnings } = await restore({
 *   backup: new S3BackupStore(s3, 'acme-cognito-backups'),
 *   root: poolRoot('prod', 'eu-west-1_abc'),
 *   at: new Date('2026-11-30T09:41:00Z'),
 *   target: new CognitoGateway({ region: 'eu-west-1', poolId: 'eu-west-1_abc' }),
 *   checkpoint: new FileCheckpointStore('.restore/eu-west-1_abc.json'),
 *   stateDir: '.restore/eu-west-1_abc.state',
 *   apply: true,
 * });
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const { backup, root, at, target } = options;
  const log = (m: string) => options.reconcile?.progress?.log(m);
  const subs = options.subs?.length ? new Set(options.subs) : undefined;
  const key = JSON.stringify({
    backup: backup.location(root),
    at: at.toISOString(),
    subs: [...(subs ?? [])].sort(),
    margin: options.listingMarginMs,
  });
  let state = options.restart ? undefined : await RestoredState.open(options.stateDir);
  if (state && state.key !== key) state = undefined;
  if (!state) {
    log(`rebuilding the pool's state at ${at.toISOString()} from ${backup.location(root)}`);
    const writer = await StateWriter.create(options.stateDir);
    const stats = await stateAt(
      {
        store: backup,
        root,
        at,
        lookbackMs: options.lookbackMs,
        slackMs: options.slackMs,
        listingMarginMs: options.listingMarginMs,
        select: subs && ((sub) => subs.has(sub)),
      },
      writer,
    );
    await writer.finish(stats, key);
    state = (await RestoredState.open(options.stateDir))!;
  } else log(`using the state already rebuilt in ${options.stateDir}`);
  const stats = state.stats!;

  const warnings: string[] = [];
  if (stats.gaps.length)
    warnings.push(
      `the journal misses batches between the snapshot and the restore point (${describeGaps(stats.gaps)}): changes they held are not in the restored state`,
    );
  if (stats.newerThanRestorePoint)
    warnings.push(
      `${stats.newerThanRestorePoint} user(s) are only known as they were after the restore point (changed while the snapshot was listed, not in the journal): restored as that nearest state`,
    );
  for (const w of warnings) log(`warning: ${w}`);

  const manifest = await findSnapshot(backup, root, at);
  let config = poolConfigOf(await readConfig(backup, root, manifest), manifest.region);
  if (!config) {
    warnings.push(
      'the snapshot holds no pool configuration: users are planned as if the backed-up pool were configured as the target',
    );
    config = { ...(await target.describePool()), poolId: manifest.poolId, region: manifest.region } as PoolConfig;
  }
  const source = new BackupPool({
    region: manifest.region,
    // The restore point and the selection are part of the source's identity: a checkpoint of
    // another restore point or selection is not resumed (its listing would be another's).
    poolId: `${manifest.poolId}@${compactTime(at)}${selectionTag(options.onlyDeleted, subs)}`,
    state,
    config,
    // Read again at every session: an erasure recorded since the state was built is honoured too.
    erased: await readErasures(backup, root),
  });

  const report = (run: ReconcileReport, refused?: boolean): RestoreReport => ({
    ...run,
    tool: 'cognito-standby-sync restore',
    warnings: [...warnings, ...run.warnings],
    restore: {
      at: at.toISOString(),
      backup: backup.location(root),
      selection: { onlyDeleted: !!options.onlyDeleted, subs: subs?.size ?? 0 },
      state: stats,
      refused,
    },
  });

  if (options.apply && stats.gaps.length && !options.acceptGap)
    throw new JournalGapError(
      `refusing to apply: ${warnings[0]}. Run the dry run to see what would change, then --accept-gap to apply anyway, or choose a restore point before the gap`,
    );

  const run = await reconcile({
    ...options.reconcile,
    source,
    target,
    store: options.checkpoint,
    apply: options.apply,
    // Reading the backup is free: every user is read in full, so its MFA (as last known) is planned too.
    deep: true,
    deleteOrphans: false,
    onlyMissing: options.onlyDeleted,
    saveReport: options.saveReport && ((r) => options.saveReport!(report(r))),
  });
  if (run.status === 'complete') await rm(options.stateDir, { recursive: true, force: true });
  const exitCode = run.exitCode === 0 && stats.gaps.length ? 1 : run.exitCode;
  return { state: stats, run, warnings, exitCode };
}
