import { Condition } from '../core/concurrency';
import { identityAttributes } from '../core/identity';
import type { UserRecord } from '../core/types';
import type { CheckpointState } from './checkpoint';
import { decodeUser, Membership, TargetIndex } from './records';
import { listedUsers, membersFile, scanDone, scanSide, shardFile } from './scan';
import type { Session } from './session';
import { FrameReader } from './spool';
import type { RunSide } from './types';

/**
 * The two pools' listings as the phases use them: listed resumably into the spool (the source
 * one in the background, so the pass can start on the shards already listed), and loaded into
 * memory as each listing completes: the target's users into a {@link TargetIndex}, both sides'
 * group members into a {@link Membership}. Waiting for a listing is event-driven: whoever lists
 * a page or loads a listing wakes the waiters.
 */
export class Listings {
  /** The target's users, by identity key (loaded by {@link prepare}). */
  index?: TargetIndex;
  private reader?: FrameReader;
  private sourceMembership?: Membership;
  private targetMembership?: Membership;
  private targetFiles: string[] = [];
  /** Listings already loaded into memory (this session). */
  private readonly loaded = new Set<string>();
  private readonly changed = new Condition();
  /** The source listing, running in the background (at most once per session). */
  private sourceListing?: Promise<void>;
  private sourceListingError?: unknown;
  /** Users listed so far on both sides (progress of the listing phase). */
  private listedSoFar = 0;

  constructor(private readonly session: Session) {}

  private get scan(): CheckpointState['scan'] {
    return this.session.state.scan;
  }

  /** Lists the target completely (loading it), with the source listing started in the background. */
  async listTarget(): Promise<void> {
    this.listedSoFar = listedUsers(this.scan.source) + listedUsers(this.scan.target);
    await this.prepare();
    this.ensureSourceListing();
    await this.listSide('target');
  }

  /** The listings a phase needs, loaded (each session): the target and the source's group members. */
  async load(): Promise<void> {
    await this.prepare();
    this.ensureSourceListing();
    await this.sourceMembersLoaded();
  }

  /**
   * Resolves once the source's groups are listed and every group's members are loaded. Until
   * ListGroups has answered, the group list is unknown, not empty: a user planned then would lose
   * its replica's memberships.
   */
  sourceMembersLoaded(): Promise<void> {
    return this.until(() => {
      const groups = this.scan.source.groups;
      return !!groups && groups.every((_, i) => this.loaded.has(`source-members-${i}`));
    });
  }

  /** Resolves when the whole source is listed (and loaded). */
  async sourceListed(): Promise<void> {
    this.ensureSourceListing();
    await this.until(() => scanDone(this.scan.source));
    await this.sourceListing;
    if (this.sourceListingError) throw this.sourceListingError;
  }

  /** Source users in listing order, numbered; each shard once it is completely listed. */
  async *sourceUsers(): AsyncGenerator<{ seq: number; user: UserRecord }> {
    let seq = 0;
    const shards = this.scan.source.shards;
    for (const shard of Object.keys(shards).sort()) {
      await this.until(() => shards[shard].done);
      for await (const line of shardFile(this.session.options.store.dir, 'source', shard).lines()) {
        const user = decodeUser(line);
        user.groups = this.sourceMembership!.groupsOf(user.username);
        yield { seq: seq++, user };
      }
    }
  }

  /** Frees the spool reader. */
  close(): void {
    this.reader?.close();
  }

  /** Lists one side (resuming its listings), loading each listing into memory as it completes. */
  private listSide(side: RunSide): Promise<void> {
    const session = this.session;
    const onPage = (added: number, kind: 'users' | 'members') => {
      if (kind === 'users') this.listedSoFar += added;
      if (session.state.phase === 'scan') session.options.progress.update(this.listedSoFar);
      this.changed.notify();
      // Checkpoint as pages come in (no timer: nothing is left waiting when the run ends).
      void session.saveIfDue().catch(() => undefined);
    };
    const onListingDone = async (kind: 'users' | 'members', name: string) => {
      if (kind === 'members') await this.loadMembers(side, Number(name));
      else if (side === 'target') await this.indexShard(name);
      this.changed.notify();
    };
    return scanSide({
      gateway: side === 'source' ? session.source : session.target,
      side,
      dir: session.options.store.dir,
      state: this.scan[side],
      onPage,
      onListingDone,
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

  /** Creates the in-memory listings and loads every listing already complete (a resumed run). */
  private async prepare(): Promise<void> {
    if (this.index) return;
    const { source, target } = this.scan;
    const { planContext, options } = this.session;
    this.sourceMembership = new Membership((source.groups ?? []).map((g) => g.name));
    this.targetMembership = new Membership((target.groups ?? []).map((g) => g.name));
    this.targetFiles = Object.keys(target.shards).sort();
    this.reader = new FrameReader(this.targetFiles.map((shard) => shardFile(options.store.dir, 'target', shard)));
    this.index = new TargetIndex(
      identityAttributes(planContext.sourcePool, this.session.targetPool),
      this.targetMembership,
      this.reader,
    );
    for (const side of ['source', 'target'] as const) {
      for (const [i, m] of Object.entries(this.scan[side].members)) if (m.done) await this.loadMembers(side, Number(i));
    }
    for (const shard of this.targetFiles) if (target.shards[shard].done) await this.indexShard(shard);
  }

  private async loadMembers(side: RunSide, group: number): Promise<void> {
    const key = `${side}-members-${group}`;
    if (this.loaded.has(key)) return;
    if (!this.index) return; // loaded by prepare
    const membership = side === 'source' ? this.sourceMembership! : this.targetMembership!;
    // The group list is only known once ListGroups answered: keep the names in step.
    const groups = this.scan[side].groups ?? [];
    for (let i = membership.groups.length; i < groups.length; i++) membership.groups.push(groups[i].name);
    for await (const line of membersFile(this.session.options.store.dir, side, group).lines())
      membership.add(JSON.parse(line) as string, group);
    this.loaded.add(key);
  }

  private async indexShard(shard: string): Promise<void> {
    const key = `target-users-${shard}`;
    if (this.loaded.has(key) || !this.index) return;
    const file = this.targetFiles.indexOf(shard);
    for await (const frame of shardFile(this.session.options.store.dir, 'target', shard).frames()) {
      frame.lines.forEach((line, index) => this.index!.add(decodeUser(line), { file, offset: frame.offset, index }));
    }
    this.loaded.add(key);
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
