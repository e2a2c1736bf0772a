/**
 * The snapshot's users, their group memberships and the journal window, each sorted by source
 * `sub` on local disk with the reconciler's external sort and merge-joined, so that rebuilding the
 * state holds one `sub` at a time in memory, whatever the pool's size (issue 12's bound, at 40
 * million users). Keyed lines (`merge-join.ts`): `sub TAB group` for a membership, `sub TAB user`
 * for a snapshot user, `sub TAB sequence TAB record` for a journal record, the sequence (its place
 * in the journal's order, zero-padded) keeping one sub's records in the order they were written.
 */
import { externalSort } from '../../reconcile/external-sort';
import { escapeKey, keyedLine, mergeJoin, payloadOf } from '../../reconcile/merge-join';
import { LineCursor, type SortedFileInfo, sortedFrames } from '../../reconcile/sorted-file';
import type { BackedUpUser, JournalRecord } from '../types';

/** Lines a sorted run holds in memory at most before it is written to disk. */
export const RUN_LINES = 100_000;
/** Lines handed to a cursor at a time. */
const FRAME_LINES = 256;
const SEQ_DIGITS = 12;

/** One source `sub` of the join: its snapshot users (with their groups) and its journal records in order. */
export interface SubGroup {
  sub: string;
  /** Usually one; none when the sub is known only from the journal. */
  users: BackedUpUser[];
  records: JournalRecord[];
}

/** Where and how the sorts run. */
export interface BySubOptions {
  /** A private working folder (mode 0700): the sorted files hold personal data. */
  dir: string;
  /** Lines per sorted run at most (tests make it small). Default {@link RUN_LINES}. */
  runLines?: number;
}

/** A membership as a keyed line. */
export function memberLine(sub: string, group: string): string {
  return keyedLine(escapeKey(sub), JSON.stringify(group));
}

/** A snapshot user as a keyed line. */
export function userLine(user: BackedUpUser): string {
  return keyedLine(escapeKey(user.sub), JSON.stringify(user));
}

/** A journal record as a keyed line; `seq`: its place in the journal's order. */
export function recordLine(record: JournalRecord, seq: number): string {
  const sub = record.kind === 'user' ? record.user.sub : record.sub;
  return keyedLine(escapeKey(sub), `${String(seq).padStart(SEQ_DIGITS, '0')}\t${JSON.stringify(record)}`);
}

/** Sorts keyed lines on disk (one run in memory at a time). */
export function sortLines(
  lines: () => AsyncIterable<string>,
  name: string,
  options: BySubOptions,
): Promise<SortedFileInfo> {
  // A fresh folder each rebuild: the input is read once, from its start.
  return externalSort(() => lines(), {
    dir: options.dir,
    name,
    tag: name,
    runLines: options.runLines ?? RUN_LINES,
    level: 1,
  });
}

async function* framesOf(lines: AsyncIterable<string>): AsyncGenerator<string[]> {
  let frame: string[] = [];
  for await (const line of lines) {
    frame.push(line);
    if (frame.length >= FRAME_LINES) {
      yield frame;
      frame = [];
    }
  }
  if (frame.length) yield frame;
}

/**
 * The users sorted by sub with their groups: `sub TAB groups TAB user`, groups a JSON array of the
 * sub's memberships, or `null` when the snapshot lists no memberships at all (then a user's groups
 * are what its own line says, or unknown).
 */
async function* withGroups(
  dir: string,
  users: SortedFileInfo,
  members: SortedFileInfo,
  hasMembers: boolean,
): AsyncGenerator<string> {
  const left = await LineCursor.open(sortedFrames(dir, users));
  const right = await LineCursor.open(sortedFrames(dir, members));
  try {
    for await (const group of mergeJoin(left, right)) {
      if (group.left.length === 0) continue; // members not listed as users
      const groups = hasMembers ? `[${group.right.map(payloadOf).join(',')}]` : 'null';
      for (const line of group.left) yield keyedLine(group.key, `${groups}\t${payloadOf(line)}`);
    }
  } finally {
    await left.close();
    await right.close();
  }
}

/** A user of the snapshot with its groups from the membership lines (its own when it has them). */
function userOf(payload: string): BackedUpUser {
  const tab = payload.indexOf('\t');
  const user = JSON.parse(payload.slice(tab + 1)) as BackedUpUser;
  const groups = JSON.parse(payload.slice(0, tab)) as string[] | null;
  return user.groups || !groups ? user : { ...user, groups };
}

/**
 * Every sub of the snapshot's users and of the journal, in sub order, with its users (groups
 * joined from `members`) and its records (in the journal's order). Reads each sorted file once.
 */
export async function* joinBySub(
  dir: string,
  sorted: { users: SortedFileInfo; members: SortedFileInfo; journal: SortedFileInfo },
  hasMembers: boolean,
): AsyncGenerator<SubGroup> {
  const left = await LineCursor.open(framesOf(withGroups(dir, sorted.users, sorted.members, hasMembers)));
  const right = await LineCursor.open(sortedFrames(dir, sorted.journal));
  try {
    for await (const group of mergeJoin(left, right)) {
      const users = group.left.map((line) => userOf(payloadOf(line)));
      // Sorted by whole line: the sequence orders one sub's records as the journal wrote them.
      const records = group.right.map((line) => {
        const payload = payloadOf(line);
        return JSON.parse(payload.slice(payload.indexOf('\t') + 1)) as JournalRecord;
      });
      const sub = users[0]?.sub ?? (records[0].kind === 'user' ? records[0].user.sub : records[0].sub);
      yield { sub, users, records };
    }
  } finally {
    await left.close();
    await right.close();
  }
}
