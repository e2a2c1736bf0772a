import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadWorkerConfig, type WorkerConfig } from '../config/worker';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelaySeconds } from '../core/backoff';
import { forEachLimit } from '../core/concurrency';
import { classifyError, describeError, isLimitExceeded } from '../core/errors';
import { UsernameExistsError } from '../cognito/errors';
import { MalformedMessageError } from '../core/message';
import { logger, MetricUnit, metrics } from '../observability';
import { backupJournalOf, replicaIndexOf, replicationContext, workerQueueClient } from '../config/wiring';
import { replicateUser, type ReplicationContext } from '../replication/replicate-user';
import { loadChangeCaptureConfig } from '../config/change-capture';
import { screenMessage } from '../change-capture/screen';
import { parseQueueMessage, queueMessageUserKey, UnlocatableEventError } from '../change-capture/queue-message';
import { afterReplication } from '../replication/change-capture-steps';
import type { ReplicaIndex } from '../replication/replica-index';
import { journalEntriesOf } from '../backup/journal-records';
import type { JournalBatch, JournalWriter } from '../backup/journal-writer';

/** What the worker needs. */
export interface WorkerDeps {
  config: WorkerConfig;
  replication: ReplicationContext;
  sqs: SQSClient;
  /** Records of one batch processed at once. Default 4. */
  concurrency?: number;
  now?: () => number;
  /** Retry delays (visibility timeout after a failed attempt). Default {@link DEFAULT_BACKOFF}; attempts always come from `MAX_ATTEMPTS`. */
  backoff?: Pick<BackoffPolicy, 'baseSeconds' | 'capSeconds'>;
  /** Change capture: the replica index (source sub -> standby username); none: deletions go to the reconciler. */
  replicaIndex?: ReplicaIndex;
  /** Change capture: roles whose changes are replication echoes (ECHO_ROLE_ARNS). */
  echoRoleArns?: readonly string[];
  /** Backup: the journal every handled change is recorded in (one object per batch); none: no backup stream. */
  journal?: JournalWriter;
}

/** Why a message went to the DLQ, carried as a message attribute. */
export type DlqReason = string;

/**
 * The sync worker's logic: for each queue record, re-read the user from the source and make the
 * standby match. Failed records are reported in `batchItemFailures` after their visibility is
 * extended by the back-off schedule; malformed messages, users that can never be replicated (a
 * permanent error, or a per-user or per-resource limit: reason `limit-exceeded: ...`) and messages
 * out of attempts are moved to the DLQ with their reason and acknowledged, so they never block
 * their batch-mates. The gateway has already retried throttling and transient failures under its
 * one retry policy; the queue's back-off is the next layer, for outages longer than that.
 */
export function createWorkerHandler(deps: WorkerDeps | (() => WorkerDeps)) {
  let resolved: WorkerDeps | undefined;
  return async (event: SQSEvent, _context?: Context): Promise<SQSBatchResponse> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const failures: { itemIdentifier: string }[] = [];
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const journal = d.journal?.batch();
    // Messages about the same user are handled one after another (two writers on one replica
    // would race); different users in parallel.
    await forEachLimit(groupByUser(records), d.concurrency ?? 4, async (group) => {
      for (const record of group) {
        const ok = await processRecord(record, d, journal);
        if (!ok) failures.push({ itemIdentifier: record.messageId });
      }
    });
    // A journal object that cannot be written fails the messages it records, so they come again.
    for (const id of (await journal?.flush()) ?? []) failures.push({ itemIdentifier: id });
    return { batchItemFailures: failures };
  };
}

/** Groups records by the user their message names, in arrival order; unreadable ones alone. */
function groupByUser(records: SQSRecord[]): SQSRecord[][] {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    // A body naming nobody readable is handled (and dead-lettered) on its own.
    const key = queueMessageUserKey(record.body) ?? `message:${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.values()];
}

/** Handles one record; returns false when it must be retried. */
async function processRecord(record: SQSRecord, d: WorkerDeps, journal?: JournalBatch): Promise<boolean> {
  const attempt = Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
  let sub: string | undefined;
  try {
    const message = parseQueueMessage(record.body, d.config);
    sub = message.sub;
    if (message.sourcePoolId !== d.config.sourcePoolId) {
      throw new MalformedMessageError(
        `message is for pool ${message.sourcePoolId}, this worker replicates ${d.config.sourcePoolId}`,
      );
    }
    const screening = screenMessage(message, d.echoRoleArns ?? []);
    if (screening.action === 'drop') {
      logger.info('change ignored', { sub, reason: message.reason, why: screening.why });
      metrics.addMetric(screening.why === 'echo' ? 'EchoesDropped' : 'OtherPoolEvents', MetricUnit.Count, 1);
      return true;
    }
    const outcome = await replicateUser(d.replication, { username: message.username, sub: message.sub });
    sub = outcome.sourceSub ?? sub;
    logger.info('replicated', {
      sub,
      result: outcome.result,
      writes: outcome.writes,
      issues: outcome.plan?.issues,
      attempt,
    });
    metrics.addMetric(`Users_${outcome.result}`, MetricUnit.Count, 1);
    // The replica is RESET_REQUIRED: its SMS/e-mail MFA waits for the user's reset (issue `mfa-pending` in the line above).
    if (outcome.mfaPending) metrics.addMetric('MfaPending', MetricUnit.Count, 1);
    if (outcome.result === 'created' || outcome.result === 'updated') {
      metrics.addMetric('UsersReplicated', MetricUnit.Count, 1);
      const lag = (d.now ?? Date.now)() - Date.parse(message.at);
      if (lag >= 0) metrics.addMetric('ReplicationLagMs', MetricUnit.Milliseconds, lag);
    }
    await afterReplication(d.replication, d.replicaIndex, outcome, message, screening.poolStated);
    journal?.add(
      record.messageId,
      journalEntriesOf({
        outcome,
        message,
        poolStated: screening.poolStated,
        handledAt: new Date((d.now ?? Date.now)()),
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof UnlocatableEventError) {
      // A change event that names nobody (issue 10.9): nothing to retry or dead-letter; the reconciler covers it.
      logger.info('change event names no user; left to the reconciler', { reason: err.eventName });
      metrics.addMetric('UnlocatableEvents', MetricUnit.Count, 1);
      return true;
    }
    // A per-user or per-resource limit (LimitExceededException: the pool's group quota, ...) is
    // permanent for this user: to the DLQ now with its reason, not after a day of retries.
    const kind =
      err instanceof MalformedMessageError ? 'malformed' : isLimitExceeded(err) ? 'limit-exceeded' : classifyError(err);
    // A create that still races after one re-plan (ListUsers is eventually consistent and may
    // not show the replica yet), or a replica deleted between lookup and write, is settled by a
    // later attempt that looks again, not by the DLQ.
    const raced = err instanceof UsernameExistsError || kind === 'not-found';
    const retryable = kind === 'throttle' || kind === 'transient' || raced;
    if (retryable && attempt < d.config.maxAttempts) {
      const delay = retryDelaySeconds(attempt, { ...DEFAULT_BACKOFF, ...d.backoff, maxAttempts: d.config.maxAttempts });
      logger.warn('replication failed, will retry', { sub, attempt, retryInSeconds: delay, error: describeError(err) });
      metrics.addMetric('ReplicationRetries', MetricUnit.Count, 1);
      await extendVisibility(record, delay, d);
      return false;
    }
    const reason = retryable
      ? `gave up after ${attempt} attempts: ${describeError(err)}`
      : `${kind}: ${describeError(err)}`;
    logger.error('replication failed for good; moving the message to the DLQ', { sub, attempt, reason });
    metrics.addMetric('ReplicationFailures', MetricUnit.Count, 1);
    return moveToDlq(record, reason, d);
  }
}

async function extendVisibility(record: SQSRecord, seconds: number, d: WorkerDeps): Promise<void> {
  try {
    await d.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: d.config.syncQueueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  } catch (err) {
    // The message still comes back after the queue's own visibility timeout.
    logger.warn('could not delay the retry', { error: describeError(err) });
  }
}

/** Sends the record to the DLQ with its reason; true when it may be acknowledged. */
async function moveToDlq(record: SQSRecord, reason: DlqReason, d: WorkerDeps): Promise<boolean> {
  try {
    await d.sqs.send(
      new SendMessageCommand({
        QueueUrl: d.config.dlqUrl,
        MessageBody: record.body,
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          sourceMessageId: { DataType: 'String', StringValue: record.messageId },
          attempts: { DataType: 'Number', StringValue: record.attributes?.ApproximateReceiveCount ?? '1' },
        },
      }),
    );
    metrics.addMetric('MessagesToDlq', MetricUnit.Count, 1);
    return true;
  } catch (err) {
    // Not acknowledged: the queue's redrive policy moves it to the DLQ eventually.
    logger.error('could not move the message to the DLQ; leaving it on the queue', { error: describeError(err) });
    return false;
  }
}

/** The Lambda handler: configuration from the environment, validated on the first batch. */
export const handler = middy(
  createWorkerHandler(() => {
    const config = loadWorkerConfig();
    const capture = loadChangeCaptureConfig();
    return {
      config,
      replication: replicationContext(config),
      sqs: workerQueueClient(config),
      echoRoleArns: capture.echoRoleArns,
      replicaIndex: replicaIndexOf(config, capture),
      journal: backupJournalOf(config),
    };
  }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
