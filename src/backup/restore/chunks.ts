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

/** The groups of a snapshot: definitions, and members by sub when the snapshot lists them per group. */
export interface SnapshotGroups {
  groups: GroupInfo[];
  /** sub -> group names (only when the snapshot has membership lines). */
  membersOf: Map<string, string[]>;
}

function isMembersLine(line: GroupInfo | GroupMembersLine): line is GroupMembersLine {
  return Array.isArray((line as GroupMembersLine).members);
}

/** Reads every groups chunk. */
export async function readGroups(
  store: BackupStore,
  root: string,
  manifest: SnapshotManifest,
): Promise<SnapshotGroups> {
  const groups = new Map<string, GroupInfo>();
  const membersOf = new Map<string, string[]>();
  for (const chunk of manifest.chunks.filter((c) => c.kind === 'groups')) {
    const bytes = await readChunk(store, root, manifest, chunk);
    for (const line of parseJsonLines<GroupInfo | GroupMembersLine>(bytes)) {
      if (isMembersLine(line)) {
        if (line.definition) groups.set(line.group, { ...line.definition, name: line.group });
        else if (!groups.has(line.group)) groups.set(line.group, { name: line.group });
        for (const sub of line.members) {
          const list = membersOf.get(sub) ?? [];
          list.push(line.group);
          membersOf.set(sub, list);
        }
      } else groups.set(line.name, { ...groups.get(line.name), ...line });
    }
  }
  return { groups: [...groups.values()], membersOf };
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
