import type { RowOutcome } from '../journal-port';
import type { JobState, ListingCounts, SendCounts } from './types';

/** Listing counts at zero. */
export function emptyListingCounts(): ListingCounts {
  return { listed: 0, rows: 0, toSend: 0, excluded: {}, mfaRead: 0, mfaUnread: 0 };
}

/** Send counts at zero. */
export function emptySendCounts(): SendCounts {
  return {
    sent: 0,
    failed: {},
    maybeSent: 0,
    alreadySent: 0,
    resolved: 0,
    leftMaybeSent: 0,
    notToSend: 0,
  };
}

/** Adds `b` into `a` (a part's send outcomes into the job's). */
export function addSendCounts(a: SendCounts, b: SendCounts): void {
  a.sent += b.sent;
  a.maybeSent += b.maybeSent;
  a.alreadySent += b.alreadySent;
  a.resolved += b.resolved;
  a.leftMaybeSent += b.leftMaybeSent;
  a.notToSend += b.notToSend;
  for (const [k, v] of Object.entries(b.failed)) a.failed[k] = (a.failed[k] ?? 0) + v;
}

/** Adds `b` into `a`. */
export function addListingCounts(a: ListingCounts, b: ListingCounts): ListingCounts {
  a.listed += b.listed;
  a.rows += b.rows;
  a.toSend += b.toSend;
  a.mfaRead += b.mfaRead;
  a.mfaUnread += b.mfaUnread;
  for (const [k, v] of Object.entries(b.excluded)) a.excluded[k] = (a.excluded[k] ?? 0) + v;
  return a;
}

/** The whole listing's counts: the current generation of every shard. */
export function listingTotals(state: JobState): ListingCounts {
  return state.shards.reduce((sum, s) => addListingCounts(sum, s.counts), emptyListingCounts());
}

/** Counts one settled row; `reason` names why a failed one failed. */
export function countOutcome(c: SendCounts, outcome: RowOutcome, reason?: string): void {
  switch (outcome) {
    case 'sent':
      c.sent++;
      break;
    case 'failed': {
      const r = reason ?? 'unknown';
      c.failed[r] = (c.failed[r] ?? 0) + 1;
      break;
    }
    case 'maybe-sent':
      c.maybeSent++;
      break;
    case 'already-sent':
      c.alreadySent++;
      break;
    case 'resolved':
      c.resolved++;
      break;
    case 'left-maybe-sent':
      c.leftMaybeSent++;
      break;
    case 'not-to-send':
      c.notToSend++;
      break;
    case 'stopped':
      break;
  }
}

/** Rows whose send is settled (whatever the outcome), of the rows marked to send. */
export function settledToSend(c: SendCounts): number {
  const failed = Object.values(c.failed).reduce((a, b) => a + b, 0);
  return c.sent + failed + c.maybeSent + c.alreadySent + c.resolved + c.leftMaybeSent;
}
