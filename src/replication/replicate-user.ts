import { chooseReplica, identityAttributes, locatorOf } from '../core/identity';
import { classifyError } from '../core/errors';
import { presentValue } from '../core/message';
import {
  type ManagedAttributes,
  mfaMarker,
  parseMfaMarker,
  poolHasAttribute,
  REPLICABLE_MFA,
} from '../core/attributes';
import { deferMfa, type PlanContext, planReplication, type ReplicationPlan, writeCount } from '../core/plan';
import type { GroupInfo, UserRecord } from '../core/types';
import { UsernameExistsError } from '../cognito/errors';
import type { GroupListing } from '../cognito/group-listings';
import type { CognitoPool } from '../cognito/pool';
import { applyPlan } from './apply';
import { AmbiguousReplicaError } from './errors';

/** Everything replicating a user needs: both pools (the {@link CognitoPool} port) and the replication settings. */
export interface ReplicationContext extends ManagedAttributes {
  source: CognitoPool;
  standby: CognitoPool;
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
  /** The plan as carried out (an MFA call refused for a pending password reset is moved to `mfaPending`). */
  plan?: ReplicationPlan;
  /** Write calls made on the standby for this user. */
  writes: number;
  /** The replica's MFA waits for its password reset (`RESET_REQUIRED`); the first run after the reset sets it. */
  mfaPending?: boolean;
  /** The source user as read for this replication (attributes, MFA, groups): what the backup journal records. */
  source?: UserRecord;
}

export { AmbiguousReplicaError } from './errors';

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
export async function replicateSourceUser(
  ctx: ReplicationContext,
  source: UserRecord,
  replicaHint?: UserRecord | null,
): Promise<ReplicationOutcome> {
  const listedBefore = ctx.source.groupListings.latest();
  const planContext = await planContextOf(ctx);
  // A listing this replication started itself is fresh: a group missing from it is not listed again.
  const listedNow = listedBefore ? undefined : ctx.source.groupListings.latest();
  for (let attempt = 1; ; attempt++) {
    const replica =
      replicaHint !== undefined && attempt === 1
        ? (replicaHint ?? undefined)
        : await findReplica(ctx, source, planContext);
    const plan = planReplication(source, replica, {
      ...planContext,
      sourceGroups: await sourceGroupNames(ctx, source, replica),
    });
    try {
      const applied = await applyPlan(plan, {
        standby: ctx.standby,
        sourceGroup: (name) => sourceGroup(ctx, name, listedNow),
        groupRoleMap: ctx.groupRoleMap,
      });
      const done = applied.mfaDeferred ? deferMfa(plan) : plan;
      const result =
        done.kind === 'create'
          ? 'created'
          : done.kind === 'update'
            ? 'updated'
            : done.kind === 'skip'
              ? 'skipped'
              : 'in-sync';
      return {
        result,
        sourceSub: source.attributes.sub,
        standbyUsername: applied.standbyUsername,
        plan: done,
        writes: writeCount(done),
        mfaPending: !!done.mfaPending,
        source,
      };
    } catch (err) {
      // Another writer made the replica first. Only AdminCreateUser answers UsernameExistsException
      // (the gateway is shared by concurrent replications, so counting its calls cannot tell).
      if (plan.kind === 'create' && attempt === 1 && err instanceof UsernameExistsError) continue;
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
export async function readSourceUser(gateway: CognitoPool, ref: SourceUserRef): Promise<UserRecord | undefined> {
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
async function getUserBySub(gateway: CognitoPool, sub: string): Promise<UserRecord | undefined> {
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
 * billed), then reads its groups, and its MFA (AdminGetUser) when the marker cannot tell it.
 */
export async function findReplica(
  ctx: ReplicationContext,
  source: UserRecord,
  planContext?: PlanContext,
): Promise<UserRecord | undefined> {
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
  const marker = replica.attributes[ctx.mfaMarkerAttribute];
  // No marker attribute, or a replica without a readable marker (made before the marker existed,
  // by another tool, by hand): its MFA is unknown, not none, so read it. The planner would
  // otherwise set every factor explicitly; the read is the cheaper way here (UserRead has the
  // larger quota, and the marker write that follows bills the user anyway) and finds most such
  // replicas already right.
  const markerMfa = poolHasAttribute(pc.standbyPool, ctx.mfaMarkerAttribute) ? parseMfaMarker(marker) : undefined;
  // The marker is written after the MFA call, so a marker that does not show the source's MFA may
  // follow an MFA call that succeeded before the writer stopped: read the replica's MFA then
  // rather than send that call again (a write follows anyway, so the read bills no extra user).
  const markerStale =
    !!markerMfa &&
    !!source.mfa &&
    marker !== mfaMarker(source.mfa) &&
    [...source.mfa.enabled, ...markerMfa.enabled].some((f) => REPLICABLE_MFA.includes(f));
  const detailed = source.mfa && (!markerMfa || markerStale) ? await ctx.standby.getUser(replica.username) : replica;
  if (!detailed) return undefined;
  detailed.groups = await ctx.standby.listGroupsForUser(detailed.username);
  return detailed;
}

/** The planner's context for this pair of pools, with the source's group names (listed once per gateway). */
export async function planContextOf(ctx: ReplicationContext): Promise<PlanContext> {
  const [sourcePool, standbyPool, groups] = await Promise.all([
    ctx.source.describePool(),
    ctx.standby.describePool(),
    sourceGroupListing(ctx.source),
  ]);
  return {
    sourcePool,
    standbyPool,
    sourceSubAttribute: ctx.sourceSubAttribute,
    mfaMarkerAttribute: ctx.mfaMarkerAttribute,
    linkFederatedUsers: ctx.linkFederatedUsers,
    sourceGroups: groups.names,
  };
}

/** A new listing of the source pool's groups, kept by the pool for every replication that shares it. */
function listSourceGroups(source: CognitoPool): Promise<GroupListing> {
  return source.groupListings.relist(() => source.listGroups());
}

function sourceGroupListing(source: CognitoPool): Promise<GroupListing> {
  return source.groupListings.latest() ?? listSourceGroups(source);
}

/** How old a listing may be before a replica group missing from it has the source's groups listed again. */
const GROUP_LISTING_REFRESH_MS = 60_000;

/**
 * The source pool's group names for planning this user's removals. A replica group that neither
 * the source user nor the cached listing has may be a group created in the source since the
 * listing (another worker instance may have added the replica to it): a listing older than a
 * minute is then refreshed, once for everyone waiting. Within the minute such a removal waits for
 * the next replication or the reconciler; it is never made for a group the source pool lacks.
 */
async function sourceGroupNames(
  ctx: ReplicationContext,
  source: UserRecord,
  replica: UserRecord | undefined,
): Promise<ReadonlySet<string>> {
  const cached = sourceGroupListing(ctx.source);
  const listing = await cached;
  const unknown = (replica?.groups ?? []).some((g) => !listing.names.has(g) && !source.groups?.includes(g));
  if (!unknown || Date.now() - listing.at < GROUP_LISTING_REFRESH_MS) return listing.names;
  const current = ctx.source.groupListings.latest();
  return (await (current && current !== cached ? current : listSourceGroups(ctx.source))).names;
}

/**
 * A source group's description, precedence and role (to create it in the standby). The source's
 * groups are listed once per gateway; a name missing from that listing (a group created since)
 * lists them again once, sharing a listing already under way, unless this replication made that
 * listing itself (`listedNow`: it is as fresh as a new one).
 */
async function sourceGroup(
  ctx: ReplicationContext,
  name: string,
  listedNow?: Promise<GroupListing>,
): Promise<GroupInfo | undefined> {
  const cached = ctx.source.groupListings.latest();
  const groups = await (cached ?? listSourceGroups(ctx.source));
  const found = groups.byName.get(name);
  if (found || !cached || cached === listedNow) return found;
  const current = ctx.source.groupListings.latest();
  const fresh = current && current !== cached ? current : listSourceGroups(ctx.source);
  return (await fresh).byName.get(name);
}
