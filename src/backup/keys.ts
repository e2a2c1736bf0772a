/**
 * Object keys of the backup layout (see {@link ./types}). Every name sorts by time in S3's
 * UTF-8 binary key order, so a listing under a prefix is already in time order.
 * @packageDocumentation
 */

/** `<prefix>/<poolId>/` with exactly one `/` between parts and none leading. */
export function poolRoot(prefix: string, poolId: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  return p ? `${p}/${poolId}/` : `${poolId}/`;
}

/** A sortable compact UTC time: `20261130T094100123Z`. */
export function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/** The folder of one snapshot. */
export function snapshotRoot(root: string, snapshotId: string): string {
  return `${root}snapshots/${snapshotId}/`;
}

/** The manifest of one snapshot (written last). */
export function manifestKey(root: string, snapshotId: string): string {
  return `${snapshotRoot(root, snapshotId)}manifest.json`;
}

/** The journal object for one worker batch: hour folders, then time, writer and sequence. */
export function journalKey(root: string, writtenAt: Date, writerId: string, seq: number): string {
  const iso = writtenAt.toISOString();
  const hour = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
  return `${root}journal/${hour}/${compactTime(writtenAt)}-${writerId}-${String(seq).padStart(8, '0')}.jsonl.gz`;
}

/** The erasure ledger entry of one source `sub`. */
export function erasureKey(root: string, sub: string): string {
  return `${root}erasures/${sub}.json`;
}
