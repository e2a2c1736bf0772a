/** The in-memory Cognito model, through the direct transport (the real SDK client). */
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  InitiateAuthCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  CreateGroupCommand,
  CreateUserImportJobCommand,
  CreateUserPoolCommand,
  DescribeUserImportJobCommand,
  DescribeUserPoolCommand,
  GetCSVHeaderCommand,
  InternalErrorException,
  ListUsersCommand,
  ListUsersInGroupCommand,
  StartUserImportJobCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoModel, directClient, ModelError } from '../../../scripts/local/cognito-model';
import { VirtualClock } from '../helpers';

function region(options: Partial<ConstructorParameters<typeof CognitoModel>[0]> = {}) {
  const model = new CognitoModel({ clock: new VirtualClock(), ...options });
  const pool = model.addPool({ id: 'us-east-1_Model', customAttributes: ['source_sub'] });
  return { model, pool, client: directClient(model) };
}

const UserPoolId = 'us-east-1_Model';

describe('users, attributes and statuses', () => {
  test('AdminCreateUser: FORCE_CHANGE_PASSWORD, a permanent password confirms; read-only and unknown attributes are refused', async () => {
    const { client } = region();
    const created = await client.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: 'ann',
        UserAttributes: [{ Name: 'email', Value: 'ann@example.com' }],
        MessageAction: 'SUPPRESS',
      }),
    );
    expect(created.User).toMatchObject({ Username: 'ann', UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true });
    expect(created.User!.UserCreateDate).toBeInstanceOf(Date);
    await client.send(
      new AdminSetUserPasswordCommand({ UserPoolId, Username: 'ann', Password: 'Passw0rd!', Permanent: true }),
    );
    expect((await client.send(new AdminGetUserCommand({ UserPoolId, Username: 'ann' }))).UserStatus).toBe('CONFIRMED');
    await expect(
      client.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: 'ann', Password: 'short', Permanent: true })),
    ).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    for (const Name of ['sub', 'custom:nope'])
      await expect(
        client.send(
          new AdminUpdateUserAttributesCommand({ UserPoolId, Username: 'ann', UserAttributes: [{ Name, Value: 'x' }] }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(client.send(new AdminGetUserCommand({ UserPoolId, Username: 'bob' }))).rejects.toMatchObject({
      name: 'UserNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('a changed e-mail without its flag becomes unverified; a flag may be set alone', async () => {
    const { client, pool } = region();
    pool.put({ Username: 'ann', Attributes: { email: 'ann@example.com', email_verified: 'true' } });
    const set = (UserAttributes: { Name: string; Value: string }[]) =>
      client.send(new AdminUpdateUserAttributesCommand({ UserPoolId, Username: 'ann', UserAttributes }));
    await set([{ Name: 'email', Value: 'ann@example.com' }]);
    expect(pool.users.get('ann')!.Attributes.email_verified).toBe('true');
    await set([{ Name: 'email', Value: 'ann@example.org' }]);
    expect(pool.users.get('ann')!.Attributes.email_verified).toBe('false');
    await set([{ Name: 'email_verified', Value: 'true' }]);
    expect(pool.users.get('ann')!.Attributes).toMatchObject({ email: 'ann@example.org', email_verified: 'true' });
  });

  test('e-mail as username: the user is named by its sub and found by its address; a reset needs a verified channel', async () => {
    const { model, client } = region();
    const p = model.addPool({ id: 'us-east-1_Email', usernameAttributes: ['email'] });
    const r = await client.send(
      new AdminCreateUserCommand({ UserPoolId: p.options.id, Username: 'cy@example.com', MessageAction: 'SUPPRESS' }),
    );
    const sub = r.User!.Attributes!.find((a) => a.Name === 'sub')!.Value;
    expect(r.User!.Username).toBe(sub);
    await expect(
      client.send(new AdminResetUserPasswordCommand({ UserPoolId: p.options.id, Username: 'cy@example.com' })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' }); // FORCE_CHANGE_PASSWORD
    p.users.get(sub!)!.UserStatus = 'CONFIRMED';
    await expect(
      client.send(new AdminResetUserPasswordCommand({ UserPoolId: p.options.id, Username: 'cy@example.com' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' }); // e-mail not verified
    p.users.get(sub!)!.Attributes.email_verified = 'true';
    await client.send(new AdminResetUserPasswordCommand({ UserPoolId: p.options.id, Username: 'cy@example.com' }));
    expect(p.users.get(sub!)!.UserStatus).toBe('RESET_REQUIRED');
    expect(model.outbox.map((m) => `${m.kind} ${m.medium}`)).toEqual(['reset EMAIL']);
  });
});

describe('ListUsers: filters and pages', () => {
  test('exact and prefix filters, status filters, unsearchable attributes refused', async () => {
    const { client, pool } = region();
    pool.put({ Username: 'ann', Attributes: { email: 'ann@example.com' } });
    pool.put({
      Username: 'bob',
      Attributes: { email: 'bob@example.com' },
      Enabled: false,
      UserStatus: 'RESET_REQUIRED',
    });
    const names = async (Filter: string) =>
      ((await client.send(new ListUsersCommand({ UserPoolId, Filter }))).Users ?? []).map((u) => u.Username);
    expect(await names('email = "ann@example.com"')).toEqual(['ann']);
    expect(await names('username = "ann"')).toEqual(['ann']); // answered from the users' map
    expect(await names('username = "Ann"')).toEqual([]);
    expect(await names('username ^= "a"')).toEqual(['ann']);
    expect((await names('email ^= "b"')).sort()).toEqual(['bob']);
    expect(await names('status = "Disabled"')).toEqual(['bob']);
    expect(await names('cognito:user_status = "reset_required"')).toEqual(['bob']);
    expect(await names(`sub = "${pool.users.get('ann')!.Attributes.sub}"`)).toEqual(['ann']);
    await expect(names('locale = "en"')).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(names('email == ann')).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  test('at most 60 a page; short pages while more remain; a token is tied to its parameters and can be expired', async () => {
    const { model, client, pool } = region();
    for (let i = 0; i < 150; i++) pool.put({ Username: `u${i}`, Attributes: { email: `u${i}@example.com` } });
    const all = async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await client.send(new ListUsersCommand({ UserPoolId, PaginationToken: token }));
        seen.push(...r.Users!.map((u) => u.Username!));
        expect(r.Users!.length).toBeLessThanOrEqual(60);
        token = r.PaginationToken;
        pages++;
      } while (token);
      return { seen, pages };
    };
    expect(await all()).toMatchObject({ pages: 3 });
    model.faults = { shortPages: true, seed: 7 };
    const short = await all();
    expect(short.pages).toBeGreaterThan(3);
    expect(new Set(short.seen).size).toBe(150);
    model.faults = {};
    const first = await client.send(new ListUsersCommand({ UserPoolId, Limit: 10 }));
    await expect(
      client.send(
        new ListUsersCommand({ UserPoolId, Limit: 10, Filter: 'email ^= "u"', PaginationToken: first.PaginationToken }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const again = await client.send(new ListUsersCommand({ UserPoolId, Limit: 10 }));
    model.pager.expireAll();
    await expect(
      client.send(new ListUsersCommand({ UserPoolId, Limit: 10, PaginationToken: again.PaginationToken })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(client.send(new ListUsersCommand({ UserPoolId, Limit: 61 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

describe('groups and MFA', () => {
  test('groups: create once, members listed both ways', async () => {
    const { client, pool } = region();
    pool.put({ Username: 'ann', Attributes: {} });
    await client.send(new CreateGroupCommand({ UserPoolId, GroupName: 'g1', Precedence: 1 }));
    await expect(client.send(new CreateGroupCommand({ UserPoolId, GroupName: 'g1' }))).rejects.toMatchObject({
      name: 'GroupExistsException',
    });
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId, GroupName: 'g1', Username: 'ann' }));
    await expect(
      client.send(new AdminAddUserToGroupCommand({ UserPoolId, GroupName: 'nope', Username: 'ann' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      (await client.send(new ListUsersInGroupCommand({ UserPoolId, GroupName: 'g1' }))).Users!.map((u) => u.Username),
    ).toEqual(['ann']);
    expect(
      (await client.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: 'ann' }))).Groups,
    ).toMatchObject([{ GroupName: 'g1', Precedence: 1 }]);
  });

  test('MFA: SMS needs a phone, one preferred factor, refused while a reset is required', async () => {
    const { client, pool } = region();
    pool.put({ Username: 'ann', Attributes: { email: 'ann@example.com' } });
    const set = (input: Record<string, unknown>) =>
      client.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId, Username: 'ann', ...input }));
    await expect(set({ SMSMfaSettings: { Enabled: true } })).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    pool.users.get('ann')!.Attributes.phone_number = '+15555550100';
    await expect(
      set({
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
        EmailMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await set({ SMSMfaSettings: { Enabled: true, PreferredMfa: true }, EmailMfaSettings: { Enabled: true } });
    expect(await client.send(new AdminGetUserCommand({ UserPoolId, Username: 'ann' }))).toMatchObject({
      UserMFASettingList: ['SMS_MFA', 'EMAIL_OTP'],
      PreferredMfaSetting: 'SMS_MFA',
    });
    pool.users.get('ann')!.UserStatus = 'RESET_REQUIRED';
    await expect(set({ SMSMfaSettings: { Enabled: false } })).rejects.toMatchObject({
      name: 'PasswordResetRequiredException',
    });
  });
});

describe('pools and import jobs', () => {
  test('CreateUserPool: the Region in the id, username and alias attributes exclusive, the standard schema', async () => {
    const { client } = region({ region: 'eu-west-1' });
    const r = await client.send(
      new CreateUserPoolCommand({ PoolName: 'p', Schema: [{ Name: 'tier', AttributeDataType: 'String' }] }),
    );
    expect(r.UserPool!.Id).toMatch(/^eu-west-1_[A-Za-z0-9]{9}$/);
    const d = await client.send(new DescribeUserPoolCommand({ UserPoolId: r.UserPool!.Id }));
    expect(d.UserPool!.SchemaAttributes!.map((a) => a.Name)).toEqual(
      expect.arrayContaining(['sub', 'email', 'custom:tier']),
    );
    await expect(
      client.send(
        new CreateUserPoolCommand({ PoolName: 'q', UsernameAttributes: ['email'], AliasAttributes: ['email'] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  test('a job: header from GetCSVHeader, upload within 15 minutes, rows checked, imported users RESET_REQUIRED, existing ones skipped', async () => {
    const clock = new VirtualClock();
    const { model, client, pool } = region({ clock });
    pool.put({ Username: 'old', Attributes: { email: 'old@example.com' } });
    const header = (await client.send(new GetCSVHeaderCommand({ UserPoolId }))).CSVHeader!;
    expect(header.slice(-2)).toEqual(['cognito:mfa_enabled', 'cognito:username']);
    const row = (values: Record<string, string>) => header.map((h) => values[h] ?? '').join(',');
    const csv = [
      header.join(','),
      row({
        'cognito:username': 'new',
        email: 'new@example.com',
        email_verified: 'true',
        'cognito:mfa_enabled': 'false',
      }),
      row({
        'cognito:username': 'old',
        email: 'old@example.com',
        email_verified: 'true',
        'cognito:mfa_enabled': 'false',
      }),
      row({
        'cognito:username': 'unverified',
        email: 'u@example.com',
        email_verified: 'false',
        'cognito:mfa_enabled': 'false',
      }),
      row({ 'cognito:username': 'mfa', email: 'm@example.com', email_verified: 'true', 'cognito:mfa_enabled': 'true' }),
      row({
        'cognito:username': 'bday',
        email: 'b@example.com',
        email_verified: 'true',
        birthdate: '2000-01-01',
        'cognito:mfa_enabled': 'false',
      }),
    ].join('\n');
    const job = (
      await client.send(
        new CreateUserImportJobCommand({
          UserPoolId,
          JobName: 'j',
          CloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/r',
        }),
      )
    ).UserImportJob!;
    await expect(client.send(new StartUserImportJobCommand({ UserPoolId, JobId: job.JobId }))).rejects.toMatchObject({
      name: 'PreconditionNotMetException',
    });
    model.upload(job.PreSignedUrl!, Buffer.from(csv));
    await client.send(new StartUserImportJobCommand({ UserPoolId, JobId: job.JobId }));
    const done = (await client.send(new DescribeUserImportJobCommand({ UserPoolId, JobId: job.JobId }))).UserImportJob!;
    expect(done).toMatchObject({ Status: 'Succeeded', ImportedUsers: 1, SkippedUsers: 1, FailedUsers: 3 });
    expect(pool.users.get('new')!.UserStatus).toBe('RESET_REQUIRED');
    const late = (
      await client.send(
        new CreateUserImportJobCommand({
          UserPoolId,
          JobName: 'k',
          CloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/r',
        }),
      )
    ).UserImportJob!;
    clock.advance(15 * 60_000);
    expect(() => model.upload(late.PreSignedUrl!, Buffer.from(csv))).toThrow(/expired/);
  });
});

describe('quotas and faults', () => {
  test('a category over its rate answers TooManyRequestsException; the bucket refills with the clock', async () => {
    const clock = new VirtualClock();
    const { model, client, pool } = region({ clock, quotas: { UserRead: 2 } });
    pool.put({ Username: 'ann', Attributes: {} });
    const get = () => client.send(new AdminGetUserCommand({ UserPoolId, Username: 'ann' }));
    await get();
    await get();
    await expect(get()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(model.throttled).toBe(1);
    clock.advance(500);
    await get();
    expect(model.log.map((c) => c.result)).toEqual(['ok', 'ok', 'throttled', 'ok']);
  });

  test('failNext answers with the given error; throttleShare throttles the chosen operations', async () => {
    const { model, client, pool } = region();
    pool.put({ Username: 'ann', Attributes: {} });
    model.failNext = (op) =>
      op === 'AdminGetUser'
        ? new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } })
        : undefined;
    await expect(client.send(new AdminGetUserCommand({ UserPoolId, Username: 'ann' }))).rejects.toMatchObject({
      name: 'InternalErrorException',
      $fault: 'server',
    });
    model.failNext = undefined;
    model.faults = { throttleShare: 1, throttleOps: ['ListUsers'] };
    await client.send(new AdminGetUserCommand({ UserPoolId, Username: 'ann' }));
    await expect(client.send(new ListUsersCommand({ UserPoolId }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
    expect(model.throttledBy).toEqual({ ListUsers: 1 });
  });
});

describe('user API and the PostConfirmation trigger', () => {
  test('sign-up, confirmation with the sent code (the e-mail becomes verified, the trigger sees it), sign-in, self-service edit', async () => {
    const { model, client } = region();
    const p = model.addPool({ id: 'us-east-1_Users', usernameAttributes: ['email'] });
    const { UserPoolClient } = await client.send(
      new CreateUserPoolClientCommand({ UserPoolId: p.options.id, ClientName: 'app' }),
    );
    const ClientId = UserPoolClient!.ClientId!;
    const events: Record<string, any>[] = [];
    model.trigger = async (_pool, name, event) => {
      events.push({ name, ...event });
      return event;
    };
    const Password = 'Local-Passw0rd!';
    const s = await client.send(
      new SignUpCommand({
        ClientId,
        Username: 'dee@example.com',
        Password,
        UserAttributes: [{ Name: 'email', Value: 'dee@example.com' }],
      }),
    );
    expect(s).toMatchObject({
      UserConfirmed: false,
      CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', Destination: 'd***@e***' },
    });
    await expect(
      client.send(
        new InitiateAuthCommand({
          ClientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'dee@example.com', PASSWORD: Password },
        }),
      ),
    ).rejects.toMatchObject({ name: 'UserNotConfirmedException' });
    await expect(
      client.send(new ConfirmSignUpCommand({ ClientId, Username: 'dee@example.com', ConfirmationCode: '000000x' })),
    ).rejects.toMatchObject({ name: 'CodeMismatchException' });
    const code = model.outbox.find((m) => m.kind === 'signup' && m.username === s.UserSub)!.code;
    await client.send(new ConfirmSignUpCommand({ ClientId, Username: 'dee@example.com', ConfirmationCode: code }));
    expect(events).toMatchObject([
      {
        name: 'PostConfirmation',
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        userName: s.UserSub,
        callerContext: { clientId: ClientId },
        request: { userAttributes: { email_verified: 'true', 'cognito:user_status': 'CONFIRMED' } },
      },
    ]);
    const auth = await client.send(
      new InitiateAuthCommand({
        ClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'dee@example.com', PASSWORD: Password },
      }),
    );
    await client.send(
      new UpdateUserAttributesCommand({
        AccessToken: auth.AuthenticationResult!.AccessToken,
        UserAttributes: [{ Name: 'given_name', Value: 'Dee' }],
      }),
    );
    expect(p.users.get(s.UserSub!)!.Attributes.given_name).toBe('Dee');
    await expect(
      client.send(new UpdateUserAttributesCommand({ AccessToken: 'a.b.c', UserAttributes: [] })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await expect(
      client.send(
        new InitiateAuthCommand({
          ClientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'dee@example.com', PASSWORD: 'wrong' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  test('a failing trigger fails AdminConfirmSignUp; the user stays confirmed', async () => {
    const { model, client, pool } = region();
    pool.put({ Username: 'eve', Attributes: { email: 'eve@example.com' }, UserStatus: 'UNCONFIRMED' });
    model.trigger = async () => {
      throw new ModelError('UserLambdaValidationException', 'PostConfirmation failed with error boom.');
    };
    await expect(client.send(new AdminConfirmSignUpCommand({ UserPoolId, Username: 'eve' }))).rejects.toMatchObject({
      name: 'UserLambdaValidationException',
    });
    expect(pool.users.get('eve')!.UserStatus).toBe('CONFIRMED');
  });
});
