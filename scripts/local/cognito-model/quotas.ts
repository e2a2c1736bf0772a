/**
 * Per-category request quotas of one account and Region: a token bucket per category at the
 * AWS default rates (or the given ones), answering TooManyRequestsException beyond them
 * (Cognito "Quotas in Amazon Cognito": the rate quotas are per category, account and Region).
 * Time comes from the model's clock, so a bench can scale it and a test can make it virtual.
 * @packageDocumentation
 */
import type { Clock } from '../../../src/cognito/limiter';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../../../src/cognito/quotas';

/** Token buckets per quota category. */
export class QuotaBuckets {
  private readonly buckets = new Map<QuotaCategory, { tokens: number; at: number }>();

  constructor(
    private readonly rates: Partial<Record<QuotaCategory, number>> = {},
    /** Burst allowed per category, in seconds of its rate. */
    private readonly burstSeconds = 1,
  ) {}

  /** Requests per second allowed in `category`. */
  rate(category: QuotaCategory): number {
    return this.rates[category] ?? DEFAULT_QUOTAS[category];
  }

  /** Takes one request's token; `false` when the category is over its rate. */
  take(category: QuotaCategory, clock: Clock): boolean {
    const now = clock.now();
    const rate = this.rate(category);
    const capacity = Math.max(1, rate * this.burstSeconds);
    const b = this.buckets.get(category) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(category, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Starts every bucket full again (a new clock). */
  reset(): void {
    this.buckets.clear();
  }
}
