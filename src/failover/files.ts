import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ExcludedRow, Manifest, ManifestRow } from './manifest';

/** Output format of the manifest. */
export type ManifestFormat = 'csv' | 'jsonl';

const ROW_COLUMNS: (keyof ManifestRow)[] = [
  'username',
  'sub',
  'sourceSub',
  'contact',
  'channel',
  'locale',
  'action',
  'mfa',
  'status',
  'emailOtp',
  'send',
  'note',
];
const EXCLUDED_COLUMNS: (keyof ExcludedRow)[] = [
  'username',
  'sub',
  'sourceSub',
  'contact',
  'channel',
  'status',
  'enabled',
  'reason',
  'detail',
];

/** One CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF). */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Serialises rows as CSV with a header line, or as JSON lines. */
export function serialise<T extends object>(rows: T[], columns: (keyof T)[], format: ManifestFormat): string {
  if (format === 'jsonl')
    return rows
      .map((r) => JSON.stringify(Object.fromEntries(columns.filter((c) => r[c] !== undefined).map((c) => [c, r[c]]))))
      .map((l) => `${l}\n`)
      .join('');
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** The path of the "listed apart" file next to the manifest: `users.csv` -> `users.excluded.csv`. */
export function excludedPath(out: string): string {
  const ext = extname(out);
  return join(dirname(out), `${basename(out, ext)}.excluded${ext}`);
}

/**
 * Writes a file readable by its owner only (0600), atomically: a temporary file in the same
 * directory, fsynced, then renamed over the target. An existing file's looser mode is not kept.
 */
export function writePrivateFile(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask cannot widen it, and a leftover temporary file is narrowed
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes the manifest (`out`) and the users listed apart (`excludedPath(out)`), both 0600. */
export function writeManifest(
  manifest: Manifest,
  out: string,
  format: ManifestFormat,
): { manifest: string; excluded: string } {
  const excluded = excludedPath(out);
  writePrivateFile(out, serialise(manifest.rows, ROW_COLUMNS, format));
  writePrivateFile(excluded, serialise(manifest.excluded, EXCLUDED_COLUMNS, format));
  return { manifest: out, excluded };
}

/**
 * Like {@link writePrivateFile} for content produced line by line (a map of millions of users):
 * each line is written as it comes (CRLF-terminated when `crlf`), so memory does not grow with
 * the file; mode 0600, renamed into place only once complete. Returns the lines written.
 */
export async function writePrivateLines(path: string, lines: AsyncIterable<string>, crlf = false): Promise<number> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  const end = crlf ? '\r\n' : '\n';
  let n = 0;
  try {
    await handle.chmod(0o600);
    let chunk: string[] = [];
    for await (const line of lines) {
      chunk.push(line);
      n++;
      if (chunk.length >= 4096) {
        await handle.write(chunk.join(end) + end);
        chunk = [];
      }
    }
    if (chunk.length) await handle.write(chunk.join(end) + end);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  renameSync(tmp, path);
  return n;
}
