import { join } from 'node:path';
import { forEachLimit } from '../core/concurrency';
import type { GroupInfo } from '../core/types';
import type { CognitoPool } from '../cognito/pool';
import { InvalidPaginationTokenError } from '../cognito/errors';
import { encodeUser } from './records';
import { SpoolFile } from './spool';
import type { RunSide } from './types';

/**
 * Listing a pool in full, resumably: users through ListUsers in shards (`sub ^= "0"` .. `"f"`,
 * listed in parallel, 60 a page, every page), group members through ListGroups and
 * ListUsersInGroup (60 members a call). Each shard and group is written to its own spool file
 * page by page; its state (pagination token, committed bytes) goes into the checkpoint, so a
 * resumed run continues each unfinished shard where it stopped, and a rejected pagination
 * token restarts only that shard.
 */

/** One resumable listing (a shard of users or one group's members). */
export interface ListingState {
  done: boolean;
  /** Token of the next page; absent before the first page and after the last. */
  token?: string;
  /** Records written so far. */
  count: number;
  /** Committed length of the spool file. */
  bytes: number;
  pages: number;
  /** Times the listing started over after its pagination token was rejected. */
  restarts: number;
}

/** The state of one side's scan. */
export interface SideScanState {
  /** Shard name -> state. Shards are `0`..`f` (sub prefixes) or `all` (no filter). */
  shards: Record<string, ListingState>;
  /** The pool's groups (ListGroups), once listed. */
  groups?: GroupInfo[];
  /** Group index -> member listing state. */
  members: Record<string, ListingState>;
}

export const SUB_SHARDS = '0123456789abcdef'.split('');

/** A fresh scan state with the given shards. */
export function newScanState(shards: string[] = SUB_SHARDS): SideScanState {
  return {
    shards: Object.fromEntries(shards.map((s) => [s, { done: false, count: 0, bytes: 0, pages: 0, restarts: 0 }])),
    members: {},
  };
}

export function scanDone(state: SideScanState): boolean {
  return (
    !!state.groups &&
    Object.values(state.shards).every((s) => s.done) &&
    state.groups.every((_, i) => state.members[i]?.done)
  );
}

/** Users listed so far on one side. */
export function listedUsers(state: SideScanState): number {
  return Object.values(state.shards).reduce((n, s) => n + s.count, 0);
}

/** Spool file of a user shard. */
export function shardFile(dir: string, side: string, shard: string): SpoolFile {
  return new SpoolFile(join(dir, `${side}-users-${shard}.gz`));
}

/** Spool file of a group's members (one username a line). */
export function membersFile(dir: string, side: string, group: number): SpoolFile {
  return new SpoolFile(join(dir, `${side}-group-${group}.gz`));
}

/** Thrown when the run is asked to stop; nothing is wrong. */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
  constructor() {
    super('the run was stopped; progress is in the checkpoint');
  }
}

/** Most restarts of one listing after rejected pagination tokens before the scan fails. */
const MAX_RESTARTS = 5;

/** True when Cognito rejected a pagination token (expired or otherwise invalid). */
export function isRejectedToken(err: unknown): boolean {
  return err instanceof InvalidPaginationTokenError;
}

/** What scanning one side needs. */
export interface ScanOptions {
  gateway: CognitoPool;
  side: RunSide;
  dir: string;
  state: SideScanState;
  /** Called after each page with the number of users (or members) it added. */
  onPage?: (added: number, kind: 'users' | 'members') => void;
  /** Stops at the next page boundary when it returns true. */
  shouldStop?: () => boolean;
  /**
   * Listings run at once. The limiter paces the calls; this only has to cover the network latency
   * (rate x latency pages in flight: 30/s x 0.3 s = 9). Default 12.
   */
  concurrency?: number;
  /** Called when a listing has been read to its end (its spool file is final). */
  onListingDone?: (kind: 'users' | 'members', name: string) => void | Promise<void>;
}

/** Lists one side completely (users and group members), continuing from `state`. */
export async function scanSide(options: ScanOptions): Promise<void> {
  const { gateway, state, dir, side } = options;
  state.groups ??= await gateway.listGroups();
  for (let i = 0; i < state.groups.length; i++)
    state.members[i] ??= { done: false, count: 0, bytes: 0, pages: 0, restarts: 0 };
  // Group members first, then the user shards in order: with a bounded number of listings at
  // once they complete one after another, so work that needs a complete listing (indexing a
  // shard, planning its users) can start before the whole pool is listed.
  const tasks: (() => Promise<void>)[] = [];
  state.groups.forEach((group, i) => {
    const s = state.members[i];
    if (s.done) return;
    tasks.push(async () => {
      await runListing(
        s,
        membersFile(dir, side, i),
        options,
        async (token) => {
          const page = await gateway.listUsersInGroupPage(group.name, token);
          return { lines: page.users.map((u) => JSON.stringify(u.username)), next: page.nextToken };
        },
        'members',
      );
      await options.onListingDone?.('members', String(i));
    });
  });
  for (const shard of Object.keys(state.shards).sort()) {
    const s = state.shards[shard];
    if (s.done) continue;
    const filter = shard === 'all' ? undefined : `sub ^= "${shard}"`;
    tasks.push(async () => {
      await runListing(
        s,
        shardFile(dir, side, shard),
        options,
        async (token) => {
          const page = await gateway.listUsersPage({ filter, nextToken: token });
          return { lines: page.users.map(encodeUser), next: page.nextToken };
        },
        'users',
      );
      await options.onListingDone?.('users', shard);
    });
  }
  await forEachLimit(tasks, options.concurrency ?? 12, (task) => task());
}

async function runListing(
  state: ListingState,
  file: SpoolFile,
  options: ScanOptions,
  fetchPage: (token?: string) => Promise<{ lines: string[]; next?: string }>,
  kind: 'users' | 'members',
): Promise<void> {
  // Anything written after the last checkpoint is cut off and listed again.
  await file.truncateTo(state.bytes);
  while (!state.done) {
    if (options.shouldStop?.()) throw new RunStoppedError();
    let page: { lines: string[]; next?: string };
    try {
      page = await fetchPage(state.token);
    } catch (err) {
      if (state.token !== undefined && isRejectedToken(err) && state.restarts < MAX_RESTARTS) {
        // The token expired or was refused: list this shard again from its start.
        await file.truncateTo(0);
        options.onPage?.(-state.count, kind);
        Object.assign(state, { token: undefined, count: 0, bytes: 0, pages: 0, restarts: state.restarts + 1 });
        continue;
      }
      throw err;
    }
    const { length: bytes } = await file.append(page.lines);
    // One assignment: a checkpoint taken at any moment sees a consistent state.
    Object.assign(state, {
      bytes,
      count: state.count + page.lines.length,
      pages: state.pages + 1,
      token: page.next,
      done: !page.next,
    });
    options.onPage?.(page.lines.length, kind);
  }
}
