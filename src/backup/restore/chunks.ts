/**
 * The chunk kinds of a snapshot, one small reader each: users (one {@link BackedUpUser} a line),
 * groups (a group's definition a line, or a group's members `{ group, members: subs }`), and the
 * pool's configuration (one JSON document).
 */
import type { GroupInfo } from '../../core/types';
import type { BackupStore } from '../store';
import type { BackedUpUser, SnapshotManifest } from '../types';
import { parseJsonDocument, parseJsonLines } from './json-lines';
import { readChunk } from './snapshots';

/**
 * A groups chunk line listing a group's members by source sub (one ListUsersInGroup page); the
 * first line of a group carries its `definition`.
 */
export interface GroupMembersLine {
  group: string;
  definition?: GroupInfo;
  members: string[];
}

/** The groups of a snapshot as its groups chunks are read: definitions by name, memberships counted. */
export interface SnapshotGroups {
  definitions: Map<string, GroupInfo>;
  /** Membership pairs read (0: the snapshot lists no members, a user's groups are its own line's). */
  memberships: number;
}

function isMembersLine(line: GroupInfo | GroupMembersLine): line is GroupMembersLine {
  return Array.isArray((line as GroupMembersLine).members);
}

/**
 * Reads every groups chunk (one in memory at a time): collects the definitions into `into` and
 * yields each membership as `[sub, group]`, so that the members of a pool of millions go to a sort
 * on disk rather than into memory.
 */
export async function* readMemberships(
  store: BackupStore,
  root: string,
  manifest: SnapshotManifest,
  into: SnapshotGroups,
): AsyncGenerator<[sub: string, group: string]> {
  const groups = into.definitions;
  for (const chunk of manifest.chunks.filter((c) => c.kind === 'groups')) {
    const bytes = await readChunk(store, root, manifest, chunk);
    for (const line of parseJsonLines<GroupInfo | GroupMembersLine>(bytes)) {
      if (isMembersLine(line)) {
        if (line.definition) groups.set(line.group, { ...line.definition, name: line.group });
        else if (!groups.has(line.group)) groups.set(line.group, { name: line.group });
        for (const sub of line.members) {
          into.memberships++;
          yield [sub, line.group];
        }
      } else groups.set(line.name, { ...groups.get(line.name), ...line });
    }
  }
}

/** The users of every users chunk, chunk after chunk (one chunk in memory at a time). */
export async function* readUsers(
  store: BackupStore,
  root: string,
  manifest: SnapshotManifest,
): AsyncGenerator<BackedUpUser> {
  for (const chunk of manifest.chunks.filter((c) => c.kind === 'users')) {
    yield* parseJsonLines<BackedUpUser>(await readChunk(store, root, manifest, chunk));
  }
}

/** The pool configuration document of the snapshot, or `undefined` when it has none. */
export async function readConfig(
  store: BackupStore,
  root: string,
  manifest: SnapshotManifest,
): Promise<Record<string, unknown> | undefined> {
  const chunk = manifest.chunks.find((c) => c.kind === 'config');
  if (!chunk) return undefined;
  return parseJsonDocument<Record<string, unknown>>(await readChunk(store, root, manifest, chunk));
}
