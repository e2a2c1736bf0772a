/**
 * A snapshot's progress across sessions (Lambda invocations): put-new checkpoint objects
 * `snapshots/<id>/progress/<seq>.json` under the snapshot's own folder, the newest one read on
 * resume. The bucket takes new objects only (Object Lock, no overwrite), so progress is a sequence,
 * and a checkpoint's put-new is also the lock between two sessions resumed from the same one.
 * @packageDocumentation
 */
import { compactTime, snapshotRoot } from './keys';
import type { BackupStore } from './store';
import { BACKUP_FORMAT, type SnapshotChunk } from './types';

/** One ListUsers shard (`sub ^= "<shard>"`; `''` lists without a filter). */
export interface ShardProgress {
  shard: string;
  /** Listings of this shard started from its beginning, less one (a refused token starts a new pass). */
  pass: number;
  /** Where the listing goes on; absent with `done` false: from the beginning. */
  nextToken?: string;
  done: boolean;
  /** Users written in this pass. */
  users: number;
  /** The chunks of this pass (a new pass drops the earlier ones). */
  chunks: SnapshotChunk[];
}

/** A group whose members are being listed: from `nextToken`, or from its beginning when absent. */
export interface OpenGroup {
  name: string;
  nextToken?: string;
}

/** The groups listing: groups in name order, several at once. */
export interface GroupsProgress {
  pass: number;
  done: boolean;
  /** The last group started, in name order: groups after it are still to list. */
  after?: string;
  /** Groups started and not finished. */
  open: OpenGroup[];
  /** Groups finished (definition and every member written). */
  groups: number;
  memberships: number;
  chunks: SnapshotChunk[];
}

/** One checkpoint: everything a later session needs to go on, and nothing personal but tokens. */
export interface SnapshotCheckpoint {
  format: typeof BACKUP_FORMAT;
  poolId: string;
  region: string;
  snapshotId: string;
  startedAt: string;
  /** Sessions finished (this checkpoint's number). */
  seq: number;
  writtenAt: string;
  config?: SnapshotChunk;
  shards: ShardProgress[];
  groups: GroupsProgress;
}

/** Thrown when the next checkpoint is already written: another session went on from the same one. */
export class CheckpointTakenError extends Error {
  override readonly name = 'CheckpointTakenError';
}

/** The folder of a snapshot's checkpoints. */
export function progressFolder(root: string, snapshotId: string): string {
  return `${snapshotRoot(root, snapshotId)}progress/`;
}

/** The key of checkpoint `seq` (zero-padded: name order is number order). */
export function progressKey(root: string, snapshotId: string, seq: number): string {
  return `${progressFolder(root, snapshotId)}${String(seq).padStart(6, '0')}.json`;
}

/** Writes a checkpoint as a new object; {@link CheckpointTakenError} when its number is taken. */
export async function writeCheckpoint(
  store: BackupStore,
  root: string,
  checkpoint: SnapshotCheckpoint,
): Promise<string> {
  const key = progressKey(root, checkpoint.snapshotId, checkpoint.seq);
  const body = Buffer.from(JSON.stringify(checkpoint), 'utf8');
  if ((await store.putNew(key, body, 'application/json')) === 'exists')
    throw new CheckpointTakenError(
      `${store.location(key)} already exists: another session went on from the same checkpoint`,
    );
  return key;
}

/** The newest checkpoint of a snapshot, or `undefined` when it has none. */
export async function readLatestCheckpoint(
  store: BackupStore,
  root: string,
  snapshotId: string,
): Promise<SnapshotCheckpoint | undefined> {
  let newest: string | undefined;
  for await (const key of store.list(progressFolder(root, snapshotId))) if (key.endsWith('.json')) newest = key;
  if (!newest) return undefined;
  const body = await store.get(newest);
  return body ? (JSON.parse(Buffer.from(body).toString('utf8')) as SnapshotCheckpoint) : undefined;
}

/** True when the snapshot's manifest exists (found by listing: the writer may not read it). */
export async function isSnapshotComplete(store: BackupStore, root: string, snapshotId: string): Promise<boolean> {
  const key = `${snapshotRoot(root, snapshotId)}manifest.json`;
  for await (const found of store.list(key)) if (found === key) return true;
  return false;
}

/** An unfinished snapshot and its newest checkpoint. */
export interface OpenSnapshot {
  snapshotId: string;
  checkpoint: SnapshotCheckpoint;
}

/**
 * The newest snapshot started since `since` that has a checkpoint and no manifest, or
 * `undefined`. Lists only the snapshots started since then (ids begin with their start time).
 *
 * @example
 * const open = await findOpenSnapshot(store, poolRoot('cognito-backup', poolId), new Date(Date.now() - 3 * 86_400_000));
 */
export async function findOpenSnapshot(
  store: BackupStore,
  root: string,
  since: Date,
): Promise<OpenSnapshot | undefined> {
  const folder = `${root}snapshots/`;
  const withProgress = new Set<string>();
  const complete = new Set<string>();
  for await (const key of store.list(folder, `${folder}${compactTime(since)}`)) {
    const rest = key.slice(folder.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const id = rest.slice(0, slash);
    const inner = rest.slice(slash + 1);
    if (inner === 'manifest.json') complete.add(id);
    else if (inner.startsWith('progress/')) withProgress.add(id);
  }
  const open = [...withProgress].filter((id) => !complete.has(id)).sort();
  for (let i = open.length - 1; i >= 0; i--) {
    const checkpoint = await readLatestCheckpoint(store, root, open[i]);
    if (checkpoint) return { snapshotId: open[i], checkpoint };
  }
  return undefined;
}

/** Users written so far in the current passes. */
export function checkpointUsers(checkpoint: Pick<SnapshotCheckpoint, 'shards'>): number {
  return checkpoint.shards.reduce((n, s) => n + s.users, 0);
}

/** The progress of a snapshot that has not started: every shard and the groups from their beginning. */
export function startCheckpoint(snapshot: {
  poolId: string;
  region: string;
  snapshotId: string;
  startedAt: Date;
  shards: readonly string[];
}): SnapshotCheckpoint {
  const at = snapshot.startedAt.toISOString();
  return {
    format: BACKUP_FORMAT,
    poolId: snapshot.poolId,
    region: snapshot.region,
    snapshotId: snapshot.snapshotId,
    startedAt: at,
    seq: 0,
    writtenAt: at,
    shards: snapshot.shards.map((shard) => ({ shard, pass: 0, done: false, users: 0, chunks: [] })),
    groups: emptyGroupsProgress(0),
  };
}

/** The groups listing from its beginning, in pass `pass`. */
export function emptyGroupsProgress(pass: number): GroupsProgress {
  return { pass, done: false, open: [], groups: 0, memberships: 0, chunks: [] };
}

/** Every chunk a checkpoint names. */
export function checkpointChunks(checkpoint: SnapshotCheckpoint): SnapshotChunk[] {
  return [
    ...(checkpoint.config ? [checkpoint.config] : []),
    ...checkpoint.groups.chunks,
    ...checkpoint.shards.flatMap((s) => s.chunks),
  ];
}
