/** Reading the backup's gzip JSON-lines objects. */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/** The SHA-256 of bytes, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The records of one gzip JSON-lines object (blank lines skipped). */
export function* parseJsonLines<T>(gzipped: Uint8Array): Generator<T> {
  const text = gunzipSync(gzipped).toString('utf8');
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line) yield JSON.parse(line) as T;
    start = end + 1;
  }
}

/** One gzip JSON document. */
export function parseJsonDocument<T>(gzipped: Uint8Array): T {
  return JSON.parse(gunzipSync(gzipped).toString('utf8')) as T;
}
