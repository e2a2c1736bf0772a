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
}

interface Entry {
  best?: Candidate;
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

export class JournalWindow {
  private readonly entries = new Map<string, Entry>();
  private readonly atMs: number;

  /**
   * @param at the restore point
   * @param slackMs a state read by a writer more than this after the restore point is not used
   *   even when Cognito's time of it is earlier (group changes leave that time as it was)
   */
  constructor(
    at: Date,
    private readonly slackMs: number,
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
        const candidate = { user: record.user, changedAt, readAt };
        const best = entry.best;
        if (!best || later(candidate, best)) entry.best = { ...candidate, user: completed(record.user, best?.user) };
        else best.user = completed(best.user, record.user);
      }
    }
    this.keep(sub, entry);
  }

  /**
   * A snapshot user's state at the restore point (the window forgets the `sub`). `startedAt`: the
   * snapshot's listing start, the state's time when the record has no modification date.
   */
  resolve(user: BackedUpUser, startedAt: string): Resolution {
    const entry = this.entries.get(user.sub);
    this.entries.delete(user.sub);
    if (entry?.deleted) return { kind: 'deleted' };
    const changedAt = Date.parse(user.lastModifiedAt ?? startedAt);
    const snapshot: Candidate = { user, changedAt, readAt: Date.parse(startedAt) };
    const inTime = changedAt <= this.atMs;
    if (entry?.best && (!inTime || later(entry.best, snapshot)))
      return { kind: 'journal', user: completed(entry.best.user, user) };
    if (inTime) return { kind: 'snapshot', user: completed(user, entry?.best?.user) };
    if (user.createdAt && Date.parse(user.createdAt) > this.atMs) return { kind: 'not-yet' };
    return { kind: 'newer', user };
  }

  /** The users known only from the journal that exist at the restore point (after every snapshot user was resolved). */
  *remaining(): Generator<BackedUpUser> {
    for (const entry of this.entries.values()) if (entry.best && !entry.deleted) yield entry.best.user;
  }

  /** Subs deleted at the restore point among those not resolved against the snapshot. */
  get deletedRemaining(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.deleted && entry.best) n++;
    return n;
  }

  private keep(sub: string, entry: Entry): void {
    if (entry.best || entry.deleted) this.entries.set(sub, entry);
  }
}
