import { classifyError } from '../core/errors';
import { chooseReplica, identityAttributes, locatorOf } from '../core/identity';
import type { ManagedAttributes } from '../core/attributes';
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
    const before = ctx.standby.writeCalls;
    try {
      const standbyUsername = await applyPlan(plan, {
        standby: ctx.standby,
        sourceGroup: (name) => sourceGroup(ctx, name),
        groupRoleMap: ctx.groupRoleMap,
      });
      const result = plan.kind === 'create' ? 'created' : plan.kind === 'update' ? 'updated' : plan.kind === 'skip' ? 'skipped' : 'in-sync';
      return { result, sourceSub: source.attributes.sub, standbyUsername, plan, writes: writeCount(plan) };
    } catch (err) {
      if (plan.kind === 'create' && attempt === 1 && classifyError(err) === 'exists' && ctx.standby.writeCalls === before + 1) continue;
      throw err;
    }
  }
}

/** Reads a source user in full: attributes and MFA (AdminGetUser) and groups. */
export async function readSourceUser(gateway: CognitoGateway, ref: SourceUserRef): Promise<UserRecord | undefined> {
  let username = ref.username;
  if (!username && ref.sub) username = (await gateway.findBySub(ref.sub))?.username;
  if (!username) return undefined;
  const user = await gateway.getUser(username);
  if (!user) return undefined;
  if (ref.sub && user.attributes.sub !== ref.sub) return undefined; // the name now belongs to someone else
  user.groups = await gateway.listGroupsForUser(user.username);
  return user;
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
  const hasMarker = pc.standbyPool.schema.some((a) => a.name === ctx.mfaMarkerAttribute);
  const detailed = source.mfa && !hasMarker ? await ctx.standby.getUser(replica.username) : replica;
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

async function sourceGroup(ctx: ReplicationContext, name: string): Promise<GroupInfo | undefined> {
  let groups = sourceGroupCache.get(ctx.source);
  if (!groups) {
    groups = ctx.source.listGroups().then((list) => new Map(list.map((g) => [g.name, g])));
    groups.catch(() => sourceGroupCache.delete(ctx.source));
    sourceGroupCache.set(ctx.source, groups);
  }
  return (await groups).get(name);
}
