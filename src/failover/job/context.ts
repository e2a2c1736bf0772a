import type { PoolConfig } from '../../core/types';
import type { RowOutcome, SendJournal } from '../journal-port';
import type { ManifestRow } from '../manifest';
import type { MfaReader } from '../read-mfa';
import type { UserLister } from '../scan';
import type { JobStore, ManifestStore } from './ports';
import type { RetryOptions } from './retry';
import { withRetries } from './retry';
import type { SessionStop } from './stop';
import type { JobState } from './types';

/** The per-row sender of a session (see `createRowSender` in `send.ts`): built with the session's stop signal. */
export interface JobRowSender {
  send(row: ManifestRow): Promise<RowOutcome>;
  /** Set once the sender gave up (too many failures in a row): the job pauses with it as the error. */
  readonly result?: { stoppedBecause?: string };
}

/** What a session of the job talks to: the standby pool, the job's state and its manifest. Nothing of the primary. */
export interface JobDeps {
  store: JobStore;
  manifests: ManifestStore;
  /** The standby pool: listing, MFA reads, its configuration. */
  standby: UserLister & MfaReader & { describePool(): Promise<PoolConfig> };
  /** Builds the row sender of a session; `signal` aborts when the session must stop. */
  createSender?: (signal: AbortSignal) => JobRowSender;
  /** Read after a failed row, for its reason (the journal the sender writes). */
  journal?: Pick<SendJournal, 'entry'>;
  now?: () => number;
  retry?: RetryOptions;
}

/** Settings of one session. */
export interface SessionOptions {
  poolId: string;
  /** Who works (the Lambda's request id, `cli-<host>-<pid>`): the lease's owner. */
  owner: string;
  /** Epoch ms by which the session must have stopped. */
  deadline: number;
  signal?: AbortSignal;
  /** How long a lease lasts without a save (a dead session's lease lapses after it). Default 2 min. */
  leaseMs?: number;
  /** How often the operator's pause is read. Default 5 s. */
  pollMs?: number;
  /** Sends in flight at once (the gateway's limiter sets the pace). Default 8. */
  sendConcurrency?: number;
  /** MFA reads in flight at once per page. Default 8. */
  readConcurrency?: number;
  /** Restarts of one shard after expired pagination tokens before the job fails. Default 5. */
  maxShardRestarts?: number;
}

/** What the listing and the send phases share within a session. */
export class SessionContext {
  state: JobState;
  readonly now: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  /** Set once a commit failed: the state in memory may be behind the store's, so nothing more is written. */
  private broken?: unknown;

  constructor(
    readonly deps: JobDeps,
    readonly options: SessionOptions,
    readonly stop: SessionStop,
    state: JobState,
  ) {
    this.state = state;
    this.now = deps.now ?? Date.now;
  }

  get leaseUntil(): number {
    return this.now() + (this.options.leaseMs ?? 120_000);
  }

  /** Runs a read or write of the job's storage with retries. */
  io<T>(fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, this.deps.retry);
  }

  /**
   * Applies `change` to a copy of the state (it may write a part first) and saves it, one commit
   * at a time; the state in memory moves only once the save is durable.
   */
  commit(change: (draft: JobState) => Promise<void> | void): Promise<void> {
    const run = async () => {
      if (this.broken !== undefined) throw this.broken;
      try {
        const draft = structuredClone(this.state);
        await change(draft);
        draft.updatedAt = new Date(this.now()).toISOString();
        this.state = await this.io(() => this.deps.store.save(draft, this.leaseUntil));
      } catch (err) {
        this.broken = err;
        throw err;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
