/**
 * The pool's users and groups at a point in time, from the latest complete snapshot started at or
 * before it and the journal around it. Streams: the snapshot's users pass one chunk at a time;
 * only the journal window (users changed from shortly before the snapshot to the restore point)
 * is held in memory, by `sub`.
 */
import type { GroupInfo, UserRecord } from '../../core/types';
import { readErasures } from '../erasure';
import type { BackedUpUser, JournalRecord } from '../types';
import { readGroups, readUsers } from './chunks';
import { findGaps, listJournal } from './journal';
import { parseJsonLines } from './json-lines';
import { findSnapshot } from './snapshots';
import type { StateAtOptions, StateSink, StateStats } from './types';
import { JournalWindow } from './window';

const MINUTE = 60_000;

/** A backed-up user as the port's {@link UserRecord}. */
export function toUserRecord(user: BackedUpUser): UserRecord {
  return {
    username: user.username,
    attributes: { ...user.attributes, sub: user.sub },
    enabled: user.enabled,
    status: user.status,
    groups: user.groups ? [...user.groups].sort() : undefined,
    mfa: user.mfa,
    createdAt: user.createdAt ? new Date(user.createdAt) : undefined,
  };
}

/**
 * Rebuilds the state at `options.at` and hands every user to `sink` (in no particular order),
 * then the groups. Users whose `sub` is in the erasure ledger are never handed on. Gaps in the
 * journal are returned in the stats, never skipped silently: the caller decides (the restore
 * refuses `--apply` past a gap without `--accept-gap`).
 *
 * @example
 * const users: UserRecord[] = [];
 * const stats = await stateAt(
 *   { store, root: poolRoot('backups', 'eu-west-1_abc'), at: new Date('2026-11-30T09:41:00Z') },
 *   { user: (u) => void users.push(u), groups: () => undefined },
 * );
 * if (stats.gaps.length) console.warn('the journal misses batches', stats.gaps);
 */
export async function stateAt(options: StateAtOptions, sink: StateSink): Promise<StateStats> {
  const { store, root, at } = options;
  const lookbackMs = options.lookbackMs ?? 15 * MINUTE;
  const slackMs = options.slackMs ?? 5 * MINUTE;
  const select = options.select ?? (() => true);
  const erased = await readErasures(store, root);
  const manifest = await findSnapshot(store, root, at);
  const window = new JournalWindow(at, slackMs);
  const objects = await listJournal(
    store,
    root,
    Date.parse(manifest.startedAt) - lookbackMs - slackMs,
    at.getTime() + 2 * slackMs,
  );
  const stats: StateStats = {
    snapshotId: manifest.snapshotId,
    snapshotStartedAt: manifest.startedAt,
    users: 0,
    fromJournal: 0,
    updatedByJournal: 0,
    newerThanRestorePoint: 0,
    deleted: 0,
    erased: 0,
    unselected: 0,
    journalObjects: objects.length,
    journalRecords: 0,
    gaps: findGaps(objects),
  };
  for (const object of objects) {
    const bytes = await store.get(object.key);
    if (!bytes) continue; // listed, then gone: only a lifecycle expiry does that
    for (const record of parseJsonLines<JournalRecord>(bytes)) {
      stats.journalRecords++;
      window.add(record);
    }
  }

  const { groups, membersOf } = await readGroups(store, root, manifest);
  const groupsByName = new Map<string, GroupInfo>(groups.map((g) => [g.name, g]));
  const emit = async (user: BackedUpUser): Promise<boolean> => {
    if (erased.has(user.sub)) {
      stats.erased++;
      return false;
    }
    if (!select(user.sub)) {
      stats.unselected++;
      return false;
    }
    for (const g of user.groups ?? []) if (!groupsByName.has(g)) groupsByName.set(g, { name: g });
    stats.users++;
    await sink.user(toUserRecord(user));
    return true;
  };

  for await (const listed of readUsers(store, root, manifest)) {
    const user = listed.groups || !membersOf.size ? listed : { ...listed, groups: membersOf.get(listed.sub) ?? [] };
    const r = window.resolve(user, manifest.startedAt);
    if (r.kind === 'deleted') stats.deleted++;
    if (!('user' in r)) continue;
    if (!(await emit(r.user))) continue;
    if (r.kind === 'journal') stats.updatedByJournal++;
    if (r.kind === 'newer') stats.newerThanRestorePoint++;
  }
  stats.deleted += window.deletedRemaining;
  for (const user of window.remaining(Date.parse(manifest.startedAt))) if (await emit(user)) stats.fromJournal++;
  stats.deleted += window.deletedUnrecorded;
  await sink.groups([...groupsByName.values()]);
  return stats;
}
