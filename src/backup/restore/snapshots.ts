/** Choosing the snapshot a restore starts from, and reading its chunks checked against the manifest. */
import { snapshotRoot } from '../keys';
import type { BackupStore } from '../store';
import type { SnapshotChunk, SnapshotManifest } from '../types';
import { CorruptChunkError, NoSnapshotError } from './errors';
import { sha256Hex } from './json-lines';

/**
 * The latest complete snapshot (its manifest is there: it is written last) whose listing started
 * at or before `at`. Every manifest is read (one GET per snapshot kept by the retention): the
 * snapshot ids are the writer's to choose, so their order is not assumed.
 */
export async function findSnapshot(store: BackupStore, root: string, at: Date): Promise<SnapshotManifest> {
  const prefix = `${root}snapshots/`;
  let best: SnapshotManifest | undefined;
  let seen = 0;
  for await (const key of store.list(prefix)) {
    if (!key.endsWith('/manifest.json')) continue;
    const bytes = await store.get(key);
    if (!bytes) continue;
    seen++;
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as SnapshotManifest;
    const started = Date.parse(manifest.startedAt);
    if (!(started <= at.getTime())) continue;
    if (!best || started > Date.parse(best.startedAt)) best = manifest;
  }
  if (!best)
    throw new NoSnapshotError(
      `no complete snapshot under ${store.location(prefix)} started at or before ${at.toISOString()} (${seen} complete snapshot(s) found)`,
    );
  return best;
}

/** The full key of a chunk (a manifest may name it relative to its snapshot's folder). */
export function chunkKey(root: string, manifest: SnapshotManifest, chunk: SnapshotChunk): string {
  return chunk.key.startsWith(root) ? chunk.key : `${snapshotRoot(root, manifest.snapshotId)}${chunk.key}`;
}

/** A chunk's bytes, refused when they are missing or differ from the manifest's size and checksum. */
export async function readChunk(
  store: BackupStore,
  root: string,
  manifest: SnapshotManifest,
  chunk: SnapshotChunk,
): Promise<Uint8Array> {
  const key = chunkKey(root, manifest, chunk);
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptChunkError(`snapshot ${manifest.snapshotId}: chunk ${store.location(key)} is missing`);
  if (bytes.length !== chunk.bytes || sha256Hex(bytes) !== chunk.sha256)
    throw new CorruptChunkError(
      `snapshot ${manifest.snapshotId}: chunk ${store.location(key)} does not match its manifest (size or SHA-256)`,
    );
  return bytes;
}
