/**
 * Phase `orphans`: the target users no source user claims. Classifies them (orphan: made by the
 * suite from a source user now gone; `standby-only`: made in the target itself), and deletes
 * orphans under the deletion rules (`safety.ts`) when asked, each checked against the source
 * first. Touches the report's leftover counts and entries, the checkpoint's deleted list, the
 * target (AdminDeleteUser), the source (a ListUsers look-up per deletion) and the replica index.
 */
import { poolHasAttribute } from '../../core/attributes';
import { forEachLimit } from '../../core/concurrency';
import { describeError } from '../../core/errors';
import type { UserRecord } from '../../core/types';
import { failoverFate } from '../failover-estimate';
import { deleteConcurrency } from '../options';
import { classifyLeftover } from '../planner';
import { type DeletionDecision, deletionDecision } from '../safety';
import { RunStoppedError } from '../scan';
import type { Session } from '../session';
import type { Phase } from './types';

export const orphansPhase: Phase = {
  name: 'orphans',
  async run(session) {
    const { listings, report, state } = session;
    await listings.load();
    if (!listings.matched) {
      // Resumed at this phase: join the listings again to find the unclaimed target users (no calls).
      for await (const _ of listings.pairs({ unmatched: true, done: () => true }));
    }
    const decision = decideDeletion(session);
    const deleted = new Set(state.deleted ?? []);
    state.deleted = [...deleted];
    const candidates = await classifyLeftovers(session, decision, deleted);
    if (decision.allowed && candidates.length) await deleteOrphans(session, candidates, deleted);
    report.counts.deleted = deleted.size;
    // A failover sends to the target users left over as well (orphans not deleted; standby-only
    // users only where its rule takes them).
    for await (const user of listings.unmatched())
      if (!deleted.has(user.username)) report.failover(failoverFate(user, session.failoverOptions()), true);
    await session.replicaIndex.onIdle();
    state.phase = 'done';
    session.deletion = decision;
  },
};

/** Whether orphans may be deleted, from what the run found (also what the report states). */
export function decideDeletion(session: Session): DeletionDecision {
  const c = session.report.counts;
  const { options, planContext } = session;
  return deletionDecision({
    requested: options.deleteOrphans,
    apply: options.apply,
    sourceUsers: c.sourceUsers,
    targetUsers: c.standbyUsers,
    minSourceShare: options.minSourceShare,
    sourceSubAttributeInSchema: poolHasAttribute(session.targetPool, planContext.sourceSubAttribute),
    failed: c.failed,
  });
}

/** Counts and lists the leftovers (recounted each session); returns the orphans to delete now. */
async function classifyLeftovers(
  session: Session,
  decision: DeletionDecision,
  deleted: Set<string>,
): Promise<UserRecord[]> {
  const { report, planContext: ctx } = session;
  const { counts } = report;
  const limit = session.options.maxDeletes;
  const candidates: UserRecord[] = [];
  counts.orphans = 0;
  counts.standbyOnly = 0;
  counts.failoverLeftover = { send: 0, notSent: {} };
  delete report.state.entries.orphan;
  delete report.state.entries['standby-only'];
  delete report.state.omitted.orphan;
  delete report.state.omitted['standby-only'];
  for await (const user of session.listings.unmatched()) {
    if (classifyLeftover(user, ctx) === 'orphan') {
      counts.orphans++;
      report.entry('orphan', { sub: user.attributes[ctx.sourceSubAttribute], standbyUsername: user.username });
      if (decision.allowed && !deleted.has(user.username) && candidates.length + deleted.size < limit)
        candidates.push(user);
    } else {
      counts.standbyOnly++;
      report.entry('standby-only', { standbyUsername: user.username });
    }
  }
  return candidates;
}

/** Deletes the orphans (never one whose source user exists after all), recording each at once. */
async function deleteOrphans(session: Session, candidates: UserRecord[], deleted: Set<string>): Promise<void> {
  const { report, options, state } = session;
  const attribute = session.planContext.sourceSubAttribute;
  options.progress.phase('deleting orphans', candidates.length);
  let n = 0;
  await forEachLimit(candidates, deleteConcurrency(options, session.target), async (user) => {
    if (session.stopping) return;
    const sourceSub = user.attributes[attribute];
    try {
      // Last check against the source itself (not billed): never delete a replica whose source user exists.
      if (await session.source.findBySub(sourceSub)) {
        session.warn(`orphan ${user.username} kept: its source user ${sourceSub} exists after all (listed late)`);
        return;
      }
      await session.target.deleteUser(user.username);
      await session.replicaIndex.forget(sourceSub, user.username);
      deleted.add(user.username);
      state.deleted = [...deleted];
      report.counts.deleted = deleted.size;
      report.entry('deleted', { sub: sourceSub, standbyUsername: user.username });
    } catch (err) {
      if (err instanceof RunStoppedError || session.stopping) return;
      report.deleteFailed(sourceSub, `deleting orphan: ${describeError(err)}`, user.username);
    }
    options.progress.update(++n);
    await session.saveIfDue();
  });
  session.throwIfStopping();
}
