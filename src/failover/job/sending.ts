import { forEachLimit } from '../../core/concurrency';
import type { RowOutcome } from '../journal-port';
import type { JobRowSender, SessionContext } from './context';
import { addSendCounts, countOutcome, emptySendCounts } from './counts';
import { JobStateError } from './errors';
import type { JobState, PartRef, SendCursor } from './types';

/** Why a failed row failed, short enough to group by: the journal's reason, else the error's name. */
export function failureReason(entry: { reason?: string; error?: string } | undefined): string {
  if (entry?.reason) return entry.reason;
  const name = entry?.error?.split(':')[0]?.trim();
  return name ? name.slice(0, 60) : 'unknown';
}

/** Where page `page` of shard `shard` (its current generation) is: the session of the last segment starting at or before it. */
export function partRef(state: JobState, shard: number, page: number): PartRef {
  const s = state.shards[shard];
  let session: number | undefined;
  for (const seg of s.segments) if (seg.from <= page) session = seg.session;
  if (session === undefined)
    throw new JobStateError(`job ${state.jobId}: no session wrote page ${page} of shard ${s.prefix}`);
  return { shard: s.prefix, generation: s.generation, page, session };
}

/** The cursor past page `page` of shard `shard`: the next page, or the next shard's first. */
function after(state: JobState, shard: number, page: number): SendCursor {
  return page + 1 < state.shards[shard].pages
    ? { shard, page: page + 1, row: 0 }
    : { shard: shard + 1, page: 0, row: 0 };
}

/**
 * The send phase: the manifest's parts in order (shard by shard, page by page), each row through
 * the session's row sender (bounded concurrency; the gateway's limiter sets the pace), the cursor
 * and the counts saved after each part, or after the rows settled when the session stops within
 * one. The cursor moves past a contiguous run of settled rows only, so a row is never skipped; a
 * row replayed after a crash is harmless (the journal's claim answers `already-sent`). Returns
 * when every part is sent or the session must stop.
 */
export async function runSending(ctx: SessionContext): Promise<void> {
  const createSender = ctx.deps.createSender;
  if (!createSender) throw new JobStateError('this job sends, but no row sender was given (a dry-run-only wiring)');
  const sender = createSender(ctx.stop.signal);
  try {
    await sendParts(ctx, sender);
  } catch (err) {
    await ctx.deps.journal?.close?.().catch(() => undefined);
    throw err;
  }
  // Outcomes a brief outage of the journal kept back are written now (or the session fails, saying so).
  await ctx.deps.journal?.close?.();
}

async function sendParts(ctx: SessionContext, sender: JobRowSender): Promise<void> {
  const concurrency = ctx.options.sendConcurrency ?? 8;
  while (ctx.state.send.shard < ctx.state.shards.length) {
    if (ctx.stop.check()) return;
    const { shard, page, row: from } = ctx.state.send;
    if (ctx.state.shards[shard].pages === 0) {
      await ctx.commit((draft) => {
        draft.send = { shard: shard + 1, page: 0, row: 0 };
      });
      continue;
    }
    const ref = partRef(ctx.state, shard, page);
    const part = await ctx.io(() => ctx.deps.manifests.getPart(ctx.state.jobId, ref));
    if (!part) throw new JobStateError(`manifest part ${JSON.stringify(ref)} of job ${ctx.state.jobId} is missing`);
    const rows = part.rows.slice(from);
    // One batched read of the part's entries instead of one read per row (best effort).
    await ctx.deps.journal?.prefetch?.(rows.map((row) => row.sub)).catch(() => undefined);
    const outcomes: (RowOutcome | undefined)[] = new Array(rows.length);
    const started = ctx.now();
    await forEachLimit(
      rows.keys(),
      concurrency,
      async (i) => {
        if (ctx.stop.check() || sender.stopping) return;
        outcomes[i] = await sender.send(rows[i]);
      },
      { signal: ctx.stop.signal },
    );
    const delta = emptySendCounts();
    let settled = 0;
    while (settled < rows.length && outcomes[settled] !== undefined && outcomes[settled] !== 'stopped') {
      const outcome = outcomes[settled]!;
      const reason =
        outcome === 'failed'
          ? failureReason(await ctx.io(async () => ctx.deps.journal?.entry(rows[settled].sub)))
          : undefined;
      countOutcome(delta, outcome, reason);
      settled++;
    }
    const elapsed = ctx.now() - started;
    await ctx.commit((draft) => {
      addSendCounts(draft.sendCounts, delta);
      draft.sendElapsedMs += elapsed;
      draft.send = settled === rows.length ? after(draft, shard, page) : { shard, page, row: from + settled };
    });
    if (settled < rows.length) {
      const gaveUp = sender.result?.stoppedBecause;
      if (gaveUp && !ctx.stop.reason) {
        // Too many failures in a row: a cause to fix, not a user's. Paused for the operator.
        await ctx.io(() => ctx.deps.store.setDesired(ctx.state.poolId, 'paused'));
        await ctx.commit((draft) => {
          draft.error = gaveUp;
        });
        ctx.stop.stop('paused');
      }
      return;
    }
  }
  await ctx.commit((draft) => {
    draft.phase = 'done';
    draft.finishedAt = new Date(ctx.now()).toISOString();
  });
}
