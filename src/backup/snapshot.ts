/**
 * The full snapshot: lists the pool (list calls only: ListUsers in `sub` shards, ListGroups,
 * ListUsersInGroup; the configuration's reads, see ./snapshot-config), streams
 * every page into gzip JSON-lines chunks, and writes `manifest.json` LAST, put-new: a snapshot
 * stopped part-way leaves chunks no manifest names, which no reader ever sees. Nothing is billed
 * as an active user (no per-user read).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { forEachLimit } from '../core/concurrency';
import type { CognitoPool } from '../cognito/pool';
import { compactTime, manifestKey, poolRoot, snapshotRoot } from './keys';
import { ChunkExistsError, type ChunkLimits, ChunkWriter, putChunk } from './snapshot-chunks';
import { readSnapshotConfig } from './snapshot-config';
import { toBackedUpUser } from './snapshot-lines';
import type { BackupStore } from './store';
import { BACKUP_FORMAT, type SnapshotGroupLine, type SnapshotManifest } from './types';

/** ListUsers shards: `sub ^= "0"` .. `"f"` (Cognito's subs are UUIDs), listed in parallel. */
export const SNAPSHOT_SHARDS = '0123456789abcdef'.split('');

/** Groups whose members are listed at once. */
const GROUP_LANES = 4;

/** What a snapshot has done so far (for a progress line). */
export interface SnapshotProgress {
  users: number;
  groups: number;
  chunks: number;
  bytes: number;
}

/** Options of {@link takeSnapshot}. */
export interface SnapshotOptions {
  /** The pool to back up (the source pool, through its gateway). */
  pool: CognitoPool;
  store: BackupStore;
  /** The backup prefix in the bucket (`backups`): objects go under `<prefix>/<poolId>/`. */
  prefix: string;
  /** Clock (ms since the epoch). Default `Date.now`. */
  now?: () => number;
  /** The snapshot id's random part (hex). Default 6 random hex digits. */
  randomId?: () => string;
  chunkLimits?: ChunkLimits;
  /** Shards of the users listing. Default {@link SNAPSHOT_SHARDS}; `['']` lists without a filter. */
  shards?: string[];
  onProgress?: (progress: SnapshotProgress) => void;
  /** Stops the listing; the snapshot then fails and writes no manifest. */
  signal?: AbortSignal;
}

/** A finished snapshot. */
export interface SnapshotResult {
  manifest: SnapshotManifest;
  manifestKey: string;
  /** Bytes stored, every chunk and the manifest. */
  bytes: number;
  elapsedMs: number;
}

/** Thrown when a snapshot is stopped before its manifest is written. */
export class SnapshotStoppedError extends Error {
  override readonly name = 'SnapshotStoppedError';
}

/**
 * Takes a full snapshot of `pool` into `store`.
 *
 * @example
 * ```ts
 * const { manifest } = await takeSnapshot({ pool: source, store: new S3BackupStore(s3, 'backups'), prefix: 'cognito' });
 * console.log(`${manifest.counts.users} users in ${manifest.chunks.length} chunks`);
 * ```
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const { pool, store } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const startedAt = new Date(started);
  const snapshotId = `${compactTime(startedAt)}-${(options.randomId ?? (() => randomBytes(3).toString('hex')))()}`;
  const root = poolRoot(options.prefix, pool.poolId);
  const folder = snapshotRoot(root, snapshotId);

  const users = new ChunkWriter(store, folder, 'users', options.chunkLimits);
  const groups = new ChunkWriter(store, folder, 'groups', options.chunkLimits);
  let groupCount = 0;
  let memberships = 0;
  const report = () =>
    options.onProgress?.({
      users: users.records,
      groups: groupCount,
      chunks: users.chunks + groups.chunks,
      bytes: users.storedBytes + groups.storedBytes,
    });

  // One failure stops the other listings (no new page is asked for).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const checkStop = () => {
    if (options.signal?.aborted) throw new SnapshotStoppedError('the snapshot was stopped; no manifest was written');
    if (stop.signal.aborted) throw new SnapshotStoppedError('another listing of the snapshot failed');
  };
  const guarded = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      stop.abort();
      throw err;
    });

  try {
    // The configuration is read and written while the listings run (other quota categories).
    const writeConfig = readSnapshotConfig(pool).then((config) =>
      putChunk(store, `${folder}config.json.gz`, 'config', `${JSON.stringify(config)}\n`, 1),
    );

    const listUsers = forEachLimit(
      options.shards ?? SNAPSHOT_SHARDS,
      SNAPSHOT_SHARDS.length,
      async (shard) => {
        let nextToken: string | undefined;
        do {
          checkStop();
          const page = await pool.listUsersPage({ filter: shard ? `sub ^= "${shard}"` : undefined, nextToken });
          await users.add(page.users.map(toBackedUpUser));
          report();
          nextToken = page.nextToken;
        } while (nextToken);
      },
      { signal: stop.signal },
    );

    const listGroups = (async () => {
      const definitions = await pool.listGroups();
      await forEachLimit(
        definitions,
        GROUP_LANES,
        async (definition) => {
          let nextToken: string | undefined;
          let first = true;
          do {
            checkStop();
            const page = await pool.listUsersInGroupPage(definition.name, nextToken);
            const line: SnapshotGroupLine = {
              group: definition.name,
              ...(first ? { definition } : {}),
              members: page.users.map((u) => u.attributes.sub ?? '').filter(Boolean),
            };
            memberships += line.members.length;
            if (first || line.members.length) await groups.add([line]);
            first = false;
            nextToken = page.nextToken;
          } while (nextToken);
          groupCount++;
          report();
        },
        { signal: stop.signal },
      );
    })();

    const [configChunk] = await Promise.all([guarded(writeConfig), guarded(listUsers), guarded(listGroups)]);
    checkStop();
    const chunks = [configChunk, ...(await groups.close()), ...(await users.close())];
    const manifest: SnapshotManifest = {
      format: BACKUP_FORMAT,
      poolId: pool.poolId,
      region: pool.region,
      snapshotId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(now()).toISOString(),
      counts: { users: users.records, groups: groupCount, memberships },
      chunks,
    };
    const key = manifestKey(root, snapshotId);
    const body = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`, 'utf8');
    if ((await store.putNew(key, body, 'application/json')) === 'exists')
      throw new ChunkExistsError(`${store.location(key)} already exists: a snapshot never overwrites an object`);
    report();
    return {
      manifest,
      manifestKey: key,
      bytes: chunks.reduce((n, c) => n + c.bytes, 0) + body.length,
      elapsedMs: now() - started,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
