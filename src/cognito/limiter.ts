import { DEFAULT_QUOTA_HEADROOM } from '../core/constants';
import { DEFAULT_QUOTAS, PER_POOL_CAPPED, PER_POOL_OPERATION_QUOTA, type QuotaCategory } from './quotas';

/** Time source of the limiter; tests and the bench pass a fake or scaled one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Settings of a {@link QuotaLimiter}. */
export interface QuotaLimiterOptions {
  /** Requests per second per category; missing categories take the AWS defaults. */
  quotas?: Partial<Record<QuotaCategory, number>>;
  /** Fraction of every quota left unused for live traffic, 0 to 0.95. Default 0.2. */
  headroom?: number;
  clock?: Clock;
  /** Throttled answers within this many milliseconds of a cut count as the same burst. Default 2000. */
  throttleWindowMs?: number;
  /** Requests per second of one operation on one pool in the per-pool capped categories. Default {@link PER_POOL_OPERATION_QUOTA} (5). */
  perPoolOperationQuota?: number;
}

/** Which pool and operation a call is for (the per-pool cap of some categories counts them apart). */
export interface CallScope {
  poolId: string;
  operation: string;
}

/** Lowest share of a category's rate kept after repeated throttling. */
const MIN_FACTOR = 0.1;
/** Share of the rate regained per second without throttling. */
const RECOVERY_PER_SECOND = 0.05;
/** Added to every spacing (1 µs, above the rounding of epoch milliseconds) so that floating-point sums never fit one call too many into a second. */
const EPSILON_MS = 1e-3;

/**
 * Paces calls to one side's Cognito quotas: one schedule per category, so every category runs
 * at its own ceiling in parallel and none ever exceeds `quota × (1 − headroom)` in any second.
 * A throttled answer halves that category's pace, which then recovers gradually (the quota is
 * shared with the live application and other tools). Callers keep many calls of a category in
 * flight, and when Cognito refuses a burst they all come back throttled together: that is one
 * signal, so the pace is halved at most once per `throttleWindowMs` (every answer still counts).
 *
 * In the categories where Cognito also caps each operation on each pool (5 per second,
 * {@link PER_POOL_CAPPED}), a call given its {@link CallScope} also keeps to a schedule of its own
 * pool and operation, at that cap less the headroom, in addition to its category's. Those
 * categories keep their booked send times, so a call held back by its pool's cap takes the first
 * free place of the category from then on, and never blocks another pool's call queued after it.
 */
export class QuotaLimiter {
  private readonly base = new Map<QuotaCategory, number>();
  private readonly next = new Map<QuotaCategory, number>();
  private readonly factor = new Map<QuotaCategory, { value: number; at: number }>();
  private readonly clock: Clock;
  private readonly throttleWindowMs: number;
  private readonly lastCut = new Map<QuotaCategory, number>();
  private readonly poolNext = new Map<string, number>();
  private readonly poolRate: number;
  /** Booked send times (ascending) of the per-pool capped categories. */
  private readonly booked = new Map<QuotaCategory, number[]>();
  /** Calls admitted per category. */
  readonly admitted = new Map<QuotaCategory, number>();
  /** Throttled answers reported per category. */
  readonly throttles = new Map<QuotaCategory, number>();

  constructor(options: QuotaLimiterOptions = {}) {
    const headroom = options.headroom ?? DEFAULT_QUOTA_HEADROOM;
    if (!(headroom >= 0 && headroom <= 0.95))
      throw new RangeError(`headroom must be between 0 and 0.95, got ${headroom}`);
    this.clock = options.clock ?? systemClock;
    this.throttleWindowMs = options.throttleWindowMs ?? 2000;
    for (const [category, rate] of Object.entries({ ...DEFAULT_QUOTAS, ...options.quotas }) as [
      QuotaCategory,
      number,
    ][]) {
      if (!(rate > 0))
        throw new RangeError(`quota for ${category} must be a positive number of requests per second, got ${rate}`);
      this.base.set(category, rate * (1 - headroom));
    }
    const perPool = options.perPoolOperationQuota ?? PER_POOL_OPERATION_QUOTA;
    if (!(perPool > 0))
      throw new RangeError(
        `the per-pool operation quota must be a positive number of requests per second, got ${perPool}`,
      );
    this.poolRate = perPool * (1 - headroom);
  }

  /** Requests per second allowed for one operation on one pool in a per-pool capped category. */
  get perPoolOperationRate(): number {
    return this.poolRate;
  }

  /** Current requests per second allowed for `category`. */
  rate(category: QuotaCategory): number {
    return this.base.get(category)! * this.currentFactor(category);
  }

  /**
   * Waits until a call of `category` may be sent. With `scope`, a call of a per-pool capped
   * category also waits for its pool and operation's own schedule.
   */
  async take(category: QuotaCategory, scope?: CallScope): Promise<void> {
    const now = this.clock.now();
    let start: number;
    if (PER_POOL_CAPPED.has(category)) {
      const poolKey = scope ? `${scope.poolId} ${scope.operation}` : undefined;
      start = this.book(category, Math.max(now, (poolKey && this.poolNext.get(poolKey)) || now), now);
      if (poolKey) this.poolNext.set(poolKey, start + 1000 / this.poolRate + EPSILON_MS);
    } else {
      start = Math.max(now, this.next.get(category) ?? now);
      this.next.set(category, start + 1000 / this.rate(category) + EPSILON_MS);
    }
    this.admitted.set(category, (this.admitted.get(category) ?? 0) + 1);
    if (start > now) await this.clock.sleep(start - now);
  }

  /** Books the first time at or after `earliest` at least one spacing away from every booked time of `category`. */
  private book(category: QuotaCategory, earliest: number, now: number): number {
    const gap = 1000 / this.rate(category) + EPSILON_MS;
    const times = (this.booked.get(category) ?? []).filter((t) => t > now - gap); // older ones are no constraint
    let at = earliest;
    for (const t of times) {
      if (t + gap <= at) continue; // well before
      if (at + gap <= t) break; // fits before this one (and all later ones)
      at = t + gap; // too close: after it
    }
    const after = times.findIndex((t) => t > at);
    times.splice(after === -1 ? times.length : after, 0, at);
    this.booked.set(category, times);
    return at;
  }

  /** Reports a throttled answer for `category`: slows that category down. */
  throttled(category: QuotaCategory): void {
    this.throttles.set(category, (this.throttles.get(category) ?? 0) + 1);
    const now = this.clock.now();
    const last = this.lastCut.get(category);
    if (last !== undefined && now - last < this.throttleWindowMs) return;
    this.lastCut.set(category, now);
    const value = Math.max(MIN_FACTOR, this.currentFactor(category) / 2);
    this.factor.set(category, { value, at: this.clock.now() });
  }

  private currentFactor(category: QuotaCategory): number {
    const f = this.factor.get(category);
    if (!f) return 1;
    const recovered = f.value + ((this.clock.now() - f.at) / 1000) * RECOVERY_PER_SECOND;
    if (recovered >= 1) {
      this.factor.delete(category);
      return 1;
    }
    return recovered;
  }
}
