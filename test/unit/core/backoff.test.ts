import { DEFAULT_BACKOFF, retryDelaySeconds, totalRetryWindowSeconds } from '../../../src/core/backoff';

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
