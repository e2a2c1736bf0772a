/**
 * Drives an SQS-triggered Lambda handler the way the Lambda SQS event source mapping does:
 * receive a batch, build a real-shaped `SQSEvent`, call the handler, delete what succeeded.
 *
 * - Handler resolves with `{ batchItemFailures }` (ReportBatchItemFailures): the listed messages
 *   stay (visible again after the visibility timeout), the others are deleted. An entry with an
 *   empty or unknown `itemIdentifier` fails the whole batch, as in Lambda.
 * - Handler resolves with nothing: the whole batch is deleted.
 * - Handler throws: nothing is deleted.
 *
 * Receives use `WaitTimeSeconds: 0` plus a short sleep when the queue is empty: local-aws-sqs
 * holds a long poll for its full wait when `MaxNumberOfMessages > 1`, even with messages there.
 * @packageDocumentation
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { sleep } from './internal/http';
import { makeLambdaContext } from './lambda-endpoint';

/** Settings of {@link startSqsPoller}. */
export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  /** The Lambda handler (e.g. the sync worker). */
  // biome-ignore lint/suspicious/noConfusingVoidType: the shape of aws-lambda's own SQSHandler, which may return nothing
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void> | SQSBatchResponse | void;
  /** Messages per batch, 1..10. Default 10. */
  batchSize?: number;
  /** Long-poll wait (s). Default 0 (see the module note). */
  waitTimeSeconds?: number;
  /** Sleep between receives while the queue is empty (ms). Default 25. */
  idleSleepMs?: number;
  /** Visibility timeout for received messages (s); the queue's when omitted. */
  visibilityTimeout?: number;
  /** Honour `batchItemFailures` (the mapping's ReportBatchItemFailures). Default true. */
  reportBatchItemFailures?: boolean;
  /** Function name in the handler's context. Default `sync-worker`. */
  functionName?: string;
  /** Region in the records and context. Default `us-east-1`. */
  region?: string;
  /** Called with receive/delete errors and handler errors (the loop goes on). */
  onError?: (error: unknown) => void;
}

/** Counters of a poller. */
export interface SqsPollerStats {
  /** Handler invocations. */
  batches: number;
  /** Messages handed to the handler. */
  messages: number;
  /** Messages deleted after success. */
  deleted: number;
  /** Messages left on the queue (reported failures or failed batches). */
  failures: number;
  /** Handler invocations that threw. */
  handlerErrors: number;
  /** Failed ReceiveMessage / DeleteMessageBatch calls (e.g. SQS unreachable). */
  sqsErrors: number;
}

/** A running poller. */
export interface SqsPoller {
  readonly stats: SqsPollerStats;
  readonly running: boolean;
  /**
   * Resolves once no batch is in flight and receives have found the queue empty for `quietMs`
   * (default 200) in a row. Messages waiting out a visibility timeout are invisible, so this
   * does not mean "no retries pending": use {@link SqsPoller.drained} for that. Rejects after `timeoutMs` (default 30 000).
   */
  idle(quietMs?: number, timeoutMs?: number): Promise<void>;
  /** Like {@link SqsPoller.idle} and also the queue reports no visible, in-flight or delayed message. */
  drained(quietMs?: number, timeoutMs?: number): Promise<void>;
  /** Stops receiving; resolves after the batch in flight has finished. */
  stop(): Promise<void>;
}

function toMessageAttributes(m: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    out[k] = {
      stringValue: v.StringValue,
      binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined,
      stringListValues: v.StringListValues ?? [],
      binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: v.DataType ?? 'String',
    };
  }
  return out;
}

/** Builds the `SQSRecord` Lambda would pass for `m`. */
export function toSqsRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = (m.Attributes ?? {}) as Record<string, string>;
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.AWSTraceHeader ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
      ...(a.DeadLetterQueueSourceArn ? { DeadLetterQueueSourceArn: a.DeadLetterQueueSourceArn } : {}),
    },
    messageAttributes: toMessageAttributes(m),
    md5OfBody: m.MD5OfBody ?? '',
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  } as SQSRecord;
}

/** Starts polling `queueUrl` into `handler`. */
export function startSqsPoller(opts: SqsPollerOptions): SqsPoller {
  const batchSize = Math.min(10, Math.max(1, opts.batchSize ?? 10));
  const region = opts.region ?? 'us-east-1';
  const functionName = opts.functionName ?? 'sync-worker';
  const stats: SqsPollerStats = { batches: 0, messages: 0, deleted: 0, failures: 0, handlerErrors: 0, sqsErrors: 0 };
  let stopping = false;
  let inFlight = false;
  let emptySince: number | undefined;
  let queueArn: string | undefined;
  const report = (e: unknown) => {
    try {
      opts.onError?.(e);
    } catch {
      /* ignore */
    }
  };

  const arn = async () => {
    if (queueArn) return queueArn;
    try {
      const r = await opts.client.send(
        new GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['QueueArn'] }),
      );
      queueArn = r.Attributes?.QueueArn;
    } catch (e) {
      report(e);
    }
    if (!queueArn) {
      const u = new URL(opts.queueUrl);
      const [account, name] = u.pathname.split('/').filter(Boolean);
      return `arn:aws:sqs:${region}:${account}:${name}`;
    }
    return queueArn;
  };

  const deleteAll = async (messages: Message[]) => {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      try {
        const r = await opts.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: opts.queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        stats.deleted += r.Successful?.length ?? 0;
        if (r.Failed?.length) report(new Error(`DeleteMessageBatch failed for ${r.Failed.length} message(s)`));
      } catch (e) {
        stats.sqsErrors++;
        report(e);
      }
    }
  };

  const loop = (async () => {
    while (!stopping) {
      let messages: Message[] = [];
      try {
        const r = await opts.client.send(
          new ReceiveMessageCommand({
            QueueUrl: opts.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: opts.waitTimeSeconds ?? 0,
            VisibilityTimeout: opts.visibilityTimeout,
            MessageSystemAttributeNames: ['All'],
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = r.Messages ?? [];
      } catch (e) {
        stats.sqsErrors++;
        report(e);
        emptySince = undefined;
        await sleep(100);
        continue;
      }
      if (messages.length === 0) {
        emptySince ??= Date.now();
        await sleep(opts.idleSleepMs ?? 25);
        continue;
      }
      emptySince = undefined;
      inFlight = true;
      try {
        const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, '', region)) };
        const sourceArn = await arn();
        for (const r of event.Records) r.eventSourceARN = sourceArn;
        stats.batches++;
        stats.messages += messages.length;
        // biome-ignore lint/suspicious/noConfusingVoidType: what the handler above may return
        let result: SQSBatchResponse | void;
        try {
          result = await opts.handler(event, makeLambdaContext(functionName, region));
        } catch (e) {
          stats.handlerErrors++;
          stats.failures += messages.length;
          report(e);
          continue;
        }
        const failures = opts.reportBatchItemFailures === false ? [] : (result?.batchItemFailures ?? []);
        const ids = new Set(messages.map((m) => m.MessageId));
        if (failures.some((f) => !f?.itemIdentifier || !ids.has(f.itemIdentifier))) {
          stats.failures += messages.length; // Lambda treats an invalid identifier as a failed batch
          continue;
        }
        const failed = new Set(failures.map((f) => f.itemIdentifier));
        stats.failures += failed.size;
        await deleteAll(messages.filter((m) => !failed.has(m.MessageId ?? '')));
      } finally {
        inFlight = false;
      }
    }
  })();

  const waitFor = async (cond: () => boolean | Promise<boolean>, quietMs: number, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!inFlight && emptySince !== undefined && Date.now() - emptySince >= quietMs && (await cond())) return;
      if (Date.now() > deadline)
        throw new Error(`poller not ${what} after ${timeoutMs} ms (stats ${JSON.stringify(stats)})`);
      await sleep(10);
    }
  };

  return {
    stats,
    get running() {
      return !stopping;
    },
    idle: (quietMs = 200, timeoutMs = 30_000) => waitFor(() => true, quietMs, timeoutMs, 'idle'),
    drained: (quietMs = 200, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const r = await opts.client.send(
            new GetQueueAttributesCommand({
              QueueUrl: opts.queueUrl,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
                'ApproximateNumberOfMessagesDelayed',
              ],
            }),
          );
          const a = r.Attributes ?? {};
          return (
            Number(a.ApproximateNumberOfMessages ?? 0) +
              Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
              Number(a.ApproximateNumberOfMessagesDelayed ?? 0) ===
            0
          );
        },
        quietMs,
        timeoutMs,
        'drained',
      ),
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
