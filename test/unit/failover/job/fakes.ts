import { InvalidPaginationTokenError } from '../../../../src/cognito/errors';
import type { PoolConfig, UserRecord } from '../../../../src/core/types';
import type { JobDeps, JobRowSender } from '../../../../src/failover/job';
import { FileJobStore, newJobState } from '../../../../src/failover/job';
import { partName } from '../../../../src/failover/job/part-codec';
import type { ManifestStore } from '../../../../src/failover/job/ports';
import type { ManifestPart, PartRef } from '../../../../src/failover/job/types';
import type { JournalEntry, RowOutcome } from '../../../../src/failover/journal-port';
import type { ManifestRow } from '../../../../src/failover/manifest';
import { standbyPool } from '../../helpers';

/** A `sub` spread over the 16 shards: the hex of a multiplicative hash of `i`. */
export function subOf(i: number): string {
  const h = (Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${h}-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** A replica to be sent a code (e-mail verified, MFA marker NONE), unless `extra` says otherwise. */
export function replica(i: number, attrs: Record<string, string> = {}, extra: Partial<UserRecord> = {}): UserRecord {
  return {
    username: `user${i}`,
    attributes: {
      sub: subOf(i),
      'custom:source_sub': `src-${i}`,
      'custom:source_mfa': 'NONE',
      email: `user${i}@example.com`,
      email_verified: 'true',
      ...attrs,
    },
    enabled: true,
    status: 'CONFIRMED',
    ...extra,
  };
}

/**
 * The standby pool: ListUsers by `sub ^=` prefix in pages of `pageSize`, tokens that `expire(prefix)`
 * makes invalid, AdminGetUser answering the user with `mfa` (or none), a clock the calls advance.
 */
export class FakeStandby {
  readonly pool: PoolConfig = standbyPool({
    poolId: 'us-west-2_Job',
    region: 'us-west-2',
    accountRecovery: ['verified_email'],
  });
  listCalls = 0;
  reads = 0;
  private readonly epochs = new Map<string, number>();

  constructor(
    readonly users: UserRecord[],
    readonly pageSize = 3,
    readonly clock?: { advance(ms: number): void },
    readonly listMs = 0,
  ) {}

  async describePool(): Promise<PoolConfig> {
    return this.pool;
  }

  async listUsersPage(options: { filter?: string; nextToken?: string } = {}) {
    this.listCalls++;
    this.clock?.advance(this.listMs);
    const prefix = /sub \^= "(.)"/.exec(options.filter ?? '')?.[1] ?? '';
    const epoch = this.epochs.get(prefix) ?? 0;
    let offset = 0;
    if (options.nextToken) {
      const [p, o, e] = options.nextToken.split('|');
      if (p !== prefix || Number(e) !== epoch)
        throw new InvalidPaginationTokenError('Invalid pagination token', {
          operation: 'ListUsers',
          poolId: this.pool.poolId,
        });
      offset = Number(o);
    }
    const matching = this.users.filter((u) => (u.attributes.sub ?? '').startsWith(prefix));
    const users = matching.slice(offset, offset + this.pageSize);
    const next = offset + this.pageSize;
    return { users, nextToken: next < matching.length ? `${prefix}|${next}|${epoch}` : undefined };
  }

  /** Every token of the shard given out so far stops working. */
  expire(prefix: string): void {
    this.epochs.set(prefix, (this.epochs.get(prefix) ?? 0) + 1);
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    this.reads++;
    const u = this.users.find((x) => x.username === username);
    return u && { ...u, mfa: { enabled: [] } };
  }
}

/**
 * The journal and the sender together, with the journal's semantics (a user sent once is
 * `already-sent`), counting the codes each user was sent. `failSubs` fail (limit exceeded);
 * `killAfter(n)` throws after the n-th code went out, before its outcome returns (a kill).
 */
export class FakeSending {
  readonly journal = new Map<string, JournalEntry>();
  readonly codes = new Map<string, number>();
  failSubs = new Set<string>();
  private killAt?: number;
  totalSends = 0;
  onSend?: () => void;
  clock?: { advance(ms: number): void };
  sendMs = 0;

  get sentOnce(): number {
    return [...this.codes.values()].filter((n) => n === 1).length;
  }

  get sentTwice(): number {
    return [...this.codes.values()].filter((n) => n > 1).length;
  }

  killAfter(n: number): void {
    this.killAt = this.totalSends + n;
  }

  createSender = (signal: AbortSignal): JobRowSender => ({
    send: async (row: ManifestRow): Promise<RowOutcome> => {
      if (!row.send) return 'not-to-send';
      const entry = this.journal.get(row.sub);
      if (entry?.state === 'sent') return 'already-sent';
      if (signal.aborted) return 'stopped';
      this.clock?.advance(this.sendMs);
      if (this.failSubs.has(row.sub)) {
        this.journal.set(row.sub, {
          state: 'failed',
          at: 'x',
          reason: 'limit-exceeded',
          error: 'limit-exceeded: too many',
        });
        return 'failed';
      }
      this.journal.set(row.sub, { state: 'sent', at: 'x' });
      this.codes.set(row.sub, (this.codes.get(row.sub) ?? 0) + 1);
      this.totalSends++;
      this.onSend?.();
      if (this.killAt !== undefined && this.totalSends >= this.killAt) {
        this.killAt = undefined;
        throw new Error('killed');
      }
      return 'sent';
    },
  });

  journalPort = { entry: async (sub: string) => this.journal.get(sub) };
}

/** Manifest parts in memory. */
export class MemoryManifestStore implements ManifestStore {
  readonly parts = new Map<string, string>();
  readonly location = 'memory';

  async putPart(jobId: string, ref: PartRef, part: ManifestPart): Promise<void> {
    this.parts.set(`${jobId}/${partName(ref)}`, JSON.stringify(part));
  }

  async getPart(jobId: string, ref: PartRef): Promise<ManifestPart | undefined> {
    const text = this.parts.get(`${jobId}/${partName(ref)}`);
    return text ? (JSON.parse(text) as ManifestPart) : undefined;
  }
}

/** A settable clock. */
export class TestClock {
  constructor(public t = Date.parse('2026-11-30T00:00:00Z')) {}
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const POOL_ID = 'us-west-2_Job';

/** A job store holding a new job, and the deps of its sessions. */
export async function setup(
  users: UserRecord[],
  options: { send?: boolean; pageSize?: number; listMs?: number; sendMs?: number } = {},
) {
  const clock = new TestClock();
  const store = new FileJobStore();
  const manifests = new MemoryManifestStore();
  const standby = new FakeStandby(users, options.pageSize ?? 3, clock, options.listMs ?? 0);
  const sending = new FakeSending();
  sending.clock = clock;
  sending.sendMs = options.sendMs ?? 0;
  const state = newJobState({
    poolId: POOL_ID,
    now: clock.now(),
    options: {
      send: options.send ?? true,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
    },
  });
  await store.create(state);
  const deps: JobDeps = {
    store,
    manifests,
    standby,
    createSender: sending.createSender,
    journal: sending.journalPort,
    now: clock.now,
    retry: { attempts: 3, baseMs: 0 },
  };
  return { clock, store, manifests, standby, sending, state, deps };
}
