import { forEachLimit } from '../../core/concurrency';
import type { UserRecord } from '../../core/types';
import { classifyUser, type ExcludedRow, type ManifestOptions, type ManifestRow } from '../manifest';
import { type Classified, readUnknownMfa } from '../read-mfa';
import { isInvalidPaginationToken } from '../scan';
import type { SessionContext } from './context';
import { addListingCounts, emptyListingCounts } from './counts';
import { JobStateError } from './errors';
import type { JobState, ListingCounts, ManifestPart } from './types';

/** The classification settings of a job (its options and the standby pool read at its first session). */
export function manifestOptionsOf(state: JobState): ManifestOptions {
  if (!state.pool) throw new JobStateError(`job ${state.jobId} has no pool configuration`);
  return {
    pool: state.pool,
    sourceSubAttribute: state.options.sourceSubAttribute,
    mfaMarkerAttribute: state.options.mfaMarkerAttribute,
    includeUnmarked: state.options.includeUnmarked,
    resendResetRequired: state.options.resendResetRequired,
  };
}

/**
 * The listing phase: every unfinished shard (`sub ^= "<prefix>"`) is listed from its cursor,
 * in parallel, a page at a time; each page's users are classified (replicas without an MFA
 * marker read in the standby first, bounded concurrency) and written as one manifest part of
 * the shard, then the shard's cursor and counts are saved (saves of several shards grouped in
 * one write). At most one page per shard is held: memory does not grow with the pool, and no
 * shard waits on another's storage writes. An expired pagination token starts the shard again
 * under a new generation, whose pages replace the earlier ones (never read again, uncounted).
 * Returns once every shard is done or the session must stop.
 */
export async function runListing(ctx: SessionContext): Promise<void> {
  const options = manifestOptionsOf(ctx.state);
  const open = ctx.state.shards.filter((s) => !s.done).map((s) => s.prefix);
  await forEachLimit(open, open.length, async (prefix) => {
    try {
      await listShard(ctx, prefix, options);
    } catch (err) {
      // The other shards stop at their next page rather than list on until they are done.
      ctx.stop.stop('interrupted');
      throw err;
    }
  });
  if (ctx.stop.reason) return;
  if (ctx.state.shards.every((s) => s.done)) {
    await ctx.commit((draft) => {
      draft.phase = draft.options.send ? 'sending' : 'done';
      if (draft.phase === 'done') draft.finishedAt = new Date(ctx.now()).toISOString();
    });
  }
}

async function listShard(ctx: SessionContext, prefix: string, options: ManifestOptions): Promise<void> {
  const shardOf = (state: JobState) => state.shards.find((s) => s.prefix === prefix)!;
  for (;;) {
    if (ctx.stop.check()) return;
    const cursor = shardOf(ctx.state);
    if (cursor.done) return;
    let page: { users: UserRecord[]; nextToken?: string };
    try {
      page = await ctx.deps.standby.listUsersPage({ filter: `sub ^= "${prefix}"`, nextToken: cursor.nextToken });
    } catch (err) {
      if (!isInvalidPaginationToken(err) || !cursor.nextToken) throw err;
      if (cursor.generation >= (ctx.options.maxShardRestarts ?? 5)) throw err;
      await ctx.commit((draft) => {
        const s = shardOf(draft);
        s.generation++;
        s.nextToken = undefined;
        s.pages = 0;
        s.segments = [];
        s.counts = emptyListingCounts();
      });
      continue;
    }
    const { part, counts } = await classifyPage(ctx, page.users, options, prefix, cursor.generation);
    // This shard's cursor moves only here, after its own save: what it holds is what the store holds.
    const ref = { shard: prefix, generation: cursor.generation, page: cursor.pages, session: ctx.state.sessions };
    ctx.assertWritable();
    await ctx.io(() => ctx.deps.manifests.putPart(ctx.state.jobId, ref, part));
    await ctx.commit((draft) => {
      const s = shardOf(draft);
      if (s.segments.at(-1)?.session !== ref.session) s.segments.push({ from: ref.page, session: ref.session });
      s.pages = ref.page + 1;
      s.nextToken = page.nextToken;
      s.done = !page.nextToken;
      addListingCounts(s.counts, counts);
    });
  }
}

/** Classifies one page (reading the MFA of replicas without a marker, unless the job says not to). */
async function classifyPage(
  ctx: SessionContext,
  users: UserRecord[],
  options: ManifestOptions,
  shard: string,
  generation: number,
): Promise<{ part: ManifestPart; counts: ListingCounts }> {
  let classified: Classified[] = users.map((u) => classifyUser(u, options));
  const counts = emptyListingCounts();
  if (ctx.state.options.readUnknownMfa !== false && classified.some((c) => c.excluded?.reason === 'mfa-unknown')) {
    // Not stopped by the session's signal: a page is finished whole (a few reads) before the session stops.
    const read = await readUnknownMfa(classified, {
      reader: ctx.deps.standby,
      manifest: options,
      concurrency: ctx.options.readConcurrency ?? 8,
    });
    classified = read.classified;
    counts.mfaRead = read.result.read;
    counts.mfaUnread = read.result.failed.length + read.result.notFound + read.result.notRead;
  }
  const rows: ManifestRow[] = [];
  const excluded: ExcludedRow[] = [];
  for (const c of classified) {
    if (c.row) rows.push(c.row);
    if (c.excluded) excluded.push(c.excluded);
  }
  counts.listed = users.length;
  counts.rows = rows.length;
  counts.toSend = rows.filter((r) => r.send).length;
  for (const e of excluded) counts.excluded[e.reason] = (counts.excluded[e.reason] ?? 0) + 1;
  return { part: { shard, generation, rows, excluded }, counts };
}
