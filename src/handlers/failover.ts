import { sessionWorkMs } from '../core/session-budget';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { selfInvoker } from '../config/self-invoke';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { type FailoverConfig, loadFailoverConfig } from '../config/failover';
import { cognitoGateway } from '../config/wiring';
import { describeError } from '../core/errors';
import {
  DynamoJobStore,
  type JobDeps,
  type JobState,
  type JobStore,
  jobStatus,
  type ManifestStore,
  runJobSession,
  S3ManifestStore,
  type SessionStatus,
} from '../failover/job';
import { jobSendWiring } from '../failover/job/send-wiring';
import { failoverLimiter } from '../failover/run';
import { logger, MetricUnit, metrics } from '../observability';

/** What an invocation is asked: continue the job `jobId` (the CLI's start and resume, and the function's own continuations). */
export interface FailoverEvent {
  action: 'continue';
  jobId: string;
}

/** What a session of the job talks to, built from the job's own options (its rate, quotas). */
export type SessionWiring = (job: JobState) => Pick<JobDeps, 'standby' | 'createSender' | 'journal'> & {
  sendConcurrency?: number;
};

/** What the failover function needs (tests pass their own). */
export interface FailoverHandlerDeps {
  config: Pick<FailoverConfig, 'poolId'>;
  store: JobStore;
  manifests: ManifestStore;
  session: SessionWiring;
  /** Starts the next invocation (asynchronous self-invoke). */
  continueJob?: (payload: FailoverEvent) => Promise<void>;
  now?: () => number;
}

/** What one invocation returns (and logs): counts only. */
export interface FailoverInvocationResult {
  status: SessionStatus | 'ignored';
  jobId?: string;
  phase?: JobState['phase'];
  sent?: number;
  left?: number;
  continued?: boolean;
  reason?: string;
}

/** Stop at most this long before the Lambda timeout: sends in flight settle, the cursor is saved. */
const MAX_MARGIN_MS = 60_000;
/**
 * Sessions of one job before it stops continuing itself. 40 million users at 24 resets/s take
 * about 19 days, about 2,000 sessions of 14 minutes: a job past this makes no progress.
 */
export const MAX_SESSIONS = 5_000;

/**
 * The failover job's function, in the standby Region: each invocation takes the job's lease,
 * lists or sends until its time is nearly up, saves the cursor, and invokes the function again
 * (asynchronously) to continue. Paused, done, or another invocation at work: it does nothing.
 * Talks only to the standby Region's pool, table, bucket and itself.
 */
export function createFailoverHandler(deps: FailoverHandlerDeps | (() => FailoverHandlerDeps)) {
  let resolved: FailoverHandlerDeps | undefined;
  return async (
    event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
  ): Promise<FailoverInvocationResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const now = d.now ?? Date.now;
    const ask = parseEvent(event);
    if (!ask) {
      logger.warn('failover invocation ignored: expected { action: "continue", jobId }');
      return { status: 'ignored', reason: 'bad event' };
    }
    const job = await d.store.get(d.config.poolId);
    if (!job || job.jobId !== ask.jobId) {
      // A continuation of a job since replaced (or never created): nothing to do.
      logger.warn('failover invocation ignored: not the pool’s current job', { jobId: ask.jobId, current: job?.jobId });
      return { status: 'ignored', jobId: ask.jobId, reason: 'not the current job' };
    }
    if (job.sessions >= MAX_SESSIONS) {
      logger.error('failover job is not finishing; not continuing it (resume it with the CLI)', {
        jobId: job.jobId,
        sessions: job.sessions,
      });
      return { status: 'ignored', jobId: job.jobId, reason: 'too many sessions' };
    }
    const workMs = sessionWorkMs(context?.getRemainingTimeInMillis?.(), MAX_MARGIN_MS);
    const wiring = d.session(job);
    const result = await runJobSession(
      { store: d.store, manifests: d.manifests, ...wiring, now },
      {
        poolId: d.config.poolId,
        owner: context?.awsRequestId ?? `invocation-${now()}`,
        deadline: now() + workMs,
        sendConcurrency: wiring.sendConcurrency,
      },
    );
    const out: FailoverInvocationResult = { status: result.status, jobId: job.jobId };
    if (result.state) {
      const s = jobStatus(result.state, now());
      Object.assign(out, { phase: s.phase, sent: s.sent, left: s.left });
      metrics.addMetric('FailoverResetsLeft', MetricUnit.Count, s.left);
      metrics.addMetric('FailoverResetsSent', MetricUnit.Count, s.sent);
    }
    if (result.status === 'stopped' && d.continueJob) {
      try {
        await d.continueJob({ action: 'continue', jobId: job.jobId });
        out.continued = true;
      } catch (err) {
        logger.error('could not invoke the next session; resume the job with the CLI', { error: describeError(err) });
      }
    }
    logger.info(`failover session ${result.status}`, { ...out, error: result.state?.error });
    return out;
  };
}

function parseEvent(event: unknown): FailoverEvent | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  if (e.action !== 'continue' || typeof e.jobId !== 'string' || !e.jobId) return undefined;
  return { action: 'continue', jobId: e.jobId };
}

function depsFromEnvironment(): FailoverHandlerDeps {
  const config = loadFailoverConfig();
  const db = new DynamoDBClient({ region: config.region, endpoint: config.dynamodbEndpoint });
  const s3 = new S3Client({ region: config.region, endpoint: config.s3Endpoint, forcePathStyle: !!config.s3Endpoint });
  return {
    config,
    store: new DynamoJobStore(db, config.table),
    manifests: new S3ManifestStore(s3, config.stateBucket, config.poolId),
    session: (job) => {
      const { limiter, rate } = failoverLimiter({
        rate: job.options.rate,
        headroom: job.options.headroom ?? config.headroom,
        quotas: job.options.quotas,
      });
      const standby = cognitoGateway(
        { region: config.region, poolId: config.poolId, endpoint: config.endpoint },
        { limiter },
      );
      return {
        standby,
        ...jobSendWiring({
          client: db,
          table: config.table,
          poolId: config.poolId,
          gateway: standby,
          resendUncertain: job.options.resendUncertain,
        }),
        sendConcurrency: Math.min(32, Math.max(1, Math.ceil(rate / 2))),
      };
    },
    continueJob: selfInvoker(config.functionName, config.region),
  };
}

/** The Lambda handler: configuration from the environment, validated on the first invocation. */
export const handler = middy(createFailoverHandler(depsFromEnvironment))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
