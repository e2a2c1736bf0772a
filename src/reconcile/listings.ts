import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Condition } from '../core/concurrency';
import { chooseReplica, type IdentityAttribute, identityAttributes } from '../core/identity';
import type { UserRecord } from '../core/types';
import type { CheckpointState } from './checkpoint';
import { decodeUserWithGroups, keyedListing, openKeyed } from './keyed-listing';
import { mergeJoin, payloadOf } from './merge-join';
import type { Claim } from './records';
import { listedUsers, membersFile, scanDone, scanSide, shardFile } from './scan';
import type { Session } from './session';
import { PartWriter, type SortedFileInfo, sortedFrames } from './sorted-file';
import type { RunSide } from './types';

/** One source user of the pass: its number (position in the keyed listing), and its claim on the target. */
export interface SourcePair {
  seq: number;
  user: UserRecord;
  /** The replica the user claims (by identity key, then source `sub`), or why none. */
  claim: Claim;
}

/**
 * The two pools' listings as the phases use them: listed resumably into the spool (both sides at
 * once, the source in the background), then each side sorted on disk by identity key with its
 * groups ({@link keyedListing}) and merge-joined ({@link pairs}): memory does not grow with the
 * pools. The pass needs both listings complete. Waiting for a listing is event-driven: whoever
 * lists a page wakes the waiters.
 */
export class Listings {
  private readonly changed = new Condition();
  /** The source listing, running in the background (at most once per session). */
  private sourceListing?: Promise<void>;
  private sourceListingError?: unknown;
  /** Users listed so far on both sides (progress of the listing phase). */
  private listedSoFar = 0;
  private keyed?: { source: SortedFileInfo; target: SortedFileInfo };
  /** The target users no source user claimed, written by the last complete {@link pairs}. */
  private unmatchedFile?: SortedFileInfo;

  constructor(private readonly session: Session) {}

  private get scan(): CheckpointState['scan'] {
    return this.session.state.scan;
  }

  /** The attributes that pair users across the pools (`username`, or e-mail and phone). */
  get identity(): IdentityAttribute[] {
    return identityAttributes(this.session.planContext.sourcePool, this.session.targetPool);
  }

  /** Lists the target completely, with the source listing started in the background. */
  async listTarget(): Promise<void> {
    this.listedSoFar = listedUsers(this.scan.source) + listedUsers(this.scan.target);
    this.ensureSourceListing();
    await this.listSide('target');
  }

  /** The listings a phase needs: both sides listed completely and sorted by identity key. */
  async load(): Promise<void> {
    this.ensureSourceListing();
    await this.sourceListed();
    if (this.keyed) return;
    const { options } = this.session;
    const build = (side: RunSide) =>
      keyedListing({
        dir: options.store.dir,
        side,
        scan: this.scan[side],
        identity: this.identity,
        tag: this.listingTag(),
        checkpoint: () => this.session.throwIfStopping(),
        runLines: options.sortRunLines,
      });
    options.progress.log('sorting both listings by identity key');
    const source = await build('source');
    const target = await build('target');
    this.keyed = { source, target };
    // The sorted listings are final: keep them where the checkpoint lives.
    await options.store.persistSpool();
  }

  /** Resolves once the source's groups are listed and every group's members with them. */
  sourceMembersLoaded(): Promise<void> {
    return this.until(() => {
      const { groups, members } = this.scan.source;
      return !!groups && groups.every((_, i) => members[i]?.done);
    });
  }

  /** Resolves when the whole source is listed. */
  async sourceListed(): Promise<void> {
    this.ensureSourceListing();
    await this.until(() => scanDone(this.scan.source));
    await this.sourceListing;
    if (this.sourceListingError) throw this.sourceListingError;
  }

  /**
   * Every source user in identity-key order, numbered, with its claim on the target: the merge
   * join of the two keyed listings ({@link load} first). A target user is claimed when a source
   * user's key leads to it (several under one key: the one carrying the source `sub`; none: all
   * of them, ambiguous). With `unmatched`, the target users no one claimed are written for
   * {@link unmatched} once the join has gone through. Users for which `done(seq)` holds (finished
   * by an earlier session) only claim their replica, without being decoded where one target user
   * has their key, and are not yielded (`onDone` is called instead).
   */
  async *pairs(
    options: { unmatched?: boolean; done?: (seq: number) => boolean; onDone?: () => void } = {},
  ): AsyncGenerator<SourcePair> {
    const { dir } = this.session.options.store;
    const attribute = this.session.planContext.sourceSubAttribute;
    const keyed = this.keyed!;
    const source = await openKeyed(dir, keyed.source);
    const target = await openKeyed(dir, keyed.target);
    const workDir = join(dir, 'work');
    let writer: PartWriter | undefined;
    if (options.unmatched) {
      await mkdir(workDir, { recursive: true });
      writer = new PartWriter(workDir, 'target-unmatched');
    }
    let seq = 0;
    try {
      for await (const group of mergeJoin(source, target)) {
        const targets = group.right.map(payloadOf);
        const matched = new Uint8Array(targets.length);
        const keyed = group.key !== '' && targets.length > 0;
        const claimOf = (user: UserRecord): Claim => {
          if (!keyed) return { ambiguous: false, candidates: 0 };
          const candidates = targets.map(decodeUserWithGroups);
          const { replica, ambiguous } = chooseReplica(candidates, user.attributes.sub, attribute);
          if (replica) matched[candidates.indexOf(replica)] = 1;
          else if (ambiguous) matched.fill(1);
          return { replica, ambiguous, candidates: candidates.length };
        };
        for (const line of group.left) {
          const n = seq++;
          if (options.done?.(n)) {
            if (keyed && targets.length === 1)
              matched[0] = 1; // chooseReplica's answer for one candidate
            else if (keyed) claimOf(decodeUserWithGroups(payloadOf(line)));
            options.onDone?.();
            continue;
          }
          const user = decodeUserWithGroups(payloadOf(line));
          yield { seq: n, user, claim: claimOf(user) };
        }
        if (writer) for (let i = 0; i < targets.length; i++) if (!matched[i]) await writer.add(targets[i]);
      }
      if (writer) this.unmatchedFile = await writer.finish();
    } finally {
      await writer?.abort();
      await source.close();
      await target.close();
    }
  }

  /** The target users no source user claimed, in key order (after a complete {@link pairs} with `unmatched`). */
  async *unmatched(): AsyncGenerator<UserRecord> {
    if (!this.unmatchedFile) return;
    const workDir = join(this.session.options.store.dir, 'work');
    for await (const frame of sortedFrames(workDir, this.unmatchedFile))
      for (const payload of frame) yield decodeUserWithGroups(payload);
  }

  /** True once this session's join wrote the unmatched target users. */
  get matched(): boolean {
    return !!this.unmatchedFile;
  }

  /** Nothing held open between phases. */
  close(): void {}

  /** Identifies the listing the sorted files come from (a listing started over gets new ones). */
  private listingTag(): string {
    const lengths = (side: RunSide) =>
      [...Object.values(this.scan[side].shards), ...Object.values(this.scan[side].members)]
        .map((s) => s.bytes)
        .join(',');
    return `${this.session.state.runId}:${lengths('source')}:${lengths('target')}`;
  }

  /** Lists one side (resuming its listings). */
  private listSide(side: RunSide): Promise<void> {
    const session = this.session;
    const onPage = (added: number, kind: 'users' | 'members') => {
      if (kind === 'users') this.listedSoFar += added;
      if (session.state.phase === 'scan') session.options.progress.update(this.listedSoFar);
      this.changed.notify();
      // Checkpoint as pages come in (no timer: nothing is left waiting when the run ends).
      void session.saveIfDue().catch(() => undefined);
    };
    return scanSide({
      gateway: side === 'source' ? session.source : session.target,
      side,
      dir: session.options.store.dir,
      state: this.scan[side],
      onPage,
      onListingDone: () => this.changed.notify(),
      shouldStop: () => session.stopping,
    });
  }

  private ensureSourceListing(): void {
    if (this.sourceListing || scanDone(this.scan.source)) return;
    this.sourceListing = this.listSide('source').then(
      async () => {
        await this.session.options.store.persistSpool();
        this.changed.notify();
      },
      (err: unknown) => {
        this.sourceListingError = err;
        this.changed.notify();
      },
    );
  }

  /** Waits until `condition` holds; fails if the source listing failed or the run stops. */
  private async until(condition: () => boolean): Promise<void> {
    await this.changed.until(() => {
      if (condition()) return true;
      if (this.sourceListingError) throw this.sourceListingError;
      this.session.throwIfStopping();
      return false;
    });
  }
}

/** True when every listing file is at least as long as the checkpoint says it committed. */
export async function spoolIntact(state: CheckpointState, dir: string): Promise<boolean> {
  for (const side of ['source', 'target'] as const) {
    const scan = state.scan[side];
    for (const [shard, s] of Object.entries(scan.shards))
      if ((await shardFile(dir, side, shard).length()) < s.bytes) return false;
    for (const [group, s] of Object.entries(scan.members))
      if ((await membersFile(dir, side, Number(group)).length()) < s.bytes) return false;
  }
  return true;
}
