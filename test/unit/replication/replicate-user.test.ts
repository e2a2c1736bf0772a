import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  AdminRemoveUserFromGroupCommand,
  CreateGroupCommand,
  DescribeUserPoolCommand,
  InternalErrorException,
  InvalidParameterException,
  ListGroupsCommand,
  ListUsersCommand,
  PasswordResetRequiredException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UserNotFoundException,
  UsernameExistsException,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TransientError } from '../../../src/cognito/errors';
import type { CognitoGateway } from '../../../src/cognito/gateway';
import { cognitoGateway } from '../../../src/config/wiring';
import { WRITE_OPERATIONS } from '../../../src/cognito/quotas';
import type { PoolConfig } from '../../../src/core/types';
import { planReplication } from '../../../src/core/plan';
import { applyPlan } from '../../../src/replication/apply';
import {
  AmbiguousReplicaError,
  planContextOf,
  readSourceUser,
  type ReplicationContext,
  replicateUser,
} from '../../../src/replication/replicate-user';
import {
  captureOutput,
  describeUserPoolAnswer,
  InstantClock,
  meetsPolicy,
  MANAGED_SCHEMA,
  STANDARD_SCHEMA,
  uniquePoolId,
} from '../helpers';

const SUB = '11111111-1111-4111-8111-111111111111';
const STANDBY_POLICY = {
  minimumLength: 40,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
};
const attrs = (map: Record<string, string>) => Object.entries(map).map(([Name, Value]) => ({ Name, Value }));
const err = <T>(Ctor: new (o: { message: string; $metadata: object }) => T, message = 'x') =>
  new Ctor({ message, $metadata: {} });

interface Sides {
  ctx: ReplicationContext;
  source: AwsClientStub<CognitoIdentityProviderClient>;
  standby: AwsClientStub<CognitoIdentityProviderClient>;
}

function sides(
  options: {
    sourcePool?: Partial<PoolConfig>;
    standbyPool?: Partial<PoolConfig>;
    groupRoleMap?: Record<string, string>;
  } = {},
): Sides {
  const clock = new InstantClock();
  const sourceClient = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  const standbyClient = new CognitoIdentityProviderClient({ region: 'us-west-2' });
  const source = mockClient(sourceClient);
  const standby = mockClient(standbyClient);
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  source
    .on(DescribeUserPoolCommand)
    .resolves({ UserPool: describeUserPoolAnswer({ poolId: sourcePoolId, ...options.sourcePool }) });
  source.on(ListGroupsCommand).resolves({ Groups: [] }); // the planner learns the source's group names (removals)
  standby.on(DescribeUserPoolCommand).resolves({
    UserPool: describeUserPoolAnswer({
      poolId: standbyPoolId,
      schema: [...STANDARD_SCHEMA, ...MANAGED_SCHEMA],
      passwordPolicy: STANDBY_POLICY,
      ...options.standbyPool,
    }),
  });
  const ctx: ReplicationContext = {
    source: cognitoGateway({ region: 'us-east-1', poolId: sourcePoolId }, { client: sourceClient, clock }),
    standby: cognitoGateway({ region: 'us-west-2', poolId: standbyPoolId }, { client: standbyClient, clock }),
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    groupRoleMap: options.groupRoleMap,
  };
  return { ctx, source, standby };
}

/** A source user as AdminGetUser answers, and its groups. */
function sourceHas(
  s: Sides,
  o: {
    username?: string;
    attributes?: Record<string, string>;
    enabled?: boolean;
    mfa?: string[];
    preferred?: string;
    groups?: string[];
    status?: string;
  } = {},
) {
  const username = o.username ?? 'alice';
  s.source.on(AdminGetUserCommand, { Username: username }).resolves({
    Username: username,
    UserAttributes: attrs(
      o.attributes ?? { sub: SUB, email: 'alice@example.com', email_verified: 'true', name: 'Alice' },
    ),
    Enabled: o.enabled ?? true,
    UserStatus: (o.status ?? 'CONFIRMED') as 'CONFIRMED',
    UserMFASettingList: o.mfa,
    PreferredMfaSetting: o.preferred,
  });
  s.source
    .on(AdminListGroupsForUserCommand, { Username: username })
    .resolves({ Groups: (o.groups ?? []).map((GroupName) => ({ GroupName })) });
}

/** Every standby write answers success (on top of what is already set up). */
function standbyAcceptsWrites(s: Sides): void {
  for (const Command of [
    AdminCreateUserCommand,
    AdminSetUserPasswordCommand,
    AdminUpdateUserAttributesCommand,
    AdminDeleteUserAttributesCommand,
    AdminAddUserToGroupCommand,
    CreateGroupCommand,
    AdminDisableUserCommand,
    AdminSetUserMFAPreferenceCommand,
  ]) {
    s.standby.on(Command as typeof AdminCreateUserCommand).resolves({});
  }
}

function standbyWrites(s: Sides): string[] {
  return s.standby
    .calls()
    .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''))
    .filter((n) => WRITE_OPERATIONS.has(n));
}

/** A standby replica exactly as the create plan for the default source user leaves it. */
function matchingReplica(extra: Record<string, string> = {}): UserType {
  return {
    Username: 'alice',
    Enabled: true,
    UserStatus: 'CONFIRMED',
    Attributes: attrs({
      sub: '99999999-9999-4999-8999-999999999999',
      email: 'alice@example.com',
      email_verified: 'true',
      name: 'Alice',
      'custom:source_sub': SUB,
      'custom:source_mfa': 'NONE',
      ...extra,
    }),
  };
}

describe('replicateUser', () => {
  test('a new user: created silently, permanent random password, groups (created when missing), disabled, MFA', async () => {
    const s = sides({
      groupRoleMap: { 'arn:aws:iam::111111111111:role/src-admin': 'arn:aws:iam::222222222222:role/stb-admin' },
    });
    sourceHas(s, {
      enabled: false,
      groups: ['admins', 'staff', 'unmapped'],
      mfa: ['SMS_MFA'],
      preferred: 'SMS_MFA',
      attributes: {
        sub: SUB,
        email: 'alice@example.com',
        email_verified: 'true',
        phone_number: '+15555550100',
        phone_number_verified: 'true',
      },
    });
    s.source.on(ListGroupsCommand).resolves({
      Groups: [
        {
          GroupName: 'admins',
          Description: 'Administrators',
          Precedence: 1,
          RoleArn: 'arn:aws:iam::111111111111:role/src-admin',
        },
        { GroupName: 'staff', Precedence: 5 },
        { GroupName: 'unmapped', Description: 'Role not mapped', RoleArn: 'arn:aws:iam::111111111111:role/other' },
      ],
    });
    s.standby.on(ListUsersCommand).resolves({ Users: [] });
    s.standby
      .on(AdminCreateUserCommand)
      .resolves({ User: { Username: 'alice', Attributes: [], Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD' } });
    s.standby.on(AdminSetUserPasswordCommand).resolves({});
    s.standby.on(AdminAddUserToGroupCommand, { GroupName: 'staff' }).resolves({});
    s.standby
      .on(AdminAddUserToGroupCommand, { GroupName: 'admins' })
      .rejectsOnce(err(ResourceNotFoundException, 'Group not found.'))
      .resolves({});
    s.standby
      .on(AdminAddUserToGroupCommand, { GroupName: 'unmapped' })
      .rejectsOnce(err(ResourceNotFoundException, 'Group not found.'))
      .resolves({});
    s.standby.on(CreateGroupCommand).resolves({});
    s.standby.on(AdminDisableUserCommand).resolves({});
    s.standby.on(AdminSetUserMFAPreferenceCommand).resolves({});
    s.standby.on(AdminUpdateUserAttributesCommand).resolves({});

    const out = captureOutput();
    let outcome: Awaited<ReturnType<typeof replicateUser>> | undefined;
    try {
      outcome = await replicateUser(s.ctx, { username: 'alice', sub: SUB });
    } finally {
      out.restore();
    }
    expect(outcome).toMatchObject({ result: 'created', sourceSub: SUB, standbyUsername: 'alice' });

    expect(s.standby).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      Username: 'alice',
      MessageAction: 'SUPPRESS',
      UserAttributes: expect.arrayContaining([
        { Name: 'email', Value: 'alice@example.com' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'phone_number_verified', Value: 'true' },
        { Name: 'custom:source_sub', Value: SUB },
      ]),
    });
    const password = s.standby.commandCalls(AdminSetUserPasswordCommand)[0].args[0].input;
    expect(password).toMatchObject({ Username: 'alice', Permanent: true });
    expect(meetsPolicy(password.Password!, STANDBY_POLICY)).toBe(true);
    expect(out.text()).not.toContain(password.Password!);

    expect(s.standby).toHaveReceivedCommandWith(CreateGroupCommand, {
      GroupName: 'admins',
      Description: 'Administrators',
      Precedence: 1,
      RoleArn: 'arn:aws:iam::222222222222:role/stb-admin',
    });
    const unmapped = s.standby.commandCalls(CreateGroupCommand, { GroupName: 'unmapped' })[0].args[0].input;
    expect(unmapped).toMatchObject({ Description: 'Role not mapped' });
    expect(unmapped.RoleArn).toBeUndefined(); // a source role ARN is never used in the standby
    expect(s.standby).toHaveReceivedCommandTimes(CreateGroupCommand, 2);
    expect(s.standby).toHaveReceivedCommandWith(AdminDisableUserCommand, { Username: 'alice' });
    expect(s.standby).toHaveReceivedCommandWith(AdminSetUserMFAPreferenceCommand, {
      Username: 'alice',
      SMSMfaSettings: { Enabled: true, PreferredMfa: true },
    });

    // Order: create, password, groups, disable, MFA, then the marker.
    const writes = standbyWrites(s);
    expect(writes[0]).toBe('AdminCreateUser');
    expect(writes[1]).toBe('AdminSetUserPassword');
    expect(writes.slice(-2)).toEqual(['AdminSetUserMFAPreference', 'AdminUpdateUserAttributes']);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'custom:source_mfa', Value: 'SMS_MFA;SMS_MFA' }],
    });
    expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 1);
    expect(standbyWrites(s).filter((w) => w !== 'CreateGroup')).toHaveLength(outcome!.writes + 2); // + the two adds retried after creating the group
  });

  test('an existing matching replica costs zero writes and no per-user standby read', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], groups: ['staff'] });
    s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica()] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'staff' }] });
    const outcome = await replicateUser(s.ctx, { username: 'alice', sub: SUB });
    expect(outcome).toMatchObject({ result: 'in-sync', writes: 0, standbyUsername: 'alice' });
    expect(standbyWrites(s)).toEqual([]);
    expect(s.ctx.standby.writeCalls).toBe(0);
    expect(s.standby).toHaveReceivedCommandTimes(AdminGetUserCommand, 0);
    expect(s.standby).toHaveReceivedCommandWith(ListUsersCommand, { Filter: 'username = "alice"' });
  });

  test('issue 11.1 caches are instance state: a context built once (a warm container) reads the pools and the source groups once', async () => {
    // The worker handler resolves its dependencies once per container (createWorkerHandler:
    // `resolved ??= deps()`), so its gateways, and their caches, serve every later invocation.
    const s = sides();
    sourceHas(s, { mfa: [], groups: ['staff'] });
    s.source.on(ListGroupsCommand).resolves({ Groups: [{ GroupName: 'staff' }] });
    s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica()] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'staff' }] });
    for (let invocation = 0; invocation < 3; invocation++)
      await expect(replicateUser(s.ctx, { username: 'alice', sub: SUB })).resolves.toMatchObject({ result: 'in-sync' });
    expect(s.source).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 1);
    expect(s.standby).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 1);
    expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 1);
    // A context built anew (a cold container) has caches of its own.
    const cold = sides();
    expect(cold.ctx.source.groupListings).not.toBe(s.ctx.source.groupListings);
  });

  test('a drifted replica gets only the difference', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica({ name: 'Old name', given_name: 'Stale' })] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    standbyAcceptsWrites(s);
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({ result: 'updated', writes: 2 });
    expect(standbyWrites(s)).toEqual(['AdminUpdateUserAttributes', 'AdminDeleteUserAttributes']);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'name', Value: 'Alice' }],
    });
  });

  test('e-mail as username: the replica is found by e-mail and written under its own UUID username', async () => {
    const s = sides({ sourcePool: { usernameAttributes: ['email'] }, standbyPool: { usernameAttributes: ['email'] } });
    sourceHas(s, { username: SUB, mfa: [] });
    const replica = { ...matchingReplica({ name: 'Old' }), Username: '99999999-9999-4999-8999-999999999999' };
    s.standby.on(ListUsersCommand).resolves({ Users: [replica] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby.on(AdminUpdateUserAttributesCommand).resolves({});
    const outcome = await replicateUser(s.ctx, { username: SUB, sub: SUB });
    expect(outcome).toMatchObject({ result: 'updated', standbyUsername: replica.Username });
    expect(s.standby).toHaveReceivedCommandWith(ListUsersCommand, { Filter: 'email = "alice@example.com"' });
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, { Username: replica.Username });
  });

  test('UsernameExistsException on create (another writer won) is planned again as an update', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    s.standby
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [] })
      .resolves({ Users: [matchingReplica({ name: 'Racer' })] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby.on(AdminCreateUserCommand).rejects(err(UsernameExistsException, 'User account already exists'));
    s.standby.on(AdminUpdateUserAttributesCommand).resolves({});
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({ result: 'updated', writes: 1 });
    expect(s.standby).toHaveReceivedCommandTimes(AdminCreateUserCommand, 1);
    expect(s.standby).toHaveReceivedCommandTimes(AdminSetUserPasswordCommand, 0);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'name', Value: 'Alice' }],
    });
  });

  test('a create throttled, then raced, is still planned again', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    s.standby
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [] })
      .resolves({ Users: [matchingReplica()] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby
      .on(AdminCreateUserCommand)
      .rejectsOnce(err(TooManyRequestsException))
      .rejects(err(UsernameExistsException));
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'in-sync', writes: 0 });
  });

  test('throttling on the standby is absorbed', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    s.standby.on(ListUsersCommand).rejectsOnce(err(TooManyRequestsException)).resolves({ Users: [] });
    s.standby
      .on(AdminCreateUserCommand)
      .rejectsOnce(err(TooManyRequestsException))
      .rejectsOnce(err(TooManyRequestsException))
      .resolves({});
    s.standby.on(AdminSetUserPasswordCommand).rejectsOnce(err(TooManyRequestsException)).resolves({});
    const throttled = jest.spyOn((s.ctx.standby as CognitoGateway).limiter, 'throttled');
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'created' });
    expect(s.standby).toHaveReceivedCommandTimes(AdminCreateUserCommand, 3);
    expect(throttled).toHaveBeenCalledWith('UserCreation');
    expect(throttled).toHaveBeenCalledWith('UserAccountRecovery');
    expect(throttled).toHaveBeenCalledWith('UserList');
  });

  test('a transient standby failure that persists is thrown for the queue to retry', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    s.standby
      .on(ListUsersCommand)
      .rejects(new InternalErrorException({ message: 'down', $metadata: { httpStatusCode: 500 } }));
    // issue 11.5: thrown as the adapter's typed error, Cognito's exception kept as its cause
    const thrown = await replicateUser(s.ctx, { username: 'alice' }).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(TransientError);
    expect((thrown as Error).cause).toBeInstanceOf(InternalErrorException);
    expect(standbyWrites(s)).toEqual([]);
  });

  test('source user not found: source-missing, nothing written', async () => {
    const s = sides();
    s.source.on(AdminGetUserCommand).rejects(err(UserNotFoundException, 'User does not exist.'));
    s.source.on(ListUsersCommand).resolves({ Users: [] });
    expect(await replicateUser(s.ctx, { username: 'ghost', sub: SUB })).toEqual({
      result: 'source-missing',
      sourceSub: SUB,
      writes: 0,
    });
    expect(await replicateUser(s.ctx, { sub: SUB })).toMatchObject({ result: 'source-missing', writes: 0 });
    expect(await replicateUser(s.ctx, {})).toMatchObject({ result: 'source-missing', writes: 0 });
    expect(s.standby.calls()).toHaveLength(0);
  });

  test('a username now held by another user (different sub) counts as missing', async () => {
    const s = sides();
    sourceHas(s, { attributes: { sub: '22222222-2222-4222-8222-222222222222', email: 'x@example.com' } });
    s.source.on(ListUsersCommand).resolves({ Users: [] }); // issue 10.6: the sub is looked up before the user counts as missing
    expect(await replicateUser(s.ctx, { username: 'alice', sub: SUB })).toMatchObject({ result: 'source-missing' });
    expect(s.standby.calls()).toHaveLength(0);
  });

  test('located by sub alone', async () => {
    const s = sides();
    s.source.on(ListUsersCommand).resolves({ Users: [{ Username: 'alice', Attributes: attrs({ sub: SUB }) }] });
    sourceHas(s, { mfa: [] });
    s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica()] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    expect(await replicateUser(s.ctx, { sub: SUB })).toMatchObject({ result: 'in-sync' });
    expect(s.source).toHaveReceivedCommandWith(ListUsersCommand, { Filter: `sub = "${SUB}"` });
  });

  test('several standby users share the locator and none carries the sub: AmbiguousReplicaError, nothing written', async () => {
    const s = sides({ sourcePool: { usernameAttributes: ['email'] } }); // standby keeps plain usernames: match on e-mail
    sourceHas(s, { username: SUB, mfa: [] });
    s.standby.on(ListUsersCommand).resolves({
      Users: [
        { Username: 'alice1', Attributes: attrs({ sub: 'x1', email: 'alice@example.com' }) },
        {
          Username: 'alice2',
          Attributes: attrs({ sub: 'x2', email: 'alice@example.com', 'custom:source_sub': 'someone-else' }),
        },
      ],
    });
    const failure = replicateUser(s.ctx, { username: SUB, sub: SUB });
    await expect(failure).rejects.toThrow(AmbiguousReplicaError);
    await expect(failure).rejects.toThrow(SUB);
    await expect(failure).rejects.not.toThrow('alice@example.com');
    expect(standbyWrites(s)).toEqual([]);
  });

  test('a failed MFA call leaves the marker unwritten, so the next attempt sets the MFA again', async () => {
    const s = sides();
    sourceHas(s, {
      mfa: ['SMS_MFA'],
      preferred: 'SMS_MFA',
      attributes: {
        sub: SUB,
        email: 'alice@example.com',
        email_verified: 'true',
        name: 'Alice',
        phone_number: '+15555550100',
        phone_number_verified: 'true',
      },
    });
    s.standby.on(ListUsersCommand).resolves({ Users: [] });
    s.standby.on(AdminCreateUserCommand).resolves({});
    s.standby.on(AdminSetUserPasswordCommand).resolves({});
    s.standby.on(AdminSetUserMFAPreferenceCommand).rejectsOnce(new Error('InvalidParameterException')).resolves({});
    s.standby.on(AdminUpdateUserAttributesCommand).resolves({});
    await expect(replicateUser(s.ctx, { username: 'alice' })).rejects.toThrow();
    expect(s.standby).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 0);

    // Second attempt: the replica exists, without a marker.
    const created = s.standby.commandCalls(AdminCreateUserCommand)[0].args[0].input;
    expect(created.UserAttributes?.map((a) => a.Name)).not.toContain('custom:source_mfa');
    s.standby.on(ListUsersCommand).resolves({
      Users: [
        {
          Username: 'alice',
          Enabled: true,
          UserStatus: 'CONFIRMED',
          Attributes: [...created.UserAttributes!, { Name: 'sub', Value: 'r' }],
        },
      ],
    });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    // The marker does not show the source's MFA: the replica's MFA is read rather than assumed.
    s.standby.on(AdminGetUserCommand).resolves({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: [...created.UserAttributes!, { Name: 'sub', Value: 'r' }],
    });
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'updated', writes: 2 });
    expect(s.standby).toHaveReceivedCommandTimes(AdminGetUserCommand, 1);
    expect(s.standby).toHaveReceivedCommandTimes(AdminSetUserMFAPreferenceCommand, 2);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'custom:source_mfa', Value: 'SMS_MFA;SMS_MFA' }],
    });
  });

  test('a source group created after the groups were first listed is found by listing again once', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], groups: ['old'] });
    s.source
      .on(ListGroupsCommand)
      .resolvesOnce({ Groups: [{ GroupName: 'old', Description: 'Old group' }] })
      .resolves({
        Groups: [
          { GroupName: 'old', Description: 'Old group' },
          { GroupName: 'new', Description: 'New group', Precedence: 7 },
        ],
      });
    s.standby.on(ListUsersCommand).resolves({ Users: [] });
    s.standby.on(AdminCreateUserCommand).resolves({});
    s.standby.on(AdminSetUserPasswordCommand).resolves({});
    s.standby.on(CreateGroupCommand).resolves({});
    s.standby
      .on(AdminAddUserToGroupCommand)
      .rejectsOnce(err(ResourceNotFoundException))
      .resolvesOnce({})
      .rejectsOnce(err(ResourceNotFoundException))
      .resolves({});
    await replicateUser(s.ctx, { username: 'alice' });
    expect(s.standby).toHaveReceivedCommandWith(CreateGroupCommand, { GroupName: 'old', Description: 'Old group' });

    sourceHas(s, {
      username: 'bob',
      attributes: { sub: 'bob-sub', email: 'bob@example.com' },
      mfa: [],
      groups: ['new'],
    });
    await replicateUser(s.ctx, { username: 'bob' });
    expect(s.standby).toHaveReceivedCommandWith(CreateGroupCommand, {
      GroupName: 'new',
      Description: 'New group',
      Precedence: 7,
    });
    expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 2);
  });

  test('a group unknown in the source too is created by name after one more listing', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], groups: ['ghost'] });
    s.source.on(ListGroupsCommand).resolves({ Groups: [] });
    s.standby.on(ListUsersCommand).resolves({ Users: [] });
    standbyAcceptsWrites(s);
    s.standby.on(AdminAddUserToGroupCommand).rejectsOnce(err(ResourceNotFoundException)).resolves({});
    await replicateUser(s.ctx, { username: 'alice' });
    expect(s.standby).toHaveReceivedCommandWith(CreateGroupCommand, { GroupName: 'ghost' });
    expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 1); // first listing, no cache to refresh
  });

  test('federated and unconfirmed users are skipped without any standby write', async () => {
    const s = sides();
    sourceHas(s, {
      username: 'Google_1',
      status: 'EXTERNAL_PROVIDER',
      attributes: { sub: 'g', identities: '[{"providerName":"Google","userId":"1"}]' },
    });
    sourceHas(s, { username: 'pending', status: 'UNCONFIRMED', attributes: { sub: 'p', email: 'p@example.com' } });
    s.standby.on(ListUsersCommand).resolves({ Users: [] });
    expect(await replicateUser(s.ctx, { username: 'Google_1' })).toMatchObject({
      result: 'skipped',
      plan: { issues: [{ code: 'federated', provider: 'Google' }] },
    });
    expect(await replicateUser(s.ctx, { username: 'pending' })).toMatchObject({
      result: 'skipped',
      plan: { issues: [{ code: 'unconfirmed' }] },
    });
    expect(standbyWrites(s)).toEqual([]);
  });
});

describe('issue 10.2: the worker never deletes what the source pool cannot hold', () => {
  test('never deletes what the source pool cannot hold: a group the source pool lacks stays, one it has goes', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], groups: [] });
    s.source.on(ListGroupsCommand).resolves({ Groups: [{ GroupName: 'staff' }] });
    s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica({ 'custom:kiosk': 'yes' })] });
    s.standby
      .on(AdminListGroupsForUserCommand)
      .resolves({ Groups: [{ GroupName: 'staff' }, { GroupName: 'standby-operators' }] });
    s.standby.on(AdminRemoveUserFromGroupCommand).resolves({});
    s.standby.on(AdminDeleteUserAttributesCommand).resolves({});
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({
      result: 'updated',
      writes: 1,
      plan: { removeGroups: ['staff'], deleteAttributes: [] },
    });
    expect(standbyWrites(s)).toEqual(['AdminRemoveUserFromGroup']);
  });

  test('never deletes what the source pool cannot hold: a replica group missing from an old listing lists the groups again', async () => {
    const now = jest.spyOn(Date, 'now');
    try {
      const s = sides();
      sourceHas(s, { mfa: [], groups: [] });
      s.source
        .on(ListGroupsCommand)
        .resolvesOnce({ Groups: [] })
        .resolves({ Groups: [{ GroupName: 'created-since' }] });
      s.standby.on(ListUsersCommand).resolves({ Users: [matchingReplica()] });
      s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'created-since' }] });
      s.standby.on(AdminRemoveUserFromGroupCommand).resolves({});
      now.mockReturnValue(1_000_000);
      // a fresh listing is trusted: the group is unknown to the source, kept
      expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'in-sync' });
      expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 1);
      now.mockReturnValue(1_000_000 + 61_000);
      // a minute later the same miss lists again, finds the group, and the membership goes
      expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({
        result: 'updated',
        plan: { removeGroups: ['created-since'] },
      });
      expect(s.source).toHaveReceivedCommandTimes(ListGroupsCommand, 2);
    } finally {
      now.mockRestore();
    }
  });
});

describe('issue 10.3: a missing MFA marker is unknown in the worker too', () => {
  test('missing MFA marker is unknown: the replica MFA is read and a stray factor switched off before the marker', async () => {
    const s = sides();
    const phone = { phone_number: '+15555550100', phone_number_verified: 'true' };
    sourceHas(s, {
      mfa: [],
      attributes: { sub: SUB, email: 'alice@example.com', email_verified: 'true', name: 'Alice', ...phone },
    });
    const listed = matchingReplica(phone);
    listed.Attributes = listed.Attributes!.filter((a) => a.Name !== 'custom:source_mfa'); // made before the marker, or by hand
    s.standby.on(ListUsersCommand).resolves({ Users: [listed] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    // SMS MFA was switched on in the standby only
    s.standby.on(AdminGetUserCommand).resolves({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: listed.Attributes,
      UserMFASettingList: ['SMS_MFA'],
      PreferredMfaSetting: 'SMS_MFA',
    });
    standbyAcceptsWrites(s);
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    // Old code: no read, no MFA call, and the marker written NONE, hiding the factor for good.
    expect(s.standby).toHaveReceivedCommandTimes(AdminGetUserCommand, 1);
    expect(s.standby).toHaveReceivedCommandWith(AdminSetUserMFAPreferenceCommand, {
      Username: 'alice',
      SMSMfaSettings: { Enabled: false, PreferredMfa: false },
    });
    expect(standbyWrites(s)).toEqual(['AdminSetUserMFAPreference', 'AdminUpdateUserAttributes']);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'custom:source_mfa', Value: 'NONE' }],
    });
    expect(outcome).toMatchObject({ result: 'updated', writes: 2 });
  });

  test('missing MFA marker is unknown: a replica read with no factor gets only the marker', async () => {
    const s = sides();
    sourceHas(s, { mfa: [] });
    const listed = matchingReplica();
    listed.Attributes = listed.Attributes!.filter((a) => a.Name !== 'custom:source_mfa');
    s.standby.on(ListUsersCommand).resolves({ Users: [listed] });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby
      .on(AdminGetUserCommand)
      .resolves({ Username: 'alice', Enabled: true, UserStatus: 'CONFIRMED', UserAttributes: listed.Attributes });
    standbyAcceptsWrites(s);
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'updated', writes: 1 });
    expect(standbyWrites(s)).toEqual(['AdminUpdateUserAttributes']);
  });
});

describe('issue 10.5: MFA pending on RESET_REQUIRED replicas (worker)', () => {
  const withPhone = {
    sub: SUB,
    email: 'alice@example.com',
    email_verified: 'true',
    name: 'Alice',
    phone_number: '+15555550100',
    phone_number_verified: 'true',
  };

  test('MFA pending on RESET_REQUIRED: no MFA call, no marker, the outcome says pending', async () => {
    const s = sides();
    sourceHas(s, { mfa: ['SMS_MFA'], preferred: 'SMS_MFA', attributes: withPhone });
    // a replica after a failover --send: RESET_REQUIRED, marker NONE from before the user turned SMS MFA on
    s.standby.on(ListUsersCommand).resolves({
      Users: [
        {
          ...matchingReplica({ phone_number: '+15555550100', phone_number_verified: 'true' }),
          UserStatus: 'RESET_REQUIRED',
        },
      ],
    });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby.on(AdminGetUserCommand).resolves({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'RESET_REQUIRED',
      UserAttributes: attrs({ ...withPhone, sub: 'r', 'custom:source_sub': SUB, 'custom:source_mfa': 'NONE' }),
    });
    standbyAcceptsWrites(s);
    // were the call sent, Cognito would refuse it (SDK model: AdminSetUserMFAPreferenceCommand.d.ts)
    s.standby.on(AdminSetUserMFAPreferenceCommand).rejects(
      new PasswordResetRequiredException({
        message: 'Password reset required for the user',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({
      result: 'in-sync',
      writes: 0,
      mfaPending: true,
      plan: { mfaPending: { sms: { enabled: true, preferred: true } } },
    });
    expect(outcome.plan?.issues).toContainEqual({ code: 'mfa-pending' });
    expect(s.standby).toHaveReceivedCommandTimes(AdminSetUserMFAPreferenceCommand, 0);
    expect(standbyWrites(s)).toEqual([]);
  });

  test('MFA pending on RESET_REQUIRED: a PasswordResetRequiredException (status changed since the read) is pending, not a failure', async () => {
    const s = sides();
    sourceHas(s, { mfa: ['SMS_MFA'], preferred: 'SMS_MFA', attributes: withPhone });
    s.standby.on(ListUsersCommand).resolves({
      Users: [matchingReplica({ phone_number: '+15555550100', phone_number_verified: 'true', name: 'Old' })],
    });
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby.on(AdminGetUserCommand).resolves({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: attrs({
        ...withPhone,
        sub: 'r',
        'custom:source_sub': SUB,
        'custom:source_mfa': 'NONE',
        name: 'Old',
      }),
    });
    standbyAcceptsWrites(s);
    s.standby.on(AdminSetUserMFAPreferenceCommand).rejects(
      new PasswordResetRequiredException({
        message: 'Password reset required for the user',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({ result: 'updated', writes: 1, mfaPending: true });
    expect(outcome.plan?.mfa).toBeUndefined();
    expect(outcome.plan?.issues).toContainEqual({ code: 'mfa-pending' });
    // the name was written; the marker was not (the next run after the reset sets the MFA)
    expect(standbyWrites(s)).toEqual(['AdminUpdateUserAttributes', 'AdminSetUserMFAPreference']);
    expect(s.standby).toHaveReceivedCommandTimes(AdminUpdateUserAttributesCommand, 1);
    expect(s.standby).toHaveReceivedCommandWith(AdminUpdateUserAttributesCommand, {
      UserAttributes: [{ Name: 'name', Value: 'Alice' }],
    });
  });
});

describe('issue 10.3: MFA off before its contact is deleted', () => {
  const SMS_REFUSED = 'User does not have a phone_number set to turn on SMS MFA';

  /**
   * One standby replica that behaves as AWS does: AdminSetUserMFAPreference answers
   * InvalidParameterException for SMS settings, *off* included, when the user has no
   * phone_number (recorded in aws-amplify/amplify-js#5766 and #846), and for a user in
   * RESET_REQUIRED PasswordResetRequiredException (SDK model AdminSetUserMFAPreferenceCommand.d.ts).
   * The e-mail case is not recorded: assumed alike (the safe side).
   */
  function awsLikeReplica(
    s: Sides,
    replica: { attributes: Record<string, string>; mfa?: string[]; preferred?: string; status?: string },
  ) {
    const state = {
      attributes: { sub: 'r', 'custom:source_sub': SUB, ...replica.attributes } as Record<string, string>,
      mfa: [...(replica.mfa ?? [])],
      preferred: replica.preferred,
      status: replica.status ?? 'CONFIRMED',
    };
    const user = () => ({
      Username: 'alice',
      Enabled: true,
      UserStatus: state.status as 'CONFIRMED',
      Attributes: attrs(state.attributes),
    });
    s.standby.on(ListUsersCommand).callsFake(async () => ({ Users: [user()] }));
    s.standby.on(AdminGetUserCommand).callsFake(async () => ({
      ...user(),
      UserAttributes: user().Attributes,
      UserMFASettingList: state.mfa,
      PreferredMfaSetting: state.preferred,
    }));
    s.standby.on(AdminListGroupsForUserCommand).resolves({ Groups: [] });
    s.standby.on(AdminUpdateUserAttributesCommand).callsFake(async (input) => {
      for (const a of input.UserAttributes ?? []) state.attributes[a.Name!] = a.Value!;
      return {};
    });
    s.standby.on(AdminDeleteUserAttributesCommand).callsFake(async (input) => {
      for (const name of input.UserAttributeNames ?? []) delete state.attributes[name];
      return {};
    });
    s.standby.on(AdminSetUserMFAPreferenceCommand).callsFake(async (input) => {
      if (state.status === 'RESET_REQUIRED')
        throw new PasswordResetRequiredException({
          message: 'Password reset required for the user',
          $metadata: { httpStatusCode: 400 },
        });
      const settings: [string, string, { Enabled?: boolean; PreferredMfa?: boolean } | undefined][] = [
        ['SMS_MFA', 'phone_number', input.SMSMfaSettings],
        ['EMAIL_OTP', 'email', input.EmailMfaSettings],
      ];
      for (const [factor, contact, setting] of settings) {
        if (setting && !state.attributes[contact]) {
          const message = factor === 'SMS_MFA' ? SMS_REFUSED : 'User does not have an email set to turn on email MFA';
          throw new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
        }
      }
      for (const [factor, , setting] of settings) {
        if (!setting) continue;
        state.mfa = state.mfa.filter((f) => f !== factor);
        if (setting.Enabled) state.mfa.push(factor);
        if (setting.PreferredMfa) state.preferred = factor;
        else if (state.preferred === factor) state.preferred = undefined;
      }
      return {};
    });
    return state;
  }

  const phone = { phone_number: '+15555550100', phone_number_verified: 'true' };
  const base = { email: 'alice@example.com', email_verified: 'true', name: 'Alice' };

  test('MFA off before its contact is deleted: the source dropped SMS MFA and its phone, the replica follows in one run', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], attributes: { sub: SUB, ...base } });
    const replica = awsLikeReplica(s, {
      attributes: { ...base, ...phone, 'custom:source_mfa': 'SMS_MFA;SMS_MFA' },
      mfa: ['SMS_MFA'],
      preferred: 'SMS_MFA',
    });
    // Old order: phone_number deleted first, then the MFA call refused, on every run.
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({
      result: 'updated',
      plan: { deleteAttributes: ['phone_number'], mfa: { sms: { enabled: false, preferred: false } } },
    });
    expect(standbyWrites(s)).toEqual([
      'AdminUpdateUserAttributes',
      'AdminSetUserMFAPreference',
      'AdminUpdateUserAttributes',
      'AdminDeleteUserAttributes',
    ]);
    expect(replica.mfa).toEqual([]);
    expect(replica.attributes.phone_number).toBeUndefined();
    expect(replica.attributes['custom:source_mfa']).toBe('NONE');
    // and the next run finds it in sync
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'in-sync', writes: 0 });
  });

  test('MFA off before its contact is deleted: e-mail MFA and the e-mail (phone kept)', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], attributes: { sub: SUB, name: 'Alice', ...phone } });
    const replica = awsLikeReplica(s, {
      attributes: { ...base, ...phone, 'custom:source_mfa': 'EMAIL_OTP;EMAIL_OTP' },
      mfa: ['EMAIL_OTP'],
      preferred: 'EMAIL_OTP',
    });
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({ result: 'updated', plan: { deleteAttributes: ['email'] } });
    expect(s.standby).toHaveReceivedCommandWith(AdminSetUserMFAPreferenceCommand, {
      EmailMfaSettings: { Enabled: false, PreferredMfa: false },
    });
    expect(standbyWrites(s).slice(-3)).toEqual([
      'AdminSetUserMFAPreference',
      'AdminUpdateUserAttributes',
      'AdminDeleteUserAttributes',
    ]);
    expect(replica.mfa).toEqual([]);
    expect(replica.attributes.email).toBeUndefined();
  });

  test('MFA off before its contact is deleted: switching SMS MFA on comes after its new phone is written', async () => {
    const s = sides();
    sourceHas(s, { mfa: ['SMS_MFA'], preferred: 'SMS_MFA', attributes: { sub: SUB, ...base, ...phone } });
    const replica = awsLikeReplica(s, { attributes: { ...base, 'custom:source_mfa': 'NONE' } });
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'updated' });
    expect(standbyWrites(s)).toEqual([
      'AdminUpdateUserAttributes',
      'AdminSetUserMFAPreference',
      'AdminUpdateUserAttributes',
    ]);
    expect(s.standby.commandCalls(AdminUpdateUserAttributesCommand)[0].args[0].input.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'phone_number', Value: '+15555550100' },
        { Name: 'phone_number_verified', Value: 'true' }, // in the same call: a new phone is otherwise unverified
      ]),
    );
    expect(replica.mfa).toEqual(['SMS_MFA']);
  });

  test('MFA off before its contact is deleted: an unmarked replica, not read, has a stray factor switched off before its contact goes', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], attributes: { sub: SUB, ...base } });
    const replica = awsLikeReplica(s, { attributes: { ...base, ...phone }, mfa: ['SMS_MFA'], preferred: 'SMS_MFA' }); // no marker
    // the reconciler's path: the replica as listed, its MFA not read
    const source = (await readSourceUser(s.ctx.source, { username: 'alice' }))!;
    const listed = {
      username: 'alice',
      enabled: true,
      status: 'CONFIRMED' as const,
      attributes: { ...replica.attributes },
      groups: [],
    };
    const plan = planReplication(source, listed, await planContextOf(s.ctx));
    // Old planner: a factor whose contact the plan deletes was not sent, so SMS MFA stayed on under a NONE marker.
    expect(plan.mfa).toMatchObject({ sms: { enabled: false, preferred: false } });
    expect(plan.deleteAttributes).toEqual(['phone_number']);
    await applyPlan(plan, { standby: s.ctx.standby, sourceGroup: async () => undefined });
    expect(replica.mfa).toEqual([]);
    expect(replica.attributes.phone_number).toBeUndefined();
    expect(replica.attributes['custom:source_mfa']).toBe('NONE');
  });

  test('MFA off before its contact is deleted: an MFA call left pending keeps the contact for the run after the reset', async () => {
    const s = sides();
    sourceHas(s, { mfa: [], attributes: { sub: SUB, ...base, name: 'Alicia' } });
    // listed CONFIRMED, RESET_REQUIRED by the time of the call: refused, so the MFA is pending
    const replica = awsLikeReplica(s, {
      attributes: { ...base, ...phone, 'custom:source_mfa': 'SMS_MFA;SMS_MFA' },
      mfa: ['SMS_MFA'],
      preferred: 'SMS_MFA',
    });
    s.standby.on(AdminGetUserCommand).callsFake(async () => {
      const read = {
        Username: 'alice',
        Enabled: true,
        UserStatus: replica.status as 'CONFIRMED',
        UserAttributes: attrs(replica.attributes),
        UserMFASettingList: replica.mfa,
        PreferredMfaSetting: replica.preferred,
      };
      replica.status = 'RESET_REQUIRED'; // a failover --send in between
      return read;
    });
    const outcome = await replicateUser(s.ctx, { username: 'alice' });
    expect(outcome).toMatchObject({
      result: 'updated',
      mfaPending: true,
      plan: { deleteAttributes: [], mfaPending: { sms: { enabled: false, preferred: false } } },
    });
    expect(s.standby).toHaveReceivedCommandTimes(AdminDeleteUserAttributesCommand, 0);
    expect(replica.attributes.phone_number).toBe('+15555550100');
    expect(replica.attributes.name).toBe('Alicia');
    // seen RESET_REQUIRED by the planner: the same plan, no call at all
    const again = await replicateUser(s.ctx, { username: 'alice' });
    expect(again).toMatchObject({ mfaPending: true, plan: { deleteAttributes: [] } });
    expect(s.standby).toHaveReceivedCommandTimes(AdminSetUserMFAPreferenceCommand, 1);
    // after the user's reset: off, marker, then the phone goes
    s.standby.on(AdminGetUserCommand).callsFake(async () => ({
      Username: 'alice',
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: attrs(replica.attributes),
      UserMFASettingList: replica.mfa,
      PreferredMfaSetting: replica.preferred,
    }));
    replica.status = 'CONFIRMED';
    expect(await replicateUser(s.ctx, { username: 'alice' })).toMatchObject({ result: 'updated', mfaPending: false });
    expect(replica.mfa).toEqual([]);
    expect(replica.attributes.phone_number).toBeUndefined();
  });
});
