import type { GroupInfo, UserRecord } from '../../core/types';
import type { BackupStore } from '../store';

/** One journal object, from its name. */
export interface JournalObject {
  key: string;
  /** The writer's clock when it wrote the batch (ms). */
  writtenAt: number;
  writerId: string;
  seq: number;
}

/** Batches missing in one writer's sequence (inclusive). */
export interface JournalGap {
  writerId: string;
  fromSeq: number;
  toSeq: number;
}

/** What {@link stateAt} needs. */
export interface StateAtOptions {
  store: BackupStore;
  /** The pool's folder in the bucket (`poolRoot(prefix, poolId)`). */
  root: string;
  /** The restore point. */
  at: Date;
  /**
   * Journal records written this long before the snapshot's listing started are replayed too:
   * a change made while the listing ran may have reached the journal before or after the page
   * that held the user was read. Default 15 minutes.
   */
  lookbackMs?: number;
  /**
   * How far the writers' clocks may be off, and how late a change may reach the journal after it
   * was made (change capture: under a minute). Records written up to this long after the restore
   * point are read, and kept when Cognito's own time of the change is at or before it. Default 5 minutes.
   */
  slackMs?: number;
  /** Only these users are kept (`--sub`); default all. */
  select?: (sub: string) => boolean;
  /**
   * How long before the snapshot's listing began the journal must have read a user the listing did
   * not find for it to count as deleted without a tombstone (a user read later may be one the
   * listing did not show yet). Default `LISTING_MARGIN_MS`, one minute; an emulator that lists at
   * once (the drill's) can use less.
   */
  listingMarginMs?: number;
  /**
   * Where the sorted files of the rebuild go (a private folder is made in it, removed at the end):
   * about the backup's users again, compressed. Default the system's temporary folder.
   */
  workDir?: string;
  /** Lines a sorted run holds in memory at most (tests make it small). Default 100,000. */
  runLines?: number;
}

/** What {@link stateAt} found. */
export interface StateStats {
  snapshotId: string;
  snapshotStartedAt: string;
  /** Users in the rebuilt state. */
  users: number;
  /** Of which known only from the journal (made or first seen after the snapshot). */
  fromJournal: number;
  /** Of which taken from the journal over the snapshot's record. */
  updatedByJournal: number;
  /** Snapshot users whose only known state is from after the restore point (kept as the nearest known). */
  newerThanRestorePoint: number;
  /** Users deleted at the restore point (a tombstone at or before it). */
  deleted: number;
  /** Users left out because their sub is in the erasure ledger. */
  erased: number;
  /** Users left out by the selection (`--sub`). */
  unselected: number;
  journalObjects: number;
  journalRecords: number;
  /** Missing batches in the journal window: the state may lack the changes they held. */
  gaps: JournalGap[];
}

/** What the rebuilt state hands on, user by user, then once at the end. */
export interface StateSink {
  user(user: UserRecord): Promise<void> | void;
  /** The groups with their definitions (the snapshot's, plus bare names users refer to). */
  groups(groups: GroupInfo[]): Promise<void> | void;
}
