/**
 * The apply scheduler's job for one source user: its plan carried out with the shared replication
 * code (`replicateSourceUser`) through a per-user view of the target. Touches the target (the
 * user's writes, and a look-up where a previous run or an import job may have written it), the
 * replica index and the report's counts for that user.
 */
import { classifyError, describeError } from '../../core/errors';
import { chooseReplica, locatorOf } from '../../core/identity';
import type { ReplicationPlan } from '../../core/plan';
import type { UserRecord } from '../../core/types';
import type { CognitoPool } from '../../cognito/pool';
import { OPERATION_CATEGORY } from '../../cognito/quotas';
import { type ReplicationContext, replicateSourceUser } from '../../replication/replicate-user';
import type { Job } from '../apply-scheduler';
import { replicaAfter } from '../failover-estimate';
import type { ImportOutcome } from '../import-job';
import { planOperations } from '../planner';
import { bucketOf, type UserBucket } from '../report';
import { RunStoppedError } from '../scan';
import type { Session } from '../session';
import { userView } from '../views';
import type { Finish } from './plan-user';

/** One user's work for the scheduler. */
export interface UserWork {
  seq: number;
  source: UserRecord;
  plan: ReplicationPlan;
  replica: UserRecord | undefined;
  /** A previous run may have been writing this user: look its replica up again. */
  fresh: boolean;
  imported?: ImportOutcome;
}

/** The scheduler's category keys (`target:Category`) of a user's calls, in order. */
function categoryPath(work: UserWork): string[] {
  const lookup = work.fresh || work.imported === 'check';
  const operations = [
    ...(lookup ? ['ListUsers'] : []),
    ...(work.fresh ? ['AdminListGroupsForUser'] : []),
    ...planOperations(work.plan),
  ];
  const path: string[] = [];
  for (const op of operations) {
    const key = `target:${OPERATION_CATEGORY[op] ?? 'UserPoolRead'}`;
    if (path[path.length - 1] !== key) path.push(key);
  }
  return path;
}

/**
 * The scheduler job applying one user's plan. Retries are the gateway's alone (one policy for
 * reads and writes): a call that still fails fails the user.
 */
export function applyJob(session: Session, work: UserWork, finish: Finish): Job {
  return {
    seq: work.seq,
    path: categoryPath(work),
    run: async (at) => {
      // Its own call counts (`writeCalls` of this user only), and the scheduler told where it waits.
      const view = userView(session.target, 'target', at);
      const { bucket, after } = await applyUser(session, work, view);
      if (bucket) finish(bucket, after);
    },
  };
}

/** Carries out one user's plan; no bucket when the run stopped (left uncertain: re-read next run). */
async function applyUser(
  session: Session,
  work: UserWork,
  view: CognitoPool,
): Promise<{ bucket?: UserBucket; after?: UserRecord }> {
  const { report, planContext: ctx } = session;
  const { source, plan, replica, fresh } = work;
  const lookup = fresh || work.imported === 'check';
  const replication: ReplicationContext = { ...session.replication, standby: view };
  // `undefined`: look the replica up again (a previous run may have been writing it); `null`: known missing.
  let hint: UserRecord | null | undefined = fresh ? undefined : (replica ?? null);
  let imported = work.imported === 'trusted';
  try {
    if (work.imported === 'check' && !fresh) {
      hint = await importedReplicaIn(session, view, source);
      imported = !!hint;
    }
    let outcome: Awaited<ReturnType<typeof replicateSourceUser>>;
    try {
      outcome = await replicateSourceUser(replication, source, hint);
    } catch (err) {
      // A trusted import did not create this user after all: create it here.
      if (!(work.imported === 'trusted' && classifyError(err) === 'not-found')) throw err;
      hint = null;
      imported = false;
      outcome = await replicateSourceUser(replication, source, hint);
    }
    // A plan looked up again, or whose MFA call was refused for a pending reset, is reported as carried out.
    const found = lookup || outcome.mfaPending ? (outcome.plan ?? plan) : plan;
    if (outcome.standbyUsername && outcome.result !== 'skipped')
      await session.replicaIndex.remember(source.attributes.sub, outcome.standbyUsername);
    report.found(source, found, found.kind, ctx, replica);
    report.applied(outcome.result, view.writeCalls);
    if (fresh) report.counts.rechecked++;
    if (imported) report.counts.imported++;
    const bucket: UserBucket =
      outcome.result === 'skipped' ? bucketOf(outcome.plan, 'skip') : outcome.mfaPending ? 'mfaPending' : 'inSync';
    const base = hint === null ? undefined : (hint ?? replica);
    return { bucket, after: outcome.plan ? replicaAfter(base, outcome.plan) : base };
  } catch (err) {
    if (err instanceof RunStoppedError || session.stopping) return {};
    report.found(source, plan, plan.kind, ctx, replica);
    report.applied('skipped', view.writeCalls);
    report.failed(
      source.attributes.sub,
      describeError(err),
      classifyError(err) === 'permanent' ? plan.standbyUsername : undefined,
    );
    return { bucket: 'failed', after: replica };
  }
}

/**
 * The replica a started import job may have made for `source`, looked up in the target
 * (ListUsers with a filter, not billed): `null` when it is not there (the row failed or was
 * skipped: create it one by one); the listed user in no group when it arrived RESET_REQUIRED as
 * imported users do; `undefined` (the normal path looks it up in full) when someone else made it.
 */
async function importedReplicaIn(
  session: Session,
  target: CognitoPool,
  source: UserRecord,
): Promise<UserRecord | null | undefined> {
  const locator = locatorOf(source, session.listings.identity);
  if (!locator) return null;
  const { replica, ambiguous } = chooseReplica(
    await target.findUsers(locator),
    source.attributes.sub,
    session.planContext.sourceSubAttribute,
  );
  if (ambiguous) return undefined;
  if (!replica) return null;
  return replica.status === 'RESET_REQUIRED' ? { ...replica, groups: [] } : undefined;
}
