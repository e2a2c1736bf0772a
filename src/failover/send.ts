import { forEachLimit } from '../core/concurrency';
import { FailureStreak } from '../core/failure-streak';
import { certainlyNotDelivered, describeError, isLimitExceeded } from '../core/errors';
import { LimitExceededError } from '../cognito/errors';
import { JournalError, type JournalSink, type JournalState } from './journal';
import type { ManifestRow } from './manifest';
import { redactContacts } from './redact';

/** The one call the sender makes: a reset whose `beforeSend` runs once, when the request is about to leave. */
export interface ResetSender {
  resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void>;
}

/** Settings and collaborators of {@link sendResets}. */
export interface SendOptions {
  rows: ManifestRow[];
  /** The journal as it stood when the run started. */
  journal: JournalState;
  sink: JournalSink;
  gateway: ResetSender;
  /** Requests in flight at once (the gateway's limiter sets the pace). Default 8. */
  concurrency?: number;
  /** Stops starting new sends (SIGINT); sends in flight finish and are journaled. */
  signal?: AbortSignal;
  /** Also resend users whose earlier send is "maybe sent" and who are not RESET_REQUIRED now. */
  resendUncertain?: boolean;
  /** Stop after this many failures in a row with the same error (a configuration problem, not a user's). Default 25. */
  maxConsecutiveFailures?: number;
  now?: () => number;
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
    if (entry?.state === 'sent') {
      plan.alreadySent++;
    } else if (entry?.state === 'maybe-sent') {
      if (row.status === 'RESET_REQUIRED' && entry.statusAtIntent !== 'RESET_REQUIRED') plan.toResolve.push(row.sub);
      else if (resendUncertain) plan.queue.push(row);
      else plan.maybeSent.push({ sub: row.sub, error: entry.error ?? 'outcome unknown', at: entry.at });
    } else if (row.send) {
      plan.queue.push(row);
    }
  }
  for (const [sub, entry] of journal.bySub) {
    if (entry.state === 'maybe-sent' && !inManifest.has(sub))
      plan.maybeSent.push({ sub, error: entry.error ?? 'outcome unknown', at: entry.at });
  }
  return plan;
}

/** A send that was waiting for its turn when the run was stopped: it never left. */
class StoppedBeforeSending extends Error {
  override readonly name = 'StoppedBeforeSending';
}

/** What the sends of one wave share. */
interface Wave {
  options: SendOptions;
  result: SendResult;
  streak: FailureStreak;
  iso: () => string;
  /** Aborted when the wave must start no more sends (too many failures in a row: `stop`). */
  halt: AbortController;
  stop?: string;
}

/**
 * Sends the password resets of a manifest, journaling each one (intent, then outcome) so that an
 * interrupted run is resumed without notifying anyone twice and a rerun after completion sends
 * nothing. Pace comes from the gateway's quota limiter. A journal write that fails stops the
 * whole run (nothing is ever sent unjournaled) and is thrown once the sends in flight settle.
 */
export async function sendResets(options: SendOptions): Promise<SendResult> {
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
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

  const plan = planSends(options.rows, options.journal, options.resendUncertain);
  for (const sub of plan.toResolve) {
    // The reset took effect: Cognito set RESET_REQUIRED when it sent the code.
    await options.sink.append({ type: 'resolved', sub, at: iso(), outcome: 'sent', by: 'status RESET_REQUIRED' });
  }
  const queue = plan.queue;
  result.alreadySent = plan.alreadySent;
  result.resolved = plan.toResolve.length;
  result.maybeSent.push(...plan.maybeSent);
  result.eligible = queue.length + result.alreadySent + result.resolved + plan.maybeSent.length;

  const started = now();
  const wave: Wave = {
    options,
    result,
    streak: new FailureStreak(options.maxConsecutiveFailures ?? 25),
    iso,
    halt: new AbortController(),
  };
  // The wave ends on the run's signal (Ctrl-C) or its own halt (too many failures in a row).
  const signal = options.signal ? AbortSignal.any([options.signal, wave.halt.signal]) : wave.halt.signal;
  let fatal: unknown;
  let done = 0;
  // No row is started once the wave is halted or a journal write failed (thrown after the rest settle).
  try {
    await forEachLimit(
      queue,
      options.concurrency ?? 8,
      async (row) => {
        if (!(await sendOne(wave, row))) return; // stopped while waiting for its turn: never left
        done++;
        options.onProgress?.({ done, total: queue.length, sent: result.sent, failed: result.failed.length });
      },
      { signal },
    );
  } catch (err) {
    fatal = err;
  }
  result.elapsedMs = now() - started;
  result.notAttempted = queue.length - done;
  if (options.signal?.aborted && result.notAttempted > 0) wave.stop ??= 'interrupted';
  result.stoppedBecause = wave.stop;
  if (fatal !== undefined) throw fatal;
  return result;
}

/** Sends one reset; false when the run was stopped while the send waited for its turn. */
async function sendOne(wave: Wave, row: ManifestRow): Promise<boolean> {
  const { options, result, streak, iso } = wave;
  let journaled = false;
  try {
    await options.gateway.resetPasswordAfter(row.username, async () => {
      if (options.signal?.aborted) throw new StoppedBeforeSending();
      await options.sink.append({ type: 'intent', sub: row.sub, at: iso(), status: row.status });
      journaled = true;
    });
  } catch (err) {
    if (err instanceof JournalError) throw err;
    if (err instanceof StoppedBeforeSending) return false;
    await recordFailure(wave, row, err, journaled);
    return true;
  }
  await options.sink.append({ type: 'sent', sub: row.sub, at: iso() });
  result.sent++;
  streak.succeeded();
  return true;
}

/** Journals and counts a send that failed: not sent (Cognito refused, or it never left), or maybe sent. */
async function recordFailure(wave: Wave, row: ManifestRow, err: unknown, journaled: boolean): Promise<void> {
  const { options, result, streak, iso } = wave;
  const limit = isLimitExceeded(err) ? ('limit-exceeded' as const) : undefined;
  // A limit names its reason first, so the summary groups those users under it.
  const error = redactContacts(
    limit ? `${limit}: ${err instanceof LimitExceededError ? err.message : describeError(err)}` : describeError(err),
  );
  if (!journaled || certainlyNotDelivered(err)) {
    // Never left, or Cognito refused it: nothing was sent. A user at a limit is that user's
    // failure only: the gateway did not slow down for it, and the wave goes on.
    if (journaled)
      await options.sink.append({ type: 'failed', sub: row.sub, at: iso(), error, ...(limit && { reason: limit }) });
    result.failed.push({ sub: row.sub, error, ...(limit && { reason: limit }) });
    const run = streak.failed(err);
    if (run) {
      wave.stop ??= `${run.count} sends in a row failed with ${run.name}: fix the cause (see the errors) and run again`;
      wave.halt.abort();
    }
  } else {
    await options.sink.append({ type: 'uncertain', sub: row.sub, at: iso(), error });
    result.maybeSent.push({ sub: row.sub, error });
    streak.succeeded();
  }
}
