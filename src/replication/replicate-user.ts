import { chooseReplica, identityAttributes, locatorOf } from '../core/identity';
import { classifyError } from '../core/errors';
import { presentValue } from '../core/message';
import { type ManagedAttributes, mfaMarker, parseMfaMarker, poolHasAttribute, REPLICABLE_MFA } from '../core/attributes';
import { type PlanContext, planReplication, type ReplicationPlan, writeCount } from '../core/plan';
import type { GroupInfo, UserRecord } from '../core/types';
import type { CognitoGateway } from '../cognito/gateway';
import { applyPlan } from './apply';

/** Everything replicating a user needs: both pools' gateways and the replication settings. */
export interface ReplicationContext extends ManagedAttributes {
  source: CognitoGateway;
  standby: CognitoGateway;
  groupRoleMap?: Record<string, string>;
  linkFederatedUsers?: boolean;
}

/** How a user is named in a request to replicate it: by username, by `sub`, or both. */
export interface SourceUserRef {
  username?: string;
  sub?: string;
}

/** What replicating one user did. */
export interface ReplicationOutcome {
  result: 'created' | 'updated' | 'in-sync' | 'skipped' | 'source-missing';
  sourceSub?: string;
  standbyUsername?: string;
  plan?: ReplicationPlan;
  /** Write calls made on the standby for this user. */
  writes: number;
}

/** Two or more standby users match a source user and none carries its `sub`: an operator must decide. */
export class AmbiguousReplicaError extends Error {
  override readonly name = 'AmbiguousReplicaError';
}

/**
 * Replicates one user, whoever asks (worker, reconciler, change capture): re-reads the user from
 * the source pool, finds its replica in the standby, plans the difference and applies it.
 * Idempotent: a replica that already matches costs no write. A create that races another writer
 * (`UsernameExistsException`) is planned again as an update.
 */
export async function replicateUser(ctx: ReplicationContext, ref: SourceUserRef): Promise<ReplicationOutcome> {
  const source = await readSourceUser(ctx.source, ref);
  if (!source) return { result: 'source-missing', sourceSub: ref.sub, writes: 0 };
  return replicateSourceUser(ctx, source);
}

/** Replicates a source user already read in full (attributes, `mfa` and `groups` as far as known). */
export async function replicateSourceUser(ctx: ReplicationContext, source: UserRecord, replicaHint?: UserRecord | null): Promise<ReplicationOutcome> {
  const planContext = await planContextOf(ctx);
  for (let attempt = 1; ; attempt++) {
    const replica = replicaHint !== undefined && attempt === 1 ? (replicaHint ?? undefined) : await findReplica(ctx, source, planContext);
    const plan = planReplication(source, replica, planContext);
    try {
      const standbyUsername = await applyPlan(plan, {
        standby: ctx.standby,
        sourceGroup: (name) => sourceGroup(ctx, name),
        groupRoleMap: ctx.groupRoleMap,
      });
      const result = plan.kind === 'create' ? 'created' : plan.kind === 'update' ? 'updated' : plan.kind === 'skip' ? 'skipped' : 'in-sync';
      return { result, sourceSub: source.attributes.sub, standbyUsername, plan, writes: writeCount(plan) };
    } catch (err) {
      // Another writer made the replica first. Only AdminCreateUser answers UsernameExistsException
      // (the gateway is shared by concurrent replications, so counting its calls cannot tell).
      if (plan.kind === 'create' && attempt === 1 && (err as Error)?.name === 'UsernameExistsException') continue;
      throw err;
    }
  }
}

/**
 * Reads a source user in full: attributes and MFA (AdminGetUser) and groups. A usable username
 * is tried first (a CloudTrail mask such as `HIDDEN_DUE_TO_SECURITY_REASONS`, or an empty value,
 * is none: see `presentValue`); when it finds nobody, or someone with another `sub` (a reused
 * name, an alias), the `sub` decides, so that a user is never reported missing while its `sub`
 * still exists.
 */
export async function readSourceUser(gateway: CognitoGateway, ref: SourceUserRef): Promise<UserRecord | undefined> {
  const username = presentValue(ref.username);
  let user: UserRecord | undefined;
  if (username) {
    user = await gateway.getUser(username).catch((err: unknown) => {
      // A name Cognito rejects (InvalidParameterException) says nothing about the sub.
      if (ref.sub && classifyError(err) === 'permanent') return undefined;
      throw err;
    });
    if (user && ref.sub && user.attributes.sub !== ref.sub) user = undefined;
  }
  if (!user && ref.sub) user = await getUserBySub(gateway, ref.sub);
  if (!user) return undefined;
  user.groups = await gateway.listGroupsForUser(user.username);
  return user;
}

/**
 * A user by `sub` (change-capture events name users by `sub` only). AdminGetUser accepts the
 * `sub` as username, a strongly consistent read; should it not (a rejected or unmatched call), the
 * eventually consistent ListUsers filter on `sub` finds the username.
 */
async function getUserBySub(gateway: CognitoGateway, sub: string): Promise<UserRecord | undefined> {
  const direct = await gateway.getUser(sub).catch((err: unknown) => {
    if (classifyError(err) === 'permanent') return undefined;
    throw err;
  });
  if (direct?.attributes.sub === sub) return direct;
  const listed = await gateway.findBySub(sub);
  if (!listed) return undefined;
  const user = await gateway.getUser(listed.username);
  return user?.attributes.sub === sub ? user : undefined;
}

/**
 * Finds the replica of a source user in the standby by its locator (ListUsers with a filter, not
 * billed), then reads its groups, and its MFA only when the standby has no MFA marker attribute.
 */
export async function findReplica(ctx: ReplicationContext, source: UserRecord, planContext?: PlanContext): Promise<UserRecord | undefined> {
  const pc = planContext ?? (await planContextOf(ctx));
  const locator = locatorOf(source, identityAttributes(pc.sourcePool, pc.standbyPool));
  if (!locator) return undefined;
  const candidates = await ctx.standby.findUsers(locator);
  const { replica, ambiguous } = chooseReplica(candidates, source.attributes.sub, ctx.sourceSubAttribute);
  if (ambiguous) {
    throw new AmbiguousReplicaError(
      `${candidates.length} standby users share the ${locator.attribute} of source user ${source.attributes.sub} and none carries its sub in ${ctx.sourceSubAttribute}; remove the wrong one`,
    );
  }
  if (!replica) return undefined;
  const hasMarker = poolHasAttribute(pc.standbyPool, ctx.mfaMarkerAttribute);
  // The marker is written after the MFA call, so a marker that does not show the source's MFA may
  // follow an MFA call that succeeded before the writer stopped: read the replica's MFA then
  // rather than send that call again (a write follows anyway, so the read bills no extra user).
  const marker = replica.attributes[ctx.mfaMarkerAttribute];
  const markerStale =
    hasMarker && !!source.mfa && marker !== mfaMarker(source.mfa) &&
    [...source.mfa.enabled, ...(parseMfaMarker(marker)?.enabled ?? [])].some((f) => REPLICABLE_MFA.includes(f));
  const detailed = source.mfa && (!hasMarker || markerStale) ? await ctx.standby.getUser(replica.username) : replica;
  if (!detailed) return undefined;
  detailed.groups = await ctx.standby.listGroupsForUser(detailed.username);
  return detailed;
}

/** The planner's context for this pair of pools. */
export async function planContextOf(ctx: ReplicationContext): Promise<PlanContext> {
  const [sourcePool, standbyPool] = await Promise.all([ctx.source.describePool(), ctx.standby.describePool()]);
  return {
    sourcePool,
    standbyPool,
    sourceSubAttribute: ctx.sourceSubAttribute,
    mfaMarkerAttribute: ctx.mfaMarkerAttribute,
    linkFederatedUsers: ctx.linkFederatedUsers,
  };
}

const sourceGroupCache = new WeakMap<CognitoGateway, Promise<Map<string, GroupInfo>>>();

function listSourceGroups(source: CognitoGateway): Promise<Map<string, GroupInfo>> {
  const groups = source.listGroups().then((list) => new Map(list.map((g) => [g.name, g])));
  sourceGroupCache.set(source, groups);
  groups.catch(() => {
    if (sourceGroupCache.get(source) === groups) sourceGroupCache.delete(source);
  });
  return groups;
}

/**
 * A source group's description, precedence and role (to create it in the standby). The source's
 * groups are listed once per gateway; a name missing from that listing (a group created since)
 * lists them again once, sharing a listing already under way.
 */
async function sourceGroup(ctx: ReplicationContext, name: string): Promise<GroupInfo | undefined> {
  const cached = sourceGroupCache.get(ctx.source);
  const groups = await (cached ?? listSourceGroups(ctx.source));
  const found = groups.get(name);
  if (found || !cached) return found;
  const current = sourceGroupCache.get(ctx.source);
  const fresh = current && current !== cached ? current : listSourceGroups(ctx.source);
  return (await fresh).get(name);
}
