import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminLinkProviderForUserCommand,
  AdminListGroupsForUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserImportJobCommand,
  DescribeUserPoolCommand,
  GroupExistsException,
  InternalErrorException,
  InvalidParameterException,
  LimitExceededException,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CognitoGateway, toPoolConfig } from '../../../src/cognito/gateway';
import { QuotaLimiter } from '../../../src/cognito/limiter';
import { DEFAULT_RETRY } from '../../../src/core/backoff';
import {
  GroupNotFoundError,
  InvalidParameterError,
  LimitExceededError,
  ThrottledError,
  TransientError,
} from '../../../src/cognito/errors';
import type { RetryPolicy } from '../../../src/core/backoff';
import { describeUserPoolAnswer, InstantClock, uniquePoolId } from '../helpers';

const throttle = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const internal = () => new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } });
const user = (username: string, sub: string, extra: Record<string, string> = {}) => ({
  Username: username,
  Enabled: true,
  UserStatus: 'CONFIRMED' as const,
  Attributes: Object.entries({ sub, ...extra }).map(([Name, Value]) => ({ Name, Value })),
});

type ErrorClass = abstract new (...args: never[]) => Error;

/** Issue 11.5: the adapter throws its typed error, with the SDK's exception kept as the cause. */
async function rejectsAs(call: Promise<unknown>, typed: ErrorClass, sdk: ErrorClass): Promise<void> {
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(typed);
  expect((error as Error).cause).toBeInstanceOf(sdk);
}

function setup(options: { retry?: Partial<RetryPolicy>; random?: () => number } = {}) {
  const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const clock = new InstantClock();
  const limiter = new QuotaLimiter({ clock });
  const poolId = uniquePoolId();
  const gateway = new CognitoGateway({
    region: 'us-east-1',
    poolId,
    client,
    clock,
    limiter,
    random: () => 0.5,
    ...options,
  });
  return { client, mock, clock, limiter, gateway, poolId };
}

describe('CognitoGateway pagination', () => {
  test('findUsers follows PaginationToken, short pages included, with the same filter', async () => {
    const { mock, gateway, poolId } = setup();
    mock
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [user('a', 's1', { email: 'a@example.com' })], PaginationToken: 't1' })
      .resolvesOnce({ Users: [], PaginationToken: 't2' })
      .resolvesOnce({ Users: [user('b', 's2', { email: 'a@example.com' })] });
    const users = await gateway.findUsers({ attribute: 'email', value: 'a@example.com' });
    expect(users.map((u) => u.username)).toEqual(['a', 'b']);
    expect(users[0].attributes).toEqual({ sub: 's1', email: 'a@example.com' });
    expect(mock).toHaveReceivedCommandTimes(ListUsersCommand, 3);
    expect(mock).toHaveReceivedNthCommandWith(1, ListUsersCommand, {
      UserPoolId: poolId,
      Filter: 'email = "a@example.com"',
      Limit: 60,
      PaginationToken: undefined,
    });
    expect(mock).toHaveReceivedNthCommandWith(3, ListUsersCommand, {
      Filter: 'email = "a@example.com"',
      PaginationToken: 't2',
    });
    expect(gateway.calls.ListUsers).toBe(3);
  });

  test('filter values are quoted and escaped', async () => {
    const { mock, gateway } = setup();
    mock.on(ListUsersCommand).resolves({ Users: [] });
    await gateway.findUsers({ attribute: 'username', value: 'we"ird\\name' });
    expect(mock).toHaveReceivedCommandWith(ListUsersCommand, { Filter: 'username = "we\\"ird\\\\name"' });
  });

  test('findBySub keeps paging past an empty filtered page', async () => {
    const { mock, gateway } = setup();
    mock
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [], PaginationToken: 't1' })
      .resolvesOnce({ Users: [user('alice', 's1')] });
    expect((await gateway.findBySub('s1'))?.username).toBe('alice');
    expect(mock).toHaveReceivedCommandWith(ListUsersCommand, { Filter: 'sub = "s1"' });
  });

  test('findBySub: no such user', async () => {
    const { mock, gateway } = setup();
    mock.on(ListUsersCommand).resolves({ Users: [] });
    expect(await gateway.findBySub('nobody')).toBeUndefined();
    expect(mock).toHaveReceivedCommandTimes(ListUsersCommand, 1);
  });

  test('listGroups follows NextToken', async () => {
    const { mock, gateway } = setup();
    mock
      .on(ListGroupsCommand)
      .resolvesOnce({
        Groups: [
          {
            GroupName: 'admins',
            Description: 'Admins',
            Precedence: 1,
            RoleArn: 'arn:aws:iam::111111111111:role/admin',
          },
        ],
        NextToken: 'n1',
      })
      .resolvesOnce({ Groups: [{ GroupName: 'staff' }] });
    expect(await gateway.listGroups()).toEqual([
      { name: 'admins', description: 'Admins', precedence: 1, roleArn: 'arn:aws:iam::111111111111:role/admin' },
      { name: 'staff', description: undefined, precedence: undefined, roleArn: undefined },
    ]);
    expect(mock).toHaveReceivedNthCommandWith(2, ListGroupsCommand, { NextToken: 'n1', Limit: 60 });
  });

  test('listGroupsForUser follows NextToken and sorts', async () => {
    const { mock, gateway } = setup();
    mock
      .on(AdminListGroupsForUserCommand)
      .resolvesOnce({ Groups: [{ GroupName: 'zeta' }], NextToken: 'n1' })
      .resolvesOnce({ Groups: [{ GroupName: 'alpha' }, {}] });
    expect(await gateway.listGroupsForUser('alice')).toEqual(['alpha', 'zeta']);
    expect(mock).toHaveReceivedNthCommandWith(2, AdminListGroupsForUserCommand, { Username: 'alice', NextToken: 'n1' });
  });

  test('listUsersInGroupPage returns the token', async () => {
    const { mock, gateway } = setup();
    mock.on(ListUsersInGroupCommand).resolves({ Users: [user('a', 's1')], NextToken: 'n2' });
    expect(await gateway.listUsersInGroupPage('admins')).toMatchObject({ users: [{ username: 'a' }], nextToken: 'n2' });
  });
});

describe('CognitoGateway retries', () => {
  test('throttling is absorbed: the limiter is told, the call retried, the answer returned', async () => {
    const { mock, gateway, limiter, clock } = setup();
    const throttled = jest.spyOn(limiter, 'throttled');
    mock
      .on(ListUsersCommand)
      .rejectsOnce(throttle())
      .rejectsOnce(throttle())
      .resolves({ Users: [user('a', 's1')] });
    const page = await gateway.listUsersPage();
    expect(page.users).toHaveLength(1);
    expect(throttled).toHaveBeenCalledTimes(2);
    expect(throttled).toHaveBeenCalledWith('UserList');
    expect(gateway.calls.ListUsers).toBe(3);
    expect(limiter.admitted.get('UserList')).toBe(3); // every retry takes a token
    expect(clock.slept.length).toBeGreaterThanOrEqual(2); // backed off between attempts
  });

  test('throttling past the attempt limit is thrown', async () => {
    const { mock, gateway } = setup({ retry: { maxAttempts: 3 } });
    mock.on(AdminGetUserCommand).rejects(throttle());
    await rejectsAs(gateway.getUser('alice'), ThrottledError, TooManyRequestsException);
    expect(mock).toHaveReceivedCommandTimes(AdminGetUserCommand, 3);
  });

  test('a transient 5xx is retried, then succeeds', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminAddUserToGroupCommand).rejectsOnce(internal()).resolves({});
    await gateway.addUserToGroup('alice', 'admins');
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 2);
  });

  test('a transient 5xx that persists is thrown after the retry policy is spent', async () => {
    const { mock, gateway } = setup({ retry: { maxAttempts: 3 } });
    mock.on(AdminAddUserToGroupCommand).rejects(internal());
    await rejectsAs(gateway.addUserToGroup('alice', 'admins'), TransientError, InternalErrorException);
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 3);
  });

  test('a permanent error is thrown at once', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminCreateUserCommand).rejects(new InvalidParameterException({ message: 'bad', $metadata: {} }));
    await rejectsAs(
      gateway.createUser('alice', { email: 'a@example.com' }),
      InvalidParameterError,
      InvalidParameterException,
    );
    expect(mock).toHaveReceivedCommandTimes(AdminCreateUserCommand, 1);
  });
});

describe('CognitoGateway calls', () => {
  test('getUser: UserNotFound is undefined; MFA settings are read', async () => {
    const { mock, gateway } = setup();
    mock
      .on(AdminGetUserCommand, { Username: 'ghost' })
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    mock.on(AdminGetUserCommand, { Username: 'alice' }).resolves({
      Username: 'alice',
      UserAttributes: [
        { Name: 'sub', Value: 's1' },
        { Name: 'email', Value: 'a@example.com' },
      ],
      Enabled: false,
      UserStatus: 'CONFIRMED',
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'UNKNOWN_FACTOR'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
    });
    mock
      .on(AdminGetUserCommand, { Username: 'legacy' })
      .resolves({ Username: 'legacy', MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] });
    expect(await gateway.getUser('ghost')).toBeUndefined();
    expect(await gateway.getUser('alice')).toMatchObject({
      username: 'alice',
      attributes: { sub: 's1', email: 'a@example.com' },
      enabled: false,
      status: 'CONFIRMED',
      mfa: { enabled: ['SMS_MFA', 'SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' },
    });
    expect((await gateway.getUser('legacy'))?.mfa).toEqual({ enabled: ['SMS_MFA'], preferred: undefined });
  });

  test('createUser suppresses every message; setPermanentPassword is permanent', async () => {
    const { mock, gateway, poolId } = setup();
    mock.on(AdminCreateUserCommand).resolves({ User: user('generated-uuid', 's9', { email: 'a@example.com' }) });
    mock.on(AdminSetUserPasswordCommand).resolves({});
    const created = await gateway.createUser('a@example.com', { email: 'a@example.com', email_verified: 'true' });
    expect(created.username).toBe('generated-uuid');
    expect(mock).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      UserPoolId: poolId,
      Username: 'a@example.com',
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: 'a@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    await gateway.setPermanentPassword('generated-uuid', 'Secret-1');
    expect(mock).toHaveReceivedCommandWith(AdminSetUserPasswordCommand, {
      Username: 'generated-uuid',
      Password: 'Secret-1',
      Permanent: true,
    });
  });

  test('createGroup tolerates GroupExistsException, not other errors', async () => {
    const { mock, gateway } = setup();
    mock
      .on(CreateGroupCommand, { GroupName: 'exists' })
      .rejects(new GroupExistsException({ message: 'exists', $metadata: {} }));
    mock
      .on(CreateGroupCommand, { GroupName: 'bad' })
      .rejects(new InvalidParameterException({ message: 'bad role', $metadata: {} }));
    mock.on(CreateGroupCommand, { GroupName: 'new' }).resolves({});
    await expect(gateway.createGroup({ name: 'exists' })).resolves.toBeUndefined();
    await rejectsAs(
      gateway.createGroup({ name: 'bad', roleArn: 'x' }),
      InvalidParameterError,
      InvalidParameterException,
    );
    await gateway.createGroup({ name: 'new', description: 'New', precedence: 3, roleArn: 'arn:aws:iam::2:role/r' });
    expect(mock).toHaveReceivedCommandWith(CreateGroupCommand, {
      GroupName: 'new',
      Description: 'New',
      Precedence: 3,
      RoleArn: 'arn:aws:iam::2:role/r',
    });
  });

  test('deleteUser tolerates a user already gone', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminDeleteUserCommand).rejects(new UserNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(gateway.deleteUser('ghost')).resolves.toBeUndefined();
  });

  test('addUserToGroup surfaces a missing group (the caller creates it)', async () => {
    const { mock, gateway } = setup();
    mock
      .on(AdminAddUserToGroupCommand)
      .rejects(new ResourceNotFoundException({ message: 'Group not found.', $metadata: {} }));
    await rejectsAs(gateway.addUserToGroup('a', 'g'), GroupNotFoundError, ResourceNotFoundException);
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 1);
  });

  test('setMfaPreference and linkProvider send the expected shapes', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminSetUserMFAPreferenceCommand).resolves({});
    mock.on(AdminLinkProviderForUserCommand).resolves({});
    await gateway.setMfaPreference('alice', { sms: { enabled: true, preferred: true } });
    expect(mock).toHaveReceivedCommandWith(AdminSetUserMFAPreferenceCommand, {
      Username: 'alice',
      SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      EmailMfaSettings: undefined,
    });
    await gateway.linkProvider('alice', { providerName: 'Google', providerUserId: '123' });
    expect(mock).toHaveReceivedCommandWith(AdminLinkProviderForUserCommand, {
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'alice' },
      SourceUser: { ProviderName: 'Google', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: '123' },
    });
  });

  test('call counters: every request by operation, writes separately', async () => {
    const { mock, gateway } = setup();
    mock.on(ListUsersCommand).resolves({ Users: [] });
    mock.on(AdminAddUserToGroupCommand).rejectsOnce(throttle()).resolves({});
    mock.on(AdminSetUserPasswordCommand).resolves({});
    await gateway.listUsersPage();
    await gateway.listUsersPage();
    await gateway.addUserToGroup('a', 'g');
    await gateway.setPermanentPassword('a', 'x');
    expect(gateway.calls).toEqual({ ListUsers: 2, AdminAddUserToGroup: 2, AdminSetUserPassword: 1 });
    expect(gateway.writeCalls).toBe(3);
  });

  test('describePool is read once and cached for five minutes; a failure is not cached', async () => {
    const { mock, gateway, clock, poolId } = setup({ retry: { maxAttempts: 1 } });
    mock
      .on(DescribeUserPoolCommand)
      .rejectsOnce(internal())
      .resolves({ UserPool: describeUserPoolAnswer({ poolId, usernameAttributes: ['email'] }) });
    await rejectsAs(gateway.describePool(), TransientError, InternalErrorException);
    const first = await gateway.describePool();
    expect(first.usernameAttributes).toEqual(['email']);
    await gateway.describePool();
    expect(mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 2);
    clock.t += 5 * 60_000 + 1;
    await gateway.describePool();
    expect(mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 3);
  });
});

/** The SDK model's description of LimitExceededException (each command's `.d.ts`). */
const limitExceeded = () =>
  new LimitExceededException({
    message: 'This exception is thrown when a user exceeds the limit for a requested Amazon Web Services resource.',
    $metadata: { httpStatusCode: 400 },
  });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('issue 10.4: LimitExceededException is not throttling', () => {
  // SDK model: AdminResetUserPassword, CreateGroup, CreateUserImportJob and AdminLinkProviderForUser
  // throw LimitExceededException for a per-user or per-resource limit; the rate limit is TooManyRequestsException.
  test.each([
    [
      'AdminResetUserPassword',
      'UserAccountRecovery',
      AdminResetUserPasswordCommand,
      (g: CognitoGateway) => g.resetPassword('alice'),
      /reset attempts.*Amazon SES/,
    ],
    [
      'CreateGroup',
      'UserPoolResourceUpdate',
      CreateGroupCommand,
      (g: CognitoGateway) => g.createGroup({ name: 'admins' }),
      /10,000.*delete unused groups/,
    ],
    [
      'CreateUserImportJob',
      'UserPoolResourceUpdate',
      CreateUserImportJobCommand,
      (g: CognitoGateway) => g.createUserImportJob('job', 'arn:aws:iam::1:role/r'),
      /import jobs.*Service Quotas/,
    ],
    [
      'AdminLinkProviderForUser',
      'UserUpdate',
      AdminLinkProviderForUserCommand,
      (g: CognitoGateway) => g.linkProvider('alice', { providerName: 'Google', providerUserId: '1' }),
      /identities.*\(5, not adjustable\)/,
    ],
  ] as const)(
    '%s: thrown at once as a LimitExceededError that says what to do; nothing slows down',
    async (operation, category, command, run, advice) => {
      const { mock, gateway, limiter, clock, poolId } = setup();
      mock.on(command as never).rejects(limitExceeded());
      const before = limiter.rate(category);
      const error = await run(gateway).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LimitExceededError);
      expect(error).toMatchObject({ name: 'LimitExceededError', reason: 'limit-exceeded', operation });
      expect((error as Error).message).toMatch(advice);
      expect((error as Error).message).toContain(poolId);
      expect((error as Error & { cause: unknown }).cause).toBeInstanceOf(LimitExceededException);
      expect(mock).toHaveReceivedCommandTimes(command as never, 1); // not retried
      expect(clock.slept).toEqual([]); // no back-off
      expect(limiter.throttles.size).toBe(0); // the limiter was not told "throttled"
      expect(limiter.rate(category)).toBe(before);
    },
  );

  test('TooManyRequestsException on the same call is still the rate limit: retried and the category slowed', async () => {
    const { mock, gateway, limiter } = setup();
    mock.on(AdminResetUserPasswordCommand).rejectsOnce(throttle()).resolves({});
    const before = limiter.rate('UserAccountRecovery');
    await gateway.resetPassword('alice');
    expect(mock).toHaveReceivedCommandTimes(AdminResetUserPasswordCommand, 2);
    expect(limiter.throttles.get('UserAccountRecovery')).toBe(1);
    expect(limiter.rate('UserAccountRecovery')).toBeLessThan(before);
  });
});

describe('issue 10.11: one retry policy for reads and writes', () => {
  /** A slow moment: three 5xx, two throttled answers and a reset connection, then the answer. */
  const slowMoment = (stub: { rejectsOnce(e: unknown): typeof stub; resolves(v: unknown): unknown }, answer: unknown) =>
    stub
      .rejectsOnce(internal())
      .rejectsOnce(throttle())
      .rejectsOnce(internal())
      .rejectsOnce(reset())
      .rejectsOnce(throttle())
      .rejectsOnce(internal())
      .resolves(answer);

  test('a read and a write ride out the same slow moment with the same back-off', async () => {
    const read = setup();
    slowMoment(read.mock.on(AdminGetUserCommand) as never, { Username: 'alice', UserAttributes: [] });
    expect(await read.gateway.getUser('alice')).toMatchObject({ username: 'alice' });
    const write = setup();
    slowMoment(write.mock.on(AdminUpdateUserAttributesCommand) as never, {});
    await write.gateway.updateAttributes('alice', { name: 'Alice' });
    expect(read.mock).toHaveReceivedCommandTimes(AdminGetUserCommand, 7);
    expect(write.mock).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 7);
    expect(write.clock.slept).toEqual(read.clock.slept);
    // capped, exponential, jittered (random 0.5: three quarters of the capped delay)
    expect(read.clock.slept).toEqual([75, 150, 300, 600, 1200, 1500]);
  });

  test('time-bounded: a call that keeps failing is thrown once its budget is spent, reads and writes alike', async () => {
    const read = setup({ retry: { budgetMs: 5_000 } });
    read.mock.on(AdminGetUserCommand).rejects(internal());
    await rejectsAs(read.gateway.getUser('alice'), TransientError, InternalErrorException);
    const write = setup({ retry: { budgetMs: 5_000 } });
    write.mock.on(AdminUpdateUserAttributesCommand).rejects(internal());
    await rejectsAs(write.gateway.updateAttributes('alice', { name: 'A' }), TransientError, InternalErrorException);
    const total = (slept: number[]) => slept.reduce((a, b) => a + b, 0);
    expect(total(read.clock.slept)).toBeLessThanOrEqual(5_000);
    expect(total(read.clock.slept)).toBeGreaterThan(5_000 - DEFAULT_RETRY.maxDelayMs); // the budget was used, not a few attempts
    expect(write.clock.slept).toEqual(read.clock.slept);
    expect(write.mock.commandCalls(AdminUpdateUserAttributesCommand)).toHaveLength(
      read.mock.commandCalls(AdminGetUserCommand).length,
    );
  });

  test('waiting for the quota limiter does not spend the retry budget', async () => {
    const { mock, gateway, limiter, clock } = setup({ retry: { budgetMs: 1_000 } });
    jest.spyOn(limiter, 'take').mockImplementation(() => clock.sleep(60_000)); // a long queue at the limiter
    mock.on(ListUsersCommand).rejectsOnce(internal()).rejectsOnce(throttle()).resolves({ Users: [] });
    await expect(gateway.listUsersPage()).resolves.toEqual({ users: [], nextToken: undefined });
  });

  test('permanent errors are never retried', async () => {
    const { mock, gateway, clock } = setup();
    mock
      .on(AdminUpdateUserAttributesCommand)
      .rejects(new InvalidParameterException({ message: 'bad', $metadata: { httpStatusCode: 400 } }));
    await rejectsAs(gateway.updateAttributes('alice', { name: 'A' }), InvalidParameterError, InvalidParameterException);
    expect(mock).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 1);
    expect(clock.slept).toEqual([]);
  });

  test('a password reset is sent again only when Cognito certainly did nothing with it', async () => {
    const throttled = setup();
    throttled.mock
      .on(AdminResetUserPasswordCommand)
      .rejectsOnce(throttle())
      .rejectsOnce(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
      .resolves({});
    await throttled.gateway.resetPassword('alice');
    expect(throttled.mock).toHaveReceivedCommandTimes(AdminResetUserPasswordCommand, 3);
    for (const unknown of [internal(), reset(), Object.assign(new Error('timed out'), { name: 'TimeoutError' })]) {
      const { mock, gateway } = setup();
      mock.on(AdminResetUserPasswordCommand).rejects(unknown);
      // "maybe sent": the caller journals it (the typed error keeps Cognito's or the network's as its cause)
      await expect(gateway.resetPassword('alice')).rejects.toMatchObject({ cause: unknown });
      expect(mock).toHaveReceivedCommandTimes(AdminResetUserPasswordCommand, 1);
    }
  });
});

describe('toPoolConfig', () => {
  test('maps DescribeUserPool', () => {
    const config = toPoolConfig(
      {
        Id: 'us-east-1_Abc',
        Name: 'users',
        UsernameAttributes: ['email', 'phone_number'],
        AliasAttributes: undefined,
        SchemaAttributes: [
          {
            Name: 'email',
            AttributeDataType: 'String',
            Mutable: true,
            Required: true,
            StringAttributeConstraints: { MaxLength: '2048' },
          },
          {
            Name: 'custom:tier',
            AttributeDataType: 'String',
            Mutable: false,
            DeveloperOnlyAttribute: false,
            StringAttributeConstraints: { MinLength: '0', MaxLength: '16' },
          },
          { Name: 'custom:score', AttributeDataType: 'Number' },
        ],
        Policies: {
          PasswordPolicy: {
            MinimumLength: 14,
            RequireUppercase: true,
            RequireLowercase: false,
            RequireNumbers: true,
            RequireSymbols: false,
          },
        },
        MfaConfiguration: 'OPTIONAL',
        AccountRecoverySetting: {
          RecoveryMechanisms: [
            { Name: 'verified_email', Priority: 1 },
            { Name: 'verified_phone_number', Priority: 2 },
          ],
        },
        LambdaConfig: {
          PostConfirmation: 'arn:aws:lambda:us-east-1:1:function:t',
          CustomSMSSender: { LambdaArn: 'x', LambdaVersion: 'V1_0' },
        },
        UserPoolTier: 'ESSENTIALS',
        EstimatedNumberOfUsers: 42,
      },
      'us-east-1',
    );
    expect(config).toEqual({
      poolId: 'us-east-1_Abc',
      region: 'us-east-1',
      name: 'users',
      usernameAttributes: ['email', 'phone_number'],
      aliasAttributes: [],
      schema: [
        { name: 'email', mutable: true, dataType: 'String', required: true, developerOnly: undefined, maxLength: 2048 },
        {
          name: 'custom:tier',
          mutable: false,
          dataType: 'String',
          required: undefined,
          developerOnly: false,
          maxLength: 16,
        },
        {
          name: 'custom:score',
          mutable: true,
          dataType: 'Number',
          required: undefined,
          developerOnly: undefined,
          maxLength: undefined,
        },
      ],
      passwordPolicy: {
        minimumLength: 14,
        requireUppercase: true,
        requireLowercase: false,
        requireNumbers: true,
        requireSymbols: false,
      },
      mfaConfiguration: 'OPTIONAL',
      accountRecovery: ['verified_email', 'verified_phone_number'],
      lambdaTriggers: { PostConfirmation: 'arn:aws:lambda:us-east-1:1:function:t' },
      featurePlan: 'ESSENTIALS',
      estimatedUsers: 42,
    });
  });

  test('an empty answer gets the strictest password defaults and empty lists', () => {
    expect(toPoolConfig({})).toMatchObject({
      poolId: '',
      usernameAttributes: [],
      aliasAttributes: [],
      schema: [],
      passwordPolicy: {
        minimumLength: 8,
        requireUppercase: true,
        requireLowercase: true,
        requireNumbers: true,
        requireSymbols: true,
      },
      accountRecovery: [],
      lambdaTriggers: {},
    });
  });
});
