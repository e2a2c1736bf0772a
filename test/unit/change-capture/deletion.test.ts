/**
 * Deletion propagation with a mocked SDK: the replica is deleted only when the source user is
 * definitely gone, the index knows the replica and the replica carries the same sub.
 */
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  InvalidParameterException,
  ListUsersCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cognitoGateway } from '../../../src/config/wiring';
import { classifyError } from '../../../src/core/errors';
import {
  propagateDeletion,
  SourceUserStillExistsError,
  sourceUserIsGone,
} from '../../../src/replication/propagate-deletion';
import { ReplicaIndex } from '../../../src/replication/replica-index';
import type { ReplicationContext } from '../../../src/replication/replicate-user';
import { InstantClock, uniquePoolId } from '../helpers';

const SUB = '0c1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const REPLICA = '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b';

const err = <T extends new (o: { message: string; $metadata: object }) => Error>(C: T, message = 'x') =>
  new C({ message, $metadata: {} });

interface World {
  ctx: ReplicationContext;
  index: ReplicaIndex;
  source: AwsClientStub<CognitoIdentityProviderClient>;
  standby: AwsClientStub<CognitoIdentityProviderClient>;
  ddb: AwsClientStub<DynamoDBClient>;
  standbyPoolId: string;
  sourcePoolId: string;
}

function world(): World {
  const clock = new InstantClock();
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  const sourceClient = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  const standbyClient = new CognitoIdentityProviderClient({ region: 'us-west-2' });
  const ddbClient = new DynamoDBClient({ region: 'us-east-1' });
  const w: World = {
    ctx: {
      source: cognitoGateway(
        { region: 'us-east-1', poolId: sourcePoolId },
        { client: sourceClient, clock, retry: { maxAttempts: 1 } },
      ),
      standby: cognitoGateway(
        { region: 'us-west-2', poolId: standbyPoolId },
        { client: standbyClient, clock, retry: { maxAttempts: 1 } },
      ),
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
    },
    index: new ReplicaIndex({ tableName: 'idx', sourcePoolId, standbyPoolId, client: ddbClient }),
    source: mockClient(sourceClient),
    standby: mockClient(standbyClient),
    ddb: mockClient(ddbClient),
    sourcePoolId,
    standbyPoolId,
  };
  w.ddb.on(DeleteItemCommand).resolves({});
  w.standby.on(AdminDeleteUserCommand).resolves({});
  return w;
}

function indexed(w: World, username = REPLICA, standbyPoolId = w.standbyPoolId) {
  w.ddb.on(GetItemCommand).resolves({
    Item: {
      pk: { S: `${w.sourcePoolId}#${SUB}` },
      standbyUsername: { S: username },
      standbyPoolId: { S: standbyPoolId },
    },
  });
}
function sourceGone(w: World) {
  w.source.on(AdminGetUserCommand).rejects(err(UserNotFoundException, 'User does not exist.'));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
}
function replicaCarries(w: World, sub: string | undefined, username = REPLICA) {
  w.standby.on(ListUsersCommand, { Filter: `username = "${username}"` }).resolves({
    Users: [
      {
        Username: username,
        Enabled: true,
        Attributes: [
          { Name: 'sub', Value: 'standby-sub' },
          ...(sub ? [{ Name: 'custom:source_sub', Value: sub }] : []),
        ],
      },
    ],
  });
}

test('gone, indexed, same sub: the replica is deleted and the index entry removed', async () => {
  const w = world();
  indexed(w);
  sourceGone(w);
  replicaCarries(w, SUB);
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toEqual({
    result: 'deleted',
    standbyUsername: REPLICA,
    writes: 1,
  });
  expect(w.standby).toHaveReceivedCommandWith(AdminDeleteUserCommand, {
    UserPoolId: w.standbyPoolId,
    Username: REPLICA,
  });
  expect(w.source).toHaveReceivedCommandWith(AdminGetUserCommand, { Username: SUB }); // by sub: strongly consistent
  expect(w.source).toHaveReceivedCommandWith(ListUsersCommand, { Filter: `sub = "${SUB}"` });
  expect(w.ddb).toHaveReceivedCommandWith(GetItemCommand, {
    ConsistentRead: true,
    Key: { pk: { S: `${w.sourcePoolId}#${SUB}` } },
  });
  expect(w.ddb).toHaveReceivedCommandWith(DeleteItemCommand, { ConditionExpression: 'standbyUsername = :u' });
});

test('index miss: nothing deleted, left to the reconciler (deferred); unstated pool: not-indexed', async () => {
  const w = world();
  w.ddb.on(GetItemCommand).resolves({});
  sourceGone(w);
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toEqual({
    result: 'deferred',
    reason: 'index-miss',
    writes: 0,
  });
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB, poolStated: false })).toEqual({
    result: 'not-indexed',
    reason: 'index-miss',
    writes: 0,
  });
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
  expect(w.source.calls()).toHaveLength(0); // a miss costs no Cognito call
});

test('an entry for another standby pool counts as a miss', async () => {
  const w = world();
  indexed(w, REPLICA, 'us-west-2_SomeOther');
  sourceGone(w);
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toMatchObject({
    result: 'deferred',
    reason: 'index-miss',
  });
});

test('the replica carries another sub: nothing deleted, the stale entry removed', async () => {
  const w = world();
  indexed(w);
  sourceGone(w);
  replicaCarries(w, 'a-newer-source-sub');
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toEqual({
    result: 'deferred',
    reason: 'sub-mismatch',
    standbyUsername: REPLICA,
    writes: 0,
  });
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
  expect(w.ddb).toHaveReceivedCommand(DeleteItemCommand);
});

test('the replica carries no source sub at all: nothing deleted', async () => {
  const w = world();
  indexed(w);
  sourceGone(w);
  replicaCarries(w, undefined);
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toMatchObject({
    result: 'deferred',
    reason: 'sub-mismatch',
  });
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test('replica already gone: no write, entry removed', async () => {
  const w = world();
  indexed(w);
  sourceGone(w);
  w.standby.on(ListUsersCommand).resolves({ Users: [] });
  expect(await propagateDeletion(w.ctx, w.index, { sub: SUB })).toEqual({
    result: 'already-gone',
    standbyUsername: REPLICA,
    writes: 0,
  });
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test.each([
  ['the pool is missing (ResourceNotFoundException)', () => err(ResourceNotFoundException)],
  ['throttling', () => err(TooManyRequestsException)],
  ['a network failure', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
])('a failed source read is never "gone": %s', async (_name, failure) => {
  const w = world();
  indexed(w);
  w.source.on(AdminGetUserCommand).rejects(failure());
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  replicaCarries(w, SUB);
  await expect(propagateDeletion(w.ctx, w.index, { sub: SUB })).rejects.toThrow();
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test('AdminGetUser by sub finds the user: not gone (a stale read), retried', async () => {
  const w = world();
  indexed(w);
  w.source.on(AdminGetUserCommand).resolves({ Username: 'alice', UserAttributes: [{ Name: 'sub', Value: SUB }] });
  replicaCarries(w, SUB);
  const failure = await propagateDeletion(w.ctx, w.index, { sub: SUB }).catch((e) => e);
  expect(failure).toBeInstanceOf(SourceUserStillExistsError);
  expect(classifyError(failure)).toBe('transient');
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test('ListUsers still lists the sub: not gone, whatever AdminGetUser said', async () => {
  const w = world();
  w.source.on(AdminGetUserCommand).rejects(err(UserNotFoundException));
  w.source.on(ListUsersCommand).resolves({ Users: [{ Username: 'alice', Attributes: [{ Name: 'sub', Value: SUB }] }] });
  expect(await sourceUserIsGone(w.ctx.source, SUB)).toBe(false);
});

test('should Cognito reject a sub as username, ListUsers alone decides', async () => {
  const w = world();
  w.source.on(AdminGetUserCommand).rejects(err(InvalidParameterException));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  expect(await sourceUserIsGone(w.ctx.source, SUB)).toBe(true);
});

test('no sub or no index: deferred without a call', async () => {
  const w = world();
  expect(await propagateDeletion(w.ctx, w.index, {})).toEqual({ result: 'deferred', reason: 'no-sub', writes: 0 });
  expect(await propagateDeletion(w.ctx, undefined, { sub: SUB })).toEqual({
    result: 'deferred',
    reason: 'no-index',
    writes: 0,
  });
  expect(w.ddb.calls()).toHaveLength(0);
});

describe('ReplicaIndex', () => {
  test('remember: a read, then a write only when the value differs; cached afterwards', async () => {
    const w = world();
    w.ddb.on(GetItemCommand).resolves({});
    w.ddb.on(PutItemCommand).resolves({});
    expect(await w.index.remember(SUB, REPLICA)).toBe('written');
    expect(await w.index.remember(SUB, REPLICA)).toBe('cached');
    expect(w.ddb.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(w.ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(w.ddb.commandCalls(PutItemCommand)[0].args[0].input.Item).toMatchObject({
      pk: { S: `${w.sourcePoolId}#${SUB}` },
      standbyUsername: { S: REPLICA },
      standbyPoolId: { S: w.standbyPoolId },
    });
  });

  test('remember: the table already knows it: one read, no write', async () => {
    const w = world();
    indexed(w);
    expect(await w.index.remember(SUB, REPLICA)).toBe('unchanged');
    expect(w.ddb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  test('forget: a conditional delete; a newer mapping is kept', async () => {
    const w = world();
    w.ddb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect(await w.index.forget(SUB, REPLICA)).toBe(false);
  });
});
