import type { JournalState } from '../journal';
import type { JournalEntry } from '../journal-port';
import type { ManifestRow } from '../manifest';
import type { SendPlan, Unsent } from './types';

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
export type Decision = 'already-sent' | 'resolve' | 'left-maybe-sent' | 'send' | 'not-to-send';

/**
 * One row's decision: a `sent` user is done; a "maybe sent" user now in RESET_REQUIRED (and not
 * already so at its intent) was sent; other "maybe sent" users are resent only with
 * `resendUncertain`; anyone else is sent if the row is marked `send`.
 */
export function decide(row: ManifestRow, entry: JournalEntry | undefined, resendUncertain: boolean): Decision {
  if (entry?.state === 'sent') return 'already-sent';
  if (entry?.state === 'maybe-sent') {
    if (row.status === 'RESET_REQUIRED' && entry.statusAtIntent !== 'RESET_REQUIRED') return 'resolve';
    return resendUncertain ? 'send' : 'left-maybe-sent';
  }
  return row.send ? 'send' : 'not-to-send';
}

/** A "maybe sent" user left for the operator, as the result lists it. */
export function leftMaybeSent(sub: string, entry: JournalEntry | undefined): Unsent {
  return { sub, error: entry?.error ?? 'outcome unknown', ...(entry?.at !== undefined && { at: entry.at }) };
}
