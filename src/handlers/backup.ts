/**
 * The scheduled backup functions: `snapshot` takes a full snapshot of the deployment's own pool
 * into the backup bucket, `verify` checks the latest one against its manifest and the live pool
 * and reports the recovery point. The same code as `npm run backup` (src/backup/).
 * @packageDocumentation
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { takeSnapshot } from '../backup/snapshot';
import { type BackupStore, S3BackupStore } from '../backup/store';
import { verifyBackup, type VerifyReport } from '../backup/verify';
import type { CognitoPool } from '../cognito/pool';
import { type BackupConfig, loadBackupConfig } from '../config/backup';
import { cognitoGateway } from '../config/wiring';
import { logger, MetricUnit, metrics } from '../observability';

/** What the backup functions need (tests pass their own). */
export interface BackupDeps {
  config: BackupConfig;
  pool: CognitoPool;
  store: BackupStore;
}

/** Stop the listing this long before the Lambda timeout: a stopped snapshot writes no manifest. */
const MARGIN_MS = 15_000;

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
 * The scheduled snapshot. A snapshot that cannot finish before the timeout is stopped and fails
 * (no manifest): the pool is too large for one invocation; take it with `npm run backup`.
 */
export function createSnapshotHandler(deps: BackupDeps | (() => BackupDeps)) {
  const get = resolver(deps);
  return async (_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const d = get();
    const remaining = context?.getRemainingTimeInMillis?.() ?? 900_000;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), Math.max(1000, remaining - MARGIN_MS));
    try {
      const result = await takeSnapshot({ pool: d.pool, store: d.store, prefix: d.config.prefix, signal: stop.signal });
      const { manifest } = result;
      metrics.addMetric('SnapshotUsers', MetricUnit.Count, manifest.counts.users);
      metrics.addMetric('SnapshotGroups', MetricUnit.Count, manifest.counts.groups);
      metrics.addMetric('SnapshotBytes', MetricUnit.Bytes, result.bytes);
      metrics.addMetric('SnapshotSeconds', MetricUnit.Seconds, Math.round(result.elapsedMs / 1000));
      const out = {
        snapshotId: manifest.snapshotId,
        manifest: d.store.location(result.manifestKey),
        counts: manifest.counts,
        chunks: manifest.chunks.length,
        bytes: result.bytes,
        seconds: Math.round(result.elapsedMs / 1000),
      };
      logger.info('snapshot complete', out);
      return out;
    } finally {
      clearTimeout(timer);
    }
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
  return { config, pool, store: new S3BackupStore(s3, config.bucket) };
}

/** The scheduled snapshot's Lambda handler. */
export const snapshotHandler = middy(createSnapshotHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

/** The scheduled verification's Lambda handler. */
export const verifyHandler = middy(createVerifyHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
