/**
 * The journal objects of a time window: listed in key (= time) order from the hour folder of the
 * window's start, their names parsed (writer, sequence), and the gaps in each writer's sequence.
 */
import type { BackupStore } from '../store';
import type { JournalGap, JournalObject } from './types';

const NAME = /^(\d{8}T\d{9}Z)-(.+)-(\d{8,})\.jsonl\.gz$/;

/** `20261130T094100123Z` back to a time (ms). */
function parseCompact(s: string): number {
  return Date.parse(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`,
  );
}

/** A journal key's writer, sequence and write time, or `undefined` for a name that is not a batch. */
export function parseJournalKey(key: string): JournalObject | undefined {
  const m = NAME.exec(key.slice(key.lastIndexOf('/') + 1));
  if (!m) return undefined;
  return { key, writtenAt: parseCompact(m[1]), writerId: m[2], seq: Number(m[3]) };
}

/** `journal/yyyy/mm/dd/hh/` of a time. */
function hourFolder(root: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${root}journal/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/**
 * The journal objects written (by their writers' clocks) from `fromMs` to `toMs`, in time order.
 * Listing starts at the first hour folder of the window and stops past the last one.
 */
export async function listJournal(
  store: BackupStore,
  root: string,
  fromMs: number,
  toMs: number,
): Promise<JournalObject[]> {
  const first = hourFolder(root, fromMs);
  const last = hourFolder(root, toMs);
  const objects: JournalObject[] = [];
  // startAfter is exclusive: a key one below the first folder's name.
  for await (const key of store.list(`${root}journal/`, first.slice(0, -1))) {
    if (key.slice(0, last.length) > last) break;
    const o = parseJournalKey(key);
    if (o && o.writtenAt >= fromMs && o.writtenAt <= toMs) objects.push(o);
  }
  return objects.sort((a, b) => a.writtenAt - b.writtenAt || a.key.localeCompare(b.key));
}

/**
 * The batches missing in each writer's sequence between the first and the last it wrote in the
 * window (sequences are contiguous per writer): each one may have held changes the restore would
 * then not know.
 */
export function findGaps(objects: readonly JournalObject[]): JournalGap[] {
  const byWriter = new Map<string, number[]>();
  for (const o of objects) {
    const seqs = byWriter.get(o.writerId) ?? [];
    seqs.push(o.seq);
    byWriter.set(o.writerId, seqs);
  }
  const gaps: JournalGap[] = [];
  for (const [writerId, seqs] of [...byWriter].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...new Set(seqs)].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] > sorted[i - 1] + 1) gaps.push({ writerId, fromSeq: sorted[i - 1] + 1, toSeq: sorted[i] - 1 });
    }
  }
  return gaps;
}
