/**
 * The bytes of a journal object: one {@link JournalRecord} per line (JSON lines), gzip-compressed.
 * The writer encodes, the restore decodes; nothing else knows the encoding.
 * @packageDocumentation
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { JournalRecord } from './types';

/** The content type journal objects are written with. */
export const JOURNAL_CONTENT_TYPE = 'application/gzip';

/** Encodes records as gzip JSON lines (one record a line, a newline after each). */
export function encodeJournal(records: readonly JournalRecord[]): Uint8Array {
  return gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/**
 * Decodes a journal object back into its records, in the order written.
 *
 * @example
 * const records = decodeJournal(await store.get(key));
 */
export function decodeJournal(body: Uint8Array): JournalRecord[] {
  return gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JournalRecord);
}
