import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserCommand, AdminGetUserCommand, AdminLinkProviderForUserCommand,
  AdminListGroupsForUserCommand, AdminSetUserMFAPreferenceCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient,
  CreateGroupCommand, DescribeUserPoolCommand, GroupExistsException, InternalErrorException, InvalidParameterException, ListGroupsCommand,
  ListUsersCommand, ListUsersInGroupCommand, ResourceNotFoundException, TooManyRequestsException, UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CognitoGateway, toPoolConfig } from '../../../src/cognito/gateway';
import { QuotaLimiter } from '../../../src/cognito/limiter';
import { describeUserPoolAnswer, InstantClock, uniquePoolId } from '../helpers';

const throttle = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const internal = () => new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } });
const user = (username: string, sub: string, extra: Record<string, string> = {}) => ({
  Username: username,
  Enabled: true,
  UserStatus: 'CONFIRMED' as const,
  Attributes: Object.entries({ sub, ...extra }).map(([Name, Value]) => ({ Name, Value })),
});

function setup(options: { throttleAttempts?: number; transientAttempts?: number } = {}) {
  const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const clock = new InstantClock();
  const limiter = new QuotaLimiter({ clock });
  const poolId = uniquePoolId();
  const gateway = new CognitoGateway({ region: 'us-east-1', poolId, client, clock, limiter, ...options });
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
    expect(mock).toHaveReceivedNthCommandWith(1, ListUsersCommand, { UserPoolId: poolId, Filter: 'email = "a@example.com"', Limit: 60, PaginationToken: undefined });
    expect(mock).toHaveReceivedNthCommandWith(3, ListUsersCommand, { Filter: 'email = "a@example.com"', PaginationToken: 't2' });
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
    mock.on(ListUsersCommand).resolvesOnce({ Users: [], PaginationToken: 't1' }).resolvesOnce({ Users: [user('alice', 's1')] });
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
      .resolvesOnce({ Groups: [{ GroupName: 'admins', Description: 'Admins', Precedence: 1, RoleArn: 'arn:aws:iam::111111111111:role/admin' }], NextToken: 'n1' })
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
    mock.on(ListUsersCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({ Users: [user('a', 's1')] });
    const page = await gateway.listUsersPage();
    expect(page.users).toHaveLength(1);
    expect(throttled).toHaveBeenCalledTimes(2);
    expect(throttled).toHaveBeenCalledWith('UserList');
    expect(gateway.calls.ListUsers).toBe(3);
    expect(limiter.admitted.get('UserList')).toBe(3); // every retry takes a token
    expect(clock.slept.length).toBeGreaterThanOrEqual(2); // backed off between attempts
  });

  test('throttling past the attempt limit is thrown', async () => {
    const { mock, gateway } = setup({ throttleAttempts: 3 });
    mock.on(AdminGetUserCommand).rejects(throttle());
    await expect(gateway.getUser('alice')).rejects.toThrow(TooManyRequestsException);
    expect(mock).toHaveReceivedCommandTimes(AdminGetUserCommand, 3);
  });

  test('a transient 5xx is retried, then succeeds', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminAddUserToGroupCommand).rejectsOnce(internal()).resolves({});
    await gateway.addUserToGroup('alice', 'admins');
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 2);
  });

  test('a transient 5xx that persists is thrown after transientAttempts', async () => {
    const { mock, gateway } = setup({ transientAttempts: 3 });
    mock.on(AdminAddUserToGroupCommand).rejects(internal());
    await expect(gateway.addUserToGroup('alice', 'admins')).rejects.toThrow(InternalErrorException);
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 3);
  });

  test('a permanent error is thrown at once', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminCreateUserCommand).rejects(new InvalidParameterException({ message: 'bad', $metadata: {} }));
    await expect(gateway.createUser('alice', { email: 'a@example.com' })).rejects.toThrow(InvalidParameterException);
    expect(mock).toHaveReceivedCommandTimes(AdminCreateUserCommand, 1);
  });
});

describe('CognitoGateway calls', () => {
  test('getUser: UserNotFound is undefined; MFA settings are read', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminGetUserCommand, { Username: 'ghost' }).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
    mock.on(AdminGetUserCommand, { Username: 'alice' }).resolves({
      Username: 'alice',
      UserAttributes: [{ Name: 'sub', Value: 's1' }, { Name: 'email', Value: 'a@example.com' }],
      Enabled: false,
      UserStatus: 'CONFIRMED',
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'UNKNOWN_FACTOR'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
    });
    mock.on(AdminGetUserCommand, { Username: 'legacy' }).resolves({ Username: 'legacy', MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] });
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
      UserAttributes: [{ Name: 'email', Value: 'a@example.com' }, { Name: 'email_verified', Value: 'true' }],
    });
    await gateway.setPermanentPassword('generated-uuid', 'Secret-1');
    expect(mock).toHaveReceivedCommandWith(AdminSetUserPasswordCommand, { Username: 'generated-uuid', Password: 'Secret-1', Permanent: true });
  });

  test('createGroup tolerates GroupExistsException, not other errors', async () => {
    const { mock, gateway } = setup();
    mock.on(CreateGroupCommand, { GroupName: 'exists' }).rejects(new GroupExistsException({ message: 'exists', $metadata: {} }));
    mock.on(CreateGroupCommand, { GroupName: 'bad' }).rejects(new InvalidParameterException({ message: 'bad role', $metadata: {} }));
    mock.on(CreateGroupCommand, { GroupName: 'new' }).resolves({});
    await expect(gateway.createGroup({ name: 'exists' })).resolves.toBeUndefined();
    await expect(gateway.createGroup({ name: 'bad', roleArn: 'x' })).rejects.toThrow(InvalidParameterException);
    await gateway.createGroup({ name: 'new', description: 'New', precedence: 3, roleArn: 'arn:aws:iam::2:role/r' });
    expect(mock).toHaveReceivedCommandWith(CreateGroupCommand, { GroupName: 'new', Description: 'New', Precedence: 3, RoleArn: 'arn:aws:iam::2:role/r' });
  });

  test('deleteUser tolerates a user already gone', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminDeleteUserCommand).rejects(new UserNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(gateway.deleteUser('ghost')).resolves.toBeUndefined();
  });

  test('addUserToGroup surfaces a missing group (the caller creates it)', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminAddUserToGroupCommand).rejects(new ResourceNotFoundException({ message: 'Group not found.', $metadata: {} }));
    await expect(gateway.addUserToGroup('a', 'g')).rejects.toThrow(ResourceNotFoundException);
    expect(mock).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 1);
  });

  test('setMfaPreference and linkProvider send the expected shapes', async () => {
    const { mock, gateway } = setup();
    mock.on(AdminSetUserMFAPreferenceCommand).resolves({});
    mock.on(AdminLinkProviderForUserCommand).resolves({});
    await gateway.setMfaPreference('alice', { sms: { enabled: true, preferred: true } });
    expect(mock).toHaveReceivedCommandWith(AdminSetUserMFAPreferenceCommand, { Username: 'alice', SMSMfaSettings: { Enabled: true, PreferredMfa: true }, EmailMfaSettings: undefined });
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
    const { mock, gateway, clock, poolId } = setup({ transientAttempts: 1 });
    mock.on(DescribeUserPoolCommand).rejectsOnce(internal()).resolves({ UserPool: describeUserPoolAnswer({ poolId, usernameAttributes: ['email'] }) });
    await expect(gateway.describePool()).rejects.toThrow(InternalErrorException);
    const first = await gateway.describePool();
    expect(first.usernameAttributes).toEqual(['email']);
    await gateway.describePool();
    expect(mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 2);
    clock.t += 5 * 60_000 + 1;
    await gateway.describePool();
    expect(mock).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 3);
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
          { Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true, StringAttributeConstraints: { MaxLength: '2048' } },
          { Name: 'custom:tier', AttributeDataType: 'String', Mutable: false, DeveloperOnlyAttribute: false, StringAttributeConstraints: { MinLength: '0', MaxLength: '16' } },
          { Name: 'custom:score', AttributeDataType: 'Number' },
        ],
        Policies: { PasswordPolicy: { MinimumLength: 14, RequireUppercase: true, RequireLowercase: false, RequireNumbers: true, RequireSymbols: false } },
        MfaConfiguration: 'OPTIONAL',
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }, { Name: 'verified_phone_number', Priority: 2 }] },
        LambdaConfig: { PostConfirmation: 'arn:aws:lambda:us-east-1:1:function:t', CustomSMSSender: { LambdaArn: 'x', LambdaVersion: 'V1_0' } },
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
        { name: 'custom:tier', mutable: false, dataType: 'String', required: undefined, developerOnly: false, maxLength: 16 },
        { name: 'custom:score', mutable: true, dataType: 'Number', required: undefined, developerOnly: undefined, maxLength: undefined },
      ],
      passwordPolicy: { minimumLength: 14, requireUppercase: true, requireLowercase: false, requireNumbers: true, requireSymbols: false },
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
      passwordPolicy: { minimumLength: 8, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: true },
      accountRecovery: [],
      lambdaTriggers: {},
    });
  });
});
