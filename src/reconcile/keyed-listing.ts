import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type IdentityAttribute, locatorKey, locatorOf } from '../core/identity';
import type { UserRecord } from '../core/types';
import { externalSort, sortedOutput, writeSortedOutput } from './external-sort';
import { escapeKey, keyedLine, mergeJoin, payloadOf } from './merge-join';
import { decodeUser, encodeUser } from './records';
import { membersFile, type SideScanState, shardFile } from './scan';
import { LineCursor, removeSortedFile, type SortedFileInfo, sortedFrames } from './sorted-file';
import type { RunSide } from './types';

/**
 * One side's listing sorted by the identity key that pairs users across pools, each user with
 * its groups: what the pass merge-joins, in place of an index in memory. Built from the listing
 * spool once the side is completely listed:
 *
 * 1. the group members (`<side>-group-N.gz`) sorted by username;
 * 2. the users (`<side>-users-<shard>.gz`) sorted by username;
 * 3. both merge-joined: each user gets its groups; keyed by its identity key (the username, or
 *    `email=`/`phone_number=` and the value) and, when that is not the username, sorted again.
 *
 * Each step is an {@link externalSort} (resumable run by run) whose output stays in the spool
 * directory (and so goes to S3 with it); the intermediate files are removed once the keyed
 * listing is complete.
 */

/** What building one side's keyed listing needs. */
export interface KeyedListingOptions {
  dir: string;
  side: RunSide;
  scan: SideScanState;
  identity: IdentityAttribute[];
  /** Identifies the listing (run id and listing lengths): files of another listing are rebuilt. */
  tag: string;
  /** Throws to stop between sort runs. */
  checkpoint?: () => void;
  /** Lines per sorted run at most (tests make it small). */
  runLines?: number;
}

const byKeyName = (side: RunSide) => `${side}-by-key`;

/** The keyed listing of one side, built (or resumed) as needed. */
export async function keyedListing(options: KeyedListingOptions): Promise<SortedFileInfo> {
  const { dir, side, scan, tag } = options;
  const done = await sortedOutput(dir, byKeyName(side), tag);
  if (done) return done;
  const sortOptions = { dir, tag, checkpoint: options.checkpoint, runLines: options.runLines };
  const groups = (scan.groups ?? []).map((g) => g.name);
  // The intermediate files are removed once the keyed listing is written: gzip level 1.
  const members = await externalSort((skip) => skipLines(memberLines(dir, side, groups.length), skip), {
    ...sortOptions,
    name: `${side}-members`,
    level: 1,
  });
  const shards = Object.keys(scan.shards).sort();
  const users = await externalSort((skip) => skipLines(userLines(dir, side, shards), skip), {
    ...sortOptions,
    name: `${side}-by-username`,
    level: 1,
  });
  const joined = (skip: number) => skipLines(withGroups(dir, users, members, groups, options.identity), skip);
  // Keyed by username, the join's output is already in order.
  const byUsername = options.identity.length === 1 && options.identity[0] === 'username';
  const output = await (byUsername ? writeSortedOutput : externalSort)(joined, {
    ...sortOptions,
    name: byKeyName(side),
  });
  await removeSortedFile(dir, members);
  await removeSortedFile(dir, users);
  return output;
}

/** Removes every sort file of the spool directory (the listing was started over). */
export async function removeKeyedListings(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names)
    if (/^(source|target)-(members|by-username|by-key)[.]/.test(name)) await rm(join(dir, name), { force: true });
}

/** The identity key of a user as a keyed line's key (`''`: it has none). */
export function identityKeyOf(
  user: Pick<UserRecord, 'username' | 'attributes'>,
  identity: IdentityAttribute[],
): string {
  const locator = locatorOf(user, identity);
  if (!locator) return '';
  return escapeKey(locator.attribute === 'username' ? locator.value : locatorKey(locator));
}

/** A user line with its groups (`encodeUser` plus the sorted group names). */
export function encodeUserWithGroups(user: UserRecord): string {
  const line = encodeUser(user);
  return `${line.slice(0, -1)},${JSON.stringify(user.groups ?? [])}]`;
}

/** Reverses {@link encodeUserWithGroups}. */
export function decodeUserWithGroups(payload: string): UserRecord {
  const user = decodeUser(payload);
  const groups = (JSON.parse(payload) as unknown[])[4];
  user.groups = Array.isArray(groups) ? (groups as string[]) : [];
  return user;
}

/** The frames of a keyed listing as a cursor. */
export function openKeyed(dir: string, info: SortedFileInfo): Promise<LineCursor> {
  return LineCursor.open(sortedFrames(dir, info));
}

/** The username of a user line (the first JSON string of it), read without parsing the line when it has no escapes. */
function usernameOf(line: string): string {
  const end = line.indexOf('",', 2);
  const raw = line.slice(2, end);
  return end > 0 && !raw.includes('\\') ? raw : (JSON.parse(line) as [string])[0];
}

async function* skipLines(lines: AsyncIterable<string>, skip: number): AsyncGenerator<string> {
  let n = 0;
  for await (const line of lines) if (n++ >= skip) yield line;
}

/** `username TAB group index` for every member of every group. */
async function* memberLines(dir: string, side: RunSide, groups: number): AsyncGenerator<string> {
  for (let g = 0; g < groups; g++)
    for await (const line of membersFile(dir, side, g).lines())
      yield keyedLine(escapeKey(JSON.parse(line) as string), String(g));
}

/** `username TAB user line` for every listed user, shard by shard. */
async function* userLines(dir: string, side: RunSide, shards: string[]): AsyncGenerator<string> {
  for (const shard of shards)
    for await (const line of shardFile(dir, side, shard).lines()) yield keyedLine(escapeKey(usernameOf(line)), line);
}

/** The users (sorted by username) joined with their groups, keyed by identity key. */
async function* withGroups(
  dir: string,
  users: SortedFileInfo,
  members: SortedFileInfo,
  groups: string[],
  identity: IdentityAttribute[],
): AsyncGenerator<string> {
  const byUsername = identity.length === 1 && identity[0] === 'username';
  const left = await openKeyed(dir, users);
  const right = await openKeyed(dir, members);
  try {
    for await (const group of mergeJoin(left, right)) {
      if (group.left.length === 0) continue; // members no longer listed as users
      const names = [...new Set(group.right.map((l) => groups[Number(payloadOf(l))]))]
        .filter((g): g is string => g !== undefined)
        .sort();
      const groupsJson = JSON.stringify(names);
      for (const line of group.left) {
        const payload = payloadOf(line);
        // The user line with its groups as a fifth element (as encodeUserWithGroups writes it).
        const withGroupsLine = [payload.slice(0, -1), ',', groupsJson, ']'].join('');
        const key = byUsername ? group.key : identityKeyOf(decodeUser(payload), identity);
        yield keyedLine(key, withGroupsLine);
      }
    }
  } finally {
    await left.close();
    await right.close();
  }
}
