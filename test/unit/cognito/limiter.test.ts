import { CognitoIdentityProviderClient, ListGroupsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoGateway } from '../../../src/cognito/gateway';
import { type CallScope, QuotaLimiter } from '../../../src/cognito/limiter';
import {
  DEFAULT_QUOTAS,
  OPERATION_CATEGORY,
  PER_POOL_CAPPED,
  PER_POOL_OPERATION_QUOTA,
  type QuotaCategory,
  WRITE_OPERATIONS,
} from '../../../src/cognito/quotas';
import { uniquePoolId, VirtualClock } from '../helpers';

/** Admission times of `n` calls of `category` started all at once. */
async function admit(
  limiter: QuotaLimiter,
  clock: VirtualClock,
  category: QuotaCategory,
  n: number,
): Promise<number[]> {
  const times: number[] = [];
  await clock.run(
    Promise.all(Array.from({ length: n }, () => limiter.take(category).then(() => times.push(clock.now())))),
  );
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
  test.each(Object.entries(DEFAULT_QUOTAS) as [QuotaCategory, number][])(
    '%s never exceeds quota x (1 - headroom) in any second',
    async (category, quota) => {
      const clock = new VirtualClock();
      const limiter = new QuotaLimiter({ clock, headroom: 0.2 });
      const allowed = quota * 0.8;
      const n = Math.ceil(allowed * 3) + 1;
      const times = await admit(limiter, clock, category, n);
      expect(busiestSecond(times)).toBeLessThanOrEqual(Math.ceil(allowed));
      // ... and it is not needlessly slow: n calls take about n / rate seconds.
      expect(times[times.length - 1] - times[0]).toBeLessThanOrEqual(((n - 1) * 1000) / allowed + 1);
      expect(limiter.admitted.get(category)).toBe(n);
    },
  );

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
    for (const headroom of [-0.1, 0.96, 1, Number.NaN])
      expect(() => new QuotaLimiter({ headroom })).toThrow(RangeError);
    for (const rate of [0, -1, Number.NaN])
      expect(() => new QuotaLimiter({ quotas: { UserRead: rate } })).toThrow(/UserRead/);
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
    expect(limiter.rate('UserUpdate')).toBeCloseTo((25 * (0.5 + 0.1)) / 2);
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

describe('issue 10.10: documented quotas', () => {
  // AWS documentation, "Quotas in Amazon Cognito" (amazon-cognito-developer-guide doc_source/limits.md):
  // default requests per second per account and Region, and the 5 RPS per-pool cap of the categories marked *.
  test('the default table holds the documented figures', () => {
    expect(DEFAULT_QUOTAS).toEqual({
      UserCreation: 50,
      UserRead: 120,
      UserList: 30,
      UserUpdate: 25,
      UserAccountRecovery: 30,
      UserResourceRead: 50,
      UserResourceUpdate: 25,
      UserPoolRead: 15,
      UserPoolUpdate: 15,
      UserPoolResourceRead: 20,
      UserPoolResourceUpdate: 15,
      UserPoolClientRead: 15,
      UserPoolClientUpdate: 15,
    });
    expect(PER_POOL_OPERATION_QUOTA).toBe(5);
    expect([...PER_POOL_CAPPED].sort()).toEqual([
      'UserPoolClientRead',
      'UserPoolClientUpdate',
      'UserPoolResourceRead',
      'UserPoolResourceUpdate',
    ]);
    // The configuration a snapshot keeps and --create-pool recreates, in their own categories.
    expect(OPERATION_CATEGORY.DescribeUserPoolClient).toBe('UserPoolClientRead');
    expect(OPERATION_CATEGORY.CreateUserPoolClient).toBe('UserPoolClientUpdate');
    expect(OPERATION_CATEGORY.DescribeIdentityProvider).toBe('UserPoolResourceRead');
    expect(OPERATION_CATEGORY.CreateUserPoolDomain).toBe('UserPoolResourceUpdate');
    expect(OPERATION_CATEGORY.SetUserPoolMfaConfig).toBe('UserPoolUpdate');
  });

  test('the pool categories run at their documented pace less the headroom', () => {
    const limiter = new QuotaLimiter({ headroom: 0.2 });
    expect(limiter.rate('UserPoolRead')).toBeCloseTo(12);
    expect(limiter.rate('UserPoolResourceRead')).toBeCloseTo(16);
    expect(limiter.rate('UserPoolResourceUpdate')).toBeCloseTo(12);
    expect(limiter.perPoolOperationRate).toBeCloseTo(4);
  });
});

describe('issue 10.10: per-pool cap of 5 per second per operation', () => {
  /** Admission times, by label, of calls all started at once. */
  async function admitAll(
    limiter: QuotaLimiter,
    clock: VirtualClock,
    calls: { label: string; category: QuotaCategory; scope?: CallScope }[],
  ): Promise<Map<string, number[]>> {
    const times = new Map<string, number[]>();
    const start = clock.now();
    await clock.run(
      Promise.all(
        calls.map((c) =>
          limiter
            .take(c.category, c.scope)
            .then(() => times.set(c.label, [...(times.get(c.label) ?? []), clock.now() - start])),
        ),
      ),
    );
    for (const list of times.values()) list.sort((a, b) => a - b);
    return times;
  }
  const calls = (n: number, label: string, category: QuotaCategory, scope?: CallScope) =>
    Array.from({ length: n }, () => ({ label, category, scope }));

  test('each pool and operation keeps to 5 per second while the category carries its account-wide 20', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 });
    const times = await admitAll(limiter, clock, [
      ...calls(12, 'A ListGroups', 'UserPoolResourceRead', { poolId: 'pool-A', operation: 'ListGroups' }),
      ...calls(12, 'B ListGroups', 'UserPoolResourceRead', { poolId: 'pool-B', operation: 'ListGroups' }),
      ...calls(12, 'A DescribeUserImportJob', 'UserPoolResourceRead', {
        poolId: 'pool-A',
        operation: 'DescribeUserImportJob',
      }),
      ...calls(12, 'C ListGroups', 'UserPoolResourceRead', { poolId: 'pool-C', operation: 'ListGroups' }),
    ]);
    for (const [label, list] of times) {
      expect([label, busiestSecond(list)]).toEqual([label, 5]);
      expect(list).toHaveLength(12);
    }
    const all = [...times.values()].flat().sort((a, b) => a - b);
    expect(busiestSecond(all)).toBeLessThanOrEqual(20); // the category quota
    expect(all.filter((t) => t < 1000).length).toBeGreaterThanOrEqual(15); // and it is used: four pool/operation pairs at once
  });

  test('with headroom the per-pool cap is 4 per second; categories without the cap and calls without a scope are not held to it', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0.2 });
    const times = await admitAll(limiter, clock, [
      ...calls(10, 'capped', 'UserPoolResourceUpdate', { poolId: 'pool-A', operation: 'CreateGroup' }),
      ...calls(12, 'UserPoolRead', 'UserPoolRead', { poolId: 'pool-A', operation: 'DescribeUserPool' }),
    ]);
    expect(busiestSecond(times.get('capped')!)).toBe(4);
    expect(busiestSecond(times.get('UserPoolRead')!)).toBe(12); // 15 less 20 %: no per-pool cap documented for UserPoolRead
  });

  test('the gateway names its pool and operation to the limiter; two pools sharing a limiter each get their own 5', async () => {
    const clock = new VirtualClock();
    const limiter = new QuotaLimiter({ clock, headroom: 0 });
    const take = jest.spyOn(limiter, 'take');
    const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    const sent: { pool: string; at: number }[] = [];
    mockClient(client)
      .on(ListGroupsCommand)
      .callsFake(
        async (input: { UserPoolId: string }) => (
          sent.push({ pool: input.UserPoolId, at: clock.now() }), { Groups: [] }
        ),
      );
    const [a, b] = [uniquePoolId(), uniquePoolId()].map(
      (poolId) => new CognitoGateway({ region: 'us-east-1', poolId, client, clock, limiter }),
    );
    await clock.run(
      Promise.all([
        ...Array.from({ length: 10 }, () => a.listGroups()),
        ...Array.from({ length: 10 }, () => b.listGroups()),
      ]),
    );
    expect(take).toHaveBeenCalledWith('UserPoolResourceRead', { poolId: a.poolId, operation: 'ListGroups' });
    for (const pool of [a.poolId, b.poolId])
      expect(busiestSecond(sent.filter((s) => s.pool === pool).map((s) => s.at))).toBe(5);
    expect(busiestSecond(sent.map((s) => s.at).sort((x, y) => x - y))).toBe(10);
  });

  test('the per-pool quota is validated', () => {
    for (const perPoolOperationQuota of [0, -1, Number.NaN])
      expect(() => new QuotaLimiter({ perPoolOperationQuota })).toThrow(/per-pool/);
  });
});
