/**
 * One source user of the pass, planned: read in full (`--deep`), paired with the replica it
 * claimed in the merge join of the listings, planned with the shared core, and either finished at once (dry run, in sync,
 * ambiguous, vanished) or handed to the apply scheduler as a job. Reads the target only for the
 * MFA of a user no marker can record (`--deep`: {@link needsReplicaMfa}); writes nothing itself.
 */
import { describeError } from '../../core/errors';
import { locatorOf } from '../../core/identity';
import { needsReplicaMfa, planReplication } from '../../core/plan';
import type { UserRecord } from '../../core/types';
import type { ApplyScheduler } from '../apply-scheduler';
import type { SeqStatus } from '../seq-tracker';
import { importedReplica, type ImportOutcome, importOutcome, importRow } from '../import-job';
import { claimed, planSourceUser } from '../planner';
import type { Claim } from '../records';
import { bucketOf, type UserBucket } from '../report';
import { RunStoppedError } from '../scan';
import type { Session } from '../session';
import { applyJob } from './apply-job';
import { readFull } from './read-source';

/** Ends one source user of the pass: its bucket, and its replica as it stands now (for the failover estimate). */
export type Finish = (bucket: UserBucket, replica?: UserRecord) => void;

/** Plans one source user; finishes it at once or hands its writes to the scheduler. */
export async function planUser(
  session: Session,
  seq: number,
  listed: UserRecord,
  claim: Claim,
  status: SeqStatus,
  scheduler: ApplyScheduler,
  finish: Finish,
): Promise<void> {
  const { report, planContext: ctx, options } = session;
  const { identity } = session.listings;
  let source = listed;
  if (options.deep) {
    const full = await readFull(session, listed);
    if (!full) {
      // Gone (or replaced) since the listing: its replica is left to the orphan rules.
      report.counts.vanished++;
      report.counts.examined++;
      finish('vanished');
      return;
    }
    source = full;
  }
  const result = planSourceUser(source, claimed(claim), ctx);
  let plan = result.plan;
  let replica = result.replica;
  if (result.kind === 'ambiguous' || !plan) {
    const locator = locatorOf(source, identity);
    const at = locator ? `${locator.attribute}=${locator.value}` : undefined;
    report.found(source, undefined, 'ambiguous', ctx, undefined, at);
    finish('ambiguous');
    return;
  }
  if (options.deep && replica && needsReplicaMfa(source, replica, ctx)) {
    // Without a marker to read, the replica's MFA is only known by reading it (bills it).
    replica = { ...replica, mfa: (await session.target.getUser(replica.username))?.mfa };
    plan = planReplication(source, replica, ctx);
  }
  let imported: ImportOutcome | undefined;
  if (!replica && plan.kind === 'create') {
    const outcome = importOutcome(session.state.import, seq);
    const header = outcome ? await session.csvHeader() : [];
    if (outcome && importRow(header, plan, session.targetPool).row) {
      imported = outcome;
      if (outcome === 'trusted') {
        // Created by a job that reported every row imported: plan what the import could not carry.
        replica = importedReplica(header, plan);
        plan = planReplication(source, replica, ctx);
      }
    }
  }
  const fresh = status === 'uncertain';
  // `onlyMissing` (a restore of deleted users only): a user the target has is reported, never written.
  const leftAsIs = options.onlyMissing && !!replica;
  if (!options.apply || leftAsIs || (!fresh && !imported && (plan.kind === 'in-sync' || plan.kind === 'skip'))) {
    if (options.apply && plan.kind === 'in-sync' && replica)
      await session.replicaIndex.remember(source.attributes.sub, replica.username);
    report.found(source, plan, plan.kind, ctx, replica);
    finish(bucketOf(plan, plan.kind), replica);
    return;
  }
  await scheduler.submit(applyJob(session, { seq, source, plan, replica, fresh, imported }, finish));
}

/** A user that failed before it could be planned (a `--deep` read): examined and failed, nothing else. */
export function planFailed(
  session: Session,
  seq: number,
  user: UserRecord,
  claim: Claim,
  err: unknown,
  finish: Finish,
): void {
  if (err instanceof RunStoppedError || session.stopping) {
    session.pass?.release(seq);
    return;
  }
  session.report.found(user, undefined, 'skip', session.planContext);
  session.report.failed(user.attributes.sub, describeError(err));
  finish('failed', claim.replica);
}
