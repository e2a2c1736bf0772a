/**
 * The journal window: per source `sub`, the latest state at the restore point that the journal
 * holds, and whether the user was deleted by then. Held in memory for the window only (the
 * snapshot's users stream past it): its size is the number of users changed between shortly
 * before the snapshot and the restore point, not the pool's.
 *
 * Order is Cognito's clock, never a writer's: a user state is placed by its `UserLastModifiedDate`
 * (the writer's `at` only when that is missing, and to break a tie), a deletion by its CloudTrail
 * `eventTime`. A deletion is final for its `sub`: Cognito never gives a `sub` to another user, so a
 * user deleted and made again under the same name is another user (another `sub`).
 */
import type { BackedUpUser, JournalRecord } from '../types';

/** Where a user's state at the restore point came from. */
export type Resolution =
  | { kind: 'snapshot' | 'journal' | 'newer'; user: BackedUpUser }
  | { kind: 'deleted' | 'not-yet' };

interface Candidate {
  user: BackedUpUser;
  /** Cognito's time of the state (ms). */
  changedAt: number;
  /** The writer's time (ms): a tie-break only. */
  readAt: number;
  /** From the journal (not the snapshot). */
  journal: boolean;
}

interface Entry {
  /** The latest state read at or before the restore point. */
  best?: Candidate;
  /** The latest state changed at or before the restore point but read after it (late in the journal). */
  late?: Candidate;
  deleted?: boolean;
}

function later(a: Candidate, b: Candidate): boolean {
  return a.changedAt > b.changedAt || (a.changedAt === b.changedAt && a.readAt >= b.readAt);
}

/** `groups` and `mfa` the newer state lacks, taken from the older one (a listing does not read them). */
function completed(newer: BackedUpUser, older: BackedUpUser | undefined): BackedUpUser {
  if (!older) return newer;
  return { ...newer, groups: newer.groups ?? older.groups, mfa: newer.mfa ?? older.mfa };
}

/** The later of two candidates, completed with the other. */
function latest(a: Candidate | undefined, b: Candidate | undefined): Candidate | undefined {
  if (!a || !b) return a ?? b;
  const [newer, older] = later(a, b) ? [a, b] : [b, a];
  return { ...newer, user: completed(newer.user, older.user) };
}

/**
 * A state read after the restore point is used only when Cognito changed the user after the
 * state read before it, and then without its groups (group changes leave Cognito's modification
 * time as it was, so its groups may be from after the restore point).
 */
function withLate(onTime: Candidate | undefined, late: Candidate | undefined): Candidate | undefined {
  if (!late) return onTime;
  if (!onTime) return late;
  if (late.changedAt <= onTime.changedAt) return onTime;
  return {
    ...late,
    user: { ...late.user, groups: onTime.user.groups ?? late.user.groups, mfa: late.user.mfa ?? onTime.user.mfa },
  };
}

/**
 * How long before a snapshot's listing began a user must have been read for its absence from the
 * listing to count as a deletion: a user read just before may be one the listing had not seen yet.
 */
export const LISTING_MARGIN_MS = 60_000;

export class JournalWindow {
  private readonly entries = new Map<string, Entry>();
  private unrecordedDeletions = 0;
  private readonly atMs: number;

  /**
   * @param at the restore point
   * @param slackMs how late a state may be read after the restore point and still be used (a
   *   change made before it reaches the journal late, and writers' clocks are off)
   * @param listingMarginMs see {@link LISTING_MARGIN_MS} (an emulator that lists at once needs less)
   */
  constructor(
    at: Date,
    private readonly slackMs: number,
    private readonly listingMarginMs = LISTING_MARGIN_MS,
  ) {
    this.atMs = at.getTime();
  }

  /** Users the window knows of. */
  get size(): number {
    return this.entries.size;
  }

  add(record: JournalRecord): void {
    const sub = record.kind === 'user' ? record.user.sub : record.sub;
    const entry = this.entries.get(sub) ?? {};
    if (record.kind === 'tombstone') {
      if (Date.parse(record.at) <= this.atMs) entry.deleted = true;
    } else {
      const readAt = Date.parse(record.at);
      const changedAt = Date.parse(record.user.lastModifiedAt ?? record.at);
      if (changedAt <= this.atMs && readAt <= this.atMs + this.slackMs) {
        const candidate: Candidate = { user: record.user, changedAt, readAt, journal: true };
        if (readAt <= this.atMs) entry.best = latest(candidate, entry.best);
        // Of the late states, the earliest read of the latest change: the least after the restore point.
        else if (
          !entry.late ||
          changedAt > entry.late.changedAt ||
          (changedAt === entry.late.changedAt && readAt < entry.late.readAt)
        )
          entry.late = candidate;
      }
    }
    if (entry.best || entry.late || entry.deleted) this.entries.set(sub, entry);
  }

  /**
   * A snapshot user's state at the restore point (the window forgets the `sub`). `startedAt`: the
   * snapshot's listing start, the state's time when the record has no modification date.
   */
  resolve(user: BackedUpUser, startedAt: string): Resolution {
    const entry = this.entries.get(user.sub);
    this.entries.delete(user.sub);
    if (entry?.deleted) return { kind: 'deleted' };
    const snapshot: Candidate = {
      user,
      changedAt: Date.parse(user.lastModifiedAt ?? startedAt),
      readAt: Date.parse(startedAt),
      journal: false,
    };
    const inTime = snapshot.changedAt <= this.atMs;
    const chosen = withLate(latest(entry?.best, inTime ? snapshot : undefined), entry?.late);
    if (chosen) return { kind: chosen.journal ? 'journal' : 'snapshot', user: completed(chosen.user, user) };
    if (user.createdAt && Date.parse(user.createdAt) > this.atMs) return { kind: 'not-yet' };
    return { kind: 'newer', user };
  }

  /**
   * The users known only from the journal that exist at the restore point (after every snapshot
   * user was resolved). A user the snapshot's listing did not find although the journal read it
   * before the listing began (`listedFrom`, less the listing margin) was deleted in between
   * without a tombstone (a deletion while change capture was off, or one the journal missed): it
   * is not brought back, and counted in {@link deletedUnrecorded}.
   */
  *remaining(listedFrom: number): Generator<BackedUpUser> {
    for (const entry of this.entries.values()) {
      const chosen = entry.deleted ? undefined : withLate(entry.best, entry.late);
      if (!chosen) continue;
      if (chosen.readAt < listedFrom - this.listingMarginMs) {
        this.unrecordedDeletions++;
        continue;
      }
      yield chosen.user;
    }
  }

  /** Users {@link remaining} left out: absent from the snapshot, read by the journal before it. */
  get deletedUnrecorded(): number {
    return this.unrecordedDeletions;
  }

  /** Users deleted at the restore point among those not resolved against the snapshot. */
  get deletedRemaining(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.deleted && (entry.best || entry.late)) n++;
    return n;
  }
}
