import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  DescribeUserPoolCommand,
  InternalErrorException,
  InvalidParameterException,
  LimitExceededException,
  ListGroupsCommand,
  ListUsersCommand,
  ResourceNotFoundException,
  UsernameExistsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { CognitoGateway } from '../../../src/cognito/gateway';
import { cognitoGateway } from '../../../src/config/wiring';
import { loadWorkerConfig } from '../../../src/config/worker';
import { retryDelaySeconds, type RetryPolicy } from '../../../src/core/backoff';
import { buildSyncMessage } from '../../../src/core/message';
import { createWorkerHandler } from '../../../src/handlers/worker';
import { metrics } from '../../../src/observability';
import {
  captureOutput,
  describeUserPoolAnswer,
  InstantClock,
  MANAGED_SCHEMA,
  STANDARD_SCHEMA,
  uniquePoolId,
} from '../helpers';

const EMAIL = 'planted.person@example.com';
const PHONE = '+15555550123';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/sync-dlq';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/sync';

interface World {
  handler: ReturnType<typeof createWorkerHandler>;
  sqs: AwsClientStub<SQSClient>;
  source: AwsClientStub<CognitoIdentityProviderClient>;
  standby: AwsClientStub<CognitoIdentityProviderClient>;
  sourcePoolId: string;
  gateways: { source: CognitoGateway; standby: CognitoGateway };
}

/** The worker on mocked Cognito and SQS. The gateways fail at the first error unless given a retry policy. */
function world(maxAttempts = 5, retry: Partial<RetryPolicy> = { maxAttempts: 1 }): World {
  const clock = new InstantClock();
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  const config = loadWorkerConfig({
    SOURCE_POOL_ID: sourcePoolId,
    AWS_REGION: 'us-east-1',
    STANDBY_POOL_ID: standbyPoolId,
    STANDBY_REGION: 'us-west-2',
    SYNC_QUEUE_URL: QUEUE,
    DLQ_URL: DLQ,
    MAX_ATTEMPTS: String(maxAttempts),
  });
  const sourceClient = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  const standbyClient = new CognitoIdentityProviderClient({ region: 'us-west-2' });
  const sqsClient = new SQSClient({ region: 'us-east-1' });
  const source = mockClient(sourceClient);
  const standby = mockClient(standbyClient);
  const sqs = mockClient(sqsClient);
  source.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: sourcePoolId }) });
  source.on(ListGroupsCommand).resolves({ Groups: [] }); // the planner learns the source's group names (issue 10.2)
  standby.on(DescribeUserPoolCommand).resolves({
    UserPool: describeUserPoolAnswer({ poolId: standbyPoolId, schema: [...STANDARD_SCHEMA, ...MANAGED_SCHEMA] }),
  });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  const gateways = {
    source: cognitoGateway({ region: 'us-east-1', poolId: sourcePoolId }, { client: sourceClient, clock, retry }),
    standby: cognitoGateway({ region: 'us-west-2', poolId: standbyPoolId }, { client: standbyClient, clock, retry }),
  };
  const handler = createWorkerHandler({
    config,
    sqs: sqsClient,
    replication: {
      ...gateways,
      sourceSubAttribute: config.sourceSubAttribute,
      mfaMarkerAttribute: config.mfaMarkerAttribute,
    },
  });
  return { handler, sqs, source, standby, sourcePoolId, gateways };
}

function sourceUser(w: World, username: string, sub: string): void {
  w.source.on(AdminGetUserCommand, { Username: username }).resolves({
    Username: username,
    Enabled: true,
    UserStatus: 'CONFIRMED',
    UserAttributes: [
      { Name: 'sub', Value: sub },
      { Name: 'email', Value: EMAIL },
      { Name: 'email_verified', Value: 'true' },
      { Name: 'phone_number', Value: PHONE },
    ],
    UserMFASettingList: [],
  });
  w.source.on(AdminListGroupsForUserCommand, { Username: username }).resolves({ Groups: [] });
}

function standbyCreates(w: World): void {
  w.standby.on(ListUsersCommand).resolves({ Users: [] });
  w.standby.on(AdminCreateUserCommand).resolves({});
  w.standby.on(AdminSetUserPasswordCommand).resolves({});
}

let seq = 0;
function record(_w: World, body: string | Record<string, unknown>, receiveCount = 1): SQSRecord {
  seq += 1;
  return {
    messageId: `msg-${seq}`,
    receiptHandle: `rh-${seq}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1700000000000',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:sync',
    awsRegion: 'us-east-1',
  };
}

function message(w: World, username: string, sub: string) {
  return buildSyncMessage({
    sourceRegion: 'us-east-1',
    sourcePoolId: w.sourcePoolId,
    username,
    sub,
    reason: 'PostConfirmation_ConfirmSignUp',
  });
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  const text = output.text();
  expect(text).not.toContain(EMAIL);
  expect(text).not.toContain(PHONE);
  // No password ever reaches the logs.
  expect(text).not.toMatch(/"Password"/);
});

function passwordsSent(w: World): string[] {
  return w.standby.commandCalls(AdminSetUserPasswordCommand).map((c) => c.args[0].input.Password!);
}

describe('sync worker', () => {
  test('success: nothing to report, nothing moved, the queue acknowledges', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    standbyCreates(w);
    const result = await w.handler(batch(record(w, message(w, 'alice', 'sub-a'))));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(w.standby).toHaveReceivedCommandTimes(AdminCreateUserCommand, 1);
    expect(w.sqs.calls()).toHaveLength(0);
    for (const p of passwordsSent(w)) expect(output.text()).not.toContain(p);
    expect(output.text()).toContain('sub-a');
  });

  test.each([1, 2, 4])(
    'a transient failure on attempt %i: visibility set to the back-off delay, reported as a failure',
    async (attempt) => {
      const w = world();
      w.source
        .on(AdminGetUserCommand)
        .rejects(new InternalErrorException({ message: 'down', $metadata: { httpStatusCode: 500 } }));
      const r = record(w, message(w, 'alice', 'sub-a'), attempt);
      expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
      expect(w.sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
        QueueUrl: QUEUE,
        ReceiptHandle: r.receiptHandle,
        VisibilityTimeout: retryDelaySeconds(attempt),
      });
      expect(w.sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    },
  );

  test('a failure to delay the retry still reports the record', async () => {
    const w = world();
    w.source
      .on(AdminGetUserCommand)
      .rejects(new InternalErrorException({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    w.sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('sqs down'));
    const r = record(w, message(w, 'alice', 'sub-a'));
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
  });

  test('a malformed message goes to the DLQ with its reason and is acknowledged; its batch-mates are processed', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    standbyCreates(w);
    const bad = record(w, `{"email":"${EMAIL}"`);
    const good = record(w, message(w, 'alice', 'sub-a'));
    expect(await w.handler(batch(bad, good))).toEqual({ batchItemFailures: [] });
    expect(w.sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const dlq = w.sqs.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(dlq.QueueUrl).toBe(DLQ);
    expect(dlq.MessageBody).toBe(bad.body);
    expect(dlq.MessageAttributes?.reason.StringValue).toMatch(/^malformed: .*not JSON/);
    expect(dlq.MessageAttributes?.sourceMessageId.StringValue).toBe(bad.messageId);
    expect(w.standby).toHaveReceivedCommandTimes(AdminCreateUserCommand, 1);
  });

  test.each([
    [
      'wrong version',
      {
        v: 2,
        sourceRegion: 'us-east-1',
        sourcePoolId: 'us-east-1_X',
        username: 'a',
        reason: 'r',
        at: new Date().toISOString(),
      },
    ],
    [
      'neither username nor sub',
      { v: 1, sourceRegion: 'us-east-1', sourcePoolId: 'us-east-1_X', reason: 'r', at: new Date().toISOString() },
    ],
  ])('a message of the wrong shape (%s) goes to the DLQ', async (_name, body) => {
    const w = world();
    const r = record(w, body);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] });
    expect(w.sqs.commandCalls(SendMessageCommand)[0].args[0].input.MessageAttributes?.reason.StringValue).toMatch(
      /^malformed/,
    );
  });

  test('a message for another pool goes to the DLQ', async () => {
    const w = world();
    const r = record(w, { ...message(w, 'alice', 'sub-a'), sourcePoolId: 'eu-west-1_Elsewhere1' });
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] });
    const reason = w.sqs.commandCalls(SendMessageCommand)[0].args[0].input.MessageAttributes?.reason.StringValue;
    expect(reason).toContain('eu-west-1_Elsewhere1');
    expect(w.source.calls()).toHaveLength(0);
  });

  test('the last attempt of a transient failure goes to the DLQ', async () => {
    const w = world(5);
    w.source
      .on(AdminGetUserCommand)
      .rejects(new InternalErrorException({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    const r = record(w, message(w, 'alice', 'sub-a'), 5);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] });
    expect(w.sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 0);
    const input = w.sqs.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(input.MessageAttributes?.reason.StringValue).toMatch(/^gave up after 5 attempts: InternalErrorException/);
    expect(input.MessageAttributes?.attempts.StringValue).toBe('5');
  });

  test('a permanent error goes to the DLQ at once', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    w.standby.on(ListUsersCommand).resolves({ Users: [] });
    w.standby
      .on(AdminCreateUserCommand)
      .rejects(
        new InvalidParameterException({ message: 'Invalid phone number format.', $metadata: { httpStatusCode: 400 } }),
      );
    const r = record(w, message(w, 'alice', 'sub-a'), 1);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] });
    expect(w.sqs.commandCalls(SendMessageCommand)[0].args[0].input.MessageAttributes?.reason.StringValue).toBe(
      'permanent: InvalidParameterException: Invalid phone number format.',
    );
  });

  test('a create race that outlives its re-plan is retried, not sent to the DLQ', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    w.standby.on(ListUsersCommand).resolves({ Users: [] }); // ListUsers has not caught up yet
    w.standby
      .on(AdminCreateUserCommand)
      .rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));
    const r = record(w, message(w, 'alice', 'sub-a'), 1);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
    expect(w.sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  test('a replica deleted between lookup and write is retried, not sent to the DLQ', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    w.standby.on(ListUsersCommand).resolves({
      // with its MFA marker: a replica without one has its MFA read first (issue 10.3)
      Users: [
        {
          Username: 'replica-a',
          Enabled: true,
          UserStatus: 'FORCE_CHANGE_PASSWORD',
          Attributes: [
            { Name: 'sub', Value: 'r-1' },
            { Name: 'email', Value: EMAIL },
            { Name: 'custom:source_mfa', Value: 'NONE' },
          ],
        },
      ],
    });
    w.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    w.standby
      .on(AdminSetUserPasswordCommand)
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: { httpStatusCode: 400 } }));
    const r = record(w, message(w, 'alice', 'sub-a'), 1);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
    expect(w.sqs).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  test('a DLQ that cannot be reached leaves the record on the queue', async () => {
    const w = world();
    w.sqs.on(SendMessageCommand).rejects(new Error('dlq unreachable'));
    const r = record(w, 'not json');
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
  });

  test('a source user gone since the message was sent is acknowledged', async () => {
    const w = world();
    w.source
      .on(AdminGetUserCommand)
      .rejects(Object.assign(new Error('User does not exist.'), { name: 'UserNotFoundException' }));
    w.source.on(ListUsersCommand).resolves({ Users: [] }); // issue 10.6: the sub is looked up before the user counts as gone
    const r = record(w, message(w, 'ghost', 'sub-g'));
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] });
    expect(w.sqs.calls()).toHaveLength(0);
    expect(w.standby.calls().filter((c) => !(c.args[0] instanceof DescribeUserPoolCommand))).toHaveLength(0);
  });

  test('a mixed batch reports exactly the records to retry', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    standbyCreates(w);
    w.source
      .on(AdminGetUserCommand, { Username: 'bob' })
      .rejects(new InternalErrorException({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    const records = [
      record(w, message(w, 'alice', 'sub-a')),
      record(w, message(w, 'bob', 'sub-b')),
      record(w, '[]'),
      record(w, message(w, 'bob', 'sub-b')),
    ];
    const result = await w.handler(batch(...records));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [records[1].messageId, records[3].messageId].sort(),
    );
    expect(w.sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(w.sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 2);
  });

  test('messages about the same user in one batch are handled one after another, other users alongside', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    standbyCreates(w);
    let inFlight = 0;
    let overlap = 0;
    w.source.on(AdminListGroupsForUserCommand, { Username: 'alice' }).callsFake(async () => {
      inFlight += 1;
      if (inFlight > 1) overlap += 1;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { Groups: [] };
    });
    const records = [
      record(w, message(w, 'alice', 'sub-a')),
      record(w, message(w, 'alice', 'sub-a')),
      record(w, message(w, 'alice', 'sub-a')),
    ];
    expect(await w.handler(batch(...records))).toEqual({ batchItemFailures: [] });
    expect(w.source.commandCalls(AdminListGroupsForUserCommand)).toHaveLength(3);
    expect(overlap).toBe(0);
  });

  test('an event without records is an empty success', async () => {
    const w = world();
    expect(await w.handler({} as SQSEvent)).toEqual({ batchItemFailures: [] });
    expect(await w.handler(null as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
  });
});

describe('issue 10.4: LimitExceededException is not throttling', () => {
  test('a group quota error (CreateGroup) goes to the DLQ at once with its reason, without retries and without slowing anything', async () => {
    const w = world(30, {}); // the gateways' default retry policy
    sourceUser(w, 'alice', 'sub-a');
    w.source.on(AdminListGroupsForUserCommand, { Username: 'alice' }).resolves({ Groups: [{ GroupName: 'admins' }] });
    w.source.on(ListGroupsCommand).resolves({ Groups: [{ GroupName: 'admins' }] });
    standbyCreates(w);
    w.standby
      .on(AdminAddUserToGroupCommand)
      .rejects(new ResourceNotFoundException({ message: 'Group not found.', $metadata: { httpStatusCode: 400 } }));
    // The SDK model's LimitExceededException (CreateGroupCommand.d.ts): the pool is at its group quota.
    w.standby.on(CreateGroupCommand).rejects(
      new LimitExceededException({
        message: 'This exception is thrown when a user exceeds the limit for a requested Amazon Web Services resource.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = record(w, message(w, 'alice', 'sub-a'), 1);
    expect(await w.handler(batch(r))).toEqual({ batchItemFailures: [] }); // acknowledged: not a day of retries
    expect(w.standby).toHaveReceivedCommandTimes(CreateGroupCommand, 1);
    expect(w.sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 0);
    const dlq = w.sqs.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(dlq.QueueUrl).toBe(DLQ);
    expect(dlq.MessageAttributes?.reason.StringValue).toMatch(
      /^limit-exceeded: LimitExceededError: CreateGroup refused \(LimitExceededException\): pool us-west-2_\w+ has reached the quota of groups per user pool \(10,000/,
    );
    expect(dlq.MessageAttributes?.attempts.StringValue).toBe('1');
    expect(w.gateways.standby.limiter.throttles.size).toBe(0);
  });
});

describe('issue 10.5: pending MFA is counted (worker)', () => {
  test('pending MFA is counted: the log line names the issue mfa-pending and the MfaPending metric counts it, by sub only', async () => {
    const w = world();
    sourceUser(w, 'alice', 'sub-a');
    w.source.on(AdminGetUserCommand, { Username: 'alice' }).resolves({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserMFASettingList: ['SMS_MFA'],
      PreferredMfaSetting: 'SMS_MFA',
      UserAttributes: [
        { Name: 'sub', Value: 'sub-a' },
        { Name: 'email', Value: EMAIL },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'phone_number', Value: PHONE },
      ],
    });
    // the replica after a failover --send: RESET_REQUIRED, its marker from before the user turned SMS MFA on
    const replica = [
      { Name: 'sub', Value: 'r' },
      { Name: 'email', Value: EMAIL },
      { Name: 'email_verified', Value: 'true' },
      { Name: 'phone_number', Value: PHONE },
      { Name: 'custom:source_sub', Value: 'sub-a' },
      { Name: 'custom:source_mfa', Value: 'NONE' },
    ];
    w.standby
      .on(ListUsersCommand)
      .resolves({ Users: [{ Username: 'alice', Enabled: true, UserStatus: 'RESET_REQUIRED', Attributes: replica }] });
    w.standby
      .on(AdminGetUserCommand)
      .resolves({ Username: 'alice', Enabled: true, UserStatus: 'RESET_REQUIRED', UserAttributes: replica });
    w.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    const counted = jest.spyOn(metrics, 'addMetric');
    try {
      expect(await w.handler(batch(record(w, message(w, 'alice', 'sub-a'))))).toEqual({ batchItemFailures: [] });
      expect(counted).toHaveBeenCalledWith('MfaPending', 'Count', 1);
      expect(counted).toHaveBeenCalledWith('Users_in-sync', 'Count', 1);
    } finally {
      counted.mockRestore();
    }
    expect(output.text()).toMatch(/"message":"replicated".*"sub":"sub-a".*"issues":\[\{"code":"mfa-pending"\}\]/);
    // afterEach: neither the e-mail nor the phone reaches the output
  });
});
