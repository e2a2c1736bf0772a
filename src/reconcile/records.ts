import { chooseReplica, type IdentityAttribute, locatorKey, locatorOf, type UserLocator } from '../core/identity';
import type { UserRecord } from '../core/types';
import type { FrameReader } from './spool';

/**
 * Compact forms of listed users. A listing of a million users must fit in well under a gigabyte,
 * so a user kept in memory is one flat JSON string (about 250 bytes), decoded when it is needed.
 */

/** A user as one spool line: `[username, enabled, status, [name, value, ...]]`. */
export function encodeUser(user: UserRecord): string {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(user.attributes)) flat.push(name, value);
  return JSON.stringify([user.username, user.enabled ? 1 : 0, user.status, flat]);
}

/** Reverses {@link encodeUser}. `groups` is left `undefined` (the caller attaches the listing's groups). */
export function decodeUser(line: string): UserRecord {
  const [username, enabled, status, flat] = JSON.parse(line) as [string, number, string, string[], number[]?];
  const attributes: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) attributes[flat[i]] = flat[i + 1];
  return { username, enabled: enabled === 1, status, attributes };
}

/**
 * Group membership from the group listings (ListUsersInGroup): username -> group indexes, kept
 * as a short string (`"0,3"`) per member. Users in no group cost nothing.
 */
export class Membership {
  private readonly byUser = new Map<string, string>();

  constructor(readonly groups: string[]) {}

  /** The index of a group name (added when new). */
  indexOf(group: string): number {
    const i = this.groups.indexOf(group);
    return i >= 0 ? i : this.groups.push(group) - 1;
  }

  add(username: string, groupIndex: number): void {
    const current = this.byUser.get(username);
    const tag = String(groupIndex);
    if (current === undefined) this.byUser.set(username, tag);
    else if (!current.split(',').includes(tag)) this.byUser.set(username, `${current},${tag}`);
  }

  /** The user's group names, sorted. */
  groupsOf(username: string): string[] {
    const tags = this.byUser.get(username);
    if (!tags) return [];
    return tags
      .split(',')
      .map((t) => this.groups[Number(t)])
      .filter((g): g is string => g !== undefined)
      .sort();
  }

  /** Forgets a user (its groups were moved into its compact record). */
  delete(username: string): void {
    this.byUser.delete(username);
  }

  get size(): number {
    return this.byUser.size;
  }
}

/**
 * What a source user claims in the target: its replica (by identity key, then the source `sub`
 * among several candidates), or `ambiguous` when several target users share the key and none
 * carries the source `sub`.
 */
export interface Claim {
  replica?: UserRecord;
  ambiguous: boolean;
  /** Target users under the key. */
  candidates: number;
}

/** Where a listed user is in the spool: file, frame offset, line in the frame. */
export interface SpoolPosition {
  file: number;
  offset: number;
  index: number;
}

/**
 * The target listing, indexed by the identity key that pairs users across pools (the username,
 * or `email=`/`phone_number=` and the value). The index holds only where each user is: a spool
 * position (or, for users added without one, the user's JSON line), a chain to other users under
 * the same key, and a matched flag, in typed arrays: about 90 bytes a user with its key, so a
 * million-user target fits in about 100 MB. The record itself is read back from the spool when
 * a source user claims it. Group membership stays in {@link Membership}.
 */
export class TargetIndex {
  private readonly keys = new Map<string, number>();
  private offsets = new Float64Array(1024);
  /** file << 8 | line index in frame; `-1`: held in memory (`lines`). */
  private loc = new Int32Array(1024);
  private next = new Int32Array(1024);
  private matched = new Uint8Array(1024);
  private readonly lines = new Map<number, string>();
  private readonly unkeyed: number[] = [];
  private count = 0;

  constructor(
    readonly identity: IdentityAttribute[],
    private readonly membership: Membership,
    private readonly reader?: FrameReader,
  ) {}

  /** Number of users indexed. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds a listed target user: by its spool position (the record is read back when needed), or
   * held in memory when no position is given (small listings, tests). Groups given on the user
   * are added to the membership.
   */
  add(user: UserRecord, position?: SpoolPosition): void {
    const id = this.count++;
    this.grow(id);
    if (user.groups) for (const g of user.groups) this.membership.add(user.username, this.membership.indexOf(g));
    if (position && this.reader) {
      this.offsets[id] = position.offset;
      this.loc[id] = (position.file << 8) | position.index;
    } else {
      this.loc[id] = -1;
      this.lines.set(id, encodeUser(user));
    }
    const locator = locatorOf(user, this.identity);
    this.next[id] = -1;
    if (!locator) {
      this.unkeyed.push(id);
      return;
    }
    const key = indexKey(locator);
    const first = this.keys.get(key);
    if (first === undefined) this.keys.set(key, id);
    else {
      let last = first;
      while (this.next[last] !== -1) last = this.next[last];
      this.next[last] = id;
    }
  }

  /**
   * The replica of `source` (by identity key, then the source `sub` among several candidates),
   * marked as matched. `ambiguous` when several target users share the key and none carries
   * the source `sub` (all of them are then marked: none is an orphan).
   */
  match(source: Pick<UserRecord, 'username' | 'attributes'>, sourceSubAttribute: string): Claim {
    const locator = locatorOf(source, this.identity);
    if (!locator) return { ambiguous: false, candidates: 0 };
    const first = this.keys.get(indexKey(locator));
    if (first === undefined) return { ambiguous: false, candidates: 0 };
    const ids: number[] = [];
    for (let id = first; id !== -1; id = this.next[id]) ids.push(id);
    const candidates = ids.map((id) => this.record(id));
    const { replica, ambiguous } = chooseReplica(candidates, source.attributes.sub, sourceSubAttribute);
    if (replica) this.matched[ids[candidates.indexOf(replica)]] = 1;
    else if (ambiguous) for (const id of ids) this.matched[id] = 1;
    return { replica, ambiguous, candidates: candidates.length };
  }

  /** Target users no source user claimed, in listing order (deterministic). */
  *unmatched(): Generator<UserRecord> {
    for (let id = 0; id < this.count; id++) if (!this.matched[id]) yield this.record(id);
  }

  /** Every target user. */
  *all(): Generator<UserRecord> {
    for (let id = 0; id < this.count; id++) yield this.record(id);
  }

  private record(id: number): UserRecord {
    const loc = this.loc[id];
    const line = loc === -1 ? this.lines.get(id)! : this.reader!.line(loc >> 8, this.offsets[id], loc & 0xff);
    const user = decodeUser(line);
    user.groups = this.membership.groupsOf(user.username);
    return user;
  }

  private grow(id: number): void {
    if (id < this.offsets.length) return;
    const size = this.offsets.length * 2;
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.offsets = copy(this.offsets, (n) => new Float64Array(n));
    this.loc = copy(this.loc, (n) => new Int32Array(n));
    this.next = copy(this.next, (n) => new Int32Array(n));
    this.matched = copy(this.matched, (n) => new Uint8Array(n));
  }
}

/**
 * The map key of a locator: the username itself for username keys (the string already exists),
 * otherwise `locatorKey` built flat with `join` (a template literal would keep a cons string and
 * its flattened copy alive: tens of megabytes per million users).
 */
function indexKey(locator: UserLocator): string {
  if (locator.attribute === 'username') return locator.value;
  const key = locatorKey(locator);
  const cut = key.indexOf('=') + 1;
  return [key.slice(0, cut), key.slice(cut)].join('');
}
