import { DEFAULT_SOURCE_SUB_ATTRIBUTE, DEFAULT_MFA_MARKER_ATTRIBUTE } from '../core/constants';
import { randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachLimit } from '../core/concurrency';
import { classifyError, ConfigError, describeError } from '../core/errors';
import { chooseReplica, identityAttributes, locatorOf } from '../core/identity';
import { poolHasAttribute, REPLICABLE_MFA } from '../core/attributes';
import { type PlanContext, planReplication, type ReplicationPlan } from '../core/plan';
import type { UserRecord } from '../core/types';
import type { CognitoPool as CognitoGateway } from '../cognito/pool';
import type { Clock } from '../cognito/limiter';
import { OPERATION_CATEGORY, type QuotaCategory } from '../cognito/quotas';
import { planContextOf, type ReplicationContext, replicateSourceUser } from '../replication/replicate-user';
import type { CheckpointState, CheckpointStore } from './checkpoint';
import { ApplyScheduler, type Job, type SchedulerOptions, type SeqStatus, SeqTracker } from './engine';
import { failoverFate, type FailoverOptions, replicaAfter } from './failover-estimate';
import {
  csvHeaderLine,
  importBlocker,
  importedReplica,
  importOutcome,
  type ImportOutcome,
  importRow,
  type ImportState,
  needsCsv,
  runImportJobs,
} from './import-job';
import { classifyLeftover, planOperations, planSourceUser } from './planner';
import { type ProgressSink, silentProgress } from './progress';
import { decodeUser, Membership, StandbyIndex } from './records';
import { FrameReader } from './spool';
import {
  bucketOf,
  type Counts,
  type EntryKind,
  readiness,
  type Readiness,
  ReportBuilder,
  type ReportEntry,
  type UserBucket,
} from './report';
import {
  listedUsers,
  membersFile,
  newScanState,
  RunStoppedError,
  scanDone,
  scanSide,
  SUB_SHARDS,
  shardFile,
  type SideScanState,
} from './scan';
import { deletionDecision, type DeletionDecision } from './safety';
import { runView, userView } from './views';

/** Everything a reconcile run needs. The CLI and the Lambda handler build this; the run does the rest. */
export interface ReconcileOptions {
  /** The pool replicated from. */
  source: CognitoGateway;
  /** The pool made to match (the standby; the primary in a reverse reconcile at failback). */
  target: CognitoGateway;
  store: CheckpointStore;
  /** Write the changes (default: dry run). */
  apply?: boolean;
  /** Read every source user with AdminGetUser for MFA (bills every source user as active). */
  deep?: boolean;
  /** Seed missing users through a user import job when at least `threshold` are missing. */
  import?: {
    roleArn: string;
    threshold?: number;
    chunkRows?: number;
    pollMs?: number;
    upload?: (url: string, body: Buffer) => Promise<void>;
  };
  deleteOrphans?: boolean;
  /** Most orphans deleted per run. Default 10. */
  maxDeletes?: number;
  /** Refuse deletions when source users < this share of standby users. Default 0.5. */
  minSourceShare?: number;
  sourceSubAttribute?: string;
  mfaMarkerAttribute?: string;
  groupRoleMap?: Record<string, string>;
  linkFederatedUsers?: boolean;
  clock?: Clock;
  /** Aborting stops the run cleanly at once (checkpoint saved, nothing half-sent). */
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Per-user entries kept per kind in the report. Default 1000. */
  reportLimit?: number;
  /** User shards of each listing. Default `0`..`f` (sub prefixes); `['all']` lists unfiltered. */
  shards?: string[];
  /** Discard any checkpoint and start afresh. */
  restart?: boolean;
  /** A checkpoint older than this is discarded (its listings are stale). Default 24 h. */
  maxCheckpointAgeMs?: number;
  /** Checkpoint at least this often, ms. Default 10 s. */
  saveIntervalMs?: number;
  /** Users started beyond the recorded horizon per checkpoint write. Default 500. */
  horizonChunk?: number;
  scheduler?: Partial<Omit<SchedulerOptions, 'rate'>>;
  /** Orphan deletions in flight. Default: enough to keep UserUpdate busy. */
  deleteConcurrency?: number;
  /**
   * The change-capture replica index (source sub -> standby username), kept in step in apply
   * mode: every pair found or made is remembered, every deleted orphan forgotten. Its calls are
   * not Cognito calls (DynamoDB); a failure is a warning, never a failed user.
   */
  replicaIndex?: {
    remember(sourceSub: string, standbyUsername: string): Promise<unknown>;
    forget(sourceSub: string, expectedUsername?: string): Promise<unknown>;
  };
  /** The source pool's PostConfirmation trigger should be this function (warned otherwise). */
  expectedTrigger?: string;
  /**
   * Writes the report of a finished run *before* its checkpoint is deleted (and a stopped run's
   * after its checkpoint is saved). When it fails, the checkpoint is kept (phase done): the same
   * command run again rebuilds the report without listing or writing anything again.
   */
  saveReport?: (report: ReconcileReport) => Promise<void>;
}

export type RunStatus = 'complete' | 'stopped';

/** The JSON report of a run. */
export interface ReconcileReport {
  version: 1;
  tool: 'cognito-standby-sync reconcile';
  runId: string;
  status: RunStatus;
  phase: CheckpointState['phase'];
  startedAt: string;
  finishedAt: string;
  mode: 'dry-run' | 'apply';
  deep: boolean;
  source: { region: string; poolId: string };
  target: { region: string; poolId: string };
  resumed: boolean;
  sessions: number;
  counts: Counts;
  groups: { missingInTarget: string[]; onlyInTarget: string[] };
  import?: ImportState;
  deletion: DeletionDecision & { requested: boolean; limit: number };
  /** Dry run: time the apply would take at the target's quotas (the largest category wins). */
  estimatedApplySeconds: number;
  /** Requests sent, by side and operation (retries included). */
  calls: { source: Record<string, number>; target: Record<string, number> };
  /** Pages listed, and listings started over after a rejected pagination token, per side. */
  listing: { source: { pages: number; restarts: number }; target: { pages: number; restarts: number } };
  /** Per-user reads that bill the user as active (AdminGetUser), both sides. */
  billedReads: number;
  /** Write requests sent to the target. */
  writeCalls: number;
  readiness: Readiness;
  warnings: string[];
  entries: Partial<Record<EntryKind, ReportEntry[]>>;
  omitted: Partial<Record<EntryKind, number>>;
  checkpoint: string;
}

export interface ReconcileResult {
  status: RunStatus;
  report: ReconcileReport;
  /** 0: done, nothing failed; 1: an operation failed; 130: stopped before the end (resumable). */
  exitCode: 0 | 1 | 130;
}

const DAY_MS = 24 * 3600_000;

/** Ends one source user of the pass: its bucket, and its replica as it stands now (for the failover estimate). */
type Finish = (bucket: UserBucket, replica?: UserRecord) => void;

function listingTotals(scan: SideScanState): { pages: number; restarts: number } {
  const all = [...Object.values(scan.shards), ...Object.values(scan.members)];
  return { pages: all.reduce((n, s) => n + s.pages, 0), restarts: all.reduce((n, s) => n + s.restarts, 0) };
}

/** True when every listing file is at least as long as the checkpoint says it committed. */
async function spoolIntact(state: CheckpointState, dir: string): Promise<boolean> {
  for (const side of ['source', 'standby'] as const) {
    const scan = state.scan[side];
    for (const [shard, s] of Object.entries(scan.shards))
      if ((await shardFile(dir, side, shard).length()) < s.bytes) return false;
    for (const [group, s] of Object.entries(scan.members))
      if ((await membersFile(dir, side, Number(group)).length()) < s.bytes) return false;
  }
  return true;
}
const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** The identity of a run for its checkpoint: the pool pair and the mode. */
export function checkpointKey(o: Pick<ReconcileOptions, 'source' | 'target' | 'apply' | 'deep' | 'import'>): string {
  return [
    `${o.source.region}/${o.source.poolId}`,
    `${o.target.region}/${o.target.poolId}`,
    o.apply ? 'apply' : 'dry-run',
    o.deep ? 'deep' : 'list',
    o.import ? 'import' : 'no-import',
  ].join(' ');
}

/**
 * Reconciles the target pool with the source: lists both (resumably), plans every user with the
 * shared core, and in apply mode writes the differences through `replicateSourceUser` at the
 * pace of the target's quotas; then handles orphans under the deletion rules. Returns the report;
 * a stopped run returns what it has and resumes from its checkpoint next time.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const run = new Run(options);
  return run.execute();
}

class Run {
  private readonly o: ReconcileOptions;
  private readonly clock: Clock;
  private readonly progress: ProgressSink;
  private readonly apply: boolean;
  private readonly deep: boolean;
  private readonly stopController = new AbortController();
  private state!: CheckpointState;
  private report!: ReportBuilder;
  private resumed = false;
  private warnings: string[] = [];
  private lastSave = 0;
  private saving: Promise<void> = Promise.resolve();
  private ctx!: PlanContext;
  private rctx!: ReplicationContext;
  private index?: StandbyIndex;
  private reader?: FrameReader;
  private standbyMembership?: Membership;
  private sourceMembership?: Membership;

  /** This run's views of the two gateways: nothing is sent once the run stops. */
  private readonly sourceView: ReturnType<typeof runView>;
  private readonly targetView: ReturnType<typeof runView>;
  private readonly source: CognitoGateway;
  private readonly target: CognitoGateway;

  constructor(options: ReconcileOptions) {
    this.o = options;
    this.sourceView = runView(options.source, this.stopController.signal);
    this.targetView = runView(options.target, this.stopController.signal);
    this.source = this.sourceView.gateway;
    this.target = this.targetView.gateway;
    this.clock = options.clock ?? realClock;
    this.progress = options.progress ?? silentProgress;
    this.apply = !!options.apply;
    this.deep = !!options.deep;
    if (options.signal) {
      if (options.signal.aborted) this.stopController.abort();
      else options.signal.addEventListener('abort', () => this.stopController.abort(), { once: true });
    }
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  async execute(): Promise<ReconcileResult> {
    const guards = [this.sourceView, this.targetView];
    try {
      await this.begin();
      try {
        await this.runPhases();
      } catch (err) {
        if (!(err instanceof RunStoppedError) && !this.stopping) {
          this.stopController.abort(); // nothing of this run is sent after it failed
          throw err;
        }
      }
      if (this.state.phase !== 'done') {
        await this.drainSends(guards);
        await this.o.store.persistSpool();
        await this.save(true);
        this.progress.end();
        const stopped = this.buildReport('stopped');
        await this.o.saveReport?.(stopped);
        return { status: 'stopped', report: stopped, exitCode: 130 };
      }
      const report = this.buildReport('complete');
      if (this.o.saveReport) {
        try {
          await this.o.saveReport(report);
        } catch (err) {
          await this.save(true); // phase done: the findings stay in the checkpoint
          await this.o.store.persistSpool();
          throw new ConfigError(
            `cannot write the report: ${(err as Error).message}; the checkpoint ${this.o.store.location} is kept: run the same command again (with a writable --report) to get the report`,
          );
        }
      }
      await this.o.store.clear();
      this.progress.end();
      const failed = report.counts.failed + report.counts.deleteFailed > 0;
      return { status: 'complete', report, exitCode: failed ? 1 : 0 };
    } finally {
      this.reader?.close();
    }
  }

  // ---------------------------------------------------------------- set-up and checkpoints

  private async begin(): Promise<void> {
    const key = checkpointKey(this.o);
    let state = this.o.restart ? undefined : await this.o.store.load();
    if (this.o.restart) await this.o.store.clear();
    if (state && state.key !== key) {
      this.note(
        `ignoring the checkpoint at ${this.o.store.location}: it is for another pool pair or mode (${state.key})`,
      );
      await this.o.store.clear();
      state = undefined;
    } else if (state && this.clock.now() - Date.parse(state.startedAt) > (this.o.maxCheckpointAgeMs ?? DAY_MS)) {
      this.note(
        `ignoring the checkpoint at ${this.o.store.location}: started ${state.startedAt}, its listings are too old to trust`,
      );
      await this.o.store.clear();
      state = undefined;
    }
    this.resumed = !!state;
    const shards = this.o.shards ?? SUB_SHARDS;
    this.state = state ?? {
      version: 1,
      key,
      runId: randomUUID(),
      startedAt: new Date(this.clock.now()).toISOString(),
      savedAt: new Date(this.clock.now()).toISOString(),
      sessions: 0,
      phase: 'scan',
      scan: { source: newScanState(shards), standby: newScanState(shards) },
    };
    this.state.sessions++;
    this.report = new ReportBuilder(this.state.report, this.o.reportLimit ?? 1000);
    this.state.report = this.report.state;
    if (this.resumed)
      this.note(`resuming run ${this.state.runId} from ${this.o.store.location} (phase ${this.state.phase})`);
    this.rctx = {
      source: this.source,
      standby: this.target,
      sourceSubAttribute: this.o.sourceSubAttribute ?? DEFAULT_SOURCE_SUB_ATTRIBUTE,
      mfaMarkerAttribute: this.o.mfaMarkerAttribute ?? DEFAULT_MFA_MARKER_ATTRIBUTE,
      groupRoleMap: this.o.groupRoleMap,
      linkFederatedUsers: this.o.linkFederatedUsers,
    };
    // Read with the gateways themselves: a stop requested this early must still leave a checkpoint.
    this.ctx = await planContextOf({ ...this.rctx, source: this.o.source, standby: this.o.target });
    this.checkPools();
  }

  private checkPools(): void {
    const { standbyPool, sourcePool, sourceSubAttribute, mfaMarkerAttribute } = this.ctx;
    const has = (name: string) => poolHasAttribute(standbyPool, name);
    if (!has(sourceSubAttribute)) {
      this.warn(
        `the target pool has no ${sourceSubAttribute} attribute: replicas cannot record their source user, orphans cannot be told from standby-only users (nothing will be deleted)`,
      );
    }
    if (!has(mfaMarkerAttribute)) {
      this.warn(
        `the target pool has no ${mfaMarkerAttribute} attribute: TOTP users are not recorded for failover${this.deep ? ', and --deep also reads each replica whose source user has MFA' : ''}`,
      );
    }
    if (this.o.expectedTrigger && sourcePool.lambdaTriggers.PostConfirmation !== this.o.expectedTrigger) {
      this.warn(
        `the source pool's PostConfirmation trigger is ${sourcePool.lambdaTriggers.PostConfirmation ?? 'not set'}, not ${this.o.expectedTrigger}: new sign-ups are not replicated until it is attached again`,
      );
    }
  }

  private note(message: string): void {
    this.progress.log(message);
  }

  private warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.progress.log(`warning: ${message}`);
  }

  /** Records the checkpoint (one write at a time). `clean`: nothing is being written now. */
  private async save(clean = false): Promise<void> {
    const previous = this.saving;
    const next = previous.then(async () => {
      if (this.pass) this.state.pass = this.pass.snapshot(clean);
      this.state.savedAt = new Date(this.clock.now()).toISOString();
      this.lastSave = this.clock.now();
      await this.o.store.save(this.state);
    });
    this.saving = next.catch(() => undefined);
    await next;
  }

  private async saveIfDue(): Promise<void> {
    if (this.clock.now() - this.lastSave < (this.o.saveIntervalMs ?? 10_000)) return;
    this.lastSave = this.clock.now();
    await this.save(false);
  }

  private async drainSends(guards: { inFlight(): number }[]): Promise<void> {
    // Requests already sent finish (each within the SDK's request timeout); nothing new is sent.
    for (let i = 0; i < 600 && guards.some((g) => g.inFlight() > 0); i++) await new Promise((r) => setTimeout(r, 50));
  }

  // ---------------------------------------------------------------- phases

  private async runPhases(): Promise<void> {
    if (this.resumed && !(await spoolIntact(this.state, this.o.store.dir))) {
      // The listing files do not hold what the checkpoint says (a lost /tmp, an interrupted upload):
      // list again from scratch. Writes already made show in the new listing, so none is repeated.
      this.warn("the checkpoint's listing files are missing or short: listing both pools again");
      const shards = Object.keys(this.state.scan.source.shards);
      Object.assign(this.state, {
        phase: 'scan',
        scan: { source: newScanState(shards), standby: newScanState(shards) },
        pass: undefined,
        import: undefined,
        deleted: undefined,
      });
      this.report = new ReportBuilder(undefined, this.o.reportLimit ?? 1000);
      this.state.report = this.report.state;
    }
    if (this.state.phase === 'scan') await this.scan();
    this.report.counts.standbyUsers = listedUsers(this.state.scan.standby);
    this.report.counts.sourceGroups = this.state.scan.source.groups?.length ?? 0;
    this.report.counts.standbyGroups = this.state.scan.standby.groups?.length ?? 0;
    if (this.state.phase === 'import') await this.importPhase();
    if (this.state.phase === 'pass') await this.passPhase();
    await this.sourceListed();
    this.report.counts.sourceUsers = listedUsers(this.state.scan.source);
    if (this.state.phase === 'orphans') await this.orphanPhase();
  }

  /**
   * Lists both pools. The target (standby) side and the source's group members must be complete
   * before any source user can be planned (a user is "missing" only against a complete listing);
   * the source's user shards are then listed on in the background while the pass plans and
   * applies the shards already listed, in order.
   */
  private async scan(): Promise<void> {
    const { source } = this.state.scan;
    const estimate = (this.ctx.sourcePool.estimatedUsers ?? 0) + (this.ctx.standbyPool.estimatedUsers ?? 0);
    this.progress.phase('listing both pools', estimate || undefined);
    this.listedSoFar = listedUsers(source) + listedUsers(this.state.scan.standby);
    this.lastSave = this.clock.now();
    await this.prepareListings();
    this.ensureSourceListing();
    await this.listSide('standby');
    await this.until(() => (source.groups ?? []).every((_, i) => this.loaded.has(`source-members-${i}`)));
    // The standby's spool is final: keep it where the checkpoint lives before moving on.
    await this.o.store.persistSpool();
    this.state.phase = this.apply && this.o.import ? 'import' : 'pass';
    await this.save(true);
  }

  private listedSoFar = 0;

  /** Lists one side (resuming its listings), loading each listing into memory as it completes. */
  private listSide(side: 'source' | 'standby'): Promise<void> {
    const state = this.state.scan[side];
    const onPage = (added: number, kind: 'users' | 'members') => {
      if (kind === 'users') this.listedSoFar += added;
      if (this.state.phase === 'scan') this.progress.update(this.listedSoFar);
      this.changed();
      // Checkpoint as pages come in (no timer: nothing is left waiting when the run ends).
      void this.saveIfDue().catch(() => undefined);
    };
    const onListingDone = async (kind: 'users' | 'members', name: string) => {
      if (kind === 'members') await this.loadMembers(side, Number(name));
      else if (side === 'standby') await this.indexShard(name);
      this.changed();
    };
    return scanSide({
      gateway: side === 'source' ? this.source : this.target,
      side,
      dir: this.o.store.dir,
      state,
      onPage,
      onListingDone,
      shouldStop: () => this.stopping,
    });
  }

  /** The source listing, running in the background (at most once per session). */
  private sourceListing?: Promise<void>;
  private sourceListingError?: unknown;

  private ensureSourceListing(): void {
    if (this.sourceListing || scanDone(this.state.scan.source)) return;
    this.sourceListing = this.listSide('source').then(
      async () => {
        await this.o.store.persistSpool();
        this.changed();
      },
      (err: unknown) => {
        this.sourceListingError = err;
        this.changed();
      },
    );
  }

  /** Resolves when the whole source is listed (and loaded). */
  private async sourceListed(): Promise<void> {
    this.ensureSourceListing();
    await this.until(() => scanDone(this.state.scan.source));
    await this.sourceListing;
    if (this.sourceListingError) throw this.sourceListingError;
  }

  private readonly waiters: (() => void)[] = [];

  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `condition` holds; fails if the source listing failed or the run stops. */
  private async until(condition: () => boolean): Promise<void> {
    for (;;) {
      if (condition()) return;
      if (this.sourceListingError) throw this.sourceListingError;
      if (this.stopping) throw new RunStoppedError();
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Listings already loaded into memory (this session). */
  private readonly loaded = new Set<string>();
  private standbyFiles: string[] = [];

  /** Creates the in-memory listings and loads every listing already complete (a resumed run). */
  private async prepareListings(): Promise<void> {
    if (this.index) return;
    const { source, standby } = this.state.scan;
    this.sourceMembership = new Membership((source.groups ?? []).map((g) => g.name));
    this.standbyMembership = new Membership((standby.groups ?? []).map((g) => g.name));
    this.standbyFiles = Object.keys(standby.shards).sort();
    this.reader = new FrameReader(this.standbyFiles.map((shard) => shardFile(this.o.store.dir, 'standby', shard)));
    this.index = new StandbyIndex(
      identityAttributes(this.ctx.sourcePool, this.ctx.standbyPool),
      this.standbyMembership,
      this.reader,
    );
    for (const side of ['source', 'standby'] as const) {
      const scan = this.state.scan[side];
      for (const [i, m] of Object.entries(scan.members)) if (m.done) await this.loadMembers(side, Number(i));
    }
    for (const shard of this.standbyFiles) if (standby.shards[shard].done) await this.indexShard(shard);
  }

  private async loadMembers(side: 'source' | 'standby', group: number): Promise<void> {
    const key = `${side}-members-${group}`;
    if (this.loaded.has(key)) return;
    if (!this.index) return; // loaded by prepareListings
    const membership = side === 'source' ? this.sourceMembership! : this.standbyMembership!;
    // The group list is only known once ListGroups answered: keep the names in step.
    const groups = this.state.scan[side].groups ?? [];
    for (let i = membership.groups.length; i < groups.length; i++) membership.groups.push(groups[i].name);
    for await (const line of membersFile(this.o.store.dir, side, group).lines())
      membership.add(JSON.parse(line) as string, group);
    this.loaded.add(key);
  }

  private async indexShard(shard: string): Promise<void> {
    const key = `standby-users-${shard}`;
    if (this.loaded.has(key) || !this.index) return;
    const file = this.standbyFiles.indexOf(shard);
    for await (const frame of shardFile(this.o.store.dir, 'standby', shard).frames()) {
      frame.lines.forEach((line, index) => this.index!.add(decodeUser(line), { file, offset: frame.offset, index }));
    }
    this.loaded.add(key);
  }

  /** The listings a phase needs, loaded (each session), and the source listing running on. */
  private async loadListings(): Promise<void> {
    await this.prepareListings();
    this.ensureSourceListing();
    await this.until(() =>
      (this.state.scan.source.groups ?? []).every((_, i) => this.loaded.has(`source-members-${i}`)),
    );
  }

  /** Source users in listing order, numbered; each shard once it is completely listed. */
  private async *sourceUsers(): AsyncGenerator<{ seq: number; user: UserRecord }> {
    let seq = 0;
    const shards = this.state.scan.source.shards;
    for (const shard of Object.keys(shards).sort()) {
      await this.until(() => shards[shard].done);
      for await (const line of shardFile(this.o.store.dir, 'source', shard).lines()) {
        const user = decodeUser(line);
        user.groups = this.sourceMembership!.groupsOf(user.username);
        yield { seq: seq++, user };
      }
    }
  }

  // ---------------------------------------------------------------- import

  private async importPhase(): Promise<void> {
    const imp = this.o.import!;
    await this.loadListings();
    await this.sourceListed();
    this.report.counts.sourceUsers = listedUsers(this.state.scan.source);
    const csvDir = join(this.o.store.dir, 'import');
    let state = this.state.import;
    const blocker = importBlocker(this.ctx.standbyPool);
    if (blocker) {
      this.warn(`--import not used: ${blocker}; missing users are created one by one`);
      state ??= { candidates: 0, notImportable: {}, used: false, jobs: [], done: false };
    } else if (!state || needsCsv(state)) {
      // The CSV chunks are rebuilt from the listing (deterministic) whenever a job may still need one.
      const built = await this.writeImportCsv(csvDir, imp.chunkRows ?? 100_000);
      if (!state) {
        const used = built.candidates >= (imp.threshold ?? 1000);
        state = { ...built, used, jobs: used ? built.jobs : [], done: false };
      }
    }
    this.state.import = state;
    await this.save(true);
    if (state.used) {
      this.progress.phase(`importing ${state.candidates} users`);
      const finished = await runImportJobs({
        standby: this.target,
        state,
        chunkFile: (chunk) => join(csvDir, `chunk-${chunk}.csv`),
        jobName: (chunk) => `cognito-standby-sync-${this.state.runId.slice(0, 8)}-${chunk}`,
        cloudWatchLogsRoleArn: imp.roleArn,
        clock: this.clock,
        pollMs: imp.pollMs,
        shouldStop: () => this.stopping,
        save: () => this.save(true),
        upload: imp.upload,
        log: (m) => this.note(m),
      });
      if (!finished) throw new RunStoppedError();
    }
    state.done = true;
    this.state.phase = 'pass';
    await this.save(true);
  }

  /**
   * Writes the missing users that can be imported to CSV chunks (`chunk-N.csv`, `chunkRows` users
   * each) in the target's GetCSVHeader format. With `--deep`, each missing user is read first
   * (AdminGetUser): users with SMS or e-mail MFA must not be imported (see `importRow`).
   */
  private async writeImportCsv(
    csvDir: string,
    chunkRows: number,
  ): Promise<Pick<ImportState, 'candidates' | 'notImportable' | 'jobs'>> {
    const header = await this.csvHeader();
    await mkdir(csvDir, { recursive: true });
    const files: Awaited<ReturnType<typeof open>>[] = [];
    const notImportable: Record<string, number> = {};
    const jobs: ImportState['jobs'] = [];
    let candidates = 0;
    this.progress.phase('preparing the import', this.report.counts.sourceUsers);
    const write = async (seq: number, plan: ReplicationPlan | undefined, failed?: boolean): Promise<void> => {
      const row = failed
        ? { reason: 'read-failed' as const }
        : plan
          ? importRow(header, plan, this.ctx.standbyPool)
          : undefined;
      if (!row) return; // gone since the listing
      if (!row.row) {
        notImportable[row.reason!] = (notImportable[row.reason!] ?? 0) + 1;
        return;
      }
      const chunk = Math.floor(candidates / chunkRows);
      candidates++;
      if (!files[chunk]) {
        files[chunk] = await open(join(csvDir, `chunk-${chunk}.csv`), 'w', 0o600);
        await files[chunk].write(`${csvHeaderLine(header)}\n`);
        jobs[chunk] = { chunk, firstSeq: seq, lastSeq: seq, rows: 0, status: 'New' };
      }
      await files[chunk].write(`${row.row}\n`);
      jobs[chunk].rows++;
      jobs[chunk].lastSeq = seq;
    };
    let batch: { seq: number; user: UserRecord; plan?: ReplicationPlan; failed?: boolean }[] = [];
    const flush = async () => {
      if (this.deep) {
        await forEachLimit(batch, Math.max(8, Math.ceil(this.source.limiter.rate('UserRead') * 2)), async (c) => {
          try {
            const full = await this.readFull(c.user);
            c.plan = full ? planReplication(full, undefined, this.ctx) : undefined;
          } catch (err) {
            if (err instanceof RunStoppedError || this.stopping) throw new RunStoppedError();
            c.failed = true; // the pass reads it again, and fails or creates it one by one
          }
        });
      }
      for (const c of batch) await write(c.seq, c.plan, c.failed);
      batch = [];
    };
    try {
      for await (const { seq, user } of this.sourceUsers()) {
        if (seq % 1000 === 0) this.progress.update(seq);
        const result = planSourceUser(user, this.index!, this.ctx);
        if (result.kind !== 'create' || !result.plan) continue;
        batch.push({ seq, user, plan: result.plan });
        if (batch.length >= 256) await flush();
      }
      await flush();
    } finally {
      for (const f of files) await f.close();
    }
    return { candidates, notImportable, jobs };
  }

  // ---------------------------------------------------------------- the pass

  private pass?: SeqTracker;

  private async passPhase(): Promise<void> {
    await this.loadListings();
    if (this.apply) await this.createMissingGroups();
    const tracker = (this.pass = new SeqTracker(this.state.pass));
    const counts = this.report.counts;
    const target = this.target;
    const rate = (key: string) => {
      const [side, category] = key.split(':') as [string, QuotaCategory];
      const gw = side === 'source' ? this.source : target;
      return gw.limiter.rate(category);
    };
    const scheduler = new ApplyScheduler({ ...this.o.scheduler, rate });
    const horizonChunk = this.o.horizonChunk ?? 500;
    const deepLimit = Math.max(8, Math.ceil(this.source.limiter.rate('UserRead') * 2));
    let deepInFlight = 0;
    const deepWaiters: (() => void)[] = [];
    const preparing = new Set<Promise<void>>();
    let processed = 0;
    const source = this.state.scan.source;
    this.progress.phase(
      this.apply ? 'reconciling' : 'planning',
      scanDone(source) ? listedUsers(source) : this.ctx.sourcePool.estimatedUsers,
    );
    const tick = () => {
      processed++;
      if (processed % 50 === 0)
        this.progress.update(processed, this.apply ? `${counts.writes} writes, ${counts.failed} failed` : undefined);
    };

    for await (const { seq, user } of this.sourceUsers()) {
      const status = tracker.status(seq);
      if (status === 'done') {
        this.index!.match(user, this.ctx.sourceSubAttribute);
        tick();
        continue;
      }
      if (this.stopping) break;
      // Planning is CPU work: let timers (the limiter's pacing) run between users.
      if (seq % 32 === 0) await new Promise((r) => setImmediate(r));
      if (tracker.needsHorizon(seq)) {
        tracker.extendHorizon(seq + horizonChunk);
        await this.save(false);
      } else await this.saveIfDue();
      tracker.start(seq);
      // Called once per user, synchronously with its completion: the checkpoint never holds a
      // user's counts without it being done, nor the other way round.
      const finish: Finish = (bucket, replica) => {
        this.report.settle(bucket);
        if (bucket !== 'vanished' && bucket !== 'ambiguous')
          this.report.failover(failoverFate(replica, this.failoverOptions()));
        tracker.complete(seq);
        tick();
      };
      if (this.deep) {
        while (deepInFlight >= deepLimit) await new Promise<void>((r) => deepWaiters.push(r));
        deepInFlight++;
        const p = this.prepare(seq, user, status, scheduler, finish)
          .catch((err) => this.prepareFailed(seq, user, err, finish))
          .finally(() => {
            deepInFlight--;
            deepWaiters.shift()?.();
            preparing.delete(p);
          });
        preparing.add(p);
      } else {
        await this.prepare(seq, user, status, scheduler, finish).catch((err) =>
          this.prepareFailed(seq, user, err, finish),
        );
      }
    }
    await Promise.all(preparing);
    if (this.stopping) {
      for (const job of scheduler.stop()) tracker.release(job.seq);
      throw new RunStoppedError();
    }
    await scheduler.idle();
    await Promise.all(this.indexing);
    if (this.stopping) throw new RunStoppedError();
    this.progress.update(processed);
    this.state.phase = 'orphans';
    this.matchedThisSession = true;
    this.pass = undefined;
    this.state.pass = undefined;
    await this.save(true);
  }

  private prepareFailed(seq: number, user: UserRecord, err: unknown, finish: Finish): void {
    if (err instanceof RunStoppedError || this.stopping) {
      this.pass?.release(seq);
      return;
    }
    // Failed before it could be planned (a --deep read): counted as examined and failed, nothing else.
    this.report.found(user, undefined, 'skip', this.ctx);
    this.report.failed(user.attributes.sub, describeError(err));
    finish('failed', this.index!.match(user, this.ctx.sourceSubAttribute).replica);
  }

  /**
   * A source user read in full (AdminGetUser: its MFA) with its listed groups, or `undefined`
   * when it is gone, or its name now belongs to another user, since the listing.
   */
  private async readFull(listed: UserRecord): Promise<UserRecord | undefined> {
    const full = await this.source.getUser(listed.username);
    if (!full || full.attributes.sub !== listed.attributes.sub) return undefined;
    return { ...full, groups: listed.groups };
  }

  /** Plans one source user; finishes it at once or hands its writes to the scheduler. */
  private async prepare(
    seq: number,
    listed: UserRecord,
    status: SeqStatus,
    scheduler: ApplyScheduler,
    finish: Finish,
  ): Promise<void> {
    let source = listed;
    if (this.deep) {
      const full = await this.readFull(listed);
      if (!full) {
        // Gone (or replaced) since the listing: its replica is left to the orphan rules.
        this.report.counts.vanished++;
        this.report.counts.examined++;
        finish('vanished');
        return;
      }
      source = full;
    }
    const result = planSourceUser(source, this.index!, this.ctx);
    let plan = result.plan;
    let replica = result.replica;
    if (result.kind === 'ambiguous' || !plan) {
      const locator = locatorOf(source, this.index!.identity);
      this.report.found(
        source,
        undefined,
        'ambiguous',
        this.ctx,
        undefined,
        locator ? `${locator.attribute}=${locator.value}` : undefined,
      );
      finish('ambiguous');
      return;
    }
    if (this.deep && replica && !this.hasMarker() && source.mfa?.enabled.some((f) => REPLICABLE_MFA.includes(f))) {
      // Without a marker attribute the replica's MFA is only known by reading it (bills it).
      replica = { ...replica, mfa: (await this.target.getUser(replica.username))?.mfa };
      plan = planReplication(source, replica, this.ctx);
    }
    let imported: ImportOutcome | undefined;
    if (!replica && plan.kind === 'create') {
      const outcome = importOutcome(this.state.import, seq);
      const header = outcome ? await this.csvHeader() : [];
      if (outcome && importRow(header, plan, this.ctx.standbyPool).row) {
        imported = outcome;
        if (outcome === 'trusted') {
          // Created by a job that reported every row imported: plan what the import could not carry.
          replica = importedReplica(header, plan);
          plan = planReplication(source, replica, this.ctx);
        }
      }
    }
    const fresh = status === 'uncertain';
    if (!this.apply || (!fresh && !imported && (plan.kind === 'in-sync' || plan.kind === 'skip'))) {
      if (this.apply && plan.kind === 'in-sync' && replica)
        await this.remember(source.attributes.sub, replica.username);
      this.report.found(source, plan, plan.kind, this.ctx, replica);
      finish(bucketOf(plan, plan.kind), replica);
      return;
    }
    const job = this.job(seq, source, plan, replica, { fresh, imported }, finish);
    await scheduler.submit(job);
  }

  private readonly indexing = new Set<Promise<void>>();

  /** Records a pair in the replica index (bounded concurrency; failures are warnings). */
  private async remember(sourceSub: string | undefined, standbyUsername: string): Promise<void> {
    if (!sourceSub || !this.o.replicaIndex) return;
    await this.indexCall(() => this.o.replicaIndex!.remember(sourceSub, standbyUsername));
  }

  private async indexCall(call: () => Promise<unknown>): Promise<void> {
    if (!this.o.replicaIndex) return;
    while (this.indexing.size >= 32) await Promise.race(this.indexing);
    const p: Promise<void> = call()
      .then((r) => {
        if (r === 'written') this.report.counts.indexWrites++;
      })
      .catch((err: unknown) => {
        this.warn(
          `the replica index could not be updated (change capture may miss deletions until the next run): ${describeError(err)}`,
        );
      })
      .finally(() => this.indexing.delete(p));
    this.indexing.add(p);
  }

  private hasMarker(): boolean {
    return poolHasAttribute(this.ctx.standbyPool, this.ctx.mfaMarkerAttribute);
  }

  private csvHeaderPromise?: Promise<string[]>;
  private csvHeader(): Promise<string[]> {
    this.csvHeaderPromise ??= this.target.getCsvHeader();
    return this.csvHeaderPromise;
  }

  /** The failover kit's classification options for the target pool (its defaults). */
  private failoverOptions(): FailoverOptions {
    return {
      pool: this.ctx.standbyPool,
      sourceSubAttribute: this.ctx.sourceSubAttribute,
      mfaMarkerAttribute: this.ctx.mfaMarkerAttribute,
    };
  }

  /**
   * The replica a started import job may have made for `source`, looked up in the target
   * (ListUsers with a filter, not billed): `null` when it is not there (the row failed or was
   * skipped: create it one by one); the listed user in no group when it arrived RESET_REQUIRED as
   * imported users do; `undefined` (the normal path looks it up in full) when someone else made it.
   */
  private async importedReplicaIn(target: CognitoGateway, source: UserRecord): Promise<UserRecord | null | undefined> {
    const locator = locatorOf(source, this.index!.identity);
    if (!locator) return null;
    const { replica, ambiguous } = chooseReplica(
      await target.findUsers(locator),
      source.attributes.sub,
      this.ctx.sourceSubAttribute,
    );
    if (ambiguous) return undefined;
    if (!replica) return null;
    return replica.status === 'RESET_REQUIRED' ? { ...replica, groups: [] } : undefined;
  }

  /**
   * The scheduler job applying one user's plan with the shared replication code. Retries are the
   * gateway's alone (one policy for reads and writes): a call that still fails fails the user.
   */
  private job(
    seq: number,
    source: UserRecord,
    plan: ReplicationPlan,
    replica: UserRecord | undefined,
    how: { fresh: boolean; imported?: ImportOutcome },
    finish: Finish,
  ): Job {
    const lookup = how.fresh || how.imported === 'check';
    const categories = [
      ...(lookup ? ['ListUsers'] : []),
      ...(how.fresh ? ['AdminListGroupsForUser'] : []),
      ...planOperations(plan),
    ];
    const path: string[] = [];
    for (const op of categories) {
      const key = `standby:${OPERATION_CATEGORY[op] ?? 'UserPoolRead'}`;
      if (path[path.length - 1] !== key) path.push(key);
    }
    return {
      seq,
      path,
      run: async (at) => {
        const view = userView(this.target, 'standby', at);
        const ctx: ReplicationContext = { ...this.rctx, standby: view };
        // `undefined`: look the replica up again (a previous run may have been writing it);
        // `null`: known missing.
        let hint: UserRecord | null | undefined = how.fresh ? undefined : (replica ?? null);
        let imported = how.imported === 'trusted';
        let bucket: UserBucket = 'failed';
        let after: UserRecord | undefined = replica;
        try {
          if (how.imported === 'check' && !how.fresh) {
            hint = await this.importedReplicaIn(view, source);
            imported = !!hint;
          }
          let outcome: Awaited<ReturnType<typeof replicateSourceUser>>;
          try {
            outcome = await replicateSourceUser(ctx, source, hint);
          } catch (err) {
            // A trusted import did not create this user after all: create it here.
            if (!(how.imported === 'trusted' && classifyError(err) === 'not-found')) throw err;
            hint = null;
            imported = false;
            outcome = await replicateSourceUser(ctx, source, hint);
          }
          // A plan looked up again, or whose MFA call was refused for a pending reset, is reported as carried out.
          const found = lookup || outcome.mfaPending ? (outcome.plan ?? plan) : plan;
          if (outcome.standbyUsername && outcome.result !== 'skipped')
            await this.remember(source.attributes.sub, outcome.standbyUsername);
          this.report.found(source, found, found.kind, this.ctx, replica);
          this.report.applied(outcome.result, view.writeCalls);
          if (how.fresh) this.report.counts.rechecked++;
          if (imported) this.report.counts.imported++;
          bucket =
            outcome.result === 'skipped'
              ? bucketOf(outcome.plan, 'skip')
              : outcome.mfaPending
                ? 'mfaPending'
                : 'inSync';
          const base = hint === null ? undefined : (hint ?? replica);
          after = outcome.plan ? replicaAfter(base, outcome.plan) : base;
        } catch (err) {
          if (err instanceof RunStoppedError || this.stopping) return; // left uncertain: re-read next run
          this.report.found(source, plan, plan.kind, this.ctx, replica);
          this.report.applied('skipped', view.writeCalls);
          this.report.failed(
            source.attributes.sub,
            describeError(err),
            classifyError(err) === 'permanent' ? plan.standbyUsername : undefined,
          );
        }
        finish(bucket, after);
      },
    };
  }

  private async createMissingGroups(): Promise<void> {
    const have = new Set((this.state.scan.standby.groups ?? []).map((g) => g.name));
    for (const group of this.state.scan.source.groups ?? []) {
      if (have.has(group.name) || this.stopping) continue;
      const roleArn = group.roleArn ? this.rctx.groupRoleMap?.[group.roleArn] : undefined;
      try {
        await this.target.createGroup({
          name: group.name,
          description: group.description,
          precedence: group.precedence,
          roleArn,
        });
        this.report.counts.groupsCreated++;
        this.state.scan.standby.groups?.push({ ...group, roleArn });
      } catch (err) {
        if (err instanceof RunStoppedError || this.stopping) throw new RunStoppedError();
        this.warn(
          `could not create group ${group.name} in the target: ${describeError(err)} (its members are added as they are replicated, creating it then)`,
        );
      }
    }
  }

  // ---------------------------------------------------------------- orphans

  private async orphanPhase(): Promise<void> {
    await this.loadListings();
    if (!this.matchedThisSession) {
      // Resumed at this phase: mark the replicas the source users claim (no calls).
      for await (const { user } of this.sourceUsers()) this.index!.match(user, this.ctx.sourceSubAttribute);
    }
    const counts = this.report.counts;
    const decision = this.deletionDecision();
    const limit = this.o.maxDeletes ?? 10;
    const deleted = new Set(this.state.deleted ?? []);
    this.state.deleted = [...deleted];
    const candidates: UserRecord[] = [];
    counts.orphans = 0;
    counts.standbyOnly = 0;
    counts.failoverLeftover = { send: 0, notSent: {} };
    delete this.report.state.entries.orphan;
    delete this.report.state.entries['standby-only'];
    delete this.report.state.omitted.orphan;
    delete this.report.state.omitted['standby-only'];
    for (const user of this.index!.unmatched()) {
      const kind = classifyLeftover(user, this.ctx);
      if (kind === 'orphan') {
        counts.orphans++;
        this.report.entry('orphan', {
          sub: user.attributes[this.ctx.sourceSubAttribute],
          standbyUsername: user.username,
        });
        if (decision.allowed && !deleted.has(user.username) && candidates.length + deleted.size < limit)
          candidates.push(user);
      } else {
        counts.standbyOnly++;
        this.report.entry('standby-only', { standbyUsername: user.username });
      }
    }
    if (decision.allowed && candidates.length) {
      this.progress.phase('deleting orphans', candidates.length);
      let n = 0;
      const work = candidates.map((user) => async () => {
        if (this.stopping) return;
        const sourceSub = user.attributes[this.ctx.sourceSubAttribute];
        try {
          // Last check against the source itself (not billed): never delete a replica whose source user exists.
          if (await this.source.findBySub(sourceSub)) {
            this.warn(`orphan ${user.username} kept: its source user ${sourceSub} exists after all (listed late)`);
            return;
          }
          await this.target.deleteUser(user.username);
          await this.indexCall(() => this.o.replicaIndex!.forget(sourceSub, user.username));
          deleted.add(user.username);
          this.state.deleted = [...deleted];
          counts.deleted = deleted.size;
          this.report.entry('deleted', { sub: sourceSub, standbyUsername: user.username });
        } catch (err) {
          if (err instanceof RunStoppedError || this.stopping) return;
          this.report.deleteFailed(sourceSub, `deleting orphan: ${describeError(err)}`, user.username);
        }
        this.progress.update(++n);
        await this.saveIfDue();
      });
      await forEachLimit(
        work,
        this.o.deleteConcurrency ?? Math.max(4, Math.ceil(this.target.limiter.rate('UserUpdate') * 2)),
        (w) => w(),
      );
      if (this.stopping) throw new RunStoppedError();
    }
    counts.deleted = deleted.size;
    // A failover sends to the target users left over as well (orphans not deleted; standby-only
    // users only where its rule takes them).
    for (const user of this.index!.unmatched())
      if (!deleted.has(user.username)) this.report.failover(failoverFate(user, this.failoverOptions()), true);
    await Promise.all(this.indexing);
    this.state.phase = 'done';
    this.deletion = decision;
  }

  private matchedThisSession = false;
  private deletion?: DeletionDecision;

  private deletionDecision(): DeletionDecision {
    const c = this.report.counts;
    return deletionDecision({
      requested: !!this.o.deleteOrphans,
      apply: this.apply,
      sourceUsers: c.sourceUsers,
      standbyUsers: c.standbyUsers,
      minSourceShare: this.o.minSourceShare ?? 0.5,
      sourceSubAttributeInSchema: poolHasAttribute(this.ctx.standbyPool, this.ctx.sourceSubAttribute),
      failed: c.failed,
    });
  }

  // ---------------------------------------------------------------- report

  private buildReport(status: RunStatus): ReconcileReport {
    const counts = this.report.counts;
    const target = this.target;
    const sourceGroups = (this.state.scan.source.groups ?? []).map((g) => g.name);
    const targetGroups = (this.state.scan.standby.groups ?? []).map((g) => g.name);
    let estimate = 0;
    for (const [category, n] of Object.entries(counts.plannedCalls)) {
      estimate = Math.max(estimate, n / target.limiter.rate(category as QuotaCategory));
    }
    const billed = (this.source.calls.AdminGetUser ?? 0) + (target.calls.AdminGetUser ?? 0);
    const decision = this.deletion ?? this.deletionDecision();
    return {
      version: 1,
      tool: 'cognito-standby-sync reconcile',
      runId: this.state.runId,
      status,
      phase: this.state.phase,
      startedAt: this.state.startedAt,
      finishedAt: new Date(this.clock.now()).toISOString(),
      mode: this.apply ? 'apply' : 'dry-run',
      deep: this.deep,
      source: { region: this.source.region, poolId: this.source.poolId },
      target: { region: target.region, poolId: target.poolId },
      resumed: this.resumed,
      sessions: this.state.sessions,
      counts,
      groups: {
        missingInTarget: sourceGroups.filter((g) => !targetGroups.includes(g)),
        onlyInTarget: targetGroups.filter((g) => !sourceGroups.includes(g)),
      },
      import: this.state.import,
      deletion: { ...decision, requested: !!this.o.deleteOrphans, limit: this.o.maxDeletes ?? 10 },
      estimatedApplySeconds: Math.ceil(estimate),
      calls: { source: { ...this.source.calls }, target: { ...target.calls } },
      listing: { source: listingTotals(this.state.scan.source), target: listingTotals(this.state.scan.standby) },
      billedReads: billed,
      writeCalls: target.writeCalls,
      readiness: readiness(counts, {
        deep: this.deep,
        totpKnown: this.hasMarker(),
        recoveryRate: target.limiter.rate('UserAccountRecovery'),
      }),
      warnings: this.warnings,
      entries: this.report.state.entries,
      omitted: this.report.state.omitted,
      checkpoint: this.o.store.location,
    };
  }
}
