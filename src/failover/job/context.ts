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
  /** True once the sender sends nothing more (stopped, or gave up): the session feeds it no more rows. */
  readonly stopping?: boolean;
}

/** What a session of the job talks to: the standby pool, the job's state and its manifest. Nothing of the primary. */
export interface JobDeps {
  store: JobStore;
  manifests: ManifestStore;
  /** The standby pool: listing, MFA reads, its configuration. */
  standby: UserLister & MfaReader & { describePool(): Promise<PoolConfig> };
  /** Builds the row sender of a session; `signal` aborts when the session must stop. */
  createSender?: (signal: AbortSignal) => JobRowSender;
  /**
   * The journal the sender writes: read after a failed row for its reason; `prefetch` (when it
   * has one) reads a part's entries ahead in one batch; `close` at the end of each session
   * writes the outcomes a brief outage kept back.
   */
  journal?: Pick<SendJournal, 'entry'> &
    Partial<Pick<SendJournal, 'close'>> & {
      prefetch?(subs: string[]): Promise<void>;
    };
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
  private pending: { change: (draft: JobState) => Promise<void> | void; done: (err?: unknown) => void }[] = [];
  private saving = false;
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

  /** Throws when this session may no longer write (a commit failed: its state may be behind the store's). */
  assertWritable(): void {
    if (this.broken !== undefined) throw this.broken;
  }

  /**
   * Applies `change` to a copy of the state and saves it; resolves once the save is durable. Changes
   * that arrive while a save is in flight are grouped into the next save (one write for many
   * shards' cursors). After a failed save nothing more is written: the state in memory moves
   * only with saves that succeeded, and a save's answer may have been lost.
   */
  commit(change: (draft: JobState) => Promise<void> | void): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ change, done: (err) => (err === undefined ? resolve() : reject(err)) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.saving) return;
    this.saving = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          this.assertWritable();
          const draft = structuredClone(this.state);
          for (const p of batch) await p.change(draft);
          draft.updatedAt = new Date(this.now()).toISOString();
          this.state = await this.io(() => this.deps.store.save(draft, this.leaseUntil));
          for (const p of batch) p.done();
        } catch (err) {
          this.broken ??= err;
          for (const p of batch) p.done(err);
        }
      }
    } finally {
      this.saving = false;
    }
  }
}
