/**
 * Verification of the backup of one pool: the latest complete snapshot read back and checked
 * against its manifest (every chunk's SHA-256, bytes and lines; the counts), compared with the
 * live pool (list calls only), and the journal's newest record (the recovery point).
 *
 * The comparison with the live pool is by `sub`, in constant memory: both sides are digested by
 * bucket ({@link SubDigest}); only buckets that differ are listed again (`sub ^= "<bucket>"`) and
 * compared exactly. A live user created before the snapshot started and absent from it is
 * **missing** (a problem). Users created since, or deleted since, are counted, not problems: the
 * pool lives on after a snapshot.
 * @packageDocumentation
 */
import { forEachLimit } from '../core/concurrency';
import { formatCount, formatDuration } from '../core/time-estimate';
import type { CognitoPool } from '../cognito/pool';
import { poolRoot } from './keys';
import { newestJournalRecord } from './recovery-point';
import { SNAPSHOT_SHARDS } from './snapshot';
import { ChunkMismatchError, latestSnapshot, readChunk } from './snapshot-read';
import type { BackupStore } from './store';
import { bucketOf, SubDigest } from './sub-digest';
import type { BackedUpUser, SnapshotGroupLine, SnapshotManifest } from './types';

/** Differing buckets looked at in one pass over the snapshot's chunks (bounds the memory). */
const BUCKETS_PER_PASS = 16;

/** Options of {@link verifyBackup}. */
export interface VerifyOptions {
  pool: CognitoPool;
  store: BackupStore;
  prefix: string;
  now?: () => number;
  /** ListUsers shards of the live listing. Default the snapshot's. */
  shards?: string[];
  onProgress?: (stage: string, done: number) => void;
}

/** What a verification found. `problems` empty means the backup is sound. */
export interface VerifyReport {
  poolId: string;
  /** The snapshot checked, if there is one. */
  snapshot?: {
    id: string;
    startedAt: string;
    finishedAt: string;
    ageMs: number;
    counts: SnapshotManifest['counts'];
    chunks: number;
    bytes: number;
  };
  /** The live pool against the snapshot. */
  live?: {
    users: number;
    /** Live users created before the snapshot started and absent from it (problems). */
    missing: number;
    /** Live users created after the snapshot started and absent from it. */
    newSince: number;
    /** Users in the snapshot no longer in the pool. */
    goneSince: number;
    groups: number;
    groupsNewSince: string[];
    groupsGoneSince: string[];
  };
  /** The journal's newest object (the recovery point), if any. */
  journal?: { key: string; newestAt?: string; lagMs?: number };
  /** Each problem in one line (no personal data: counts, keys and subs' buckets only). */
  problems: string[];
}

/**
 * Verifies the latest complete snapshot of `pool` under `prefix` and reports the recovery point.
 *
 * @example
 * ```ts
 * const report = await verifyBackup({ pool: source, store, prefix: 'cognito' });
 * process.exitCode = report.problems.length ? 1 : 0;
 * ```
 */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyReport> {
  const { pool, store } = options;
  const now = options.now ?? Date.now;
  const root = poolRoot(options.prefix, pool.poolId);
  const report: VerifyReport = { poolId: pool.poolId, problems: [] };

  const point = await newestJournalRecord(store, root, new Date(now()));
  if (point)
    report.journal = {
      key: point.key,
      newestAt: point.at?.toISOString(),
      lagMs: point.at ? Math.max(0, Math.round(now() - point.at.getTime())) : undefined,
    };

  const manifest = await latestSnapshot(store, root);
  if (!manifest) {
    report.problems.push(`no complete snapshot under ${store.location(root)}`);
    return report;
  }
  report.snapshot = {
    id: manifest.snapshotId,
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    ageMs: Math.round(now() - Date.parse(manifest.startedAt)),
    counts: manifest.counts,
    chunks: manifest.chunks.length,
    bytes: manifest.chunks.reduce((n, c) => n + c.bytes, 0),
  };

  // 1. The snapshot against its manifest.
  const snapshotSubs = new SubDigest();
  const groupNames = new Set<string>();
  let memberships = 0;
  let intact = true;
  let read = 0;
  for (const chunk of manifest.chunks) {
    try {
      if (chunk.kind === 'users') for (const u of await readChunk<BackedUpUser>(store, chunk)) snapshotSubs.add(u.sub);
      if (chunk.kind === 'groups')
        for (const line of await readChunk<SnapshotGroupLine>(store, chunk)) {
          if (line.definition) groupNames.add(line.group);
          memberships += line.members.length;
        }
      if (chunk.kind === 'config') await readChunk(store, chunk);
    } catch (err) {
      if (!(err instanceof ChunkMismatchError)) throw err;
      report.problems.push(`chunk ${err.message}`);
      intact = false;
    }
    options.onProgress?.('chunks', ++read);
  }
  if (intact) {
    if (snapshotSubs.size !== manifest.counts.users)
      report.problems.push(
        `the users chunks hold ${snapshotSubs.size} users, the manifest says ${manifest.counts.users}`,
      );
    if (groupNames.size !== manifest.counts.groups)
      report.problems.push(
        `the groups chunks hold ${groupNames.size} groups, the manifest says ${manifest.counts.groups}`,
      );
    if (manifest.counts.memberships !== undefined && memberships !== manifest.counts.memberships)
      report.problems.push(
        `the groups chunks hold ${memberships} memberships, the manifest says ${manifest.counts.memberships}`,
      );
  }

  // 2. The live pool against the snapshot (skipped when the snapshot itself is damaged).
  if (!intact) return report;
  const startedAt = Date.parse(manifest.startedAt);
  const liveSubs = new SubDigest();
  let liveUsers = 0;
  await forEachLimit(options.shards ?? SNAPSHOT_SHARDS, SNAPSHOT_SHARDS.length, async (shard) => {
    let nextToken: string | undefined;
    do {
      const page = await pool.listUsersPage({ filter: shard ? `sub ^= "${shard}"` : undefined, nextToken });
      for (const u of page.users) if (u.attributes.sub) liveSubs.add(u.attributes.sub);
      liveUsers += page.users.length;
      options.onProgress?.('live users', liveUsers);
      nextToken = page.nextToken;
    } while (nextToken);
  });

  let missing = 0;
  let newSince = 0;
  let goneSince = 0;
  const differing = snapshotSubs.differingBuckets(liveSubs);
  for (let i = 0; i < differing.length; i += BUCKETS_PER_PASS) {
    const buckets = new Set(differing.slice(i, i + BUCKETS_PER_PASS));
    const inSnapshot = new Set<string>();
    for (const chunk of manifest.chunks.filter((c) => c.kind === 'users'))
      for (const u of await readChunk<BackedUpUser>(store, chunk))
        if (buckets.has(bucketOf(u.sub))) inSnapshot.add(u.sub);
    for (const bucket of buckets) {
      let nextToken: string | undefined;
      do {
        const page = await pool.listUsersPage({ filter: `sub ^= "${bucket}"`, nextToken });
        for (const u of page.users) {
          const sub = u.attributes.sub;
          if (!sub || bucketOf(sub) !== bucket) continue;
          if (inSnapshot.delete(sub)) continue;
          if (u.createdAt && u.createdAt.getTime() >= startedAt) newSince++;
          else missing++;
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    goneSince += inSnapshot.size;
  }
  if (missing)
    report.problems.push(
      `${missing} live user(s) created before the snapshot started are not in it (buckets ${differing.join(', ')})`,
    );

  const liveGroups = new Set((await pool.listGroups()).map((g) => g.name));
  report.live = {
    users: liveUsers,
    missing,
    newSince,
    goneSince,
    groups: liveGroups.size,
    groupsNewSince: [...liveGroups].filter((g) => !groupNames.has(g)).sort(),
    groupsGoneSince: [...groupNames].filter((g) => !liveGroups.has(g)).sort(),
  };
  return report;
}

/** The verification as people read it. */
export function formatVerify(r: VerifyReport): string {
  const lines = [`Backup of ${r.poolId}: ${r.problems.length ? `${r.problems.length} problem(s)` : 'sound'}`];
  if (r.snapshot)
    lines.push(
      `  latest snapshot ${r.snapshot.id} (started ${r.snapshot.startedAt}, ${formatDuration(r.snapshot.ageMs)} ago): ` +
        `${formatCount(r.snapshot.counts.users)} users, ${formatCount(r.snapshot.counts.groups)} groups, ` +
        `${r.snapshot.chunks} chunks, ${formatCount(r.snapshot.bytes)} bytes`,
    );
  if (r.live)
    lines.push(
      `  live pool: ${formatCount(r.live.users)} users; since the snapshot ${r.live.newSince} new, ${r.live.goneSince} gone, ` +
        `${r.live.missing} missing from it; groups ${r.live.groups} (${r.live.groupsNewSince.length} new, ${r.live.groupsGoneSince.length} gone)`,
    );
  lines.push(
    r.journal
      ? `  recovery point (newest journal record): ${r.journal.newestAt ?? r.journal.key}` +
          (r.journal.lagMs !== undefined ? ` (${formatDuration(r.journal.lagMs)} ago)` : '')
      : '  journal: empty (the worker writes no backup stream here; restores go back to the snapshot only)',
  );
  return lines.join('\n');
}
