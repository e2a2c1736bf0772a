import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { describeError } from '../core/errors';
import { redactContacts } from '../failover/redact';

/**
 * Moves the sync DLQ's messages back to the sync queue. Real SQS has a message move task
 * (StartMessageMoveTask), used when the endpoint supports it; otherwise messages are copied in
 * batches: received, sent to the target, and deleted from the DLQ only once the send succeeded,
 * so a message is never lost (a crash in between leaves a duplicate, which the idempotent worker
 * absorbs).
 */

export type RedriveMethod = 'auto' | 'task' | 'copy';

export interface RedriveOptions {
  /** The DLQ: a name or a URL. */
  queue: string;
  /** The queue to move to: a name or a URL; by default the DLQ's only source queue. */
  to?: string;
  /** Only count the messages and their reasons (they are received, then released at once). */
  dryRun?: boolean;
  method?: RedriveMethod;
  /** Messages at most (copy and dry run). */
  max?: number;
  /** Messages per second (move task's MaxNumberOfMessagesPerSecond). */
  rate?: number;
  onProgress?: (moved: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface RedriveResult {
  dlqUrl: string;
  targetUrl?: string;
  method: 'task' | 'copy' | 'dry-run';
  /** Approximate number of messages in the DLQ before the run. */
  approximateCount: number;
  moved: number;
  /** Copy method: messages whose send failed (left in the DLQ). */
  failed: number;
  /** Why a copy stopped early (messages not moved stay in the DLQ). */
  error?: string;
  /** Dry run: messages counted, by the worker's `reason` attribute. */
  reasons: Record<string, number>;
  /** Why the move task was not used, when it was not. */
  fallbackReason?: string;
  taskStatus?: string;
  taskFailure?: string;
}

const UNSUPPORTED = /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|not (?:supported|implemented)/i;

/** True when an error says the endpoint does not know the operation (an emulator), not that it refused it. */
export function isUnsupportedOperation(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return (
    UNSUPPORTED.test(e?.name ?? '') ||
    UNSUPPORTED.test(e?.Code ?? '') ||
    UNSUPPORTED.test(e?.message ?? '') ||
    e?.$metadata?.httpStatusCode === 501
  );
}

/** A queue URL from a name or a URL. */
export async function resolveQueueUrl(sqs: SQSClient, nameOrUrl: string): Promise<string> {
  if (/^https?:\/\//.test(nameOrUrl)) return nameOrUrl;
  const r = await sqs.send(new GetQueueUrlCommand({ QueueName: nameOrUrl }));
  if (!r.QueueUrl) throw new Error(`queue ${nameOrUrl} not found`);
  return r.QueueUrl;
}

async function attributes(sqs: SQSClient, url: string, names: string[]): Promise<Record<string, string>> {
  const r = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as never }));
  return r.Attributes ?? {};
}

/** A queue's URL from its ARN (`arn:aws:sqs:region:account:name`). */
async function urlOfArn(sqs: SQSClient, arn: string): Promise<string> {
  const [, , , , account, name] = arn.split(':');
  const r = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
  if (!r.QueueUrl) throw new Error(`queue ${arn} not found`);
  return r.QueueUrl;
}

/**
 * The queue a DLQ's messages go back to: the only source queue its redrive allow policy names,
 * else the only queue whose redrive policy points at it. Several or none: the caller must say (--to).
 */
export async function detectSourceQueue(sqs: SQSClient, dlqUrl: string): Promise<string> {
  const attrs = await attributes(sqs, dlqUrl, ['RedriveAllowPolicy']);
  if (attrs.RedriveAllowPolicy) {
    try {
      const policy = JSON.parse(attrs.RedriveAllowPolicy) as { redrivePermission?: string; sourceQueueArns?: string[] };
      if (policy.redrivePermission === 'byQueue' && policy.sourceQueueArns?.length === 1)
        return urlOfArn(sqs, policy.sourceQueueArns[0]);
    } catch {
      /* an unreadable policy: try the other way */
    }
  }
  const r = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
  const urls = r.queueUrls ?? [];
  if (urls.length === 1) return urls[0];
  throw new Error(
    urls.length
      ? `the DLQ has ${urls.length} source queues (${urls.join(', ')}): say which one with --to`
      : 'cannot tell which queue the DLQ belongs to (no redrive allow policy naming one queue, no queue redriving to it): say it with --to',
  );
}

/** Moves (or, in a dry run, counts) the DLQ's messages. */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const dlqUrl = await resolveQueueUrl(sqs, options.queue);
  const dlqAttrs = await attributes(sqs, dlqUrl, ['QueueArn', 'ApproximateNumberOfMessages']);
  const result: RedriveResult = {
    dlqUrl,
    method: 'copy',
    approximateCount: Number(dlqAttrs.ApproximateNumberOfMessages ?? 0),
    moved: 0,
    failed: 0,
    reasons: {},
  };
  if (options.dryRun) {
    result.method = 'dry-run';
    result.reasons = await countReasons(sqs, dlqUrl, options.max);
    result.targetUrl = options.to
      ? await resolveQueueUrl(sqs, options.to)
      : await detectSourceQueue(sqs, dlqUrl).catch(() => undefined);
    return result;
  }
  const targetUrl = options.to ? await resolveQueueUrl(sqs, options.to) : await detectSourceQueue(sqs, dlqUrl);
  result.targetUrl = targetUrl;
  const method = options.method ?? 'auto';
  if (method !== 'copy') {
    try {
      return { ...result, ...(await moveTask(sqs, dlqAttrs.QueueArn, targetUrl, options)), method: 'task' };
    } catch (err) {
      if (method === 'task' || !isUnsupportedOperation(err)) throw err;
      result.fallbackReason = `the endpoint has no message move task (${describeError(err)}): copying`;
    }
  }
  const copied = await copyMessages(sqs, dlqUrl, targetUrl, options);
  return { ...result, ...copied, method: 'copy' };
}

async function moveTask(
  sqs: SQSClient,
  dlqArn: string | undefined,
  targetUrl: string,
  options: RedriveOptions,
): Promise<Pick<RedriveResult, 'moved' | 'taskStatus' | 'taskFailure'>> {
  if (!dlqArn) throw new Error('the DLQ did not report its ARN');
  const targetArn = (await attributes(sqs, targetUrl, ['QueueArn'])).QueueArn;
  // The destination is always named: messages the worker moved itself have no SQS-recorded source.
  await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: dlqArn,
      DestinationArn: targetArn,
      MaxNumberOfMessagesPerSecond: options.rate,
    }),
  );
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    const r = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }));
    const task = r.Results?.[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    options.onProgress?.(moved);
    if (task?.Status !== 'RUNNING')
      return { moved, taskStatus: task?.Status ?? 'UNKNOWN', taskFailure: task?.FailureReason };
    await sleep(1000);
  }
}

/** The worker's `reason` attribute (contact data redacted), or what a message without one means. */
export function reasonOf(m: Message): string {
  const reason = m.MessageAttributes?.reason?.StringValue;
  if (!reason) return "(no reason: moved by the queue's redrive policy after too many receives)";
  return redactContacts(reason).slice(0, 300);
}

/**
 * Counts the DLQ's messages by reason without moving them: receives them (hidden for 30 s),
 * then makes them visible again at once.
 */
async function countReasons(
  sqs: SQSClient,
  dlqUrl: string,
  max = Number.POSITIVE_INFINITY,
): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  const held: Message[] = [];
  let empty = 0;
  try {
    while (held.length < max && empty < 2) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, max - held.length),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = r.Messages ?? [];
      if (!messages.length) {
        empty++;
        continue;
      }
      empty = 0;
      for (const m of messages) {
        held.push(m);
        const reason = reasonOf(m);
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
    }
  } finally {
    for (let i = 0; i < held.length; i += 10) {
      const batch = held.slice(i, i + 10);
      await sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: dlqUrl,
            Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined); // they come back after 30 s anyway
    }
  }
  return reasons;
}

/** Receive, send to the target, delete what was sent: in batches of 10, never deleting before the send succeeded. */
async function copyMessages(
  sqs: SQSClient,
  dlqUrl: string,
  targetUrl: string,
  options: RedriveOptions,
): Promise<Pick<RedriveResult, 'moved' | 'failed' | 'error'>> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const fifo = targetUrl.endsWith('.fifo');
  let moved = 0;
  let failed = 0;
  let empty = 0;
  while (moved + failed < max && empty < 2) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved - failed),
        VisibilityTimeout: 120,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: fifo ? ['MessageGroupId', 'MessageDeduplicationId'] : undefined,
      }),
    );
    const messages = r.Messages ?? [];
    if (!messages.length) {
      empty++;
      continue;
    }
    empty = 0;
    const entries: SendMessageBatchRequestEntry[] = messages.map((m, i) => ({
      Id: String(i),
      MessageBody: m.Body ?? '',
      MessageAttributes:
        m.MessageAttributes && Object.keys(m.MessageAttributes).length ? m.MessageAttributes : undefined,
      ...(fifo
        ? {
            MessageGroupId: m.Attributes?.MessageGroupId ?? 'redrive',
            MessageDeduplicationId: m.Attributes?.MessageDeduplicationId ?? m.MessageId,
          }
        : {}),
    }));
    let sent: SendMessageBatchCommandOutput;
    try {
      sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: targetUrl, Entries: entries }));
    } catch (err) {
      // Nothing of this batch is deleted: the messages come back to the DLQ after the visibility timeout.
      return {
        moved,
        failed: failed + messages.length,
        error: `sending to ${targetUrl} failed: ${describeError(err)}`,
      };
    }
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    failed += messages.length - ok.size;
    const toDelete = messages.filter((_, i) => ok.has(String(i)));
    if (toDelete.length) {
      const del = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      // A message sent but not deleted stays in the DLQ as well: a duplicate, never a loss.
      moved += del.Successful?.length ?? 0;
      failed += del.Failed?.length ?? 0;
    }
    options.onProgress?.(moved);
    if (ok.size === 0) break; // the target refuses everything: stop rather than spin on the same messages
  }
  return { moved, failed };
}
