import { forEachLimit } from '../core/concurrency';
import { FailureStreak } from '../core/failure-streak';
import { certainlyNotDelivered, describeError, isLimitExceeded } from '../core/errors';
import { LimitExceededError } from '../cognito/errors';
import { FileSendJournal, JournalError, type JournalState } from './journal';
import type { JournalEntry, RowOutcome, SendJournal } from './journal-port';
import type { ManifestRow } from './manifest';
import { redactContacts } from './redact';

/** The one call the sender makes: a reset whose `beforeSend` runs once, when the request is about to leave. */
export interface ResetSender {
  resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void>;
}

/** Settings and collaborators of {@link createRowSender}. */
export interface RowSenderOptions {
  journal: SendJournal;
  gateway: ResetSender;
  /** Stops starting new sends (SIGINT); sends in flight finish and are journaled. */
  signal?: AbortSignal;
  /** Also resend users whose earlier send is "maybe sent" and who are not RESET_REQUIRED now. */
  resendUncertain?: boolean;
  /** Stop after this many failures in a row with the same error (a configuration problem, not a user's). Default 25. */
  maxConsecutiveFailures?: number;
  now?: () => number;
}

/** Settings and collaborators of {@link sendResets}. */
export interface SendOptions extends RowSenderOptions {
  rows: ManifestRow[];
  /** Requests in flight at once (the gateway's limiter sets the pace). Default 8. */
  concurrency?: number;
  /** Sends the wave is to make, for progress (default: the rows). */
  total?: number;
  onProgress?: (p: SendProgress) => void;
}

export interface SendProgress {
  done: number;
  total: number;
  sent: number;
  failed: number;
}

/** A user the run did not notify, with why. */
export interface Unsent {
  sub: string;
  error: string;
  at?: string;
  /** `limit-exceeded`: a per-user or per-account limit of Cognito refused it (not the request rate). */
  reason?: 'limit-exceeded';
}

/** What a send run did. Subs only: no contact data. */
export interface SendResult {
  /** Rows marked to send. */
  eligible: number;
  /** Sent by an earlier run (journal). */
  alreadySent: number;
  /** "Maybe sent" before this run, now seen in RESET_REQUIRED: journaled as sent. */
  resolved: number;
  /** Sent by this run. */
  sent: number;
  /** Cognito refused (nothing sent): a rerun retries them. A reset limit (`reason: 'limit-exceeded'`) fails that user only. */
  failed: Unsent[];
  /** The code may have gone out: never resent automatically; check these users. */
  maybeSent: Unsent[];
  /** Not attempted: the run was stopped or gave up. */
  notAttempted: number;
  stoppedBecause?: string;
  /** Time spent sending (this run). */
  elapsedMs: number;
}

/** What a run will do, from the manifest and the journal. Pure. */
export interface SendPlan {
  /** Rows to send now, in manifest order. */
  queue: ManifestRow[];
  /** Users sent by an earlier run. */
  alreadySent: number;
  /** "Maybe sent" users now in RESET_REQUIRED: the reset took effect; journaled as sent. */
  toResolve: string[];
  /** "Maybe sent" users left for the operator (not resent). */
  maybeSent: Unsent[];
}

/**
 * Decides who is sent a reset: rows marked `send` that the journal has not seen sent or maybe
 * sent. A "maybe sent" user is resent only with `resendUncertain` and while not RESET_REQUIRED;
 * "maybe sent" users no longer in the manifest (deleted, disabled since) are listed all the same.
 */
export function planSends(rows: ManifestRow[], journal: JournalState, resendUncertain = false): SendPlan {
  const plan: SendPlan = { queue: [], alreadySent: 0, toResolve: [], maybeSent: [] };
  const inManifest = new Set<string>();
  for (const row of rows) {
    inManifest.add(row.sub);
    const entry = journal.bySub.get(row.sub);
    switch (decide(row, entry, resendUncertain)) {
      case 'already-sent':
        plan.alreadySent++;
        break;
      case 'resolve':
        plan.toResolve.push(row.sub);
        break;
      case 'left-maybe-sent':
        plan.maybeSent.push(leftMaybeSent(row.sub, entry));
        break;
      case 'send':
        plan.queue.push(row);
        break;
    }
  }
  for (const [sub, entry] of journal.bySub) {
    if (entry.state === 'maybe-sent' && !inManifest.has(sub)) plan.maybeSent.push(leftMaybeSent(sub, entry));
  }
  return plan;
}

/** What the journal's entry makes of a manifest row, before anything is sent. */
type Decision = 'already-sent' | 'resolve' | 'left-maybe-sent' | 'send' | 'not-to-send';

/**
 * One row's decision: a `sent` user is done; a "maybe sent" user now in RESET_REQUIRED (and not
 * already so at its intent) was sent; other "maybe sent" users are resent only with
 * `resendUncertain`; anyone else is sent if the row is marked `send`.
 */
function decide(row: ManifestRow, entry: JournalEntry | undefined, resendUncertain: boolean): Decision {
  if (entry?.state === 'sent') return 'already-sent';
  if (entry?.state === 'maybe-sent') {
    if (row.status === 'RESET_REQUIRED' && entry.statusAtIntent !== 'RESET_REQUIRED') return 'resolve';
    return resendUncertain ? 'send' : 'left-maybe-sent';
  }
  return row.send ? 'send' : 'not-to-send';
}

function leftMaybeSent(sub: string, entry: JournalEntry | undefined): Unsent {
  return { sub, error: entry?.error ?? 'outcome unknown', ...(entry?.at !== undefined && { at: entry.at }) };
}

/** A send that was waiting for its turn when the run was stopped: it never left. */
class StoppedBeforeSending extends Error {
  override readonly name = 'StoppedBeforeSending';
}

/** The journal refused the claim: another run holds, or has settled, this user. Nothing left. */
class NotClaimed extends Error {
  override readonly name = 'NotClaimed';
  constructor(readonly entry: JournalEntry) {
    super('claimed elsewhere');
  }
}

/** Sends one manifest row at a time through the journal; see {@link createRowSender}. */
export interface RowSender {
  /** Sends (or not) one row's reset; concurrent calls are fine. Throws JournalError: the run must stop. */
  send(row: ManifestRow): Promise<RowOutcome>;
  /** What the sends so far came to (updated as they settle). */
  readonly result: SendResult;
  /** True once no more sends start: the signal, too many failures in a row, or a journal failure. */
  readonly stopping: boolean;
}

/**
 * The send of one manifest row, as both the local wave ({@link sendResets}) and the failover job
 * call it: reads the user's journal entry, then claims the user in the journal when the request
 * is about to leave (after the gateway's limiter), sends, and settles the outcome. Nothing is
 * sent unjournaled: a journal failure stops every later send and is thrown. A run of identical
 * failures (a configuration problem) stops the sender; so does `signal`. Rows arriving once the
 * sender is stopping are counted not attempted (`stopped`).
 *
 * @example
 * const sender = createRowSender({ journal, gateway, signal });
 * await forEachLimit(rows, 8, async (row) => void (await sender.send(row)));
 * console.log(sender.result.sent);
 */
export function createRowSender(options: RowSenderOptions): RowSender {
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const started = now();
  const result: SendResult = {
    eligible: 0,
    alreadySent: 0,
    resolved: 0,
    sent: 0,
    failed: [],
    maybeSent: [],
    notAttempted: 0,
    elapsedMs: 0,
  };
  const streak = new FailureStreak(options.maxConsecutiveFailures ?? 25);
  const { journal, gateway, signal } = options;
  const resendUncertain = !!options.resendUncertain;
  let halted = false;
  const stopping = () => halted || !!signal?.aborted;

  const stopFor = (reason: string) => {
    result.stoppedBecause ??= reason;
    halted = true;
  };

  const fail = (row: ManifestRow, err: unknown, error: string, reason?: 'limit-exceeded') => {
    result.failed.push({ sub: row.sub, error, ...(reason && { reason }) });
    const run = streak.failed(err);
    if (run)
      stopFor(`${run.count} sends in a row failed with ${run.name}: fix the cause (see the errors) and run again`);
  };

  /** Journals and counts a send that failed: not sent (Cognito refused, or it never left), or maybe sent. */
  const recordFailure = async (row: ManifestRow, err: unknown, journaled: boolean): Promise<RowOutcome> => {
    const limit = isLimitExceeded(err) ? ('limit-exceeded' as const) : undefined;
    // A limit names its reason first, so the summary groups those users under it.
    const error = redactContacts(
      limit ? `${limit}: ${err instanceof LimitExceededError ? err.message : describeError(err)}` : describeError(err),
    );
    if (!journaled || certainlyNotDelivered(err)) {
      // Never left, or Cognito refused it: nothing was sent. A user at a limit is that user's
      // failure only: the gateway did not slow down for it, and the wave goes on.
      if (journaled)
        await journal.settle(row.sub, { type: 'failed', at: iso(), error, ...(limit && { reason: limit }) });
      fail(row, err, error, limit);
      return 'failed';
    }
    await journal.settle(row.sub, { type: 'uncertain', at: iso(), error });
    result.maybeSent.push({ sub: row.sub, error });
    streak.succeeded();
    return 'maybe-sent';
  };

  const sendOne = async (row: ManifestRow): Promise<RowOutcome> => {
    let journaled = false;
    try {
      await gateway.resetPasswordAfter(row.username, async () => {
        if (stopping()) throw new StoppedBeforeSending();
        const claim = await journal.claim(row.sub, { at: iso(), status: row.status, resendUncertain });
        if (!claim.claimed) throw new NotClaimed(claim.entry);
        journaled = true;
      });
    } catch (err) {
      if (err instanceof JournalError) throw err;
      if (err instanceof StoppedBeforeSending) {
        result.notAttempted++;
        if (signal?.aborted) result.stoppedBecause ??= 'interrupted';
        return 'stopped';
      }
      if (err instanceof NotClaimed) return notClaimed(row, err.entry);
      return await recordFailure(row, err, journaled);
    }
    await journal.settle(row.sub, { type: 'sent', at: iso() });
    result.sent++;
    streak.succeeded();
    return 'sent';
  };

  /** The journal refused our claim: what its entry says now decides the row. */
  const notClaimed = (row: ManifestRow, entry: JournalEntry): RowOutcome => {
    if (entry.state === 'sent') {
      result.alreadySent++;
      return 'already-sent';
    }
    if (entry.state === 'failed') {
      // The claim's write was uncertain and is recorded failed: not sent; a later run retries.
      const error = entry.error ?? 'not sent';
      fail(row, new JournalNotSure(error), error, entry.reason);
      return 'failed';
    }
    result.maybeSent.push(leftMaybeSent(row.sub, entry));
    return 'left-maybe-sent';
  };

  const send = async (row: ManifestRow): Promise<RowOutcome> => {
    try {
      const entry = await journal.entry(row.sub);
      const decision = decide(row, entry, resendUncertain);
      if (decision === 'not-to-send') return 'not-to-send';
      result.eligible++;
      switch (decision) {
        case 'already-sent':
          result.alreadySent++;
          return 'already-sent';
        case 'left-maybe-sent':
          result.maybeSent.push(leftMaybeSent(row.sub, entry));
          return 'left-maybe-sent';
        case 'resolve':
          // The reset took effect: Cognito set RESET_REQUIRED when it sent the code.
          await journal.settle(row.sub, { type: 'resolved', at: iso(), by: 'status RESET_REQUIRED' });
          result.resolved++;
          return 'resolved';
      }
      if (stopping()) {
        result.notAttempted++;
        if (signal?.aborted) result.stoppedBecause ??= 'interrupted';
        return 'stopped';
      }
      return await sendOne(row);
    } catch (err) {
      if (err instanceof JournalError) halted = true; // nothing more is sent: it could not be journaled
      throw err;
    } finally {
      result.elapsedMs = now() - started;
    }
  };

  return {
    send,
    result,
    get stopping() {
      return stopping();
    },
  };
}

/** A claim recorded `failed` because its own write was uncertain (counted by the failure streak). */
class JournalNotSure extends Error {
  override readonly name = 'JournalWriteUncertain';
}

/**
 * Sends the password resets of a manifest (the local wave), journaling each one (intent, then
 * outcome) so that an interrupted run is resumed without notifying anyone twice and a rerun after
 * completion sends nothing: a loop over the rows with {@link createRowSender}, the code the
 * failover job runs too. Pace comes from the gateway's quota limiter. A journal write that fails
 * stops the whole run (nothing is ever sent unjournaled) and is thrown once the sends in flight
 * settle. With the file journal, "maybe sent" users no longer in the manifest are listed too.
 *
 * @example
 * const journal = await FileSendJournal.open(path, { region, poolId });
 * try {
 *   const result = await sendResets({ rows: manifest.rows, journal, gateway });
 * } finally {
 *   await journal.close();
 * }
 */
export async function sendResets(options: SendOptions): Promise<SendResult> {
  const now = options.now ?? Date.now;
  const sender = createRowSender(options);
  const { result } = sender;
  const total = options.total ?? options.rows.length;
  const started = now();
  let done = 0;
  try {
    await forEachRow(options.rows, options.journal, options.concurrency ?? 8, async (row) => {
      const outcome = await sender.send(row);
      if (outcome !== 'sent' && outcome !== 'failed' && outcome !== 'maybe-sent') return;
      done++;
      options.onProgress?.({ done, total, sent: result.sent, failed: result.failed.length });
    });
  } finally {
    result.elapsedMs = now() - started;
  }
  if (options.journal instanceof FileSendJournal) {
    const inManifest = new Set(options.rows.map((row) => row.sub));
    for (const [sub, entry] of options.journal.state.bySub)
      if (entry.state === 'maybe-sent' && !inManifest.has(sub)) {
        result.eligible++;
        result.maybeSent.push(leftMaybeSent(sub, entry));
      }
  }
  return result;
}

/** A journal that reads many users' entries at once (the DynamoDB journal: BatchGetItem). */
export interface PrefetchingJournal extends SendJournal {
  /** Reads ahead the entries of these users; best effort (never throws). */
  prefetch(subs: string[]): Promise<void>;
}

function canPrefetch(journal: SendJournal): journal is PrefetchingJournal {
  return typeof (journal as Partial<PrefetchingJournal>).prefetch === 'function';
}

/** Rows read ahead at once from a prefetching journal: the next window is read while this one is sent. */
const PREFETCH_WINDOW = 500;

/** `forEachLimit` over the rows; with a prefetching journal, window by window, each read ahead. */
async function forEachRow(
  rows: ManifestRow[],
  journal: SendJournal,
  concurrency: number,
  fn: (row: ManifestRow) => Promise<void>,
): Promise<void> {
  if (!canPrefetch(journal)) return forEachLimit(rows, concurrency, fn);
  const read = (from: number) =>
    journal.prefetch(rows.slice(from, from + PREFETCH_WINDOW).map((row) => row.sub)).catch(() => undefined);
  let next = read(0);
  for (let from = 0; from < rows.length; from += PREFETCH_WINDOW) {
    await next;
    next = from + PREFETCH_WINDOW < rows.length ? read(from + PREFETCH_WINDOW) : Promise.resolve();
    await forEachLimit(rows.slice(from, from + PREFETCH_WINDOW), concurrency, fn);
  }
}
