/**
 * One Region of Cognito, in memory: its pools, the per-category quotas of the account in that
 * Region, faults, a log of the calls and the listeners of successful writes. Both transports
 * (direct.ts in process, ../cognito-shim.ts on a loopback port) call {@link CognitoModel.call}.
 * @packageDocumentation
 */
import { OPERATION_CATEGORY, type QuotaCategory } from '../../../src/cognito/quotas';
import type { Clock } from '../../../src/cognito/limiter';
import { ImportUploadError } from '../../../src/reconcile/import-job';
import type { OpContext, RegionServices } from './context';
import { commandClient } from './direct';
import { fail } from './errors';
import { type ApiFaults, FaultState } from './faults';
import { receiveUpload } from './import-jobs';
import { isMutatingOperation, isUserWrite, OPERATIONS } from './operations';
import { Pager } from './paging';
import { ModelPool } from './pool';
import type { Json, ModelCall, ModelUser, PoolOptions } from './types';
import { QuotaBuckets } from './quotas';
import { peekClaims } from './tokens';

/** Settings of a {@link CognitoModel}. */
export interface CognitoModelOptions {
  clock: Clock;
  region?: string;
  accountId?: string;
  /** Requests per second per category (default: the AWS defaults); `false`: no quota (the HTTP emulator's default). */
  quotas?: Partial<Record<QuotaCategory, number>> | false;
  /** Burst allowed per category, in seconds of its rate. Default 1. */
  burstSeconds?: number;
  /** Latency of every call, ms of clock time. Default 0. */
  latencyMs?: number;
  /** Record every call in `log` (tests). Default true. */
  record?: boolean;
  /** Pagination tokens older than this (clock ms) are refused. Default: never. */
  tokenTtlMs?: number;
  /** An import job's upload URL. Default `model://{poolId}/{jobId}` (see {@link CognitoModel.upload}). */
  uploadUrl?: (poolId: string, jobId: string) => string;
}

/** A successful mutating call, as reported to {@link CallListener}s (e.g. to build CloudTrail-like events). */
export interface CallEvent {
  operation: string;
  region: string;
  request: Json;
  response: Json;
  at: Date;
  /** The access key id the request was signed with (tells callers apart, e.g. an admin from a worker). */
  accessKeyId?: string;
  /**
   * The user the call is about, resolved just before the call ran (so a deletion still has its
   * `sub`). `sub` is absent for a user that did not exist yet (AdminCreateUser: see the response).
   */
  subject?: { userPoolId?: string; username?: string; sub?: string };
}

/** Receives each successful mutating call. Must not throw (errors are ignored). */
export type CallListener = (event: CallEvent) => void;

/** A code Cognito would have sent (kept, never printed). */
export interface OutboxEntry {
  seq: number;
  at: string;
  poolId: string;
  username: string;
  kind: string;
  medium: 'EMAIL' | 'SMS';
  code?: string;
}

/** Who sent a request (from the transport). */
export interface CallMeta {
  accessKeyId?: string;
}

/**
 * One Region of the Cognito model.
 *
 * @example
 * const west = new CognitoModel({ clock });
 * const pool = west.addPool({ id: 'us-west-2_Standby', customAttributes: ['source_sub'] });
 * pool.put({ Username: 'ann', Attributes: { email: 'ann@example.com' } });
 * const gateway = new CognitoGateway({ region: 'us-west-2', poolId: pool.options.id, client: west.client });
 */
export class CognitoModel {
  readonly pools = new Map<string, ModelPool>();
  readonly log: ModelCall[] = [];
  /** Answered calls by operation. */
  readonly counts: Record<string, number> = {};
  /** Requests received by operation (throttled and failed ones included). */
  readonly calls: Record<string, number> = {};
  /** Requests throttled by the `throttleShare` fault, per operation. */
  readonly throttledBy: Record<string, number> = {};
  /** Requests refused by the quotas or the throttle fault. */
  throttled = 0;
  readonly outbox: OutboxEntry[] = [];
  /** Makes chosen calls fail (tests): returns the error to answer with, or undefined. */
  failNext?: (op: string, input: Json) => Error | undefined;
  /** Invokes a pool's Lambda trigger (set by the HTTP transport's host). */
  trigger?: RegionServices['trigger'];
  readonly pager: Pager;
  private readonly buckets: QuotaBuckets;
  private readonly faultState = new FaultState();
  private readonly listeners = new Set<CallListener>();
  private directClient?: unknown;
  private outboxSeq = 0;

  constructor(readonly options: CognitoModelOptions) {
    this.buckets = new QuotaBuckets(options.quotas || {}, options.burstSeconds);
    this.pager = new Pager(() => this.options.clock, {
      tokenTtlMs: options.tokenTtlMs,
      shortPages: () => this.faultState.shortPage(),
    });
  }

  get region(): string {
    return this.options.region ?? 'us-east-1';
  }

  /** A client for this Region, through the direct transport without serialisation (`commandClient`, direct.ts). */
  get client(): never {
    this.directClient ??= commandClient(this);
    return this.directClient as never;
  }

  get faults(): ApiFaults {
    return this.faultState.current;
  }

  set faults(f: ApiFaults) {
    this.faultState.set(f);
  }

  /** Switches to another clock (the quota buckets start full again). */
  useClock(clock: Clock): void {
    this.options.clock = clock;
    this.buckets.reset();
  }

  addPool(options: PoolOptions): ModelPool {
    const pool = new ModelPool(options);
    this.pools.set(options.id, pool);
    return pool;
  }

  rate(category: QuotaCategory): number {
    return this.buckets.rate(category);
  }

  /** Adds a listener of successful mutating calls; returns its remover. */
  onCall(listener: CallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** User and group writes answered successfully. */
  get writes(): number {
    return Object.entries(this.counts).reduce((n, [op, c]) => n + (isUserWrite(op) ? c : 0), 0);
  }

  /** Answers one API call: quotas, faults, latency, then the operation. */
  async call(op: string, input: Json, meta: CallMeta = {}): Promise<Json> {
    const clock = this.options.clock;
    const category = OPERATION_CATEGORY[op] ?? 'UserPoolRead';
    const t = clock.now();
    const record = (this.options.record ?? true) && !op.startsWith('Shim');
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    const throttledByFault = this.faultState.throttles(op);
    if (throttledByFault || (this.options.quotas !== false && !this.buckets.take(category, clock))) {
      this.throttled++;
      if (throttledByFault) this.throttledBy[op] = (this.throttledBy[op] ?? 0) + 1;
      if (record) this.log.push({ t, op, category, result: 'throttled' });
      fail('TooManyRequestsException', 'Too many requests');
    }
    if (this.options.latencyMs) await clock.sleep(this.options.latencyMs);
    const username = input.Username as string | undefined;
    try {
      const injected = this.failNext?.(op, input);
      if (injected) throw injected;
      const operation =
        (!op.startsWith('Shim') && OPERATIONS[op]) || fail('UnknownOperationException', `Unknown operation ${op}`);
      const reported = this.listeners.size > 0 && isMutatingOperation(op);
      const subject = reported ? this.subjectOf(input) : undefined;
      const result = await operation(this.context(input));
      this.counts[op] = (this.counts[op] ?? 0) + 1;
      if (record) this.log.push({ t, op, category, result: 'ok', username, detail: detailOf(input) });
      if (reported)
        this.emit({
          operation: op,
          region: this.region,
          request: input,
          response: result,
          at: new Date(),
          ...meta,
          subject,
        });
      return result;
    } catch (err) {
      if (record) this.log.push({ t, op, category, result: 'error', username });
      throw err;
    }
  }

  /** Runs an operation outside the API (test control routes): no quota, fault, count or listener. */
  async control(op: string, input: Json): Promise<Json> {
    const operation = OPERATIONS[op] ?? fail('UnknownOperationException', `Unknown operation ${op}`);
    return operation(this.context(input));
  }

  /**
   * Receives an uploaded CSV (what the pre-signed URL PUT does). The URL lives 15 minutes; after
   * that S3 answers 403 AccessDenied "Request has expired", thrown as the reconciler's upload would.
   */
  upload(url: string, body: Buffer): void {
    const [, poolId, jobId] = /^model:\/\/([^/]+)\/(.+)$/.exec(url) ?? [];
    const status = receiveUpload(this.pools.get(poolId), jobId, body, this.options.clock.now());
    if (status === 404) throw new Error(`model: no import job at ${url}`);
    if (status === 403) {
      const expired = this.pools.get(poolId)?.importJobs.get(jobId)?.status === 'Created';
      throw new ImportUploadError(
        403,
        expired
          ? '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'
          : '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    }
  }

  /** Receives an upload for a job of any pool of this Region; the HTTP status S3 would answer. */
  receiveUpload(jobId: string, body: Buffer): number {
    const pool = [...this.pools.values()].find((p) => p.importJobs.has(jobId));
    return receiveUpload(pool, jobId, body, this.options.clock.now());
  }

  /** Records a code "sent" and returns it. */
  deliver(pool: ModelPool, user: ModelUser, kind: string, medium: 'EMAIL' | 'SMS'): string {
    const code = String(Math.floor(100000 + Math.random() * 900000));
    this.outbox.push({
      seq: ++this.outboxSeq,
      at: new Date(this.options.clock.now()).toISOString(),
      poolId: pool.options.id,
      username: user.Username,
      kind,
      medium,
      code,
    });
    if (this.outbox.length > 10_000) this.outbox.splice(0, this.outbox.length - 10_000);
    user.Code = code;
    return code;
  }

  private context(input: Json): OpContext {
    return {
      input,
      region: this.region,
      accountId: this.options.accountId ?? '000000000000',
      clock: this.options.clock,
      pools: this.pools,
      pager: this.pager,
      uploadUrl: this.options.uploadUrl ?? ((poolId, jobId) => `model://${poolId}/${jobId}`),
      deliver: (pool, user, kind, medium) => this.deliver(pool, user, kind, medium),
      trigger: this.trigger,
    };
  }

  private subjectOf(input: Json): CallEvent['subject'] {
    if (typeof input.AccessToken === 'string') {
      const claims = peekClaims(input.AccessToken);
      const iss = String(claims?.iss ?? '');
      return claims && { userPoolId: iss.slice(iss.lastIndexOf('/') + 1), username: claims.username, sub: claims.sub };
    }
    if (typeof input.UserPoolId !== 'string' || typeof input.Username !== 'string') return undefined;
    const u = this.pools.get(input.UserPoolId)?.resolve(input.Username);
    return { userPoolId: input.UserPoolId, username: u?.Username ?? input.Username, sub: u?.Attributes.sub };
  }

  private emit(event: CallEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* listeners must not break the model */
      }
    }
  }
}

function detailOf(input: Json): string | undefined {
  if (typeof input.GroupName === 'string') return input.GroupName;
  if (Array.isArray(input.UserAttributes))
    return (input.UserAttributes as { Name: string }[])
      .map((a) => a.Name)
      .sort()
      .join(',');
  if (Array.isArray(input.UserAttributeNames)) return (input.UserAttributeNames as string[]).join(',');
  return undefined;
}
