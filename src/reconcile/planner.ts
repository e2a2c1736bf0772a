import { identityAttributes } from '../core/identity';
import { type PlanContext, planReplication, type ReplicationPlan } from '../core/plan';
import type { UserRecord } from '../core/types';
import { OPERATION_CATEGORY, type QuotaCategory } from '../cognito/quotas';
import { type Claim, Membership, TargetIndex } from './records';

/**
 * Pool-level planning: pairs every source user with its replica and plans the pair with the
 * shared core (`planReplication`); target users no source user claims are orphans or
 * `standby-only` users (the report's name, kept for its readers: "only in the target"). Pure: used as is by the tests and piece by piece by the streaming run.
 */

/** What the reconciler found for one source user. */
export interface SourceUserPlan {
  /** `ambiguous`: several target users share the identity key and none carries the source `sub`. */
  kind: ReplicationPlan['kind'] | 'ambiguous';
  plan?: ReplicationPlan;
  /** The replica as listed (with its listed groups), when one was found. */
  replica?: UserRecord;
  /** Target users sharing the identity key (for `ambiguous`). */
  candidates?: number;
}

/** Where a source user's replica is looked up: a {@link TargetIndex}, or a claim the merge join made. */
export interface ReplicaLookup {
  match(source: Pick<UserRecord, 'username' | 'attributes'>, sourceSubAttribute: string): Claim;
}

/** A lookup answering a claim already made (the run's merge join). */
export function claimed(claim: Claim): ReplicaLookup {
  return { match: () => claim };
}

/** Plans one source user against the target index (marking its replica as matched). */
export function planSourceUser(source: UserRecord, index: ReplicaLookup, ctx: PlanContext): SourceUserPlan {
  const match = index.match(source, ctx.sourceSubAttribute);
  if (match.ambiguous) return { kind: 'ambiguous', candidates: match.candidates };
  const plan = planReplication(source, match.replica, ctx);
  return { kind: plan.kind, plan, replica: match.replica };
}

/**
 * A target user that no source user claims:
 * - `orphan`: it carries the source-sub attribute, so the suite made it from a source user that
 *   is gone: deletable (under the deletion rules);
 * - `standby-only`: it does not, so it was made in the target itself (a sign-up during an
 *   outage, an admin): never deleted, reported for the reverse reconcile at failback.
 */
export type LeftoverKind = 'orphan' | 'standby-only';

export function classifyLeftover(user: UserRecord, ctx: Pick<PlanContext, 'sourceSubAttribute'>): LeftoverKind {
  return user.attributes[ctx.sourceSubAttribute] ? 'orphan' : 'standby-only';
}

/** The plan of a whole pool pair. */
export interface PoolPlan {
  users: { source: UserRecord; result: SourceUserPlan }[];
  orphans: UserRecord[];
  standbyOnly: UserRecord[];
}

/**
 * Plans a pair of listed pools held in memory (tests, small pools). Users must carry `groups`
 * (from the group listings) for memberships to be compared; `mfa` is compared only where set.
 */
export function planPools(source: Iterable<UserRecord>, target: Iterable<UserRecord>, ctx: PlanContext): PoolPlan {
  const index = new TargetIndex(identityAttributes(ctx.sourcePool, ctx.standbyPool), new Membership([]));
  for (const user of target) index.add(user);
  const users = [...source].map((s) => ({ source: s, result: planSourceUser(s, index, ctx) }));
  const orphans: UserRecord[] = [];
  const standbyOnly: UserRecord[] = [];
  for (const user of index.unmatched()) (classifyLeftover(user, ctx) === 'orphan' ? orphans : standbyOnly).push(user);
  return { users, orphans, standbyOnly };
}

/** Kinds of drift a plan repairs, for counting. */
export type DriftKind = 'missing' | 'attributes' | 'groups' | 'enabled' | 'password' | 'mfa' | 'link';

export function driftKinds(plan: ReplicationPlan): DriftKind[] {
  const kinds: DriftKind[] = [];
  if (plan.kind === 'create') return ['missing'];
  if (plan.kind !== 'update') return kinds;
  if (Object.keys(plan.updateAttributes).length || plan.deleteAttributes.length) kinds.push('attributes');
  if (plan.addGroups.length || plan.removeGroups.length) kinds.push('groups');
  if (plan.setEnabled !== undefined) kinds.push('enabled');
  if (plan.setPassword) kinds.push('password');
  if (plan.mfa || (plan.afterMfaAttributes && Object.keys(plan.afterMfaAttributes).length)) kinds.push('mfa');
  if (plan.link) kinds.push('link');
  return kinds;
}

/**
 * The write operations applying `plan` sends, in `applyPlan`'s order (group creation aside).
 * Used only for accounting and scheduling: the apply itself is `applyPlan`.
 */
export function planOperations(plan: ReplicationPlan): string[] {
  if (plan.kind !== 'create' && plan.kind !== 'update') return [];
  const ops: string[] = [];
  if (plan.kind === 'create') ops.push('AdminCreateUser');
  if (plan.setPassword) ops.push('AdminSetUserPassword');
  if (Object.keys(plan.updateAttributes).length) ops.push('AdminUpdateUserAttributes');
  if (plan.setEnabled !== undefined) ops.push(plan.setEnabled ? 'AdminEnableUser' : 'AdminDisableUser');
  for (const _ of plan.addGroups) ops.push('AdminAddUserToGroup');
  for (const _ of plan.removeGroups) ops.push('AdminRemoveUserFromGroup');
  if (plan.mfa) ops.push('AdminSetUserMFAPreference');
  if (plan.afterMfaAttributes && Object.keys(plan.afterMfaAttributes).length) ops.push('AdminUpdateUserAttributes');
  if (plan.deleteAttributes.length) ops.push('AdminDeleteUserAttributes');
  if (plan.link) ops.push('AdminLinkProviderForUser');
  return ops;
}

/** Calls per quota category of a list of operations. */
export function callsByCategory(operations: string[]): Partial<Record<QuotaCategory, number>> {
  const calls: Partial<Record<QuotaCategory, number>> = {};
  for (const op of operations) {
    const c = OPERATION_CATEGORY[op] ?? 'UserPoolRead';
    calls[c] = (calls[c] ?? 0) + 1;
  }
  return calls;
}
