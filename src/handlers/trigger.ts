import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, PostConfirmationTriggerEvent } from 'aws-lambda';
import { z } from 'zod';
import { loadTriggerConfig, type TriggerConfig } from '../config/trigger';
import { triggerQueueClient } from '../config/queues';
import { describeError } from '../core/errors';
import { buildSyncMessage } from '../core/message';
import { hashed, logger, MetricUnit, metrics } from '../observability';

/** The parts of a post confirmation event the trigger relies on. */
const TriggerEventSchema = z.object({
  triggerSource: z.string(),
  region: z.string().min(1),
  userPoolId: z.string().min(1),
  userName: z.string().min(1),
  request: z.object({ userAttributes: z.record(z.string(), z.string()) }),
});

/** What the trigger needs: its configuration and an SQS client. */
export interface TriggerDeps {
  config: TriggerConfig;
  sqs?: SQSClient;
}

/**
 * The post confirmation trigger's logic: puts one small message on the sync queue and returns
 * the event. It never throws: a malformed event, a bad configuration or an SQS failure is logged
 * (with the user's `sub`, never contact data) and counted, and the sign-up goes on; the
 * reconciler backfills whatever was not queued.
 */
export function createTriggerHandler(deps: TriggerDeps | (() => TriggerDeps)) {
  let resolved: TriggerDeps | undefined;
  let sqs: SQSClient | undefined;
  return async (event: PostConfirmationTriggerEvent, _context?: Context): Promise<PostConfirmationTriggerEvent> => {
    try {
      resolved ??= typeof deps === 'function' ? deps() : deps;
    } catch (err) {
      logger.error('trigger configuration is invalid; sign-up continues unreplicated', { error: describeError(err) });
      metrics.addMetric('TriggerSendFailures', MetricUnit.Count, 1);
      return event;
    }
    const { config } = resolved;
    const parsed = TriggerEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('malformed post confirmation event; sign-up continues unreplicated', {
        problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      metrics.addMetric('TriggerMalformedEvents', MetricUnit.Count, 1);
      return event;
    }
    const e = parsed.data;
    const sub = e.request.userAttributes.sub;
    if (e.triggerSource === 'PostConfirmation_ConfirmForgotPassword' && !config.replicateForgotPassword) return event;
    if (
      e.triggerSource !== 'PostConfirmation_ConfirmSignUp' &&
      e.triggerSource !== 'PostConfirmation_ConfirmForgotPassword'
    ) {
      logger.warn('ignored trigger source', { triggerSource: e.triggerSource, sub });
      return event;
    }
    if (e.userPoolId !== config.sourcePoolId) {
      logger.warn('event from a pool this deployment does not replicate; ignored', { userPoolId: e.userPoolId, sub });
      return event;
    }
    const message = buildSyncMessage({
      sourceRegion: e.region,
      sourcePoolId: e.userPoolId,
      username: e.userName,
      sub,
      reason: e.triggerSource,
    });
    sqs ??= resolved.sqs ?? triggerQueueClient(config);
    try {
      await withinBudget(config.sendBudgetMs, (abortSignal) =>
        sqs!.send(new SendMessageCommand({ QueueUrl: config.syncQueueUrl, MessageBody: JSON.stringify(message) }), {
          abortSignal,
        }),
      );
      logger.info('queued for replication', { sub, user: sub ? undefined : hashed(e.userName) });
    } catch (err) {
      logger.error('could not queue the user for replication; the reconciler will backfill', {
        sub,
        error: describeError(err),
      });
      metrics.addMetric('TriggerSendFailures', MetricUnit.Count, 1);
    }
    return event;
  };
}

/**
 * Runs `send` for at most `ms`: the abort signal stops the HTTP request, and the race returns even
 * when something before the request (credentials, endpoint resolution) does not honour the signal.
 */
async function withinBudget<T>(ms: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`SQS send took longer than the ${ms} ms budget`);
      err.name = 'TimeoutError';
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([send(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Lambda handler: configuration from the environment, validated on first use. */
export const handler = middy(createTriggerHandler(() => ({ config: loadTriggerConfig() })))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
