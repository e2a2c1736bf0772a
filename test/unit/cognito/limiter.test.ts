import { QuotaLimiter } from '../../../src/cognito/limiter';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory, WRITE_OPERATIONS } from '../../../src/cognito/quotas';
import { VirtualClock } from '../helpers';

/** Admission times of `n` calls of `category` started all at once. */
async function admit(limiter: QuotaLimiter, clock: VirtualClock, category: QuotaCategory, n: number): Promise<number[]> {
  const times: number[] = [];
  await clock.run(Promise.all(Array.from({ length: n }, () => limiter.take(category).then(() => times.push(clock.now())))));
  return times.sort((a, b) => a - b);
}

/** The most calls in any window [t, t + 1000 ms). */
function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) {
    let j = i;
    while (j < times.length && times[j] < times[i] + 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('QuotaLimiter', () => {
  test.each(Object.entries(DEFAULT_QUOTAS) as [QuotaCategory, number][])('%s never exceeds quota x (1 - headroom) in any second', async (category, quota) => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0.2 });
    const allowed = quota * 0.8;
    const n = Math.ceil(allowed * 3) + 1;
    const times = await admit(limiter, clock, category, n);
    expect(busiestSecond(times)).toBeLessThanOrEqual(Math.ceil(allowed));
    // ... and it is not needlessly slow: n calls take about n / rate seconds.
    expect(times[times.length - 1] - times[0]).toBeLessThanOrEqual(((n - 1) * 1000) / allowed + 1);
    expect(limiter.admitted.get(category)).toBe(n);
  });

  test('calls spread over time are never delayed', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, quotas: { UserUpdate: 10 }, headroom: 0 });
    const start = clock.now();
    for (let i = 0; i < 5; i++) {
      await clock.run(limiter.take('UserUpdate'));
      expect(clock.now()).toBe(start + i * 500);
      clock.advance(500);
    }
  });

  test('categories are independent and run in parallel', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 }); // UserUpdate 25/s, UserRead 120/s
    const updates: number[] = [];
    const reads: number[] = [];
    const start = clock.now();
    await clock.run(
      Promise.all([
        ...Array.from({ length: 50 }, () => limiter.take('UserUpdate').then(() => updates.push(clock.now() - start))),
        ...Array.from({ length: 120 }, () => limiter.take('UserRead').then(() => reads.push(clock.now() - start))),
      ]),
    );
    // Each at its own ceiling: 120 reads within one second although 50 updates need two.
    expect(Math.max(...reads)).toBeLessThan(1000);
    expect(Math.max(...updates)).toBeGreaterThanOrEqual(1900);
    expect(Math.max(...updates)).toBeLessThan(2000);
    expect(busiestSecond(updates.sort((a, b) => a - b))).toBeLessThanOrEqual(25);
    expect(busiestSecond(reads.sort((a, b) => a - b))).toBeLessThanOrEqual(120);
  });

  test('headroom is applied and validated', () => {
    expect(new QuotaLimiter({ headroom: 0 }).rate('UserUpdate')).toBe(25);
    expect(new QuotaLimiter().rate('UserUpdate')).toBeCloseTo(20);
    expect(new QuotaLimiter({ headroom: 0.5 }).rate('UserCreation')).toBeCloseTo(25);
    expect(new QuotaLimiter({ headroom: 0.5, quotas: { UserCreation: 200 } }).rate('UserCreation')).toBeCloseTo(100);
    for (const headroom of [-0.1, 0.96, 1, Number.NaN]) expect(() => new QuotaLimiter({ headroom })).toThrow(RangeError);
    for (const rate of [0, -1, Number.NaN]) expect(() => new QuotaLimiter({ quotas: { UserRead: rate } })).toThrow(/UserRead/);
  });

  test('throttled() halves the pace of that category only, then it recovers', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 });
    limiter.throttled('UserUpdate');
    expect(limiter.rate('UserUpdate')).toBeCloseTo(12.5);
    expect(limiter.rate('UserRead')).toBe(120);
    expect(limiter.throttles.get('UserUpdate')).toBe(1);

    // While slowed, the busiest second holds at most the slowed rate.
    const slowed = await admit(limiter, clock, 'UserUpdate', 14);
    expect(busiestSecond(slowed)).toBeLessThanOrEqual(13);

    clock.advance(2_000);
    const partly = limiter.rate('UserUpdate');
    expect(partly).toBeGreaterThan(12.5);
    expect(partly).toBeLessThan(25);
    clock.advance(20_000);
    expect(limiter.rate('UserUpdate')).toBe(25);
  });

  test('repeated throttling never stops a category entirely', () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 });
    for (let i = 0; i < 50; i++) {
      limiter.throttled('UserList');
      clock.advance(2000); // each its own burst
    }
    limiter.throttled('UserList');
    expect(limiter.rate('UserList')).toBeCloseTo(3); // 10 % of 30
    expect(limiter.throttles.get('UserList')).toBe(51);
  });

  test('a burst of throttled answers (calls that were in flight together) slows the category once', () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 });
    for (let i = 0; i < 20; i++) limiter.throttled('UserUpdate');
    expect(limiter.rate('UserUpdate')).toBeCloseTo(12.5); // halved once, not to the floor
    expect(limiter.throttles.get('UserUpdate')).toBe(20);
    clock.advance(2000);
    limiter.throttled('UserUpdate'); // a new burst: halved again (after 2 s of recovery)
    expect(limiter.rate('UserUpdate')).toBeCloseTo(25 * (0.5 + 0.1) / 2);
  });
});

describe('quota table', () => {
  test('every operation has a category with a default quota; writes are known operations', () => {
    for (const category of Object.values(OPERATION_CATEGORY)) expect(DEFAULT_QUOTAS[category]).toBeGreaterThan(0);
    for (const op of WRITE_OPERATIONS) expect(OPERATION_CATEGORY[op]).toBeDefined();
  });
  test('the categories named in the Cognito quota documentation', () => {
    expect(OPERATION_CATEGORY.AdminDeleteUser).toBe('UserUpdate');
    expect(OPERATION_CATEGORY.AdminSetUserPassword).toBe('UserAccountRecovery');
    expect(OPERATION_CATEGORY.AdminListGroupsForUser).toBe('UserResourceRead');
    expect(OPERATION_CATEGORY.AdminSetUserMFAPreference).toBe('UserResourceUpdate');
    expect(OPERATION_CATEGORY.ListUsers).toBe('UserList');
  });
});
