/**
 * Reading snapshots back: the latest complete one (the one with a manifest), and its chunks
 * checked against the manifest (SHA-256, bytes, lines) before a line is trusted.
 * @packageDocumentation
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { manifestKey } from './keys';
import { sha256Hex } from './snapshot-chunks';
import type { BackupStore } from './store';
import type { SnapshotChunk, SnapshotManifest } from './types';

const gunzip = promisify(gunzipCallback);

/** A chunk that does not match its manifest (or is missing). */
export class ChunkMismatchError extends Error {
  override readonly name = 'ChunkMismatchError';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${key}: ${problem}`);
  }
}

/**
 * The ids of the complete snapshots under a pool root (`<prefix>/<poolId>/`), oldest first: a
 * snapshot counts only once its manifest exists. Ids begin with their start time, so name order
 * is time order.
 */
export async function completeSnapshotIds(store: BackupStore, root: string): Promise<string[]> {
  const ids: string[] = [];
  const folder = `${root}snapshots/`;
  for await (const key of store.list(folder)) {
    const rest = key.slice(folder.length);
    const slash = rest.indexOf('/');
    if (slash > 0 && rest.slice(slash + 1) === 'manifest.json') ids.push(rest.slice(0, slash));
  }
  return ids;
}

/** Reads and parses one manifest, or `undefined` when there is none. */
export async function readManifest(
  store: BackupStore,
  root: string,
  snapshotId: string,
): Promise<SnapshotManifest | undefined> {
  const body = await store.get(manifestKey(root, snapshotId));
  return body ? (JSON.parse(Buffer.from(body).toString('utf8')) as SnapshotManifest) : undefined;
}

/**
 * The latest complete snapshot under a pool root, optionally the latest one started at or before
 * `at`; `undefined` when there is none.
 *
 * @example
 * const manifest = await latestSnapshot(store, poolRoot('backups', 'us-east-1_AAAA'));
 */
export async function latestSnapshot(
  store: BackupStore,
  root: string,
  at?: Date,
): Promise<SnapshotManifest | undefined> {
  const ids = await completeSnapshotIds(store, root);
  for (let i = ids.length - 1; i >= 0; i--) {
    const manifest = await readManifest(store, root, ids[i]);
    if (manifest && (!at || Date.parse(manifest.startedAt) <= at.getTime())) return manifest;
  }
  return undefined;
}

/**
 * The lines of one chunk, parsed, after checking its bytes, SHA-256 and line count against the
 * manifest. Throws {@link ChunkMismatchError} on any difference.
 */
export async function readChunk<T>(store: BackupStore, chunk: SnapshotChunk): Promise<T[]> {
  const body = await store.get(chunk.key);
  if (!body) throw new ChunkMismatchError(chunk.key, 'missing');
  if (body.length !== chunk.bytes)
    throw new ChunkMismatchError(chunk.key, `${body.length} bytes, the manifest says ${chunk.bytes}`);
  if (sha256Hex(body) !== chunk.sha256) throw new ChunkMismatchError(chunk.key, 'SHA-256 differs from the manifest');
  const text = (await gunzip(body)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length !== chunk.records)
    throw new ChunkMismatchError(chunk.key, `${lines.length} records, the manifest says ${chunk.records}`);
  return lines.map((l) => JSON.parse(l) as T);
}
