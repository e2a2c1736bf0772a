/**
 * Deletion propagation: when the source user no longer exists, its replica is deleted.
 *
 * An explicit deletion is not subject to the reconciler's mass-orphan guard, so every step must
 * be certain:
 * 1. the replica is found through the replica index (source pool + `sub` -> standby username); a
 *    miss leaves the replica to the reconciler (`deferred`);
 * 2. the source user is confirmed gone by a definite answer: AdminGetUser with the `sub` as
 *    username answers `UserNotFoundException` (any other error is thrown: a failed read is never
 *    "gone") AND a ListUsers filter on `sub` finds nobody;
 * 3. the replica still carries that `sub` in its source-sub attribute (checked with ListUsers on
 *    its username: no read billed); otherwise the index entry was stale and nothing is deleted;
 * 4. AdminDeleteUser on the replica, then the index entry is removed.
 * @packageDocumentation
 */
import { InvalidParameterError } from '../cognito/errors';
import type { CognitoPool } from '../cognito/pool';
import { SourceUserStillExistsError } from './errors';
import type { ReplicaIndex } from './replica-index';
import type { ReplicationContext } from './replicate-user';

/** What propagating a deletion did. */
export interface DeletionOutcome {
  result: 'deleted' | 'already-gone' | 'deferred' | 'not-indexed';
  /** Why nothing was deleted (`deferred` / `not-indexed`). */
  reason?: 'no-sub' | 'no-index' | 'index-miss' | 'sub-mismatch';
  standbyUsername?: string;
  /** Write calls made on the standby (0 or 1). */
  writes: number;
}

export { SourceUserStillExistsError } from './errors';

/**
 * Whether the source pool definitely has no user with this `sub`. AdminGetUser accepts a `sub`
 * as username ("If username isn't an alias attribute in your user pool, this value must be the
 * sub of a local user", API reference); should Cognito ever reject it as a username
 * (InvalidParameterException), the ListUsers check alone decides. Any other failure is thrown.
 */
export async function sourceUserIsGone(source: CognitoPool, sub: string): Promise<boolean> {
  try {
    const found = await source.getUser(sub);
    if (found?.attributes.sub === sub) return false;
  } catch (err) {
    if (!(err instanceof InvalidParameterError)) throw err;
  }
  return (await source.findBySub(sub)) === undefined;
}

/**
 * Deletes the replica of a source user that no longer exists (see the module notes). `poolStated`
 * false (a self-service event, which names no pool) turns an index miss into `not-indexed`
 * rather than `deferred`: such a `sub` is most often a user of another pool of the account.
 */
export async function propagateDeletion(
  ctx: ReplicationContext,
  index: ReplicaIndex | undefined,
  ref: { sub?: string; poolStated?: boolean },
): Promise<DeletionOutcome> {
  const { sub } = ref;
  if (!sub) return { result: 'deferred', reason: 'no-sub', writes: 0 };
  if (!index) return { result: 'deferred', reason: 'no-index', writes: 0 };
  const standbyUsername = await index.lookup(sub);
  if (!standbyUsername)
    return { result: ref.poolStated === false ? 'not-indexed' : 'deferred', reason: 'index-miss', writes: 0 };
  if (!(await sourceUserIsGone(ctx.source, sub)))
    throw new SourceUserStillExistsError(`source user ${sub} exists; a stale read reported it missing`);
  const candidates = (await ctx.standby.findUsers({ attribute: 'username', value: standbyUsername })).filter(
    (u) => u.username.toLowerCase() === standbyUsername.toLowerCase(),
  );
  if (candidates.length === 0) {
    await index.forget(sub, standbyUsername);
    return { result: 'already-gone', standbyUsername, writes: 0 };
  }
  if (candidates[0].attributes[ctx.sourceSubAttribute] !== sub) {
    await index.forget(sub, standbyUsername);
    return { result: 'deferred', reason: 'sub-mismatch', standbyUsername, writes: 0 };
  }
  await ctx.standby.deleteUser(standbyUsername);
  await index.forget(sub, standbyUsername);
  return { result: 'deleted', standbyUsername, writes: 1 };
}
