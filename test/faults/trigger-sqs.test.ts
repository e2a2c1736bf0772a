/**
 * Fault: SQS is unreachable from the post confirmation trigger (connections reset, then requests
 * that hang past the trigger's send budget). Every sign-up must still succeed, and the reconciler
 * must backfill every user the queue never saw.
 */
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { queueDepth } from '../../scripts/local/sqs';
import { useEmulators } from '../support/emulators';
import {
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  quietObservability,
  runReconcile,
  signUpUsers,
  startRuntime,
  TRIGGER_FUNCTION,
  triggerDispatcher,
  useLocalCredentials,
  withSteadyClients,
} from '../support/faults';

jest.setTimeout(180_000);
useLocalCredentials();

const emu = withSteadyClients(
  useEmulators({
    triggers: { primary: { PostConfirmation: TRIGGER_FUNCTION } },
    registry: { [TRIGGER_FUNCTION]: triggerDispatcher },
    pools: false,
  }),
);
let logs: ReturnType<typeof quietObservability>;

beforeAll(() => {
  logs = quietObservability();
});

afterEach(() => {
  emu().sqs.faults = {};
});

test('SQS unreachable from the trigger: every sign-up succeeds; the reconciler backfills them all', async () => {
  const e = emu();
  const pools = await freshPools(e, 'sqs-down');
  const runtime = await startRuntime(e, pools, { name: 'sqs-down', env: { TRIGGER_SEND_BUDGET_MS: '300' } });
  try {
    const invocationsBefore = e.lambda.invocations.length;
    e.sqs.faults = { unreachable: 'reset' };
    const reset = population('sqsdown-reset', 10);
    const subs = await signUpUsers(e.primaryClient, pools.primary, reset); // throws if a confirmation failed
    e.sqs.faults = { unreachable: 'hang' };
    const hung = population('sqsdown-hang', 6);
    subs.push(...(await signUpUsers(e.primaryClient, pools.primary, hung)));
    e.sqs.faults = {};

    for (const u of [...reset, ...hung]) {
      const g = await e.primaryClient.send(
        new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: u.email }),
      );
      expect(g.UserStatus).toBe('CONFIRMED');
    }
    // The trigger ran for every confirmation, returned the event, threw nothing, queued nothing.
    const invocations = e.lambda.invocations
      .slice(invocationsBefore)
      .filter((i) => (i.event as { userPoolId?: string }).userPoolId === pools.primary.poolId);
    expect(invocations).toHaveLength(subs.length);
    for (const i of invocations) {
      expect(i.error).toBeUndefined();
      expect(i.result).toEqual(i.event);
    }
    const depth = await queueDepth(e.sqsClient, runtime.queue.queueUrl);
    expect(depth.visible + depth.inFlight + depth.delayed).toBe(0);
    expect(logs.error.mock.calls.filter(([m]) => String(m).includes('could not queue')).length).toBe(subs.length);

    // The backstop: one reconcile (deep, so MFA is carried too) brings every user over.
    const result = await runReconcile(e, pools, { apply: true, extra: { deep: true } });
    expect(result.exitCode).toBe(0);
    expect(result.report.counts.failed).toBe(0);
    expect(result.report.counts.created).toBe(subs.length);
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: subs.length,
    });
  } finally {
    await runtime.stop();
  }
});
