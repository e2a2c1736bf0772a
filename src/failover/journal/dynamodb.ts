import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { certainlyNotDelivered, describeError } from '../../core/errors';
import { JournalError } from '../errors';
import type { ClaimResult, JournalEntry, SendJournal, SendOutcome } from '../journal-port';

/**
 * The send journal of the failover job: one DynamoDB item per user, so that any number of
 * processes, on any machine, share it and a wave stopped anywhere resumes without notifying
 * anyone twice. Same semantics as the file journal (see `journal-port.ts`), made atomic across
 * processes by conditional writes:
 *
 * - `claim` is a PutItem conditioned on the item being absent or `failed`: exactly one of several
 *   concurrent claims of a user succeeds, the others get ConditionalCheckFailedException (the
 *   PutItem model's exception for a condition that failed). With `resendUncertain`, a "maybe sent"
 *   item is taken over by a second PutItem conditioned on the exact version read (`ver`), so two
 *   processes resending the same user still cannot both win. An `intent` is taken over only once
 *   older than `intentLeaseMs` (default 15 minutes, Lambda's longest invocation): a younger one may
 *   be a send in flight in a live process, not a dead one's.
 * - `settle` is an UpdateItem conditioned on the item being this journal's `intent` (`owner`, a
 *   random id per process): an outcome is written only by the process that claimed, and never
 *   over a later record (a resolution, a takeover). `resolved` is conditioned on the item still
 *   being "maybe sent".
 * - Item attributes: `state` (`intent | sent | failed | uncertain`), `at`, `statusAtIntent`,
 *   `error`, `reason`, `owner`, `ver`. An `intent` with no outcome reads as "maybe sent".
 *
 * Failures (the SDK has retried throttling, ProvisionedThroughputExceededException,
 * RequestLimitExceeded, ThrottlingException, InternalServerError and network errors already, as
 * its standard retry strategy does; PutItemCommand.d.ts, UpdateItemCommand.d.ts):
 * - a claim refused outright (any 4xx: throttling, ResourceNotFoundException,
 *   TransactionConflictException...) wrote nothing: JournalError, the run stops, nothing is sent;
 * - a claim whose outcome is unknown (5xx, timeout, connection reset) is read back with a
 *   consistent GetItem. If it holds our intent we own the user: we do not send, and record
 *   `failed` ("not sent: journal write uncertain") so nobody is left "maybe sent" who was never
 *   sent; the claim answers `failed` and a later run tries again. If the read or that record
 *   fails too: JournalError, the run stops;
 * - a settle that fails throws JournalError (the run stops) and is kept: `close` tries it once
 *   more, so that a brief outage does not leave a `failed` user "maybe sent".
 */
export class DynamoSendJournal implements SendJournal {
  readonly location: string;
  /** This process's id, written as `owner` by its claims. */
  readonly owner = randomUUID();
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly poolId: string;
  /** Users claimed and not yet settled by this process. */
  private readonly inFlight = new Set<string>();
  private readonly intentLeaseMs: number;
  private readonly now: () => number;
  /** Entries read ahead by `prefetch`, each used once by `entry` (`null`: no item). */
  private readonly ahead = new Map<string, JournalEntry | null>();
  /** Reads ahead under way, by user. */
  private readonly reading = new Map<string, Promise<void>>();
  /** Outcomes whose write failed, tried again by `close`. */
  private readonly unsettled = new Map<string, { outcome: SendOutcome; ifClaimed?: boolean }>();

  /**
   * @param options.client a DynamoDB client of the standby Region
   * @param options.table the journal table (schema: `SEND_JOURNAL_TABLE`)
   * @param options.poolId the standby pool: items of different pools never meet
   * @param options.intentLeaseMs how old an intent must be before `resendUncertain` takes it over (default 15 minutes)
   * @param options.now the clock the lease is read with (tests)
   *
   * @example
   * const journal = new DynamoSendJournal({ client: new DynamoDBClient({ region }), table, poolId });
   * const claim = await journal.claim(sub, { at: new Date().toISOString(), status: 'CONFIRMED' });
   */
  constructor(options: {
    client: DynamoDBClient;
    table: string;
    poolId: string;
    intentLeaseMs?: number;
    now?: () => number;
  }) {
    this.client = options.client;
    this.intentLeaseMs = options.intentLeaseMs ?? DEFAULT_INTENT_LEASE_MS;
    this.now = options.now ?? Date.now;
    this.table = options.table;
    this.poolId = options.poolId;
    this.location = `dynamodb://${options.table}/${options.poolId}`;
  }

  async entry(sub: string): Promise<JournalEntry | undefined> {
    await this.reading.get(sub);
    const ahead = this.ahead.get(sub);
    if (ahead !== undefined) {
      this.ahead.delete(sub);
      return ahead ?? undefined;
    }
    const item = await this.read(sub);
    return item && toEntry(item);
  }

  /**
   * Reads the entries of the users about to be sent, 100 to a BatchGetItem (consistent reads), so
   * that `entry` costs no request of its own: a wave makes two writes per user and 1/100 of a
   * read. An entry read ahead may be stale by the time it is used; that is safe, as the claim is
   * conditional anyway (a user claimed since is refused then). Best effort: keys DynamoDB leaves
   * unprocessed are retried with exponential backoff as BatchGetItemCommand.d.ts asks, a few
   * times; whatever is still unread, or a failed call, is left to `entry`'s own GetItem. An
   * `entry` of a user whose read is under way waits for it.
   */
  prefetch(subs: string[]): Promise<void> {
    const batches: Promise<void>[] = [];
    for (let i = 0; i < subs.length; i += BATCH_GET_KEYS) {
      const batch = subs.slice(i, i + BATCH_GET_KEYS);
      const read = this.readAhead(batch).finally(() => {
        for (const sub of batch) if (this.reading.get(sub) === read) this.reading.delete(sub);
      });
      for (const sub of batch) this.reading.set(sub, read);
      batches.push(read);
    }
    return Promise.all(batches).then(() => undefined);
  }

  /** One BatchGetItem of up to 100 users (and its unprocessed keys); never throws. */
  private async readAhead(subs: string[]): Promise<void> {
    const byKey = new Map(subs.map((sub) => [this.key(sub), sub]));
    let keys = [...byKey.keys()].map((pk) => ({ pk: { S: pk } }));
    for (let attempt = 0; keys.length > 0 && attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      let r: BatchGetItemCommandOutput;
      try {
        r = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
      } catch {
        return; // best effort: `entry` reads them one by one
      }
      const unprocessed = new Set((r.UnprocessedKeys?.[this.table]?.Keys ?? []).map((k) => k.pk?.S ?? ''));
      const found = new Map((r.Responses?.[this.table] ?? []).map((item) => [item.pk?.S ?? '', item]));
      for (const { pk } of keys) {
        if (unprocessed.has(pk.S)) continue;
        const item = found.get(pk.S);
        this.ahead.set(byKey.get(pk.S) ?? '', item ? toEntry(item) : null);
      }
      keys = keys.filter(({ pk }) => unprocessed.has(pk.S));
    }
  }

  async claim(sub: string, intent: { at: string; status?: string; resendUncertain?: boolean }): Promise<ClaimResult> {
    if (this.inFlight.has(sub)) return { claimed: false, entry: { state: 'maybe-sent', at: intent.at } };
    this.inFlight.add(sub);
    let claimed = false;
    try {
      const result = await this.claimOnce(sub, intent);
      claimed = result.claimed;
      return result;
    } finally {
      if (!claimed) this.inFlight.delete(sub);
    }
  }

  async settle(sub: string, outcome: SendOutcome): Promise<void> {
    try {
      await this.write(sub, outcome);
      this.unsettled.delete(sub);
    } catch (err) {
      if (!(err instanceof EntryChanged)) this.unsettled.set(sub, { outcome });
      throw err instanceof JournalError ? err : this.journalError(`cannot record ${outcome.type}`, err);
    } finally {
      this.inFlight.delete(sub);
    }
  }

  /**
   * Tries once more the outcomes whose write failed, and the `failed` record of claims whose own
   * write was uncertain (needed only if that claim landed); throws if some still cannot be written.
   */
  async close(): Promise<void> {
    const left: string[] = [];
    for (const [sub, { outcome, ifClaimed }] of this.unsettled) {
      try {
        await this.write(sub, outcome);
        this.unsettled.delete(sub);
      } catch (err) {
        if (ifClaimed && err instanceof EntryChanged)
          this.unsettled.delete(sub); // our intent never landed
        else left.push(sub);
      }
    }
    if (left.length > 0)
      throw new JournalError(
        `${left.length} outcome(s) could not be written to ${this.location}: those users read as "maybe sent"; see the run's errors`,
      );
  }

  private async claimOnce(
    sub: string,
    intent: { at: string; status?: string; resendUncertain?: boolean },
  ): Promise<ClaimResult> {
    const ver = randomUUID();
    const item: Record<string, AttributeValue> = {
      pk: { S: this.key(sub) },
      state: { S: 'intent' },
      at: { S: intent.at },
      owner: { S: this.owner },
      ver: { S: ver },
      ...(intent.status && { statusAtIntent: { S: intent.status } }),
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #state = :failed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':failed': { S: 'failed' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        // dynalite does not return the old item: read it (consistent) then.
        const old = err.Item ?? (await this.read(sub));
        if (!old) return this.claimOnce(sub, intent); // deleted in between: claim again
        const state = old.state?.S;
        if (intent.resendUncertain && (state === 'uncertain' || (state === 'intent' && this.abandoned(old))))
          return this.takeOver(sub, item, old);
        return { claimed: false, entry: toEntry(old) };
      }
      return this.claimUncertain(sub, ver, intent.at, err);
    }
  }

  /** An intent old enough that no live process can still be sending it. */
  private abandoned(item: Record<string, AttributeValue>): boolean {
    const at = Date.parse(item.at?.S ?? '');
    return Number.isFinite(at) && at <= this.now() - this.intentLeaseMs;
  }

  /** Claims a "maybe sent" user again (`resendUncertain`): only if the item is still the version read. */
  private async takeOver(
    sub: string,
    item: Record<string, AttributeValue>,
    old: Record<string, AttributeValue>,
  ): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item.statusAtIntent || !old.statusAtIntent ? item : { ...item, statusAtIntent: old.statusAtIntent },
          ConditionExpression: '#ver = :ver',
          ExpressionAttributeNames: { '#ver': 'ver' },
          ExpressionAttributeValues: { ':ver': old.ver ?? { S: '' } },
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        const now = await this.read(sub);
        return { claimed: false, entry: now ? toEntry(now) : toEntry(old) };
      }
      return this.claimUncertain(sub, item.ver.S ?? '', item.at.S ?? '', err);
    }
  }

  /**
   * A claim write failed. Refused (4xx): nothing was written, the run stops. Unknown outcome:
   * read it back; our intent there is recorded `failed` (we do not send), our intent absent means
   * the write did not land; both answer `failed` for this user, and the run goes on.
   */
  private async claimUncertain(sub: string, ver: string, at: string, err: unknown): Promise<ClaimResult> {
    if (certainlyNotDelivered(err)) throw this.journalError('cannot record the intent (nothing sent)', err);
    const error = 'not sent: journal write uncertain';
    // If our intent did land, `close` tries once more to record it failed.
    const failed = { type: 'failed' as const, at, error };
    let current: Record<string, AttributeValue> | undefined;
    try {
      current = await this.read(sub);
    } catch (readErr) {
      this.unsettled.set(sub, { outcome: failed, ifClaimed: true });
      throw this.journalError(`cannot record the intent, nor read it back (${describeError(err)})`, readErr);
    }
    if (current?.ver?.S === ver) {
      try {
        await this.write(sub, failed);
      } catch (writeErr) {
        if (!(writeErr instanceof EntryChanged)) this.unsettled.set(sub, { outcome: failed });
        throw this.journalError('cannot record a claim whose write was uncertain as failed', writeErr);
      }
      return { claimed: false, entry: { state: 'failed', at, error } };
    }
    if (current && current.owner?.S !== this.owner && current.state?.S !== 'failed')
      return { claimed: false, entry: toEntry(current) }; // someone else's record: theirs decides
    return { claimed: false, entry: { state: 'failed', at, error } };
  }

  /** Writes an outcome: conditioned on our ownership, or (resolved) on the item still being "maybe sent". */
  private async write(sub: string, outcome: SendOutcome): Promise<void> {
    const names: Record<string, string> = { '#state': 'state', '#at': 'at', '#error': 'error', '#reason': 'reason' };
    const values: Record<string, AttributeValue> = {
      ':state': { S: outcome.type === 'failed' ? 'failed' : outcome.type === 'uncertain' ? 'uncertain' : 'sent' },
      ':at': { S: outcome.at },
      ':ver': { S: randomUUID() },
    };
    const set = ['#state = :state', '#at = :at', 'ver = :ver'];
    const remove = ['#reason'];
    if (outcome.type === 'failed' || outcome.type === 'uncertain') {
      values[':error'] = { S: outcome.error };
      set.push('#error = :error');
    } else remove.push('#error');
    if (outcome.type === 'failed' && outcome.reason) {
      values[':reason'] = { S: outcome.reason };
      set.push('#reason = :reason');
      remove.shift();
    }
    let condition: string;
    if (outcome.type === 'resolved') {
      names['#by'] = 'by';
      values[':by'] = { S: outcome.by };
      set.push('#by = :by');
      values[':intent'] = { S: 'intent' };
      values[':uncertain'] = { S: 'uncertain' };
      condition = '#state IN (:intent, :uncertain)';
    } else {
      names['#owner'] = 'owner';
      values[':me'] = { S: this.owner };
      values[':intent'] = { S: 'intent' };
      condition = '#owner = :me AND #state = :intent';
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: this.key(sub) } },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const now = await this.read(sub);
      // Resolved already (by another process): nothing to do.
      if (outcome.type === 'resolved' && now?.state?.S === 'sent') return;
      // Our own earlier attempt of this very write landed (its answer was lost): done.
      if (outcome.type !== 'resolved' && now?.owner?.S === this.owner && now.state?.S === values[':state'].S) return;
      throw new EntryChanged(
        `the journal entry of user ${sub} changed under this run (${now ? toEntry(now).state : 'gone'}): another failover run with --resend-uncertain is sending to it; ${outcome.type} not recorded`,
        { cause: err },
      );
    }
  }

  /** The user's item, read consistently (the last write, whoever made it). */
  private async read(sub: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const r = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: { S: this.key(sub) } }, ConsistentRead: true }),
      );
      return r.Item;
    } catch (err) {
      throw this.journalError('cannot read', err);
    }
  }

  private key(sub: string): string {
    return `${this.poolId}#${sub}`;
  }

  private journalError(what: string, err: unknown): JournalError {
    return new JournalError(`${what} in the journal ${this.location}: ${describeError(err)}`, { cause: err });
  }
}

/** Keys per BatchGetItem (its limit: 100 items). */
const BATCH_GET_KEYS = 100;

/** How long an `intent` may be a send in flight (Lambda's longest invocation); see {@link DynamoSendJournal}. */
export const DEFAULT_INTENT_LEASE_MS = 15 * 60_000;

/** An outcome refused because the item is no longer this process's claim: trying again will not help. */
class EntryChanged extends JournalError {}

/** Where an item puts its user. */
function toEntry(item: Record<string, AttributeValue>): JournalEntry {
  const at = item.at?.S ?? '';
  const statusAtIntent = item.statusAtIntent?.S;
  switch (item.state?.S) {
    case 'sent':
      return { state: 'sent', at };
    case 'failed':
      return {
        state: 'failed',
        at,
        error: item.error?.S ?? 'failed',
        ...(item.reason?.S === 'limit-exceeded' && { reason: 'limit-exceeded' as const }),
      };
    case 'uncertain':
      return { state: 'maybe-sent', at, error: item.error?.S ?? 'outcome unknown', statusAtIntent };
    default:
      return { state: 'maybe-sent', at, error: 'stopped between journaling and sending', statusAtIntent };
  }
}
