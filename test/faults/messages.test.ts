/**
 * Fault: the queue delivers messages more than once, out of order and late (SQS standard queues
 * promise at-least-once delivery, no order). Duplicates of one user land in the same batch and
 * are processed concurrently; stale messages name users that were since edited, disabled, moved
 * between groups, or deleted and signed up again (same e-mail, new `sub`). Several seeds shuffle
 * the order. Every user must end with exactly one correct replica, and nothing in the DLQ.
 */
import {
  AdminAddUserToGroupCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { buildSyncMessage, type SyncMessage } from '../../src/core/message';
import {
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  seededRandom,
  shuffle,
  signUpUsers,
  startRuntime,
  useFaultEmulators,
} from '../support/faults';

jest.setTimeout(180_000);
const emu = useFaultEmulators();

const DAY_AGO = () => new Date(Date.now() - 24 * 3600_000).toISOString();

test.each([1, 2, 3])(
  'duplicate, reordered and stale messages, seed %i: exactly one correct replica each',
  async (seed) => {
    const e = emu();
    const random = seededRandom(seed);
    const pools = await freshPools(e, `msgs-${seed}`);
    const runtime = await startRuntime(e, pools, { name: `msgs-${seed}` });
    const poolId = pools.primary.poolId;
    const client = e.primaryClient;
    const at = (fields: Omit<SyncMessage, 'v' | 'at' | 'sourceRegion' | 'sourcePoolId'>, when = DAY_AGO()) =>
      JSON.stringify(buildSyncMessage({ sourceRegion: e.primary.region, sourcePoolId: poolId, ...fields, at: when }));
    try {
      // Phase 1: users replicated normally.
      const first = population(`msgs${seed}`, 12);
      const firstSubs = await signUpUsers(client, pools.primary, first);
      runtime.startWorker();
      await runtime.drain();
      await runtime.stopWorker();

      // Phase 2, worker stopped: the source changes; new sign-ups queue their messages.
      await client.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'late' }));
      for (const i of [0, 1, 2]) {
        await client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: poolId,
            Username: first[i].email,
            UserAttributes: [{ Name: 'custom:tier', Value: `edited-${seed}` }],
          }),
        );
      }
      for (const i of [3, 4])
        await client.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: first[i].email }));
      for (const i of [5, 6])
        await client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: first[i].email, GroupName: 'late' }),
        );
      await client.send(
        new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: first[0].email, GroupName: 'admins' }),
      );
      // Deleted and signed up again with the same e-mail: a new sub and a new username in the source.
      const reborn = [first[8], first[9]].map((u) => ({ ...u, tier: 'reborn', groups: ['staff'] }));
      for (const u of reborn) await client.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: u.email }));
      const rebornSubs = await signUpUsers(client, pools.primary, reborn);
      const late = population(`msgs${seed}-late`, 6);
      const lateSubs = await signUpUsers(client, pools.primary, late);

      // What else the queue delivers: stale copies of the first sign-ups (old subs of the reborn
      // users included), change events naming the user by sub only, by username only, and
      // duplicates of the new sign-ups, all shuffled.
      const bodies: string[] = [];
      first.forEach((_u, i) =>
        bodies.push(at({ username: firstSubs[i], sub: firstSubs[i], reason: 'PostConfirmation_ConfirmSignUp' })),
      );
      for (const i of [0, 1, 2, 3, 4, 5, 6])
        bodies.push(
          at({ sub: firstSubs[i], reason: 'AdminUpdateUserAttributes', eventPoolId: poolId }, new Date().toISOString()),
        );
      for (const i of [0, 3, 5]) bodies.push(at({ username: first[i].email, reason: 'AdminDisableUser' }));
      rebornSubs.forEach((sub) =>
        bodies.push(
          at({ sub, reason: 'AdminCreateUser' }),
          at({ username: sub, sub, reason: 'PostConfirmation_ConfirmSignUp' }),
        ),
      );
      for (const sub of lateSubs.slice(1))
        for (let k = 0; k < 3; k++)
          bodies.push(at({ username: sub, sub, reason: 'PostConfirmation_ConfirmSignUp' }, new Date().toISOString()));
      // The trigger's own messages of phase 2 are first in the queue; three more copies of the first
      // late sign-up follow at once, so that four copies of one new user share a batch.
      const copies = Array.from({ length: 3 }, () =>
        at(
          { username: lateSubs[0], sub: lateSubs[0], reason: 'PostConfirmation_ConfirmSignUp' },
          new Date().toISOString(),
        ),
      );
      await runtime.send([...copies, ...shuffle(bodies, random)]);
      runtime.startWorker();
      await runtime.drain();

      expect(await runtime.dlqDepth()).toBe(0);
      const check = await assertStandbyMatchesSource({
        source: gatewayFor(e.primary, pools.primary.poolId),
        standby: gatewayFor(e.standby, pools.standby.poolId),
        expectUsers: first.length + late.length,
      });
      expect(check.replicable).toBe(first.length + late.length);
      expect(check.standbyUsers).toBe(first.length + late.length);
    } finally {
      await runtime.stop();
    }
  },
);
