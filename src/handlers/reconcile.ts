import { sessionWorkMs } from '../core/session-budget';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { selfInvoker } from '../config/self-invoke';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import type { CognitoPool } from '../cognito/pool';
import { describeError } from '../core/errors';
import { logger, MetricUnit, metrics } from '../observability';
import { loadReconcileConfig, type ReconcileConfig } from '../config/reconcile';
import type { ProgressSink } from '../reconcile/progress';
import { reconcile, type ReconcileOptions, type ReconcileResult } from '../reconcile/run';
import { S3CheckpointStore } from '../reconcile/s3-store';
import { reconcileGateways, replicaIndexOf } from '../config/wiring';
import { formatSummary } from '../reconcile/summary';
import {
  observationWindow,
  observeQueues,
  type QueueRecord,
  readReportPrefix,
  type ReportInputs,
  reportPage,
} from '../report';

/** What the scheduled reconcile needs (tests pass their own). */
export interface ReconcileDeps {
  config: ReconcileConfig;
  source: CognitoPool;
  target: CognitoPool;
  store: S3CheckpointStore;
  /** The change-capture replica index, kept in step in apply mode. */
  replicaIndex?: ReconcileOptions['replicaIndex'];
  /** Starts the next invocation of a run that did not finish (asynchronous self-invoke). */
  continueRun?: (payload: { source: 'continue'; runId: string }) => Promise<void>;
  /** Reads the kept reports under a prefix of the state bucket, for the page (default: S3). */
  readReports?: (prefix: string) => Promise<ReportInputs>;
  /** Reads a queue observation (lag, oldest message, DLQ depth) from CloudWatch over the window; never throws. */
  observeQueues?: (window: { start: Date; end: Date }) => Promise<QueueRecord>;
}

/** What one invocation returns (and logs). */
export interface ReconcileInvocationResult {
  status: ReconcileResult['status'];
  runId: string;
  mode: 'dry-run' | 'apply';
  report?: string;
  /** The readiness page written next to the report (issue 14). */
  page?: string;
  continued?: boolean;
  counts: {
    source: number;
    target: number;
    inSync: number;
    missing: number;
    drifted: number;
    orphans: number;
    failed: number;
    writes: number;
  };
}

/** Stop at most this long before the Lambda timeout: requests in flight finish, spool and checkpoint go to S3. */
const MAX_MARGIN_MS = 90_000;
/** Invocations of one run before it stops asking for more (a run making no progress must end). */
const MAX_SESSIONS = 200;

/**
 * The scheduled reconcile: the same engine as the CLI, time-boxed to the invocation. A run that
 * does not finish stops cleanly before the timeout with its checkpoint in S3 and invokes the
 * function again (asynchronously) to continue; any later invocation resumes it too.
 */
export function createReconcileHandler(deps: ReconcileDeps | (() => ReconcileDeps)) {
  let resolved: ReconcileDeps | undefined;
  return async (
    event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<ReconcileInvocationResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const workMs = sessionWorkMs(context?.getRemainingTimeInMillis?.(), MAX_MARGIN_MS);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), workMs);
    const trigger =
      event && typeof event === 'object' && 'source' in event
        ? String((event as { source: unknown }).source)
        : 'unknown';
    logger.info('reconcile invocation', {
      trigger,
      mode: d.config.apply ? 'apply' : 'dry-run',
      deep: d.config.deep,
      stopInMs: workMs,
    });
    let result: ReconcileResult;
    try {
      result = await reconcile({
        source: d.source,
        target: d.target,
        store: d.store,
        apply: d.config.apply,
        deep: d.config.deep,
        import:
          d.config.apply && d.config.importLogsRoleArn
            ? { roleArn: d.config.importLogsRoleArn, threshold: d.config.importThreshold }
            : undefined,
        deleteOrphans: d.config.deleteOrphans,
        maxDeletes: d.config.maxDeletes,
        sourceSubAttribute: d.config.sourceSubAttribute,
        mfaMarkerAttribute: d.config.mfaMarkerAttribute,
        groupRoleMap: d.config.groupRoleMap,
        linkFederatedUsers: d.config.linkFederatedUsers,
        expectedTrigger: d.config.triggerFunctionArn,
        replicaIndex: d.replicaIndex,
        signal: stop.signal,
        progress: logProgress,
      });
    } finally {
      clearTimeout(timer);
    }
    const r = result.report;
    const c = r.counts;
    const out: ReconcileInvocationResult = {
      status: result.status,
      runId: r.runId,
      mode: r.mode,
      counts: {
        source: c.sourceUsers,
        target: c.standbyUsers,
        inSync: c.inSync,
        missing: c.create,
        drifted: c.update,
        orphans: c.orphans,
        failed: c.failed,
        writes: c.writes,
      },
    };
    if (result.status === 'complete') {
      const key = `reports/${r.finishedAt.slice(0, 10)}/${r.source.poolId}--${r.target.poolId}-${r.runId}.json`;
      await d.store.putObject(key, JSON.stringify(r, null, 2));
      out.report = `s3://${d.store.bucket}/${key}`;
      out.page = await writePage(d, key.replace(/\.json$/, '.html'));
      for (const line of formatSummary(r).split('\n')) logger.info(line);
      metrics.addMetric('DriftUsers', MetricUnit.Count, c.create + c.update);
      metrics.addMetric('MissingUsers', MetricUnit.Count, c.create);
      metrics.addMetric('DriftedUsers', MetricUnit.Count, c.update);
      metrics.addMetric('OrphanUsers', MetricUnit.Count, c.orphans);
      metrics.addMetric('StandbyOnlyUsers', MetricUnit.Count, c.standbyOnly);
      metrics.addMetric('NotReplicableUsers', MetricUnit.Count, c.skip);
      metrics.addMetric('ReconcileFailedUsers', MetricUnit.Count, c.failed + c.deleteFailed);
      metrics.addMetric('ReconcileWrites', MetricUnit.Count, c.writes);
      metrics.addMetric('RemainingDriftUsers', MetricUnit.Count, r.readiness.missing + r.readiness.drifted);
      metrics.addMetric('ReadinessPercent', MetricUnit.Percent, Math.round(r.readiness.share * 10_000) / 100);
      metrics.addMetric('TotpUsers', MetricUnit.Count, r.readiness.notCarried.totp ?? 0);
      if (r.warnings.length) metrics.addMetric('ReconcileWarnings', MetricUnit.Count, r.warnings.length);
      logger.info('reconcile complete', {
        ...out,
        warnings: r.warnings,
        readiness: { share: r.readiness.share, notifications: r.readiness.notifications },
      });
    } else {
      metrics.addMetric('ReconcileContinuations', MetricUnit.Count, 1);
      if (r.sessions >= MAX_SESSIONS) {
        logger.error('reconcile run is not finishing; not continuing it (the next scheduled invocation resumes it)', {
          runId: r.runId,
          sessions: r.sessions,
        });
      } else if (d.continueRun) {
        try {
          await d.continueRun({ source: 'continue', runId: r.runId });
          out.continued = true;
        } catch (err) {
          logger.warn('could not invoke the next part of the run; the next scheduled invocation resumes it', {
            error: describeError(err),
          });
        }
      }
      logger.info('reconcile stopped before the timeout; checkpoint saved', {
        ...out,
        phase: r.phase,
        sessions: r.sessions,
        checkpoint: r.checkpoint,
      });
    }
    return out;
  };
}

/**
 * The readiness page over every kept report, next to this run's, with a queue observation read just
 * before (kept beside the report for the next pages' lag trend). A failure is a warning, never a failed run.
 */
async function writePage(d: ReconcileDeps, key: string): Promise<string | undefined> {
  try {
    const read =
      d.readReports ??
      ((prefix: string) =>
        readReportPrefix(
          new S3Client({
            region: d.config.sourceRegion,
            endpoint: d.config.s3Endpoint,
            forcePathStyle: !!d.config.s3Endpoint,
          }),
          d.store.bucket,
          prefix,
        ));
    const inputs = await read('reports/');
    if (d.observeQueues) await addQueueObservation(d, d.observeQueues, inputs, key.replace(/\.html$/, '.queue.json'));
    await d.store.putObject(key, reportPage(inputs, new Date()), 'text/html; charset=utf-8');
    return `s3://${d.store.bucket}/${key}`;
  } catch (err) {
    logger.warn('could not write the readiness page; the JSON report is written', { error: describeError(err) });
    return undefined;
  }
}

/** Observes the queues since the newest kept observation (at most 24 h) and keeps the record under `key`. */
async function addQueueObservation(
  d: ReconcileDeps,
  observe: NonNullable<ReconcileDeps['observeQueues']>,
  inputs: ReportInputs,
  key: string,
): Promise<void> {
  const previous = inputs.queues
    .map((q) => q.at)
    .sort()
    .at(-1);
  let record: QueueRecord;
  try {
    record = await observe(observationWindow(new Date(), previous));
  } catch (err) {
    logger.warn('could not observe the queues; the page is written without', { error: describeError(err) });
    return;
  }
  inputs.queues.push(record);
  if (record.notObserved?.length)
    logger.warn('queue observation incomplete: the page shows these figures as not observed', {
      notObserved: record.notObserved,
    });
  try {
    await d.store.putObject(key, JSON.stringify(record, null, 2));
  } catch (err) {
    logger.warn('could not keep the queue observation; the page shows it', { error: describeError(err) });
  }
}

const logProgress: ProgressSink = {
  phase: (name) => logger.info(`phase: ${name}`),
  update() {},
  log: (message) => logger.info(message),
  end() {},
};

function depsFromEnvironment(): ReconcileDeps {
  const config = loadReconcileConfig();
  const { source, target } = reconcileGateways(config);
  const s3 = new S3Client({
    region: config.sourceRegion,
    endpoint: config.s3Endpoint,
    forcePathStyle: !!config.s3Endpoint,
  });
  const store = new S3CheckpointStore(
    s3,
    config.stateBucket,
    `checkpoints/${config.sourcePoolId}--${config.standbyPoolId}/`,
    '/tmp/reconcile-spool',
  );
  const replicaIndex = replicaIndexOf(config, config);
  const queueMetrics = config.queueMetrics;
  return {
    config,
    source,
    target,
    store,
    replicaIndex,
    continueRun: selfInvoker(config.functionName, config.sourceRegion),
    observeQueues: queueMetrics
      ? (window) => observeQueues(new CloudWatchClient({ region: config.sourceRegion }), queueMetrics, window)
      : undefined,
  };
}

/** The Lambda handler: configuration from the environment, validated on the first invocation. */
export const handler = middy(createReconcileHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
