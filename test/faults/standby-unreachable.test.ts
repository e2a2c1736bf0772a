/**
 * Fault: the standby Region is unreachable while the worker runs (connections reset, then the
 * whole emulator stopped: connections refused), then comes back. Every user must arrive, none in
 * the DLQ. No timing assertions: bounded waits only.
 */
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

test.each([
  ['connections reset', 'reset' as const],
  ['emulator stopped (connections refused)', 'stopped' as const],
])(
  'standby unreachable (%s) while the worker runs, then back: all replicated, none in the DLQ',
  async (_label, mode) => {
    const e = emu();
    const pools = await freshPools(e, `unreach-${mode}`);
    // The in-call retry budget is compressed like the queue's back-off above (1 s, production 10 s),
    // so that the dead standby is seen through the queue's retries in seconds, as in production in minutes.
    const runtime = await startRuntime(e, pools, { name: `unreach-${mode}`, retry: { budgetMs: 1000 } });
    try {
      const poller = runtime.startWorker();
      if (mode === 'reset') e.standby.shim.faults = { unreachable: 'reset' };
      else await e.standby.stop();

      const users = population(`unreach-${mode}`, 24);
      await signUpUsers(e.primaryClient, pools.primary, users);
      // More than a whole batch has been tried against the dead standby and put back for a retry.
      await until(() => poller.stats.failures >= 12, 'a dozen failed attempts', 120_000);
      expect(await runtime.dlqDepth()).toBe(0);

      if (mode === 'reset') e.standby.shim.faults = {};
      else await e.standby.restart();
      await runtime.drain(120_000);

      expect(await runtime.dlqDepth()).toBe(0);
      const check = await assertStandbyMatchesSource({
        source: gatewayFor(e.primary, pools.primary.poolId),
        standby: gatewayFor(e.standby, pools.standby.poolId),
        expectUsers: users.length,
      });
      expect(check.correct).toBe(users.length);
    } finally {
      await runtime.stop();
    }
  },
);
