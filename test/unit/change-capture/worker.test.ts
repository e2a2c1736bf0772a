/** The worker with change capture: echoes dropped before any read, the index kept, deletions propagated. */
import {
  AdminDeleteUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, CognitoIdentityProviderClient, DescribeUserPoolCommand, ListUsersCommand, UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CognitoGateway } from '../../../src/cognito/gateway';
import { loadWorkerConfig } from '../../../src/config/env';
import { createWorkerHandler } from '../../../src/handlers/worker';
import { logger } from '../../../src/observability';
import { ReplicaIndex } from '../../../src/replication/replica-index';
import { describeUserPoolAnswer, InstantClock, MANAGED_SCHEMA, STANDARD_SCHEMA, uniquePoolId } from '../helpers';
import { PEER_WORKER_ROLE, SUB } from './fixtures';

logger.setLogLevel('SILENT');

function world() {
  const clock = new InstantClock();
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  const config = loadWorkerConfig({
    SOURCE_POOL_ID: sourcePoolId, AWS_REGION: 'us-east-1', STANDBY_POOL_ID: standbyPoolId, STANDBY_REGION: 'us-west-2',
    SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync', DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  });
  const clients = { source: new CognitoIdentityProviderClient({ region: 'us-east-1' }), standby: new CognitoIdentityProviderClient({ region: 'us-west-2' }), ddb: new DynamoDBClient({ region: 'us-east-1' }), sqs: new SQSClient({ region: 'us-east-1' }) };
  const source = mockClient(clients.source);
  const standby = mockClient(clients.standby);
  const ddb = mockClient(clients.ddb);
  const sqs = mockClient(clients.sqs);
  source.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: sourcePoolId, usernameAttributes: ['email'] }) });
  standby.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: standbyPoolId, usernameAttributes: ['email'], schema: [...STANDARD_SCHEMA, ...MANAGED_SCHEMA] }) });
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  const handler = createWorkerHandler({
    config,
    sqs: clients.sqs,
    replication: {
      source: new CognitoGateway({ region: 'us-east-1', poolId: sourcePoolId, client: clients.source, clock, transientAttempts: 1 }),
      standby: new CognitoGateway({ region: 'us-west-2', poolId: standbyPoolId, client: clients.standby, clock, transientAttempts: 1 }),
      sourceSubAttribute: config.sourceSubAttribute,
      mfaMarkerAttribute: config.mfaMarkerAttribute,
    },
    replicaIndex: new ReplicaIndex({ tableName: 'idx', sourcePoolId, standbyPoolId, client: clients.ddb }),
    echoRoleArns: [PEER_WORKER_ROLE],
  });
  const event = (body: Record<string, unknown>): SQSEvent => ({
    Records: [{ messageId: 'm1', receiptHandle: 'r1', body: JSON.stringify({ v: 1, sourceRegion: 'us-east-1', sourcePoolId, sub: SUB, at: '2026-10-01T10:15:31Z', ...body }), attributes: { ApproximateReceiveCount: '1' } } as never],
  });
  return { handler, source, standby, ddb, sqs, event, sourcePoolId, standbyPoolId };
}

test('an echo is acknowledged without a single Cognito or DynamoDB call', async () => {
  const w = world();
  const r = await w.handler(w.event({ reason: 'AdminUpdateUserAttributes', actor: PEER_WORKER_ROLE, eventPoolId: w.sourcePoolId }));
  expect(r.batchItemFailures).toEqual([]);
  expect(w.source.calls()).toHaveLength(0);
  expect(w.standby.calls()).toHaveLength(0);
  expect(w.ddb.calls()).toHaveLength(0);
});

test('AdminDeleteUser event: the source is gone, the indexed replica with the same sub is deleted', async () => {
  const w = world();
  w.source.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  w.ddb.on(GetItemCommand).resolves({ Item: { standbyUsername: { S: 'replica-1' }, standbyPoolId: { S: w.standbyPoolId } } });
  w.ddb.on(DeleteItemCommand).resolves({});
  w.standby.on(ListUsersCommand).resolves({ Users: [{ Username: 'replica-1', Attributes: [{ Name: 'custom:source_sub', Value: SUB }] }] });
  w.standby.on(AdminDeleteUserCommand).resolves({});
  const r = await w.handler(w.event({ reason: 'AdminDeleteUser', eventPoolId: w.sourcePoolId }));
  expect(r.batchItemFailures).toEqual([]);
  expect(w.standby).toHaveReceivedCommandWith(AdminDeleteUserCommand, { Username: 'replica-1' });
});

test('a deletion whose confirmation read fails is retried, nothing deleted', async () => {
  const w = world();
  w.source.on(AdminGetUserCommand).rejectsOnce(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} })).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  w.source.on(ListUsersCommand).resolves({ Users: [] });
  w.ddb.on(GetItemCommand).resolves({ Item: { standbyUsername: { S: 'replica-1' }, standbyPoolId: { S: w.standbyPoolId } } });
  const r = await w.handler(w.event({ reason: 'AdminDeleteUser', eventPoolId: w.sourcePoolId }));
  expect(r.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  expect(w.standby).not.toHaveReceivedCommand(AdminDeleteUserCommand);
});

test('the replica is remembered once; the same change again costs no DynamoDB call', async () => {
  const w = world();
  const attrs = [{ Name: 'sub', Value: SUB }, { Name: 'email', Value: 'a@example.com' }, { Name: 'email_verified', Value: 'true' }];
  w.source.on(AdminGetUserCommand).resolves({ Username: 'src-1', Enabled: true, UserStatus: 'CONFIRMED', UserAttributes: attrs, UserMFASettingList: [] });
  w.source.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  w.standby.on(ListUsersCommand).resolves({
    Users: [{ Username: 'replica-1', Enabled: true, UserStatus: 'CONFIRMED', Attributes: [{ Name: 'sub', Value: 'x' }, { Name: 'email', Value: 'a@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'custom:source_sub', Value: SUB }, { Name: 'custom:source_mfa', Value: 'none' }] }],
  });
  w.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
  w.ddb.on(GetItemCommand).resolves({});
  w.ddb.on(PutItemCommand).resolves({});
  for (let i = 0; i < 2; i++) expect((await w.handler(w.event({ reason: 'AdminEnableUser', eventPoolId: w.sourcePoolId }))).batchItemFailures).toEqual([]);
  expect(w.ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  expect(w.ddb.commandCalls(GetItemCommand)).toHaveLength(1);
  expect(w.ddb.commandCalls(PutItemCommand)[0].args[0].input.Item?.standbyUsername).toEqual({ S: 'replica-1' });
});
