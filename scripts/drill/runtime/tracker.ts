/**
 * Watches one deployment's worker from the outside, the way its metrics and logs would: which
 * queue messages it finished (and when), which it asked to retry, which it moved to the DLQ.
 * The drill measures replication lag from this: the time the user changed in the source (taken
 * by the drill when it made the change) to the worker acknowledging the message that carried
 * the change (the standby written).
 * @packageDocumentation
 */
import { peekQueueMessage } from '../../../src/change-capture/queue-message';

/** What a sync message says (only what the drill reads of it). */
export interface MessageInfo {
  sub?: string;
  /** A trigger source (`PostConfirmation_ConfirmSignUp`) or a CloudTrail event name. */
  reason: string;
  /** The role that made the change (change capture), when known. */
  actor?: string;
}

/** A message the worker acknowledged. */
export interface Completion extends MessageInfo {
  at: number;
  /** Receive count when it succeeded (1 = first try). */
  attempt: number;
  outcome: 'done' | 'dlq';
}

export function messageInfo(body: string): MessageInfo {
  // Either kind of body: a sync message, or the CloudTrail event change capture delivers as is.
  const m = peekQueueMessage(body);
  return m ? { sub: m.sub, reason: m.reason ?? '?', actor: m.actor } : { reason: 'unparseable' };
}

export class ReplicationTracker {
  readonly completions: Completion[] = [];
  /** Failed attempts that the worker scheduled for a retry (batchItemFailures). */
  readonly retries: { at: number; info: MessageInfo; attempt: number }[] = [];
  /** Messages the worker itself moved to the DLQ (by source message id). */
  private readonly dlqIds = new Set<string>();
  private readonly bySub = new Map<string, Completion[]>();
  private readonly waiters = new Map<
    string,
    { test: (c: Completion) => boolean; resolve: (c: Completion) => void }[]
  >();

  /** Called by the worker's SQS client when it sends a message to the DLQ. */
  movedToDlq(sourceMessageId: string): void {
    this.dlqIds.add(sourceMessageId);
  }

  /** Called after each batch with the records and the ids the worker reported as failed. */
  batch(
    records: { messageId: string; body: string; attempt: number }[],
    failed: ReadonlySet<string>,
    at: number,
  ): void {
    for (const r of records) {
      const info = messageInfo(r.body);
      if (failed.has(r.messageId)) {
        this.retries.push({ at, info, attempt: r.attempt });
        continue;
      }
      const c: Completion = { ...info, at, attempt: r.attempt, outcome: this.dlqIds.has(r.messageId) ? 'dlq' : 'done' };
      this.completions.push(c);
      const key = c.sub ?? '';
      this.bySub.set(key, [...(this.bySub.get(key) ?? []), c]);
      const waiting = this.waiters.get(key);
      if (!waiting) continue;
      const left = waiting.filter((w) => {
        if (!w.test(c)) return true;
        w.resolve(c);
        return false;
      });
      if (left.length) this.waiters.set(key, left);
      else this.waiters.delete(key);
    }
  }

  /** The first completion for `sub` with `reason` at or after `since`. */
  completionOf(sub: string | undefined, reason: string, since = 0): Completion | undefined {
    return this.bySub.get(sub ?? '')?.find((c) => c.reason === reason && c.at >= since);
  }

  /**
   * The first acknowledgement of a message about `sub` for `reason` (a trigger source or a
   * CloudTrail event name) at or after `since`: already seen, or the next one. Rejects after `timeoutMs`.
   */
  waitFor(
    sub: string | undefined,
    reason: string,
    since: number,
    timeoutMs: number,
    what: string,
  ): Promise<Completion> {
    const seen = this.completionOf(sub, reason, since);
    if (seen) return Promise.resolve(seen);
    const key = sub ?? '';
    return new Promise((resolve, reject) => {
      const waiter = {
        test: (c: Completion) => c.reason === reason && c.at >= since,
        resolve: (c: Completion) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        const left = (this.waiters.get(key) ?? []).filter((w) => w !== waiter);
        if (left.length) this.waiters.set(key, left);
        else this.waiters.delete(key);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), waiter]);
    });
  }

  retriesSince(since: number): number {
    return this.retries.filter((r) => r.at >= since).length;
  }
}

/** The `p`-th percentile (0..100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}
