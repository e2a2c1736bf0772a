/** The worker with change capture: echoes dropped before any read, the index kept, deletions propagated. */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  InvalidParameterException,
  ListGroupsCommand,
  ListUsersCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cognitoGateway } from '../../../src/config/wiring';
import { createWorkerHandler } from '../../../src/handlers/worker';
import { logger, metrics } from '../../../src/observability';
import { ReplicaIndex } from '../../../src/replication/replica-index';
import { targetBody } from '../../../src/change-capture/rule';
import { describeUserPoolAnswer, InstantClock, MANAGED_SCHEMA, STANDARD_SCHEMA, workerTestConfig } from '../helpers';
import { adminEvent, PEER_WORKER_ROLE, SUB } from './fixtures';

logger.setLogLevel('SILENT');

function world() {
  const clock = new InstantClock();
  const { config, sourcePoolId, standbyPoolId } = workerTestConfig();
  const clients = {
    source: new CognitoIdentityProviderClient({ region: 'us-east-1' }),
    standby: new CognitoIdentityProviderClient({ region: 'us-west-2' }),
    ddb: new DynamoDBClient({ region: 'us-east-1' }),
    sqs: new SQSClient({ region: 'us-east-1' }),
  };
  const source = mockClient(clients.source);
  const standby = mockClient(clients.standby);
  const ddb = mockClient(clients.ddb);
  const sqs = mockClient(clients.sqs);
  source
    .on(DescribeUserPoolCommand)
    .resolves({ UserPool: describeUserPoolAnswer({ poolId: sourcePoolId, usernameAttributes: ['email'] }) });
  standby.on(DescribeUserPoolCommand).resolves({
    UserPool: describeUserPoolAnswer({
      poolId: standbyPoolId,
      usernameAttributes: ['email'],
      schema: [...STANDARD_SCHEMA, ...MANAGED_SCHEMA],
    }),
  });
  source.on(ListGroupsCommand).resolves({ Groups: [] });
  standby.on(ListGroupsCommand).resolves({ Groups: [] });
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  const handler = createWorkerHandler({
    config,
    sqs: clients.sqs,
    replication: {
      source: cognitoGateway(
        { region: 'us-east-1', poolId: sourcePoolId },
        { client: clients.source, clock, retry: { maxAttempts: 1 } },
      ),
      standby: cognitoGateway(
        { region: 'us-west-2', poolId: standbyPoolId },
        { client: clients.standby, clock, retry: { maxAttempts: 1 } },
      ),
      sourceSubAttribute: config.sourceSubAttribute,
      mfaMarkerAttribute: config.mfaMarkerAttribute,
    },
    replicaIndex: new ReplicaIndex({ tableName: 'idx', sourcePoolId, standbyPoolId, client: clients.ddb }),
    echoRoleArns: [PEER_WORKER_ROLE],
  });
  const event = (body: Record<string, unknown>): SQSEvent => ({
    Records: [
      {
        messageId: 'm1',
        receiptHandle: 'r1',
        body: JSON.stringify({
          v: 1,
          sourceRegion: 'us-east-1',
          sourcePoolId,
          sub: SUB,
          at: '2026-10-01T10:15:31Z',
          ...body,
        }),
        attributes: { ApproximateReceiveCount: '1' },
      } as never,
    ],
  });
  const raw = (body: string, messageId = 'm1'): SQSEvent => ({
    Records: [
      { messageId, receiptHandle: `r-${messageId}`, body, attributes: { ApproximateReceiveCount: '1' } } as never,
    ],
  });
  /** What the change-capture rule's target delivers for an admin event on this pool. */
  const captured = (name: string, o: Parameters<typeof adminEvent>[1] = {}): SQSEvent =>
    raw(targetBody(adminEvent(name, { pool: sourcePoolId, ...o })));
  return { handler, source, standby, ddb, sqs, event, raw, captured, sourcePoolId, standbyPoolId };
}

test('an echo is acknowledged without a single Cognito or DynamoDB call', async () => {
  const w = world();
  const r = await w.handler(
    w.event({ reason: 'AdminUpdateUserAttributes', actor: PEER_WORKER_ROLE, eventPoolId: w.sourcePoolId }),
  );
  expect(r.batchItemFailures).toEqual([]);
  expect(w.source.calls()).toHaveLength(0);
  expect(w.standby.calls()).toHaveLength(0);
  expect(w.ddb.calls()).toHaveLength(0);
});

test('AdminDeleteUser event: the source is gone, the indexed replica with the same sub is deleted', async () => {
  const w = world();
  w.source
    .on(AdminGetUserCommand)
    .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  w.ddb
    .on(GetItemCommand)
    .resolves({ Item: { standbyUsername: { S: 'replica-1' }, standbyPoolId: { S: w.standbyPoolId } } });
  w.ddb.on(DeleteItemCommand).resolves({});
  w.standby
    .on(ListUsersCommand)
    .resolves({ Users: [{ Username: 'replica-1', Attributes: [{ Name: 'custom:source_sub', Value: SUB }] }] });
  w.standby.on(AdminDeleteUserCommand).resolves({});
  const r = await w.handler(w.event({ reason: 'AdminDeleteUser', eventPoolId: w.sourcePoolId }));
  expect(r.batchItemFailures).toEqual([]);
  expect(w.standby).toHaveReceivedCommandWith(AdminDeleteUserCommand, { Username: 'replica-1' });
});

test('a deletion whose confirmation read fails is retried, nothing deleted', async () => {
  const w = world();
  w.source
    .on(AdminGetUserCommand)
    .rejectsOnce(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }))
    .rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  w.ddb
    .on(GetItemCommand)
    .resolves({ Item: { standbyUsername: { S: 'replica-1' }, standbyPoolId: { S: w.standbyPoolId } } });
  const r = await w.handler(w.event({ reason: 'AdminDeleteUser', eventPoolId: w.sourcePoolId }));
  expect(r.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test('the replica is remembered once; the same change again costs no DynamoDB call', async () => {
  const w = world();
  const attrs = [
    { Name: 'sub', Value: SUB },
    { Name: 'email', Value: 'a@example.com' },
    { Name: 'email_verified', Value: 'true' },
  ];
  w.source.on(AdminGetUserCommand).resolves({
    Username: 'src-1',
    Enabled: true,
    UserStatus: 'CONFIRMED',
    UserAttributes: attrs,
    UserMFASettingList: [],
  });
  w.source.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  const replicaAttrs = [
    { Name: 'sub', Value: 'x' },
    { Name: 'email', Value: 'a@example.com' },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'custom:source_sub', Value: SUB },
    { Name: 'custom:source_mfa', Value: 'none' },
  ];
  w.standby
    .on(ListUsersCommand)
    .resolves({ Users: [{ Username: 'replica-1', Enabled: true, UserStatus: 'CONFIRMED', Attributes: replicaAttrs }] });
  // The planner may read the replica's MFA settings (AdminGetUser) rather than trust the marker.
  w.standby.on(AdminGetUserCommand).resolves({
    Username: 'replica-1',
    Enabled: true,
    UserStatus: 'CONFIRMED',
    UserAttributes: replicaAttrs,
    UserMFASettingList: [],
  });
  w.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  w.ddb.on(GetItemCommand).resolves({});
  w.ddb.on(PutItemCommand).resolves({});
  for (let i = 0; i < 2; i++)
    expect(
      (await w.handler(w.event({ reason: 'AdminEnableUser', eventPoolId: w.sourcePoolId }))).batchItemFailures,
    ).toEqual([]);
  expect(w.ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  expect(w.ddb.commandCalls(GetItemCommand)).toHaveLength(1);
  expect(w.ddb.commandCalls(PutItemCommand)[0].args[0].input.Item?.standbyUsername).toEqual({ S: 'replica-1' });
});

/** The source has this user; the standby has no replica yet; the index accepts writes. */
function sourceUser(w: ReturnType<typeof world>, username: string, sub = SUB) {
  const attrs = [
    { Name: 'sub', Value: sub },
    { Name: 'email', Value: 'a@example.com' },
    { Name: 'email_verified', Value: 'true' },
  ];
  w.source
    .on(AdminGetUserCommand)
    .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
  for (const name of [username, sub]) {
    w.source.on(AdminGetUserCommand, { Username: name }).resolves({
      Username: username,
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: attrs,
      UserMFASettingList: [],
    });
  }
  w.source.on(ListUsersCommand).resolves({ Users: [{ Username: username, Attributes: attrs }] });
  w.source.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  w.standby.on(ListUsersCommand).resolves({ Users: [] });
  w.standby.on(AdminCreateUserCommand).resolves({ User: { Username: 'replica-1' } });
  w.standby.on(AdminSetUserPasswordCommand).resolves({});
  w.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  w.ddb.on(GetItemCommand).resolves({});
  w.ddb.on(PutItemCommand).resolves({});
}

const getUserNames = (w: ReturnType<typeof world>) =>
  w.source.commandCalls(AdminGetUserCommand).map((c) => c.args[0].input.Username);

describe('issue 10.6: hidden usernames in CloudTrail', () => {
  test('a masked username (either spelling) is never looked up: the sub locates the user', async () => {
    for (const masked of ['HIDDEN_FOR_SECURITY_REASONS', 'HIDDEN_DUE_TO_SECURITY_REASONS']) {
      const w = world();
      sourceUser(w, 'src-1');
      const r = await w.handler(
        w.event({ reason: 'AdminUpdateUserAttributes', username: masked, eventPoolId: w.sourcePoolId }),
      );
      expect(r.batchItemFailures).toEqual([]);
      expect(getUserNames(w)).not.toContain(masked);
      expect(w.standby).toHaveReceivedCommand(AdminCreateUserCommand);
      expect(w.sqs).not.toHaveReceivedCommand(SendMessageCommand); // nothing dead-lettered
    }
  });

  test('a username that misses falls back to the sub before the user is taken for gone (no retries, no DLQ)', async () => {
    const w = world();
    sourceUser(w, 'src-1');
    w.ddb
      .on(GetItemCommand)
      .resolves({ Item: { standbyUsername: { S: 'replica-1' }, standbyPoolId: { S: w.standbyPoolId } } });
    const r = await w.handler(w.event({ reason: 'PostConfirmation_ConfirmSignUp', username: 'renamed-or-alias' }));
    expect(r.batchItemFailures).toEqual([]);
    expect(getUserNames(w)).toEqual(expect.arrayContaining(['renamed-or-alias', SUB]));
    expect(w.standby).toHaveReceivedCommand(AdminCreateUserCommand);
    expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
    expect(w.sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
  });

  test('a name Cognito rejects (InvalidParameterException) also falls back to the sub', async () => {
    const w = world();
    sourceUser(w, 'src-1');
    w.source
      .on(AdminGetUserCommand, { Username: 'bad name' })
      .rejects(new InvalidParameterException({ message: 'Invalid username', $metadata: {} }));
    const r = await w.handler(
      w.event({ reason: 'AdminEnableUser', username: 'bad name', eventPoolId: w.sourcePoolId }),
    );
    expect(r.batchItemFailures).toEqual([]);
    expect(w.standby).toHaveReceivedCommand(AdminCreateUserCommand);
  });
});

describe('issue 10.7: the EventBridge input transformer does not escape values', () => {
  test('the captured event with a quote and a backslash in the username is replicated, not dead-lettered', async () => {
    const w = world();
    const username = 'o"brien\\admin';
    sourceUser(w, username);
    const r = await w.handler(w.captured('AdminUpdateUserAttributes', { params: { username } }));
    expect(r.batchItemFailures).toEqual([]);
    expect(w.sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(getUserNames(w)[0]).toBe(username);
    expect(w.standby).toHaveReceivedCommand(AdminCreateUserCommand);
  });

  test('a captured event from another pool is dropped before any read', async () => {
    const w = world();
    const r = await w.handler(w.raw(targetBody(adminEvent('AdminEnableUser', { pool: 'us-east-1_Elsewhere1' }))));
    expect(r.batchItemFailures).toEqual([]);
    expect(w.source.calls()).toHaveLength(0);
  });
});

describe('issue 10.9: change capture of admin-created users', () => {
  test('an AdminCreateUser event with no sub but the username in clear is replicated by username', async () => {
    const w = world();
    sourceUser(w, 'new.user@example.com');
    const r = await w.handler(
      w.captured('AdminCreateUser', { sub: null, params: { username: 'new.user@example.com' } }),
    );
    expect(r.batchItemFailures).toEqual([]);
    expect(getUserNames(w)).toEqual(['new.user@example.com']);
    expect(w.standby).toHaveReceivedCommand(AdminCreateUserCommand);
    expect(w.ddb).toHaveReceivedCommand(PutItemCommand); // remembered in the index under the sub read from the source
  });

  test('an AdminCreateUser event naming nobody (no sub, username masked) is counted and acknowledged: nothing read, nothing dead-lettered', async () => {
    const w = world();
    const counted = jest.spyOn(metrics, 'addMetric');
    const r = await w.handler(w.captured('AdminCreateUser', { sub: null }));
    expect(r.batchItemFailures).toEqual([]);
    expect(w.source.calls()).toHaveLength(0);
    expect(w.sqs.calls()).toHaveLength(0);
    expect(counted).toHaveBeenCalledWith('UnlocatableEvents', 'Count', 1);
    counted.mockRestore();
  });
});
