import type { PoolConfig, UserRecord } from './types';

/** The attribute a user is matched on across pools. `username` means the username itself. */
export type IdentityAttribute = 'username' | 'email' | 'phone_number';

/** How a source user is found in the standby: a searchable attribute and its value. */
export interface UserLocator {
  attribute: IdentityAttribute;
  value: string;
}

/**
 * Decides which attributes identify a user across two pools, in order of preference.
 *
 * Pools with e-mail or phone as username give each user a per-pool UUID username, so users are
 * matched on those attributes; pools with plain usernames (with or without aliases) keep the
 * username that is given, so the username itself matches.
 */
export function identityAttributes(sourcePool: PoolConfig, standbyPool: PoolConfig): IdentityAttribute[] {
  const byAttribute = new Set([...sourcePool.usernameAttributes, ...standbyPool.usernameAttributes]);
  if (byAttribute.size === 0) return ['username'];
  const order: IdentityAttribute[] = [];
  if (byAttribute.has('email')) order.push('email');
  if (byAttribute.has('phone_number')) order.push('phone_number');
  return order;
}

/** The locator of `user` under the given identity attributes, or `undefined` when the user has none of them. */
export function locatorOf(
  user: Pick<UserRecord, 'username' | 'attributes'>,
  attributes: IdentityAttribute[],
): UserLocator | undefined {
  for (const attribute of attributes) {
    const value = attribute === 'username' ? user.username : user.attributes[attribute];
    if (value) return { attribute, value };
  }
  return undefined;
}

/** A stable string form of a locator, for maps and checkpoints. */
export function locatorKey(locator: UserLocator): string {
  return `${locator.attribute}=${locator.attribute === 'username' ? locator.value : locator.value.toLowerCase()}`;
}

/**
 * The username to give a new replica: in a pool with e-mail or phone as username, Cognito wants
 * that attribute's value (and generates the UUID itself); elsewhere the source username is kept.
 */
export function standbyUsernameFor(
  source: Pick<UserRecord, 'username' | 'attributes'>,
  standbyPool: PoolConfig,
): string {
  for (const attribute of standbyPool.usernameAttributes) {
    const value = source.attributes[attribute];
    if (value) return value;
  }
  return source.username;
}

/**
 * Picks the replica of `source` among the standby users that share its locator. The locator is
 * unique in the standby (a username, or the attribute used as username), so there is normally
 * one candidate, taken whatever source `sub` it carries (a user deleted and signed up again gets
 * a new `sub`; the plan then rewrites it). Several candidates (an e-mail that is not unique in a
 * plain-username pool) resolve only through the source `sub`; otherwise the answer is ambiguous.
 */
export function chooseReplica<T extends Pick<UserRecord, 'attributes'>>(
  candidates: T[],
  sourceSub: string | undefined,
  sourceSubAttribute: string,
): { replica?: T; ambiguous: boolean } {
  if (candidates.length <= 1) return { replica: candidates[0], ambiguous: false };
  const exact = sourceSub ? candidates.find((c) => c.attributes[sourceSubAttribute] === sourceSub) : undefined;
  return exact ? { replica: exact, ambiguous: false } : { ambiguous: true };
}
