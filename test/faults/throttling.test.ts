/**
 * Fault: a throttling storm. A share of every Cognito call, on both sides, answers
 * TooManyRequestsException (seeded, several seeds). The worker must replicate everyone with
 * nothing in the DLQ; the reconciler must repair every drift with zero failed operations.
 */
import { AdminUpdateUserAttributesCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DEFAULT_QUOTAS } from '../../src/cognito/quotas';
import {
  adminCreateUsers,
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  runReconcile,
  signUpUsers,
  startRuntime,
  useFaultEmulators,
} from '../support/faults';

jest.setTimeout(180_000);
const emu = useFaultEmulators();

const SHARE = 0.3;
/** The reconciler runs with quotas raised fivefold (its --quota flag), so the storm costs seconds, not minutes: pacing is not what is tested here. */
const RAISED = Object.fromEntries(Object.entries(DEFAULT_QUOTAS).map(([k, v]) => [k, v * 5]));

test.each([1, 2])(
  'throttling storm, seed %i: the worker replicates everyone (no DLQ), the reconciler repairs every drift (0 failed)',
  async (seed) => {
    const e = emu();
    const pools = await freshPools(e, `throttle-${seed}`);
    const runtime = await startRuntime(e, pools, { name: `throttle-${seed}` });
    const source = gatewayFor(e.primary, pools.primary.poolId);
    const standby = gatewayFor(e.standby, pools.standby.poolId);
    try {
      // Sign-ups queue their messages; the storm starts before the worker reads any of them.
      const signedUp = population(`throttle${seed}`, 12);
      await signUpUsers(e.primaryClient, pools.primary, signedUp);
      e.primary.shim.resetCalls();
      e.standby.shim.resetCalls();
      e.primary.shim.faults = { throttleShare: SHARE, seed };
      e.standby.shim.faults = { throttleShare: SHARE, seed: seed + 100 };
      runtime.startWorker();
      await runtime.drain(150_000);
      const throttledByWorker = sum(e.primary.shim.throttled) + sum(e.standby.shim.throttled);
      e.primary.shim.faults = {};
      e.standby.shim.faults = {};
      expect(throttledByWorker).toBeGreaterThan(10); // the storm really hit the worker
      expect(await runtime.dlqDepth()).toBe(0);
      await assertStandbyMatchesSource({ source, standby, expectUsers: signedUp.length });
      await runtime.stopWorker();

      // Drift the trigger cannot see: admin-created users, replicas edited in the standby.
      await adminCreateUsers(e.primaryClient, pools.primary, population(`throttle${seed}-admin`, 8));
      const replicas =
        (await e.standbyClient.send(new ListUsersCommand({ UserPoolId: pools.standby.poolId, Limit: 4 }))).Users ?? [];
      for (const r of replicas) {
        await e.standbyClient.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: pools.standby.poolId,
            Username: r.Username,
            UserAttributes: [{ Name: 'custom:tier', Value: 'drifted' }],
          }),
        );
      }
      e.primary.shim.resetCalls();
      e.standby.shim.resetCalls();
      e.primary.shim.faults = { throttleShare: SHARE, seed: seed + 200 };
      e.standby.shim.faults = { throttleShare: SHARE, seed: seed + 300 };
      // --deep: MFA is only known from AdminGetUser; without it the reconciler leaves MFA alone (docs/RECONCILE.md).
      const result = await runReconcile(e, pools, { apply: true, extra: { deep: true }, quotas: RAISED });
      const throttledByReconciler = sum(e.primary.shim.throttled) + sum(e.standby.shim.throttled);
      e.primary.shim.faults = {};
      e.standby.shim.faults = {};
      expect(throttledByReconciler).toBeGreaterThan(10);
      expect(result.report.counts.failed).toBe(0);
      expect(result.report.counts.deleteFailed).toBe(0);
      expect(result.status).toBe('complete');
      expect(result.exitCode).toBe(0);
      expect(result.report.counts.created).toBe(8);
      expect(result.report.counts.updated).toBe(replicas.length);
      await assertStandbyMatchesSource({ source, standby, expectUsers: signedUp.length + 8 });
    } finally {
      await runtime.stop();
    }
  },
);

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
