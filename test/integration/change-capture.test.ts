/**
 * Change capture end to end on the emulators: two deployments (us-east-1 replicating the primary
 * to the standby, us-west-2 the other way), each with its worker, its replica index (dynalite) and
 * its CloudTrail emitter running the production rule and delivering the event itself, as the
 * rule's target does. Admin and self-service changes on the primary reach the standby; a deletion
 * deletes the replica; the replication writes never travel back; replayed and reordered messages
 * change nothing. The emitters write AdminCreateUser events without `additionalEventData.sub`
 * (issue 10.9: no recorded event shows it), the username in clear.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { parseQueueMessage } from '../../src/change-capture/queue-message';
import { targetBody } from '../../src/change-capture/rule';
import { logger } from '../../src/observability';
import { type CaptureDeployment, startCaptureDeployment } from '../../scripts/local/deployment';
import { type DynamoEmulator, startDynamoEmulator } from '../../scripts/local/dynamodb';
import { queueDepth } from '../../scripts/local/sqs';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);
logger.setLogLevel('SILENT');

const emu = useEmulators();
let dynamo: DynamoEmulator;
let east: CaptureDeployment;
let west: CaptureDeployment;
const eastBodies: string[] = [];
const westUnmatched: string[] = [];

beforeAll(async () => {
  const e = emu();
  dynamo = await startDynamoEmulator();
  const common = { sqs: e.sqs, dynamo, visibilityTimeout: 5, adminCreateUserShape: 'username' as const };
  east = await startCaptureDeployment({
    ...common,
    local: { emulator: e.primary, poolId: e.pools.primary.poolId },
    peer: { emulator: e.standby, poolId: e.pools.standby.poolId },
    onEvent: (_ev, matched, body) => {
      if (matched && body) eastBodies.push(body);
    },
  });
  west = await startCaptureDeployment({
    ...common,
    local: { emulator: e.standby, poolId: e.pools.standby.poolId },
    peer: { emulator: e.primary, poolId: e.pools.primary.poolId },
    onEvent: (ev, matched) => {
      if (!matched) westUnmatched.push(JSON.stringify(ev));
    },
  });
}, 60_000);

afterAll(async () => {
  await east?.stop();
  await west?.stop();
  await dynamo?.stop();
});

const ADDRESS = 'change.capture@example.com';
let sourceUsername = '';
let sourceSub = '';

async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await east.settle();
    await west.settle();
  }
}

async function replica(client: CognitoIdentityProviderClient, poolId: string) {
  const r = await client.send(new ListUsersCommand({ UserPoolId: poolId, Filter: `email = "${ADDRESS}"` }));
  return r.Users?.[0];
}

const attrs = (list: { Name?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.Name, a.Value]));

test('issue 10.9: admin-created users: an AdminCreateUser event without a sub reaches the standby by username, and the replica is remembered in the index', async () => {
  const { primaryClient, standbyClient, pools } = emu();
  const created = await primaryClient.send(
    new AdminCreateUserCommand({
      UserPoolId: pools.primary.poolId,
      Username: ADDRESS,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: ADDRESS },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'name', Value: 'Ada' },
      ],
    }),
  );
  sourceUsername = created.User!.Username!;
  sourceSub = attrs(created.User!.Attributes).sub!;
  await settle();
  const r = await replica(standbyClient, pools.standby.poolId);
  expect(attrs(r?.Attributes)).toMatchObject({ email: ADDRESS, name: 'Ada', 'custom:source_sub': sourceSub });
  expect(await east.index.lookup(sourceSub)).toBe(r?.Username);
});

test('attribute edit, self-service edit, group change and disable reach the standby', async () => {
  const { primaryClient, standbyClient, pools } = emu();
  const P = pools.primary.poolId;
  await primaryClient.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: P,
      Username: sourceUsername,
      UserAttributes: [{ Name: 'name', Value: 'Ada Lovelace' }],
    }),
  );
  await settle();
  expect(attrs((await replica(standbyClient, pools.standby.poolId))?.Attributes).name).toBe('Ada Lovelace');

  // Self-service: the user signs in and edits their own profile with the access token.
  await primaryClient.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: P,
      Username: sourceUsername,
      Password: 'Local-Passw0rd!',
      Permanent: true,
    }),
  );
  const auth = await primaryClient.send(
    new InitiateAuthCommand({
      ClientId: pools.primary.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: ADDRESS, PASSWORD: 'Local-Passw0rd!' },
    }),
  );
  await primaryClient.send(
    new UpdateUserAttributesCommand({
      AccessToken: auth.AuthenticationResult!.AccessToken!,
      UserAttributes: [{ Name: 'given_name', Value: 'Ada' }],
    }),
  );
  await settle();
  expect(attrs((await replica(standbyClient, pools.standby.poolId))?.Attributes).given_name).toBe('Ada');

  await primaryClient.send(
    new CreateGroupCommand({ UserPoolId: P, GroupName: 'support', Description: 'Support staff' }),
  );
  await primaryClient.send(
    new AdminAddUserToGroupCommand({ UserPoolId: P, Username: sourceUsername, GroupName: 'support' }),
  );
  await primaryClient.send(new AdminDisableUserCommand({ UserPoolId: P, Username: sourceUsername }));
  await settle();
  const r = await replica(standbyClient, pools.standby.poolId);
  expect(r?.Enabled).toBe(false);
  const groups = await standbyClient.send(
    new AdminListGroupsForUserCommand({ UserPoolId: pools.standby.poolId, Username: r!.Username! }),
  );
  expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['support']);
});

test("no echo: the east worker's writes in the standby never reach the west queue", async () => {
  expect(west.emitter.stats.calls).toBeGreaterThan(0); // the standby saw the east worker's writes...
  expect(west.emitter.stats.matched).toBe(0); // ...and the rule let none of them through
  expect(west.poller.stats.messages).toBe(0);
});

test('no echo, defence in depth: the same events forced onto the west queue are dropped by the worker', async () => {
  const { primary } = emu();
  const ctx = { sourceRegion: west.region, sourcePoolId: emu().pools.standby.poolId };
  const bodies = westUnmatched
    .map((e) => JSON.parse(e))
    .filter((e) => e.detail?.additionalEventData?.sub && e.detail?.requestParameters?.userPoolId)
    .map((e) => targetBody(e));
  expect(bodies.length).toBeGreaterThan(0);
  for (const b of bodies) expect(parseQueueMessage(b, ctx).actor).toBe(east.workerRoleArn);
  const writesBefore = primary.shim.writeCalls();
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  const callsBefore = total(west.replication.source.calls) + total(west.replication.standby.calls);
  for (const b of bodies) await west.send(b);
  await settle();
  expect(west.poller.stats.messages).toBe(bodies.length);
  // Dropped before any read: the west worker did not even look at the user, let alone write back.
  expect(total(west.replication.source.calls) + total(west.replication.standby.calls)).toBe(callsBefore);
  expect(primary.shim.writeCalls()).toBe(writesBefore);
});

test('replayed, reordered bursts converge with no standby write', async () => {
  const { standby, standbyClient, pools } = emu();
  expect(eastBodies.length).toBeGreaterThanOrEqual(5);
  const before = await replica(standbyClient, pools.standby.poolId);
  const writesBefore = standby.shim.writeCalls();
  const burst = [...eastBodies].reverse();
  for (const b of [...burst, ...burst]) await east.send(b);
  await settle();
  expect(standby.shim.writeCalls()).toBe(writesBefore);
  const after = await replica(standbyClient, pools.standby.poolId);
  expect(attrs(after?.Attributes)).toEqual(attrs(before?.Attributes));
  expect(after?.Enabled).toBe(false);
});

test('an enable racing a disable: whatever the order of the messages, the standby ends like the source', async () => {
  const { primaryClient, standbyClient, pools } = emu();
  const n = eastBodies.length;
  await primaryClient.send(new AdminEnableUserCommand({ UserPoolId: pools.primary.poolId, Username: sourceUsername }));
  await settle();
  const enableBody = eastBodies[n];
  const disableBody = eastBodies.find((b) => JSON.parse(b).detail.eventName === 'AdminDisableUser')!;
  await east.send(enableBody);
  await east.send(disableBody); // the older change arrives last
  await settle();
  expect((await replica(standbyClient, pools.standby.poolId))?.Enabled).toBe(true);
});

test('issue 10.9: an AdminCreateUser event naming nobody (no sub, username masked) is acknowledged without a read or a write', async () => {
  const { standby, sqsClient } = emu();
  const created = JSON.parse(eastBodies[0]);
  expect(created.detail.eventName).toBe('AdminCreateUser');
  const opaque = {
    ...created,
    detail: {
      ...created.detail,
      requestParameters: { ...created.detail.requestParameters, username: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    },
  };
  delete opaque.detail.additionalEventData;
  const reads = Object.values(east.replication.source.calls).reduce((a, b) => a + b, 0);
  const writes = standby.shim.writeCalls();
  await east.send(targetBody(opaque));
  await settle();
  expect(Object.values(east.replication.source.calls).reduce((a, b) => a + b, 0)).toBe(reads);
  expect(standby.shim.writeCalls()).toBe(writes);
  const dlq = await queueDepth(sqsClient, east.queue.dlqUrl);
  expect(dlq.visible + dlq.inFlight + dlq.delayed).toBe(0);
});

test('a deletion on the primary deletes the replica and its index entry', async () => {
  const { primaryClient, standbyClient, pools } = emu();
  await primaryClient.send(new AdminDeleteUserCommand({ UserPoolId: pools.primary.poolId, Username: sourceUsername }));
  await settle();
  expect(await replica(standbyClient, pools.standby.poolId)).toBeUndefined();
  expect(await east.index.lookup(sourceSub)).toBeUndefined();
  await expect(
    primaryClient.send(new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: sourceSub })),
  ).rejects.toMatchObject({ name: 'UserNotFoundException' });
  // The deletion message replayed: nothing left to do, nothing written.
  const writes = emu().standby.shim.writeCalls();
  await east.send(eastBodies[eastBodies.length - 1]);
  await settle();
  expect(emu().standby.shim.writeCalls()).toBe(writes);
});
