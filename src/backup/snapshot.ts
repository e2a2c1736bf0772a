/**
 * The full snapshot: lists the pool (list calls only: ListUsers in `sub` shards, ListGroups,
 * ListUsersInGroup; the configuration's reads, see ./snapshot-config), streams
 * every page into gzip JSON-lines chunks, and writes `manifest.json` LAST, put-new: a snapshot
 * stopped part-way leaves chunks no manifest names, which no reader ever sees. Nothing is billed
 * as an active user (no per-user read).
 *
 * A snapshot may take several sessions (the scheduled function's 15-minute invocations): a session
 * asked to pause stops at a page boundary, closes its chunks and writes a checkpoint
 * ({@link ./snapshot-progress}); the next one resumes from it. Each session writes its chunks under
 * its own folder `snapshots/<id>/<session>/` (users in one folder per shard: `<shard>/users-<n>`).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { forEachLimit } from '../core/concurrency';
import { InvalidPaginationTokenError } from '../cognito/errors';
import type { CognitoPool } from '../cognito/pool';
import { compactTime, manifestKey, poolRoot, snapshotRoot } from './keys';
import { ChunkExistsError, type ChunkLimits, ChunkWriter, putChunk } from './snapshot-chunks';
import { readSnapshotConfig } from './snapshot-config';
import { toBackedUpUser } from './snapshot-lines';
import {
  checkpointChunks,
  checkpointUsers,
  emptyGroupsProgress,
  type GroupsProgress,
  isSnapshotComplete,
  type OpenGroup,
  readLatestCheckpoint,
  type ShardProgress,
  type SnapshotCheckpoint,
  startCheckpoint,
  writeCheckpoint,
} from './snapshot-progress';
import type { BackupStore } from './store';
import { BACKUP_FORMAT, type SnapshotChunk, type SnapshotGroupLine, type SnapshotManifest } from './types';

/** ListUsers shards: `sub ^= "0"` .. `"f"` (Cognito's subs are UUIDs), listed in parallel. */
export const SNAPSHOT_SHARDS = '0123456789abcdef'.split('');

/** Groups whose members are listed at once. */
const GROUP_LANES = 4;

/**
 * Bounds of a shard's user chunks when none are given: 16 shards fill chunks at once, so each
 * holds a sixteenth of the default in memory at most.
 */
const SHARD_CHUNK_LIMITS: Required<ChunkLimits> = { maxBytes: 1024 * 1024, maxRecords: 5_000 };

/** Passes of one listing (a shard, the groups) after refused pagination tokens before the snapshot fails. */
const MAX_PASSES = 5;

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
  /** The snapshot id's and the session folder's random part (hex). Default 6 random hex digits. */
  randomId?: () => string;
  /** Bounds of the chunks (a shard's user chunks and the groups'). */
  chunkLimits?: ChunkLimits;
  /** Shards of the users listing. Default {@link SNAPSHOT_SHARDS}; `['']` lists without a filter. */
  shards?: string[];
  onProgress?: (progress: SnapshotProgress) => void;
  /** Stops the listing; the snapshot then fails and writes no manifest (nor checkpoint). */
  signal?: AbortSignal;
}

/** Options of {@link runSnapshotSession}: a snapshot that may pause and resume. */
export interface SnapshotSessionOptions extends SnapshotOptions {
  /** Ends the session cleanly at the next page boundary: chunks closed, a checkpoint written, no manifest. */
  pause?: AbortSignal;
  /** Pauses once `now()` reaches this (ms since the epoch), checked before each page. */
  deadline?: number;
  /** Goes on from this checkpoint (the snapshot's newest) instead of starting a new snapshot. */
  resume?: SnapshotCheckpoint;
}

/** A finished snapshot. */
export interface SnapshotResult {
  manifest: SnapshotManifest;
  manifestKey: string;
  /** Bytes stored, every chunk and the manifest (every session's chunks the manifest names). */
  bytes: number;
  /** Time of this session (the whole snapshot when it took one). */
  elapsedMs: number;
}

/** What one session ended with: the snapshot finished, or paused with a checkpoint. */
export type SnapshotSession =
  | ({ status: 'complete'; sessions: number } & SnapshotResult)
  | { status: 'paused'; checkpoint: SnapshotCheckpoint; checkpointKey: string; elapsedMs: number };

/** Thrown when a snapshot is stopped before its manifest is written. */
export class SnapshotStoppedError extends Error {
  override readonly name = 'SnapshotStoppedError';
}

/** Thrown by {@link resumeSnapshot} for a snapshot with no checkpoint (or already complete). */
export class NothingToResumeError extends Error {
  override readonly name = 'NothingToResumeError';
}

/**
 * Takes a full snapshot of `pool` into `store`, in one go.
 *
 * @example
 * ```ts
 * const { manifest } = await takeSnapshot({ pool: source, store: new S3BackupStore(s3, 'backups'), prefix: 'cognito' });
 * console.log(`${manifest.counts.users} users in ${manifest.chunks.length} chunks`);
 * ```
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const session = await runSnapshotSession(options);
  if (session.status !== 'complete') throw new SnapshotStoppedError('the snapshot paused; no manifest was written');
  return session;
}

/**
 * Goes on with the stopped snapshot `snapshotId` from its newest checkpoint, in one go.
 *
 * @example
 * ```ts
 * const { manifest } = await resumeSnapshot({ pool: source, store, prefix: 'cognito' }, '20261130T094100123Z-a1b2c3');
 * ```
 */
export async function resumeSnapshot(options: SnapshotOptions, snapshotId: string): Promise<SnapshotResult> {
  const root = poolRoot(options.prefix, options.pool.poolId);
  if (await isSnapshotComplete(options.store, root, snapshotId))
    throw new NothingToResumeError(`snapshot ${snapshotId} is already complete`);
  const resume = await readLatestCheckpoint(options.store, root, snapshotId);
  if (!resume) throw new NothingToResumeError(`snapshot ${snapshotId} has no checkpoint to resume from`);
  const session = await runSnapshotSession({ ...options, resume });
  if (session.status !== 'complete') throw new SnapshotStoppedError('the snapshot paused; no manifest was written');
  return session;
}

/**
 * One session of a snapshot: a new one, or the one `resume` comes from. Lists until every shard and
 * group is done (then writes the manifest, last) or until paused (then writes the next checkpoint).
 * A failure throws and writes neither: the snapshot goes on from its previous checkpoint.
 *
 * @example
 * ```ts
 * const session = await runSnapshotSession({ pool, store, prefix, deadline: Date.now() + 840_000 });
 * if (session.status === 'paused') await continueLater(session.checkpoint.snapshotId);
 * ```
 */
export async function runSnapshotSession(options: SnapshotSessionOptions): Promise<SnapshotSession> {
  const { pool, store } = options;
  const now = options.now ?? Date.now;
  const random = options.randomId ?? (() => randomBytes(3).toString('hex'));
  const started = now();
  const root = poolRoot(options.prefix, pool.poolId);
  const state = options.resume
    ? structuredClone(options.resume)
    : startCheckpoint({
        poolId: pool.poolId,
        region: pool.region,
        snapshotId: `${compactTime(new Date(started))}-${random()}`,
        startedAt: new Date(started),
        shards: options.shards ?? SNAPSHOT_SHARDS,
      });
  if (state.poolId !== pool.poolId)
    throw new NothingToResumeError(`the checkpoint is of pool ${state.poolId}, not ${pool.poolId}`);
  const snapshotId = state.snapshotId;
  const folder = `${snapshotRoot(root, snapshotId)}s${String(state.seq).padStart(4, '0')}-${random()}/`;
  const limits = options.chunkLimits;
  const writers: ChunkWriter[] = [];
  const writer = (kind: SnapshotChunk['kind'], stem: string, bounds?: ChunkLimits) => {
    const w = new ChunkWriter(store, folder, kind, bounds, stem);
    writers.push(w);
    return w;
  };

  const report = () =>
    options.onProgress?.({
      users: checkpointUsers(state),
      groups: state.groups.groups,
      chunks: checkpointChunks(state).length + writers.reduce((n, w) => n + w.chunks, 0),
      bytes: checkpointChunks(state).reduce((n, c) => n + c.bytes, 0) + writers.reduce((n, w) => n + w.storedBytes, 0),
    });

  // One failure stops the other listings (no new page is asked for).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const checkStop = () => {
    if (options.signal?.aborted) throw new SnapshotStoppedError('the snapshot was stopped; no manifest was written');
    if (stop.signal.aborted) throw new SnapshotStoppedError('another listing of the snapshot failed');
  };
  const paused = () => options.pause?.aborted === true || (options.deadline !== undefined && now() >= options.deadline);
  const guarded = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      stop.abort();
      throw err;
    });

  try {
    // The configuration is read and written while the listings run (other quota categories).
    const writeConfig = state.config
      ? Promise.resolve()
      : readSnapshotConfig(pool).then(async (config) => {
          state.config = await putChunk(store, `${folder}config.json.gz`, 'config', `${JSON.stringify(config)}\n`, 1);
        });

    const listUsers = forEachLimit(
      state.shards.filter((s) => !s.done),
      SNAPSHOT_SHARDS.length,
      (shard) => listShard(shard),
      { signal: stop.signal },
    );

    async function listShard(shard: ShardProgress): Promise<void> {
      // `<session>/<shard>/users-<n>`, `<session>/<shard>/p1/users-<n>` in a later pass.
      const stem = (pass: number) => [shard.shard, pass ? `p${pass}` : '', 'users'].filter(Boolean).join('/');
      let users = writer('users', stem(shard.pass), limits ?? SHARD_CHUNK_LIMITS);
      while (!shard.done && !paused()) {
        checkStop();
        let page: Awaited<ReturnType<CognitoPool['listUsersPage']>>;
        try {
          page = await pool.listUsersPage({
            filter: shard.shard ? `sub ^= "${shard.shard}"` : undefined,
            nextToken: shard.nextToken,
          });
        } catch (err) {
          if (!(err instanceof InvalidPaginationTokenError) || !shard.nextToken || shard.pass + 1 >= MAX_PASSES)
            throw err;
          // The token is no longer accepted: this shard starts again; its earlier chunks are dropped.
          await users.close();
          Object.assign(shard, { pass: shard.pass + 1, nextToken: undefined, users: 0, chunks: [] });
          users = writer('users', stem(shard.pass), limits ?? SHARD_CHUNK_LIMITS);
          continue;
        }
        await users.add(page.users.map(toBackedUpUser));
        shard.users += page.users.length;
        shard.nextToken = page.nextToken;
        shard.done = !page.nextToken;
        report();
      }
      // Closed on pause and when done; after a failure nothing is closed: no checkpoint names it.
      shard.chunks.push(...(await users.close()));
    }

    const listGroups = (async () => {
      for (;;) {
        const restart = await listGroupsPass(state.groups);
        if (!restart) return;
        const pass = state.groups.pass + 1;
        if (pass >= MAX_PASSES) throw restart;
        // A refused token: the groups are listed again from the first; the earlier lines are dropped.
        state.groups = emptyGroupsProgress(pass);
      }
    })();

    async function listGroupsPass(groups: GroupsProgress): Promise<InvalidPaginationTokenError | undefined> {
      if (groups.done) return undefined;
      const lines = writer('groups', groups.pass ? `p${groups.pass}/groups` : 'groups', limits);
      let refused: InvalidPaginationTokenError | undefined;
      const definitions = new Map((await pool.listGroups()).map((d) => [d.name, d]));
      const names = [...definitions.keys()].sort();
      // The groups left open by the previous session first, then those after the last one started.
      // One deleted since counts as listed if its definition line is written (it is in a chunk).
      const resumed = groups.open.filter((g) => definitions.has(g.name));
      groups.groups += groups.open.filter((g) => !definitions.has(g.name) && g.nextToken !== undefined).length;
      groups.open = [];
      const queue = [
        ...resumed,
        ...names.filter((n) => groups.after === undefined || n > groups.after).map((name) => ({ name })),
      ];
      await forEachLimit(
        queue,
        GROUP_LANES,
        async (group: OpenGroup) => {
          if (paused() || refused) return;
          const open: OpenGroup = { ...group };
          groups.open.push(open);
          if (groups.after === undefined || open.name > groups.after) groups.after = open.name;
          const definition = definitions.get(open.name)!;
          for (;;) {
            if (paused() || refused) return;
            checkStop();
            let page: Awaited<ReturnType<CognitoPool['listUsersInGroupPage']>>;
            try {
              page = await pool.listUsersInGroupPage(open.name, open.nextToken);
            } catch (err) {
              if (err instanceof InvalidPaginationTokenError && open.nextToken) {
                refused = err;
                return;
              }
              throw err;
            }
            const line: SnapshotGroupLine = {
              group: open.name,
              ...(open.nextToken === undefined ? { definition } : {}),
              members: page.users.map((u) => u.attributes.sub ?? '').filter(Boolean),
            };
            if (open.nextToken === undefined || line.members.length) await lines.add([line]);
            groups.memberships += line.members.length;
            if (!page.nextToken) break;
            open.nextToken = page.nextToken;
          }
          groups.open.splice(groups.open.indexOf(open), 1);
          groups.groups++;
          report();
        },
        { signal: stop.signal },
      );
      if (refused) return refused;
      groups.chunks.push(...(await lines.close()));
      // Groups are started in name order and none after a pause: the last one started and none
      // open means every one is listed.
      const last = names.at(-1);
      groups.done = groups.open.length === 0 && (last === undefined || (groups.after ?? '') >= last);
      return undefined;
    }

    await Promise.all([guarded(writeConfig), guarded(listUsers), guarded(listGroups)]);
    checkStop();

    if (!state.config || !state.groups.done || state.shards.some((s) => !s.done)) {
      state.seq++;
      state.writtenAt = new Date(now()).toISOString();
      const checkpointKey = await writeCheckpoint(store, root, state);
      return { status: 'paused', checkpoint: state, checkpointKey, elapsedMs: now() - started };
    }

    const chunks = [
      state.config,
      ...sortByKey(state.groups.chunks),
      ...sortByKey(state.shards.flatMap((s) => s.chunks)),
    ];
    const manifest: SnapshotManifest = {
      format: BACKUP_FORMAT,
      poolId: pool.poolId,
      region: pool.region,
      snapshotId,
      startedAt: state.startedAt,
      finishedAt: new Date(now()).toISOString(),
      counts: { users: checkpointUsers(state), groups: state.groups.groups, memberships: state.groups.memberships },
      chunks,
    };
    const key = manifestKey(root, snapshotId);
    const body = Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`, 'utf8');
    if ((await store.putNew(key, body, 'application/json')) === 'exists')
      throw new ChunkExistsError(`${store.location(key)} already exists: a snapshot never overwrites an object`);
    report();
    return {
      status: 'complete',
      sessions: state.seq + 1,
      manifest,
      manifestKey: key,
      bytes: chunks.reduce((n, c) => n + c.bytes, 0) + body.length,
      elapsedMs: now() - started,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function sortByKey(chunks: SnapshotChunk[]): SnapshotChunk[] {
  return [...chunks].sort((a, b) => (a.key < b.key ? -1 : 1));
}
