/**
 * The scheduled backup functions: `snapshot` takes a full snapshot of the deployment's own pool
 * into the backup bucket, continuing itself across invocations; `verify` checks the latest one
 * against its manifest and the live pool and reports the recovery point. The same code as
 * `npm run backup` (src/backup/).
 * @packageDocumentation
 */
import { sessionWorkMs } from '../core/session-budget';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { poolRoot } from '../backup/keys';
import { runSnapshotSession, type SnapshotSession } from '../backup/snapshot';
import {
  CheckpointTakenError,
  checkpointUsers,
  findOpenSnapshot,
  isSnapshotComplete,
  readLatestCheckpoint,
  type SnapshotCheckpoint,
} from '../backup/snapshot-progress';
import { type BackupStore, S3BackupStore } from '../backup/store';
import { verifyBackup, type VerifyReport } from '../backup/verify';
import type { CognitoPool } from '../cognito/pool';
import { type BackupConfig, loadBackupConfig } from '../config/backup';
import { selfInvoker } from '../config/self-invoke';
import { cognitoGateway } from '../config/wiring';
import { describeError } from '../core/errors';
import { logger, MetricUnit, metrics } from '../observability';

/** What the snapshot function is asked by its own continuations: go on with `snapshotId` after checkpoint `after`. */
export interface SnapshotEvent {
  action: 'continue';
  snapshotId: string;
  /** The checkpoint the invoking session wrote: another one since means another session went on. */
  after?: number;
}

/** What the backup functions need (tests pass their own). */
export interface BackupDeps {
  config: BackupConfig;
  pool: CognitoPool;
  store: BackupStore;
  /** Starts the next session of a snapshot (asynchronous self-invoke). */
  continueSnapshot?: (payload: SnapshotEvent) => Promise<void>;
  now?: () => number;
}

/** What one snapshot invocation returns (and logs): ids and counts only. */
export interface SnapshotInvocationResult {
  status: SnapshotSession['status'] | 'ignored';
  snapshotId?: string;
  reason?: string;
  /** The session's number (1 for a snapshot's first). */
  session?: number;
  continued?: boolean;
  manifest?: string;
  counts?: { users: number; groups: number; memberships?: number };
  chunks?: number;
  bytes?: number;
  seconds?: number;
}

/** Stop at most this long before the Lambda timeout: pages in flight finish, chunks close, the checkpoint is put. */
const MAX_MARGIN_MS = 60_000;
/**
 * Sessions of one snapshot before it stops continuing itself. 40 million users at the UserList
 * quota less the default headroom take about 55 sessions of 14 minutes: one past this makes no progress.
 */
export const MAX_SNAPSHOT_SESSIONS = 300;
/** A checkpoint younger than this belongs to a chain still at work: a scheduled invocation leaves it be. */
export const SNAPSHOT_STALE_MS = 30 * 60_000;
/** Unfinished snapshots started within this are continued rather than a new one started. */
export const SNAPSHOT_OPEN_WINDOW_MS = 3 * 86_400_000;

/** Thrown when the verification found problems: the function fails, and its alarm goes off. */
export class BackupVerifyError extends Error {
  override readonly name = 'BackupVerifyError';
}

function resolver(deps: BackupDeps | (() => BackupDeps)): () => BackupDeps {
  let resolved: BackupDeps | undefined;
  return () => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    return resolved;
  };
}

/**
 * The scheduled snapshot, continuing itself past Lambda's 15 minutes. The schedule starts a
 * snapshot, or continues the unfinished one (two never run at once; one whose chain broke is taken
 * over); each session lists until its time is nearly up, writes a checkpoint and invokes the
 * function again (asynchronously) with `{ action: 'continue', snapshotId, after }`. The manifest
 * is written by the session that finishes. A continuation of a finished snapshot does nothing.
 */
export function createSnapshotHandler(deps: BackupDeps | (() => BackupDeps)) {
  const get = resolver(deps);
  return async (
    event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SnapshotInvocationResult> => {
    const d = get();
    const now = d.now ?? Date.now;
    const root = poolRoot(d.config.prefix, d.config.sourcePoolId);
    const ignored = (reason: string, snapshotId?: string): SnapshotInvocationResult => {
      logger.info('snapshot invocation ignored', { reason, snapshotId });
      return { status: 'ignored', reason, snapshotId };
    };

    let resume: SnapshotCheckpoint | undefined;
    const ask = parseEvent(event);
    if (ask) {
      if (await isSnapshotComplete(d.store, root, ask.snapshotId)) return ignored('already complete', ask.snapshotId);
      resume = await readLatestCheckpoint(d.store, root, ask.snapshotId);
      if (!resume) return ignored('no checkpoint', ask.snapshotId);
      if (ask.after !== undefined && resume.seq !== ask.after)
        return ignored('another session went on', ask.snapshotId);
    } else {
      const open = await findOpenSnapshot(d.store, root, new Date(now() - SNAPSHOT_OPEN_WINDOW_MS));
      if (open && open.checkpoint.seq < MAX_SNAPSHOT_SESSIONS) {
        if (now() - Date.parse(open.checkpoint.writtenAt) < SNAPSHOT_STALE_MS)
          return ignored('a snapshot is in progress', open.snapshotId);
        logger.warn('taking over an unfinished snapshot', {
          snapshotId: open.snapshotId,
          sessions: open.checkpoint.seq,
        });
        resume = open.checkpoint;
      }
    }
    if (resume && resume.seq >= MAX_SNAPSHOT_SESSIONS) {
      logger.error('snapshot is not finishing; not continuing it (the next schedule starts a new one)', {
        snapshotId: resume.snapshotId,
        sessions: resume.seq,
      });
      return ignored('too many sessions', resume.snapshotId);
    }

    const workMs = sessionWorkMs(context?.getRemainingTimeInMillis?.(), MAX_MARGIN_MS);
    let session: SnapshotSession;
    try {
      session = await runSnapshotSession({
        pool: d.pool,
        store: d.store,
        prefix: d.config.prefix,
        now,
        resume,
        deadline: now() + workMs,
      });
    } catch (err) {
      if (err instanceof CheckpointTakenError) return ignored('another session went on', resume?.snapshotId);
      throw err;
    }

    if (session.status === 'paused') {
      const cp = session.checkpoint;
      const out: SnapshotInvocationResult = {
        status: 'paused',
        snapshotId: cp.snapshotId,
        session: cp.seq,
        counts: { users: checkpointUsers(cp), groups: cp.groups.groups, memberships: cp.groups.memberships },
        seconds: Math.round(session.elapsedMs / 1000),
      };
      metrics.addMetric('SnapshotContinuations', MetricUnit.Count, 1);
      if (d.continueSnapshot) {
        try {
          await d.continueSnapshot({ action: 'continue', snapshotId: cp.snapshotId, after: cp.seq });
          out.continued = true;
        } catch (err) {
          logger.warn('could not invoke the next session; the next scheduled invocation takes the snapshot over', {
            error: describeError(err),
          });
        }
      }
      logger.info('snapshot paused before the timeout; checkpoint written', {
        ...out,
        shardsLeft: cp.shards.filter((s) => !s.done).length,
        groupsDone: cp.groups.done,
      });
      return out;
    }

    const { manifest } = session;
    metrics.addMetric('SnapshotUsers', MetricUnit.Count, manifest.counts.users);
    metrics.addMetric('SnapshotGroups', MetricUnit.Count, manifest.counts.groups);
    metrics.addMetric('SnapshotBytes', MetricUnit.Bytes, session.bytes);
    metrics.addMetric(
      'SnapshotSeconds',
      MetricUnit.Seconds,
      Math.round((now() - Date.parse(manifest.startedAt)) / 1000),
    );
    const out: SnapshotInvocationResult = {
      status: 'complete',
      snapshotId: manifest.snapshotId,
      session: session.sessions,
      manifest: d.store.location(session.manifestKey),
      counts: manifest.counts,
      chunks: manifest.chunks.length,
      bytes: session.bytes,
      seconds: Math.round(session.elapsedMs / 1000),
    };
    logger.info('snapshot complete', { ...out });
    return out;
  };
}

function parseEvent(event: unknown): SnapshotEvent | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  if (e.action !== 'continue' || typeof e.snapshotId !== 'string' || !e.snapshotId) return undefined;
  return {
    action: 'continue',
    snapshotId: e.snapshotId,
    after: typeof e.after === 'number' ? e.after : undefined,
  };
}

/** The scheduled verification: fails (and so raises its alarm) on any problem found. */
export function createVerifyHandler(deps: BackupDeps | (() => BackupDeps)) {
  const get = resolver(deps);
  return async (): Promise<VerifyReport> => {
    const d = get();
    const report = await verifyBackup({ pool: d.pool, store: d.store, prefix: d.config.prefix });
    metrics.addMetric('BackupVerifyProblems', MetricUnit.Count, report.problems.length);
    if (report.snapshot)
      metrics.addMetric('SnapshotAgeSeconds', MetricUnit.Seconds, Math.round(report.snapshot.ageMs / 1000));
    if (report.journal?.lagMs !== undefined)
      metrics.addMetric('RecoveryPointAgeSeconds', MetricUnit.Seconds, Math.round(report.journal.lagMs / 1000));
    logger.info('backup verified', { ...report });
    if (report.problems.length)
      throw new BackupVerifyError(`backup verification failed: ${report.problems.join('; ')}`);
    return report;
  };
}

function depsFromEnvironment(): BackupDeps {
  const config = loadBackupConfig();
  const pool = cognitoGateway(
    { region: config.sourceRegion, poolId: config.sourcePoolId, endpoint: config.sourceEndpoint },
    { headroom: config.quotaHeadroom },
  );
  const s3 = new S3Client({
    region: config.bucketRegion,
    endpoint: config.s3Endpoint,
    forcePathStyle: !!config.s3Endpoint,
  });
  return {
    config,
    pool,
    store: new S3BackupStore(s3, config.bucket),
    continueSnapshot: selfInvoker(config.functionName, config.sourceRegion),
  };
}

/** The scheduled snapshot's Lambda handler. */
export const snapshotHandler = middy(createSnapshotHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

/** The scheduled verification's Lambda handler. */
export const verifyHandler = middy(createVerifyHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
