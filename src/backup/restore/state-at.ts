/**
 * The pool's users and groups at a point in time, from the latest complete snapshot started at or
 * before it and the journal around it. In memory that does not grow with the pool: the snapshot's
 * users, its group memberships and the journal window are each sorted by `sub` on local disk
 * (`by-sub.ts`, the reconciler's external sort) and merge-joined, one `sub` at a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserRecord } from '../../core/types';
import { readErasures } from '../erasure';
import type { BackedUpUser, JournalRecord } from '../types';
import { joinBySub, memberLine, recordLine, sortLines, userLine } from './by-sub';
import { readMemberships, type SnapshotGroups, readUsers } from './chunks';
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
 * Rebuilds the state at `options.at` and hands every user to `sink` (in `sub` order), then the
 * groups. The sorted files go to a private folder made under `options.workDir` (default: the
 * system's temporary folder) and removed at the end. Users whose `sub` is in the erasure ledger are never handed on. Gaps in the
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
  const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'restore-state-'));
  try {
    const sortOptions = { dir, runLines: options.runLines };
    async function* journalLines(): AsyncGenerator<string> {
      for (const object of objects) {
        const bytes = await store.get(object.key);
        if (!bytes) continue; // listed, then gone: only a lifecycle expiry does that
        for (const record of parseJsonLines<JournalRecord>(bytes)) yield recordLine(record, stats.journalRecords++);
      }
    }
    const groups: SnapshotGroups = { definitions: new Map(), memberships: 0 };
    async function* membershipLines(): AsyncGenerator<string> {
      for await (const [sub, group] of readMemberships(store, root, manifest, groups)) yield memberLine(sub, group);
    }
    async function* snapshotUserLines(): AsyncGenerator<string> {
      for await (const user of readUsers(store, root, manifest)) yield userLine(user);
    }
    const sorted = {
      journal: await sortLines(journalLines, 'journal', sortOptions),
      members: await sortLines(membershipLines, 'members', sortOptions),
      users: await sortLines(snapshotUserLines, 'users', sortOptions),
    };

    const groupsByName = groups.definitions;
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

    const listedFrom = Date.parse(manifest.startedAt);
    const unchanged = new JournalWindow(at, slackMs, options.listingMarginMs);
    for await (const { users, records } of joinBySub(dir, sorted, groups.memberships > 0)) {
      // The window of this one sub: its records replayed in the journal's order, as for the whole window.
      let window = unchanged;
      if (records.length) {
        window = new JournalWindow(at, slackMs, options.listingMarginMs);
        for (const record of records) window.add(record);
      }
      for (const user of users) {
        const r = window.resolve(user, manifest.startedAt);
        if (r.kind === 'deleted') stats.deleted++;
        if (!('user' in r)) continue;
        if (!(await emit(r.user))) continue;
        if (r.kind === 'journal') stats.updatedByJournal++;
        if (r.kind === 'newer') stats.newerThanRestorePoint++;
      }
      if (window === unchanged) continue;
      stats.deleted += window.deletedRemaining;
      for (const user of window.remaining(listedFrom)) if (await emit(user)) stats.fromJournal++;
      stats.deleted += window.deletedUnrecorded;
    }
    await sink.groups([...groupsByName.values()]);
    return stats;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
