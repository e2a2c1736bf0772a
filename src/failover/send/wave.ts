import { forEachLimit } from '../../core/concurrency';
import { FileSendJournal } from '../journal';
import type { SendJournal } from '../journal-port';
import type { ManifestRow } from '../manifest';
import { leftMaybeSent } from './plan';
import { createRowSender } from './row-sender';
import type { PrefetchingJournal, SendOptions, SendResult } from './types';

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

function canPrefetch(journal: SendJournal): journal is PrefetchingJournal {
  return typeof (journal as Partial<PrefetchingJournal>).prefetch === 'function';
}

/** Rows read ahead at once from a prefetching journal: the next window is read while this one is sent. */
const PREFETCH_WINDOW = 500;

/** `forEachLimit` over the rows; with a prefetching journal, each window's entries read one window ahead. */
function forEachRow(
  rows: ManifestRow[],
  journal: SendJournal,
  concurrency: number,
  fn: (row: ManifestRow) => Promise<void>,
): Promise<void> {
  if (!canPrefetch(journal)) return forEachLimit(rows, concurrency, fn);
  const read = (from: number) => {
    if (from < rows.length)
      void journal.prefetch(rows.slice(from, from + PREFETCH_WINDOW).map((row) => row.sub)).catch(() => undefined);
  };
  // One pass with no pause between windows (lanes waiting on a window's end would lose quota).
  function* readAhead(): Generator<ManifestRow> {
    for (let i = 0; i < rows.length; i++) {
      if (i === 0) read(0);
      if (i % PREFETCH_WINDOW === 0) read(i + PREFETCH_WINDOW);
      yield rows[i];
    }
  }
  return forEachLimit(readAhead(), concurrency, fn);
}
