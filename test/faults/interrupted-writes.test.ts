/**
 * Fault: a writer (worker or reconciler) stops between two writes of one replica: after the MFA
 * preference call and before the MFA marker that records it. The next replication of that user
 * must finish the replica without sending the MFA call again (no repeated write), and the
 * replica must end correct.
 */
import type { CognitoCallEvent } from '../../scripts/local/cognito-shim';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { replicateUser, type ReplicationContext } from '../../src/replication/replicate-user';
import { useEmulators } from '../support/emulators';
import {
  adminCreateUsers,
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  repeated,
  writeKey,
  withSteadyClients,
} from '../support/faults';

jest.setTimeout(120_000);

const emu = withSteadyClients(useEmulators({ sqs: false, pools: false }));

test.each(['SMS_MFA'])(
  'stopped between the %s preference and its marker: the next run writes only the marker',
  async () => {
    const e = emu();
    const pools = await freshPools(e, 'mfa-marker');
    const [user] = population('mfamarker', 3).filter((u) => u.smsMfa);
    const [sub] = await adminCreateUsers(e.primaryClient, pools.primary, [user]);
    const writes: CognitoCallEvent[] = [];
    const off = e.standby.shim.onCall((c) => {
      if (c.request.UserPoolId === pools.standby.poolId) writes.push(c);
    });
    const ctx = (standby: CognitoGateway): ReplicationContext => ({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
    });

    // First run: dies when it is about to write the marker.
    const dying = gatewayFor(e.standby, pools.standby.poolId);
    const update = dying.updateAttributes.bind(dying);
    dying.updateAttributes = async (username, attributes) => {
      if ('custom:source_mfa' in attributes) throw new Error('process killed');
      return update(username, attributes);
    };
    await expect(replicateUser(ctx(dying), { username: user.email, sub })).rejects.toThrow('process killed');
    const first = writes.length;
    expect(writes.map((w) => w.operation)).toContain('AdminSetUserMFAPreference');

    // Next run: the marker is missing; the replica's MFA is read, not re-sent.
    const outcome = await replicateUser(ctx(gatewayFor(e.standby, pools.standby.poolId)), {
      username: user.email,
      sub,
    });
    off();
    expect(outcome.result).toBe('updated');
    expect(writes.slice(first).map((w) => w.operation)).toEqual(['AdminUpdateUserAttributes']);
    expect(repeated(writes.map(writeKey))).toEqual([]);
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: 1,
    });
  },
);
