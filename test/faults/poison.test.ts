/**
 * Fault: poison messages. Malformed messages land in the DLQ at once with a `reason` attribute
 * naming the problem, and their batch-mates are processed. Messages that keep failing (the
 * standby down longer than MAX_ATTEMPTS receives) land in the DLQ with "gave up after N
 * attempts"; redriven once the standby is back, every user arrives: the DLQ loses nobody.
 */
import { redrive } from '../../src/redrive/redrive';
import {
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  signUpUsers,
  startRuntime,
  until,
  useFaultEmulators,
} from '../support/faults';

jest.setTimeout(180_000);
const emu = useFaultEmulators();

const NOW = () => new Date().toISOString();

test('poison messages land in the DLQ with their reason; batch-mates are processed', async () => {
  const e = emu();
  const pools = await freshPools(e, 'poison');
  const runtime = await startRuntime(e, pools, { name: 'poison' });
  const poolId = pools.primary.poolId;
  const region = e.primary.region;
  const poison: [string, RegExp][] = [
    ['{"v":1,"sourcePoolId":', /^malformed: .*not JSON/],
    [
      JSON.stringify({
        v: 2,
        sourceRegion: region,
        sourcePoolId: poolId,
        sub: 'x',
        reason: 'PostConfirmation_ConfirmSignUp',
        at: NOW(),
      }),
      /^malformed: .*\bv: /,
    ],
    [
      JSON.stringify({
        v: 1,
        sourceRegion: region,
        sourcePoolId: poolId,
        reason: 'PostConfirmation_ConfirmSignUp',
        at: NOW(),
      }),
      /^malformed: .*needs a username or a sub/,
    ],
    [
      JSON.stringify({
        v: 1,
        sourceRegion: region,
        sourcePoolId: 'us-east-1_SomeOther1',
        sub: 'x',
        reason: 'PostConfirmation_ConfirmSignUp',
        at: NOW(),
      }),
      /^malformed: .*for pool us-east-1_SomeOther1/,
    ],
    [
      JSON.stringify({
        v: 1,
        sourceRegion: region,
        sourcePoolId: poolId,
        sub: 'x',
        reason: 'PostConfirmation_ConfirmSignUp',
        at: 'yesterday',
      }),
      /^malformed: .*\bat: /,
    ],
    [
      JSON.stringify({ v: 1, sourceRegion: region, sourcePoolId: 'not a pool', username: 'u', reason: 'r', at: NOW() }),
      /^malformed: .*sourcePoolId: /,
    ],
    ['[]', /^malformed: /],
    ['null', /^malformed: /],
  ];
  try {
    // Two batches, each of valid sign-ups and poison mixed.
    const users = population('poison', 12);
    await signUpUsers(e.primaryClient, pools.primary, users.slice(0, 6));
    await runtime.send(poison.slice(0, 4).map(([b]) => b));
    await signUpUsers(e.primaryClient, pools.primary, users.slice(6));
    await runtime.send(poison.slice(4).map(([b]) => b));
    const poller = runtime.startWorker();
    await runtime.drain();
    expect(poller.stats.failures).toBe(0); // no batch held back by its poison

    const dlq = await runtime.dlqMessages();
    expect(dlq).toHaveLength(poison.length);
    for (const [body, reason] of poison) {
      const m = dlq.find((x) => (x.Body ?? '') === body);
      expect(m).toBeDefined();
      expect(m!.MessageAttributes?.reason?.StringValue).toMatch(reason);
      expect(m!.MessageAttributes?.sourceMessageId?.StringValue).toBeTruthy();
    }
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: users.length,
    });
  } finally {
    await runtime.stop();
  }
});

test('messages out of attempts land in the DLQ with "gave up after N attempts"; redriven, every user arrives', async () => {
  const e = emu();
  const pools = await freshPools(e, 'exhausted');
  const runtime = await startRuntime(e, pools, { name: 'exhausted', maxAttempts: 2 });
  try {
    e.standby.shim.faults = { unreachable: 'reset' };
    const users = population('exhausted', 5);
    await signUpUsers(e.primaryClient, pools.primary, users);
    runtime.startWorker();
    await until(async () => (await runtime.dlqDepth()) === users.length, 'every message in the DLQ', 120_000);
    await runtime.drain();
    const dlq = await runtime.dlqMessages();
    for (const m of dlq) expect(m.MessageAttributes?.reason?.StringValue).toMatch(/^gave up after 2 attempts: /);

    e.standby.shim.faults = {};
    const moved = await redrive(e.sqsClient, {
      queue: runtime.queue.dlqUrl,
      to: runtime.queue.queueUrl,
      method: 'copy',
    });
    expect(moved.moved).toBe(users.length);
    await runtime.drain();
    expect(await runtime.dlqDepth()).toBe(0);
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: users.length,
    });
  } finally {
    await runtime.stop();
  }
});
