/**
 * The final check: reads both pools in full (listings, group memberships, and every user's MFA
 * with AdminGetUser) and compares each user the drill made with what it should be. A user is
 * lost when it is missing from either pool or its copies do not match (attributes, verified
 * flags, groups, enabled state, SMS MFA, a recoverable CONFIRMED replica carrying the home
 * `sub`). Deleted users must be gone from both pools.
 * @packageDocumentation
 */
import { DEFAULT_SOURCE_SUB_ATTRIBUTE, DEFAULT_MFA_MARKER_ATTRIBUTE } from '../../../src/core/constants';
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { forEachLimit } from '../../../src/core/concurrency';
import { mfaMarker } from '../../../src/core/attributes';
import { type Side, SIDES } from './names';
import type { DrillUser, Population } from './population';

const SOURCE_SUB = DEFAULT_SOURCE_SUB_ATTRIBUTE;
const MFA_MARKER = DEFAULT_MFA_MARKER_ATTRIBUTE;

/** One user as read from a pool. */
export interface PoolUser {
  username: string;
  sub: string;
  attributes: Record<string, string>;
  enabled: boolean;
  status: string;
  groups: string[];
  smsMfa: boolean;
  smsPreferred: boolean;
}

/** A pool read in full, users by lower-cased e-mail. */
export interface PoolContents {
  users: PoolUser[];
  byEmail: Map<string, PoolUser[]>;
}

async function pages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const r = await fetch(token);
    out.push(...r.items);
    token = r.next;
  } while (token);
  return out;
}

const attrsOf = (u: UserType) => Object.fromEntries((u.Attributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));

/** Reads a pool: every user, their groups and their MFA settings. */
export async function readPool(client: CognitoIdentityProviderClient, poolId: string): Promise<PoolContents> {
  const listed = await pages(async (PaginationToken) => {
    const r = await client.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60, PaginationToken }));
    return { items: r.Users ?? [], next: r.PaginationToken };
  });
  const groups = await pages(async (NextToken) => {
    const r = await client.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 60, NextToken }));
    return { items: (r.Groups ?? []).map((g) => g.GroupName ?? ''), next: r.NextToken };
  });
  const membership = new Map<string, string[]>();
  for (const group of groups) {
    const members = await pages(async (NextToken) => {
      const r = await client.send(
        new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: group, Limit: 60, NextToken }),
      );
      return { items: r.Users ?? [], next: r.NextToken };
    });
    for (const m of members) membership.set(m.Username ?? '', [...(membership.get(m.Username ?? '') ?? []), group]);
  }
  const users: PoolUser[] = [];
  await forEachLimit(listed, 8, async (u) => {
    const g = await client.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: u.Username }));
    const attributes = attrsOf(u);
    users.push({
      username: u.Username ?? '',
      sub: attributes.sub ?? '',
      attributes,
      enabled: u.Enabled !== false,
      status: u.UserStatus ?? '?',
      groups: (membership.get(u.Username ?? '') ?? []).sort(),
      smsMfa: (g.UserMFASettingList ?? []).includes('SMS_MFA'),
      smsPreferred: g.PreferredMfaSetting === 'SMS_MFA',
    });
  });
  const byEmail = new Map<string, PoolUser[]>();
  for (const u of users) {
    const key = (u.attributes.email ?? `(no e-mail) ${u.username}`).toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), u]);
  }
  return { users, byEmail };
}

/** A user that did not come through whole (described without personal data). */
export interface Problem {
  /** The user's number in the drill and its home `sub`. */
  n: number;
  sub?: string;
  what: string[];
}

export interface Verification {
  users: Record<Side, number>;
  /** Users that must exist in both pools. */
  expected: number;
  /** ... and do, matching. */
  intact: number;
  missing: Problem[];
  mismatched: Problem[];
  /** Deleted users still present somewhere. */
  resurrected: Problem[];
  /**
   * Users whose home copy (the pool they were made in) was changed by the suite in a way that is
   * not a loss: e.g. an invited user's FORCE_CHANGE_PASSWORD turned CONFIRMED. Reported, not counted as lost.
   */
  altered: Problem[];
  /** Users in a pool the drill never made. */
  unexpected: Record<Side, number>;
  /** missing + mismatched. */
  lost: number;
}

/** What the user's attributes should read as (managed and pool-owned ones aside, false flags as absent). */
function visible(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (
      k === 'sub' ||
      k === SOURCE_SUB ||
      k === MFA_MARKER ||
      k === 'identities' ||
      k === 'updated_at' ||
      k.startsWith('cognito:')
    )
      continue;
    if ((k === 'email_verified' || k === 'phone_number_verified') && v !== 'true') continue;
    out[k] = v;
  }
  return out;
}

function compareCopy(
  user: DrillUser,
  side: Side,
  copy: PoolUser,
  homeSub: string | undefined,
  altered: string[],
): string[] {
  const problems: string[] = [];
  const want = visible(user.attributes);
  const have = visible(copy.attributes);
  for (const k of new Set([...Object.keys(want), ...Object.keys(have)])) {
    if (want[k] !== have[k])
      problems.push(
        `${side}: ${k} ${have[k] === undefined ? 'missing' : want[k] === undefined ? 'unexpected' : 'differs'}`,
      );
  }
  const groups = [...user.groups].sort().join(',');
  if (copy.groups.join(',') !== groups)
    problems.push(`${side}: groups [${copy.groups.join(',')}] instead of [${groups}]`);
  if (copy.enabled !== user.enabled)
    problems.push(
      `${side}: ${copy.enabled ? 'enabled' : 'disabled'} instead of ${user.enabled ? 'enabled' : 'disabled'}`,
    );
  if (copy.smsMfa !== user.smsMfa || copy.smsPreferred !== user.smsMfa)
    problems.push(`${side}: SMS MFA ${copy.smsMfa ? 'on' : 'off'} instead of ${user.smsMfa ? 'on' : 'off'}`);
  if (side === user.home) {
    const status = user.origin === 'admin-created' ? 'FORCE_CHANGE_PASSWORD' : 'CONFIRMED';
    // A home copy that became CONFIRMED can still recover its password: changed, not lost.
    if (copy.status !== status)
      (copy.status === 'CONFIRMED' ? altered : problems).push(
        `${side} (home): status ${copy.status} instead of ${status}`,
      );
    if (homeSub && copy.sub !== homeSub) problems.push(`${side}: another user (sub ${copy.sub}) holds the address`);
    if (user.restoredFrom && copy.attributes[SOURCE_SUB] !== user.restoredFrom)
      problems.push(`${side} (home, restored): ${SOURCE_SUB} does not carry the original sub`);
  } else {
    if (copy.status !== 'CONFIRMED')
      problems.push(`${side} replica: status ${copy.status}, not CONFIRMED (cannot recover a password)`);
    if (homeSub && copy.attributes[SOURCE_SUB] !== homeSub)
      problems.push(`${side} replica: ${SOURCE_SUB} does not carry the home sub`);
    const marker = copy.attributes[MFA_MARKER];
    const expected = mfaMarker(user.smsMfa ? { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } : { enabled: [] });
    if (marker !== undefined && marker !== expected)
      problems.push(`${side} replica: MFA marker ${marker} instead of ${expected}`);
  }
  return problems;
}

/** Compares both pools with the population. */
export function verify(population: Population, pools: Record<Side, PoolContents>): Verification {
  const result: Verification = {
    users: { primary: pools.primary.users.length, standby: pools.standby.users.length },
    expected: 0,
    intact: 0,
    missing: [],
    mismatched: [],
    resurrected: [],
    altered: [],
    unexpected: { primary: 0, standby: 0 },
    lost: 0,
  };
  const known = new Set(population.users.map((u) => u.email.toLowerCase()));
  for (const side of SIDES)
    for (const email of pools[side].byEmail.keys())
      if (!known.has(email)) result.unexpected[side] += pools[side].byEmail.get(email)!.length;

  for (const user of population.users) {
    const homeSub = user.subs[user.home];
    const copies = {
      primary: pools.primary.byEmail.get(user.email) ?? [],
      standby: pools.standby.byEmail.get(user.email) ?? [],
    };
    if (user.deleted) {
      const where = SIDES.filter((s) => copies[s].length > 0);
      if (where.length)
        result.resurrected.push({ n: user.n, sub: homeSub, what: where.map((s) => `${s}: still present`) });
      continue;
    }
    result.expected++;
    const absent = SIDES.filter((s) => copies[s].length === 0);
    if (absent.length) {
      result.missing.push({ n: user.n, sub: homeSub, what: absent.map((s) => `${s}: missing`) });
      continue;
    }
    const what: string[] = [];
    const altered: string[] = [];
    for (const side of SIDES) {
      if (copies[side].length > 1) what.push(`${side}: ${copies[side].length} users share the address`);
      what.push(...compareCopy(user, side, copies[side][0], homeSub, altered));
    }
    if (altered.length) result.altered.push({ n: user.n, sub: homeSub, what: altered });
    if (what.length) result.mismatched.push({ n: user.n, sub: homeSub, what });
    else result.intact++;
  }
  result.lost = result.missing.length + result.mismatched.length;
  return result;
}
