import { randomUUID } from 'node:crypto';
import { poolHasAttribute } from '../core/attributes';
import type { PlanContext } from '../core/plan';
import type { PoolConfig } from '../core/types';
import type { CognitoPool } from '../cognito/pool';
import { planContextOf, type ReplicationContext } from '../replication/replicate-user';
import { type CheckpointState, upgradeCheckpoint } from './checkpoint';
import type { SeqTracker } from './seq-tracker';
import type { FailoverOptions } from './failover-estimate';
import { Listings } from './listings';
import { checkpointKey, type ResolvedOptions } from './options';
import { ReplicaIndexSync } from './replica-index-sync';
import { ReportBuilder } from './report';
import type { DeletionDecision } from './safety';
import { newScanState, RunStoppedError } from './scan';
import { runView } from './views';

/** The longest a stopping run waits for its requests in flight before it saves its checkpoint. */
const DRAIN_LIMIT_MS = 30_000;

/**
 * One session of a run (a CLI run, a Lambda invocation): what every phase shares. It owns the
 * checkpoint (loaded or started, saved one write at a time), the stop signal, the warnings, the
 * run's views of the two gateways (nothing is sent once the run stops), the report's counters,
 * the listings (spooled and sorted on disk) and the replica index writes. Phases change the run only through
 * it; it knows no phase.
 */
export class Session {
  readonly options: ResolvedOptions;
  /** The pool replicated from, through this run's view (nothing is sent once the run stops). */
  readonly source: CognitoPool;
  /** The pool made to match, through this run's view. */
  readonly target: CognitoPool;
  readonly warnings: string[] = [];
  state!: CheckpointState;
  report!: ReportBuilder;
  /** Plan context of the pair (pool configurations, attribute names). */
  planContext!: PlanContext;
  /** Replication context writing to the target through this run's view. */
  replication!: ReplicationContext;
  listings!: Listings;
  readonly replicaIndex: ReplicaIndexSync;
  /** A checkpoint was resumed. */
  resumed = false;
  /** The pass's tracker while it runs (its snapshot goes into every checkpoint). */
  pass?: SeqTracker;
  /** The deletion decision taken by the orphan phase. */
  deletion?: DeletionDecision;

  private readonly stopController = new AbortController();
  private readonly views: ReturnType<typeof runView>[];
  private lastSave = 0;
  private saving: Promise<void> = Promise.resolve();
  private csvHeaderPromise?: Promise<string[]>;

  constructor(options: ResolvedOptions) {
    this.options = options;
    const sourceView = runView(options.source, this.stopController.signal);
    const targetView = runView(options.target, this.stopController.signal);
    this.views = [sourceView, targetView];
    this.source = sourceView.gateway;
    this.target = targetView.gateway;
    this.replicaIndex = new ReplicaIndexSync(this);
    const { signal } = options;
    if (signal) {
      if (signal.aborted) this.stop();
      else signal.addEventListener('abort', () => this.stop(), { once: true });
    }
  }

  /** True once the run was asked to stop (or failed): start nothing more. */
  get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Stops the run: no call of it reaches Cognito any more. */
  stop(): void {
    this.stopController.abort();
  }

  /** Throws {@link RunStoppedError} when the run is stopping. */
  throwIfStopping(): void {
    if (this.stopping) throw new RunStoppedError();
  }

  /** A line for the operator. */
  note(message: string): void {
    this.options.progress.log(message);
  }

  /** A warning: in the report (once) and for the operator. */
  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.options.progress.log(`warning: ${message}`);
  }

  /**
   * Loads the checkpoint (or starts a run), and reads both pools' configurations. A checkpoint of
   * another pool pair or mode, or too old to trust, is discarded.
   */
  async open(): Promise<void> {
    const o = this.options;
    const key = checkpointKey(o);
    let state = o.restart ? undefined : await o.store.load();
    if (o.restart) await o.store.clear();
    if (state && state.key !== key) {
      this.note(`ignoring the checkpoint at ${o.store.location}: it is for another pool pair or mode (${state.key})`);
      await o.store.clear();
      state = undefined;
    } else if (state && o.clock.now() - Date.parse(state.startedAt) > o.maxCheckpointAgeMs) {
      this.note(
        `ignoring the checkpoint at ${o.store.location}: started ${state.startedAt}, its listings are too old to trust`,
      );
      await o.store.clear();
      state = undefined;
    }
    this.resumed = !!state;
    this.state = state ? upgradeCheckpoint(state) : this.newState(key);
    this.state.sessions++;
    this.resetReport(this.state.report);
    if (this.resumed)
      this.note(`resuming run ${this.state.runId} from ${o.store.location} (phase ${this.state.phase})`);
    // The replication code's context names its write side `standby` (the daily direction).
    this.replication = {
      source: this.source,
      standby: this.target,
      sourceSubAttribute: o.sourceSubAttribute,
      mfaMarkerAttribute: o.mfaMarkerAttribute,
      groupRoleMap: o.groupRoleMap,
      linkFederatedUsers: o.linkFederatedUsers,
    };
    // Read with the gateways themselves: a stop requested this early must still leave a checkpoint.
    this.planContext = await planContextOf({ ...this.replication, source: o.source, standby: o.target });
    this.listings = new Listings(this);
    this.checkPools();
  }

  /** Starts the listings (and everything found from them) over: the spool was lost. */
  restartListing(): void {
    const shards = Object.keys(this.state.scan.source.shards);
    Object.assign(this.state, {
      phase: 'scan',
      scan: { source: newScanState(shards), target: newScanState(shards) },
      pass: undefined,
      import: undefined,
      deleted: undefined,
    });
    this.resetReport(undefined);
  }

  /** Records the checkpoint (one write at a time). `clean`: nothing is being written now. */
  async save(clean = false): Promise<void> {
    const next = this.saving.then(async () => {
      if (this.pass) this.state.pass = this.pass.snapshot(clean);
      this.state.savedAt = new Date(this.options.clock.now()).toISOString();
      this.lastSave = this.options.clock.now();
      await this.options.store.save(this.state);
    });
    this.saving = next.catch(() => undefined);
    await next;
  }

  /** Records the checkpoint when the last one is older than the save interval. */
  async saveIfDue(): Promise<void> {
    if (this.options.clock.now() - this.lastSave < this.options.saveIntervalMs) return;
    this.lastSave = this.options.clock.now();
    await this.save(false);
  }

  /** Counts the save interval from now (a phase that starts saving on its own). */
  savedNow(): void {
    this.lastSave = this.options.clock.now();
  }

  /**
   * Resolves once no request of this run is in flight (each ends within the SDK's request
   * timeout), or after {@link DRAIN_LIMIT_MS} at most (a client without a request timeout).
   */
  async drain(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_LIMIT_MS);
    });
    try {
      await Promise.race([Promise.all(this.views.map((v) => v.onIdle())), limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The target's user import CSV header (GetCSVHeader, read once). */
  csvHeader(): Promise<string[]> {
    this.csvHeaderPromise ??= this.target.getCsvHeader();
    return this.csvHeaderPromise;
  }

  /**
   * The target pool's configuration. (The shared plan context calls it `standbyPool`, after the
   * daily direction; in a reverse run it is the primary's pool.)
   */
  get targetPool(): PoolConfig {
    return this.planContext.standbyPool;
  }

  /** The target records TOTP enrolment in its MFA marker attribute. */
  hasMarker(): boolean {
    return poolHasAttribute(this.targetPool, this.planContext.mfaMarkerAttribute);
  }

  /** The failover kit's classification options for the target pool (its defaults). */
  failoverOptions(): FailoverOptions {
    return {
      pool: this.targetPool,
      sourceSubAttribute: this.planContext.sourceSubAttribute,
      mfaMarkerAttribute: this.planContext.mfaMarkerAttribute,
    };
  }

  private newState(key: string): CheckpointState {
    const now = new Date(this.options.clock.now()).toISOString();
    const shards = this.options.shards;
    return {
      version: 1,
      key,
      runId: randomUUID(),
      startedAt: now,
      savedAt: now,
      sessions: 0,
      phase: 'scan',
      scan: { source: newScanState(shards), target: newScanState(shards) },
    };
  }

  private resetReport(saved: CheckpointState['report']): void {
    this.report = new ReportBuilder(saved, this.options.reportLimit);
    this.state.report = this.report.state;
  }

  /** Warns about what the target's schema or the source's trigger leave out. */
  private checkPools(): void {
    const { sourcePool, sourceSubAttribute, mfaMarkerAttribute } = this.planContext;
    const has = (name: string) => poolHasAttribute(this.targetPool, name);
    if (!has(sourceSubAttribute)) {
      this.warn(
        `the target pool has no ${sourceSubAttribute} attribute: replicas cannot record their source user, orphans cannot be told from standby-only users (nothing will be deleted)`,
      );
    }
    if (!has(mfaMarkerAttribute)) {
      this.warn(
        `the target pool has no ${mfaMarkerAttribute} attribute: TOTP users are not recorded for failover${this.options.deep ? ', and --deep also reads each replica whose source user has MFA' : ''}`,
      );
    }
    const expected = this.options.expectedTrigger;
    if (expected && sourcePool.lambdaTriggers.PostConfirmation !== expected) {
      this.warn(
        `the source pool's PostConfirmation trigger is ${sourcePool.lambdaTriggers.PostConfirmation ?? 'not set'}, not ${expected}: new sign-ups are not replicated until it is attached again`,
      );
    }
  }
}
