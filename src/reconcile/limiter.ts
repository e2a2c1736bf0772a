import { QuotaLimiter, type QuotaLimiterOptions } from '../cognito/limiter';
import type { QuotaCategory } from '../cognito/quotas';

/**
 * The quota limiter of a reconcile side. Same pacing as {@link QuotaLimiter}, but one burst of
 * throttled answers counts as one signal: the reconciler keeps dozens of calls of a category in
 * flight, and when Cognito refuses a burst they all come back throttled together. Halving the
 * pace for each of them (as the base limiter does, which suits one caller) would drop the
 * category to its 10% floor for about twenty seconds after a single burst. Here the pace is
 * halved at most once per `windowMs` per category; every throttled answer is still counted.
 */
export class ReconcileLimiter extends QuotaLimiter {
  private readonly lastCut = new Map<QuotaCategory, number>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: QuotaLimiterOptions & { windowMs?: number } = {}) {
    super(options);
    this.windowMs = options.windowMs ?? 2000;
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  override throttled(category: QuotaCategory): void {
    const now = this.now();
    const last = this.lastCut.get(category);
    if (last !== undefined && now - last < this.windowMs) {
      this.throttles.set(category, (this.throttles.get(category) ?? 0) + 1);
      return;
    }
    this.lastCut.set(category, now);
    super.throttled(category);
  }
}
