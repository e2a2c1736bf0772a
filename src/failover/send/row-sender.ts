import { FailureStreak } from '../../core/failure-streak';
import { certainlyNotDelivered, describeError, isLimitExceeded } from '../../core/errors';
import { LimitExceededError } from '../../cognito/errors';
import { JournalError } from '../journal';
import type { JournalEntry, RowOutcome } from '../journal-port';
import type { ManifestRow } from '../manifest';
import { redactContacts } from '../redact';
import { decide, leftMaybeSent } from './plan';
import type { RowSender, RowSenderOptions, SendResult } from './types';

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
