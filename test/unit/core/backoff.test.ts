import {
  DEFAULT_BACKOFF,
  DEFAULT_RETRY,
  nextRetryDelayMs,
  retryBackoffMs,
  retryDelaySeconds,
  totalRetryWindowSeconds,
} from '../../../src/core/backoff';

describe('retry back-off', () => {
  test('doubles from the base delay', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelaySeconds(a))).toEqual([30, 60, 120, 240, 480, 960, 1920]);
  });
  test('is capped', () => {
    expect(retryDelaySeconds(8)).toBe(3600);
    expect(retryDelaySeconds(29)).toBe(3600);
    expect(retryDelaySeconds(10_000)).toBe(3600);
  });
  test('never exceeds the SQS visibility limit (12 h) nor goes below the base', () => {
    const policy = { baseSeconds: 45, capSeconds: 43_200, maxAttempts: 100 };
    for (let a = -3; a < 200; a++) {
      const d = retryDelaySeconds(a, policy);
      expect(d).toBeGreaterThanOrEqual(45);
      expect(d).toBeLessThanOrEqual(43_200);
      expect(Number.isFinite(d)).toBe(true);
    }
  });
  test('the default window rides out about 23 hours before the DLQ', () => {
    const total = totalRetryWindowSeconds();
    expect(total).toBe(30 + 60 + 120 + 240 + 480 + 960 + 1920 + 22 * 3600);
    expect(total / 3600).toBeGreaterThan(22.5);
    expect(total / 3600).toBeLessThan(24);
    expect(DEFAULT_BACKOFF.maxAttempts).toBe(30);
  });
  test('one attempt means no retry at all', () => {
    expect(totalRetryWindowSeconds({ ...DEFAULT_BACKOFF, maxAttempts: 1 })).toBe(0);
  });
});

describe("issue 10.11: one retry policy for reads and writes (the gateway's back-off)", () => {
  const policy = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 30 };

  test('the default is time-bounded: about 10 s of retries per call, back-off 100 ms doubling to 2 s', () => {
    expect(DEFAULT_RETRY).toEqual(policy);
  });

  test('capped exponential back-off with equal jitter: between half and all of the capped delay', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => retryBackoffMs(f, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => retryBackoffMs(f, policy, () => 0))).toEqual([
      50, 100, 200, 400, 800, 1000, 1000,
    ]);
    for (let f = 1; f < 100; f++) {
      const d = retryBackoffMs(f, policy);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  test('gives up when the next pause would end past the budget, or at the attempt cap', () => {
    expect(nextRetryDelayMs(1, 0, policy, () => 1)).toBe(100);
    expect(nextRetryDelayMs(6, 7_999, policy, () => 1)).toBe(2000);
    expect(nextRetryDelayMs(6, 8_001, policy, () => 1)).toBeUndefined();
    expect(nextRetryDelayMs(30, 0, policy, () => 1)).toBeUndefined();
    expect(nextRetryDelayMs(1, 0, { ...policy, maxAttempts: 1 }, () => 1)).toBeUndefined();
  });

  test('a call that keeps failing at once retries for the whole budget, then stops', () => {
    let spent = 0;
    let failures = 0;
    for (;;) {
      failures++;
      const d = nextRetryDelayMs(failures, spent, policy, () => 0.5);
      if (d === undefined) break;
      spent += d;
    }
    expect(spent).toBeLessThanOrEqual(policy.budgetMs);
    expect(spent).toBeGreaterThan(policy.budgetMs - policy.maxDelayMs);
    expect(failures).toBeLessThan(policy.maxAttempts);
  });
});
