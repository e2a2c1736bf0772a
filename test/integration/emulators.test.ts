/**
 * The local emulator layer over HTTP: the Cognito model behind its JSON-protocol endpoint (every
 * documented rule the suite relies on), fault injection, the Lambda endpoint, the SQS poller,
 * stop/restart/crash. No timing assertions: waits are bounded by generous timeouts only.
 */
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  CreateGroupCommand,
  CreateUserImportJobCommand,
  DescribeUserImportJobCommand,
  DescribeUserPoolCommand,
  GetCSVHeaderCommand,
  ListGroupsCommand,
  ListUserImportJobsCommand,
  ListUsersCommand,
  type ListUsersCommandInput,
  ListUsersInGroupCommand,
  SignUpCommand,
  StartUserImportJobCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { PostConfirmationTriggerEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CognitoCallEvent } from '../../scripts/local/cognito-shim';
import { startSqsPoller } from '../../scripts/local/poller';
import { createQueuePair, queueDepth } from '../../scripts/local/sqs';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);

const events: PostConfirmationTriggerEvent[] = [];
let triggerFails = false;
const emu = useEmulators({
  triggers: { primary: { PostConfirmation: 'sync-trigger' } },
  registry: {
    'sync-trigger': async (event: PostConfirmationTriggerEvent) => {
      events.push(event);
      if (triggerFails) throw new Error('trigger broke');
      return event;
    },
  },
});

let n = 0;
const email = (tag: string) => `user${++n}.${tag}@example.com`;
const PASSWORD = 'Local-Passw0rd!';

async function createUser(
  client: CognitoIdentityProviderClient,
  poolId: string,
  address: string,
  extra: { Name: string; Value: string }[] = [],
): Promise<UserType> {
  const r = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: address,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        ...[
          { Name: 'email', Value: address },
          { Name: 'email_verified', Value: 'true' },
        ].filter((d) => !extra.some((x) => x.Name === d.Name)),
        ...extra,
      ],
    }),
  );
  return r.User!;
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; message: string; code?: string };
  }
  throw new Error('expected the call to fail');
}

async function listAll(
  client: CognitoIdentityProviderClient,
  input: ListUsersCommandInput,
): Promise<{ users: UserType[]; pages: number[] }> {
  const users: UserType[] = [];
  const pages: number[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(new ListUsersCommand({ ...input, PaginationToken: token }));
    users.push(...(r.Users ?? []));
    pages.push(r.Users?.length ?? 0);
    token = r.PaginationToken;
  } while (token);
  return { users, pages };
}

async function until<T>(f: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('drill pools', () => {
  test('are configured like real ones, in their own Regions', async () => {
    const { primaryClient, standbyClient, pools } = emu();
    expect(pools.primary.poolId).toMatch(/^us-east-1_[0-9A-Za-z]{9}$/);
    expect(pools.standby.poolId).toMatch(/^us-west-2_[0-9A-Za-z]{9}$/);
    const d = (await standbyClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.standby.poolId }))).UserPool!;
    expect(d.UsernameAttributes).toEqual(['email']);
    expect(d.Arn).toBe(`arn:aws:cognito-idp:us-west-2:000000000000:userpool/${pools.standby.poolId}`);
    const custom = d.SchemaAttributes!.filter((a) => a.Name!.startsWith('custom:')).map((a) => a.Name);
    expect(custom).toEqual(expect.arrayContaining(['custom:tier', 'custom:source_sub', 'custom:source_mfa']));
    expect(d.SchemaAttributes!.find((a) => a.Name === 'custom:source_sub')).toMatchObject({
      AttributeDataType: 'String',
      Mutable: true,
    });
    expect(d.Policies?.PasswordPolicy).toMatchObject({ MinimumLength: 12, RequireSymbols: true });
    expect(d.AccountRecoverySetting?.RecoveryMechanisms).toEqual([{ Name: 'verified_email', Priority: 1 }]);
    expect(d.MfaConfiguration).toBe('OPTIONAL');
    const p = (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.primary.poolId }))).UserPool!;
    expect(p.AliasAttributes).toBeUndefined();
    expect(p.UserPoolTier).toBe('ESSENTIALS');
  });

  test('AdminCreateUser refuses attributes outside the schema and sub; passwords follow the policy', async () => {
    const { primaryClient, pools } = emu();
    const e1 = await errorOf(
      createUser(primaryClient, pools.primary.poolId, email('schema'), [{ Name: 'custom:nope', Value: 'x' }]),
    );
    expect(e1.name).toBe('InvalidParameterException');
    const e2 = await errorOf(
      createUser(primaryClient, pools.primary.poolId, email('sub'), [{ Name: 'sub', Value: 'x' }]),
    );
    expect(e2.name).toBe('InvalidParameterException');
    const u = await createUser(primaryClient, pools.primary.poolId, email('pw'));
    expect(u.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    const weak = await errorOf(
      primaryClient.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: pools.primary.poolId,
          Username: u.Username,
          Password: 'short',
          Permanent: true,
        }),
      ),
    );
    expect(weak.name).toBe('InvalidPasswordException');
    await primaryClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pools.primary.poolId,
        Username: u.Username,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    const g = await primaryClient.send(
      new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: u.Username }),
    );
    expect(g.UserStatus).toBe('CONFIRMED');
  });

  test('pools with plain usernames keep them; phone-number pools generate one', async () => {
    const { primaryClient } = emu();
    const { createDrillPool } = await import('../../scripts/local/pools');
    const plain = await createDrillPool(primaryClient, { name: 'plain', usernameMode: 'username' });
    const d = (await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: plain.poolId }))).UserPool!;
    expect(d.UsernameAttributes).toBeUndefined();
    const u = await createUser(primaryClient, plain.poolId, 'alice');
    expect(u.Username).toBe('alice');
    const phone = await createDrillPool(primaryClient, { name: 'phone', usernameMode: 'phone' });
    const p = await primaryClient.send(
      new AdminCreateUserCommand({ UserPoolId: phone.poolId, Username: '+15555550123', MessageAction: 'SUPPRESS' }),
    );
    expect(p.User!.Username).toMatch(/^[0-9a-f-]{36}$/);
    const g = await primaryClient.send(new AdminGetUserCommand({ UserPoolId: phone.poolId, Username: '+15555550123' }));
    expect(g.Username).toBe(p.User!.Username);
    const dup = await errorOf(
      primaryClient.send(
        new AdminCreateUserCommand({ UserPoolId: phone.poolId, Username: '+15555550123', MessageAction: 'SUPPRESS' }),
      ),
    );
    expect(dup.name).toBe('UsernameExistsException');
  });

  test('an admin can set email_verified alone', async () => {
    const { primaryClient, pools } = emu();
    const address = email('verify');
    const u = await createUser(primaryClient, pools.primary.poolId, address);
    await primaryClient.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: pools.primary.poolId,
        Username: u.Username,
        UserAttributes: [{ Name: 'email_verified', Value: 'false' }],
      }),
    );
    const g = await primaryClient.send(
      new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: u.Username }),
    );
    expect(g.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email', Value: address },
        { Name: 'email_verified', Value: 'false' },
      ]),
    );
  });
});

describe('MFA preferences', () => {
  test('AdminSetUserMFAPreference shows in AdminGetUser and is forgotten with the user', async () => {
    const { standbyClient, pools } = emu();
    const poolId = pools.standby.poolId;
    const address = email('mfa');
    const u = await createUser(standbyClient, poolId, address, [
      { Name: 'phone_number', Value: '+15555550100' },
      { Name: 'phone_number_verified', Value: 'true' },
    ]);
    const get = () => standbyClient.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: address }));
    expect((await get()).UserMFASettingList).toBeUndefined();

    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: poolId,
        Username: address,
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    let g = await get();
    expect(g.UserMFASettingList).toEqual(['SMS_MFA']);
    expect(g.PreferredMfaSetting).toBe('SMS_MFA');

    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: poolId,
        Username: u.Username,
        EmailMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    g = await get();
    expect(g.UserMFASettingList).toEqual(['SMS_MFA', 'EMAIL_OTP']);
    expect(g.PreferredMfaSetting).toBe('EMAIL_OTP');

    // TOTP enrolment is accepted as is (AssociateSoftwareToken cannot work locally).
    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: poolId,
        Username: address,
        SoftwareTokenMfaSettings: { Enabled: true },
      }),
    );
    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: poolId,
        Username: address,
        EmailMfaSettings: { Enabled: false },
      }),
    );
    g = await get();
    expect(g.UserMFASettingList).toEqual(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    expect(g.PreferredMfaSetting).toBeUndefined();

    const noPhone = await createUser(standbyClient, poolId, email('mfa-nophone'));
    const e = await errorOf(
      standbyClient.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: poolId,
          Username: noPhone.Username,
          SMSMfaSettings: { Enabled: true },
        }),
      ),
    );
    expect(e.name).toBe('InvalidParameterException');
    const missing = await errorOf(
      standbyClient.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: poolId,
          Username: 'nobody@example.com',
          SMSMfaSettings: { Enabled: true },
        }),
      ),
    );
    expect(missing.name).toBe('UserNotFoundException');

    await standbyClient.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: address }));
    await createUser(standbyClient, poolId, address, [{ Name: 'phone_number', Value: '+15555550100' }]);
    expect((await get()).UserMFASettingList).toBeUndefined();
  });
});

describe('password reset', () => {
  test('AdminResetUserPassword sets RESET_REQUIRED and records a code in the outbox', async () => {
    const { primary, primaryClient, pools } = emu();
    const poolId = pools.primary.poolId;
    const missing = await errorOf(
      primaryClient.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: 'ghost@example.com' })),
    );
    expect(missing.name).toBe('UserNotFoundException');

    const u = await createUser(primaryClient, poolId, email('reset'));
    const early = await errorOf(
      primaryClient.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: u.Username })),
    );
    expect(early.name).toBe('NotAuthorizedException'); // FORCE_CHANGE_PASSWORD cannot be reset

    await primaryClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: u.Username,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    await primary.shim.outbox({ clear: true });
    await primaryClient.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: u.Username }));
    const g = await primaryClient.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: u.Username }));
    expect(g.UserStatus).toBe('RESET_REQUIRED');
    const outbox = (await (await fetch(`${primary.endpoint}/_shim/outbox`)).json()) as {
      poolId: string;
      username: string;
      kind: string;
      medium: string;
    }[];
    expect(outbox).toEqual([expect.objectContaining({ poolId, username: u.Username, kind: 'reset', medium: 'EMAIL' })]);

    const unverified = await createUser(primaryClient, poolId, email('unverified'), [
      { Name: 'email_verified', Value: 'false' },
    ]);
    await primaryClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: unverified.Username,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    const noChannel = await errorOf(
      primaryClient.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: unverified.Username })),
    );
    expect(noChannel.name).toBe('InvalidParameterException');
  });

  test('a user status can be forced through the shim', async () => {
    const { primary, primaryClient, pools } = emu();
    const u = await createUser(primaryClient, pools.primary.poolId, email('status'));
    const r = await fetch(`${primary.endpoint}/_shim/user-status`, {
      method: 'POST',
      body: JSON.stringify({ UserPoolId: pools.primary.poolId, Username: u.Username, UserStatus: 'EXTERNAL_PROVIDER' }),
    });
    expect(r.status).toBe(200);
    const g = await primaryClient.send(
      new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: u.Username }),
    );
    expect(g.UserStatus).toBe('EXTERNAL_PROVIDER');
  });
});

describe('list pagination', () => {
  let poolId: string;
  beforeAll(async () => {
    const { standby } = emu();
    // A pool of its own with 130 users, created through the API in parallel batches.
    const { createDrillPool } = await import('../../scripts/local/pools');
    const client = standby.client();
    poolId = (await createDrillPool(client, { name: 'paging' })).poolId;
    for (let i = 0; i < 130; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          createUser(client, poolId, `page${String(i + j).padStart(3, '0')}@example.com`),
        ),
      );
    }
    const first = (
      await client.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "page007@example.com"' }))
    ).Users![0];
    await client.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: first.Username }));
  });

  test('ListUsers pages by Limit 60 with an opaque token and covers every user once', async () => {
    const { standbyClient } = emu();
    const { users, pages } = await listAll(standbyClient, { UserPoolId: poolId, Limit: 60 });
    expect(pages).toEqual([60, 60, 10]);
    expect(new Set(users.map((u) => u.Username)).size).toBe(130);
    const noLimit = await standbyClient.send(new ListUsersCommand({ UserPoolId: poolId }));
    expect(noLimit.Users).toHaveLength(60);
    const tooMany = await errorOf(standbyClient.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 61 })));
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  test('filters follow the real grammar; tokens are tied to their parameters', async () => {
    const { standby, standbyClient } = emu();
    const one = await standbyClient.send(
      new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "page042@example.com"' }),
    );
    expect(one.Users).toHaveLength(1);
    const prefix = await listAll(standbyClient, { UserPoolId: poolId, Filter: 'email ^= "page1"', Limit: 7 });
    expect(prefix.users).toHaveLength(30);
    const shards = await Promise.all(
      '0123456789abcdef'
        .split('')
        .map((h) => listAll(standbyClient, { UserPoolId: poolId, Filter: `sub ^= "${h}"`, Limit: 60 })),
    );
    expect(shards.reduce((s, r) => s + r.users.length, 0)).toBe(130);
    const disabled = await standbyClient.send(
      new ListUsersCommand({ UserPoolId: poolId, Filter: 'status = "Disabled"' }),
    );
    expect(disabled.Users).toHaveLength(1);
    const statusFilter = await listAll(standbyClient, {
      UserPoolId: poolId,
      Filter: 'cognito:user_status = "force_change_password"',
    });
    expect(statusFilter.users).toHaveLength(130);
    const custom = await errorOf(
      standbyClient.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'custom:tier = "x"' })),
    );
    expect(custom.name).toBe('InvalidParameterException');

    const first = await standbyClient.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 5 }));
    const other = await errorOf(
      standbyClient.send(
        new ListUsersCommand({
          UserPoolId: poolId,
          Limit: 5,
          Filter: 'email ^= "page"',
          PaginationToken: first.PaginationToken,
        }),
      ),
    );
    expect(other.name).toBe('InvalidParameterException');
    standby.shim.expirePaginationTokens();
    const expired = await errorOf(
      standbyClient.send(
        new ListUsersCommand({ UserPoolId: poolId, Limit: 5, PaginationToken: first.PaginationToken }),
      ),
    );
    expect(expired.name).toBe('InvalidParameterException');
  });

  test('short pages still cover everything; AttributesToGet trims attributes', async () => {
    const { standby, standbyClient } = emu();
    standby.shim.faults = { shortPages: true, seed: 7 };
    try {
      const { users, pages } = await listAll(standbyClient, {
        UserPoolId: poolId,
        Limit: 60,
        AttributesToGet: ['email'],
      });
      expect(new Set(users.map((u) => u.Username)).size).toBe(130);
      expect(pages.length).toBeGreaterThan(3);
      expect(users.every((u) => u.Attributes!.length === 1 && u.Attributes![0].Name === 'email')).toBe(true);
    } finally {
      standby.shim.faults = {};
    }
  });

  test('groups: ListUsersInGroup, ListGroups and AdminListGroupsForUser page; duplicates are refused', async () => {
    const { standbyClient } = emu();
    for (let g = 0; g < 3; g++)
      await standbyClient.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: `group-${g}` }));
    const dup = await errorOf(standbyClient.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'group-0' })));
    expect(dup.name).toBe('GroupExistsException');
    const { users } = await listAll(standbyClient, { UserPoolId: poolId, Filter: 'email ^= "page0"' });
    for (const u of users)
      await standbyClient.send(
        new AdminAddUserToGroupCommand({ UserPoolId: poolId, GroupName: 'group-0', Username: u.Username }),
      );
    const members: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const r = await standbyClient.send(
        new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'group-0', Limit: 60, NextToken: token }),
      );
      members.push(...r.Users!.map((u) => u.Username!));
      token = r.NextToken;
      calls++;
    } while (token);
    expect(members).toHaveLength(100);
    expect(calls).toBe(2);
    const groups = await standbyClient.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2 }));
    expect(groups.Groups).toHaveLength(2);
    expect(groups.NextToken).toBeDefined();
    // by e-mail alias, not only by username
    const forUser = await standbyClient.send(
      new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'page001@example.com' }),
    );
    expect(forUser.Groups!.map((g) => g.GroupName)).toEqual(['group-0']);
  });
});

describe('CSV import jobs', () => {
  test('header, upload, start, counts, RESET_REQUIRED users and a per-line log', async () => {
    const { standby, standbyClient, pools } = emu();
    const poolId = pools.standby.poolId;
    const existing = email('import-existing');
    await createUser(standbyClient, poolId, existing);
    const header = (await standbyClient.send(new GetCSVHeaderCommand({ UserPoolId: poolId }))).CSVHeader!;
    expect(header).toEqual(
      expect.arrayContaining([
        'cognito:username',
        'cognito:mfa_enabled',
        'email',
        'email_verified',
        'custom:tier',
        'custom:source_sub',
      ]),
    );
    expect(header).not.toContain('sub');

    const rows = [
      {
        'cognito:username': 'imp-a@example.com',
        email: 'imp-a@example.com',
        email_verified: 'TRUE',
        'custom:tier': 'gold',
        'cognito:mfa_enabled': 'FALSE',
      },
      {
        'cognito:username': 'imp-b@example.com',
        email: 'imp-b@example.com',
        email_verified: 'true',
        'custom:tier': 'a\\,b',
        'cognito:mfa_enabled': 'false',
      },
      { 'cognito:username': existing, email: existing, email_verified: 'true', 'cognito:mfa_enabled': 'false' },
      {
        'cognito:username': 'imp-c@example.com',
        email: 'imp-c@example.com',
        email_verified: 'false',
        'cognito:mfa_enabled': 'false',
      },
    ];
    const csv = [
      header.join(','),
      ...rows.map((r) => header.map((h) => (r as Record<string, string>)[h] ?? '').join(',')),
    ].join('\n');

    const job = (
      await standbyClient.send(
        new CreateUserImportJobCommand({
          UserPoolId: poolId,
          JobName: 'drill-import',
          CloudWatchLogsRoleArn: 'arn:aws:iam::000000000000:role/import',
        }),
      )
    ).UserImportJob!;
    expect(job.Status).toBe('Created');
    expect(job.PreSignedUrl).toContain(standby.endpoint);
    const put = await fetch(job.PreSignedUrl!, {
      method: 'PUT',
      body: csv,
      headers: { 'x-amz-server-side-encryption': 'aws:kms' },
    });
    expect(put.status).toBe(200);
    await standbyClient.send(new StartUserImportJobCommand({ UserPoolId: poolId, JobId: job.JobId }));
    const done = await until(async () => {
      const j = (await standbyClient.send(new DescribeUserImportJobCommand({ UserPoolId: poolId, JobId: job.JobId })))
        .UserImportJob!;
      return ['Succeeded', 'Failed', 'Stopped'].includes(j.Status!) ? j : undefined;
    }, 'the import job');
    expect(done).toMatchObject({ Status: 'Succeeded', ImportedUsers: 2, SkippedUsers: 1, FailedUsers: 1 });

    const a = await standbyClient.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'imp-a@example.com' }));
    expect(a.UserStatus).toBe('RESET_REQUIRED');
    expect(a.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'custom:tier', Value: 'gold' },
        { Name: 'email_verified', Value: 'true' },
      ]),
    );
    const b = await standbyClient.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'imp-b@example.com' }));
    expect(b.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'custom:tier', Value: 'a,b' }]));

    const log = (await (await fetch(`${standby.endpoint}/_shim/import/${job.JobId}/log`)).json()) as string[];
    expect(log).toEqual([
      '[SUCCEEDED] Line Number 2 - The import succeeded.',
      '[SUCCEEDED] Line Number 3 - The import succeeded.',
      '[SKIPPED] Line Number 4 - The user already exists.',
      expect.stringMatching(/^\[FAILED\] Line Number 5 - /),
    ]);
    const listed = await standbyClient.send(new ListUserImportJobsCommand({ UserPoolId: poolId, MaxResults: 10 }));
    expect(listed.UserImportJobs!.map((j) => j.JobId)).toContain(job.JobId);
    const again = await errorOf(
      standbyClient.send(new StartUserImportJobCommand({ UserPoolId: poolId, JobId: job.JobId })),
    );
    expect(again.name).toBe('PreconditionNotMetException');
  });
});

describe('fault injection and call counters', () => {
  test('throttling, per operation, set in process or over HTTP', async () => {
    const { primary, primaryClient, pools } = emu();
    primary.shim.faults = { throttleShare: 1, throttleOps: ['AdminGetUser'] };
    try {
      const e = await errorOf(
        primaryClient.send(new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: 'x@example.com' })),
      );
      expect(e.name).toBe('TooManyRequestsException');
      await primaryClient.send(new ListUsersCommand({ UserPoolId: pools.primary.poolId, Limit: 1 })); // not throttled
    } finally {
      primary.shim.faults = {};
    }
    const set = await fetch(`${primary.endpoint}/_shim/faults`, {
      method: 'POST',
      body: JSON.stringify({ throttleShare: 0.5, seed: 42 }),
    });
    expect(await set.json()).toEqual({ throttleShare: 0.5, seed: 42 });
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      outcomes.push(
        await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.primary.poolId })).then(
          () => 'ok',
          (err: Error) => err.name,
        ),
      );
    }
    await fetch(`${primary.endpoint}/_shim/faults`, { method: 'POST', body: '{}' });
    expect(new Set(outcomes)).toEqual(new Set(['ok', 'TooManyRequestsException']));
  });

  test('unreachable endpoint, then back', async () => {
    const { primary, primaryClient, pools } = emu();
    primary.shim.faults = { unreachable: true };
    const e = await errorOf(primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.primary.poolId })));
    expect(e.name).not.toMatch(/Exception$/); // a network error, not an API answer
    const stillControllable = await fetch(`${primary.endpoint}/_shim/faults`);
    expect(stillControllable.status).toBe(200);
    primary.shim.faults = { latencyMs: 5 };
    await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.primary.poolId }));
    primary.shim.faults = {};
  });

  test('counts calls per operation, so a test can assert zero writes', async () => {
    const { primary, primaryClient, pools } = emu();
    primary.shim.resetCalls();
    await primaryClient.send(new ListUsersCommand({ UserPoolId: pools.primary.poolId, Limit: 10 }));
    await primaryClient.send(new DescribeUserPoolCommand({ UserPoolId: pools.primary.poolId }));
    expect(primary.shim.writeCalls()).toBe(0);
    await createUser(primaryClient, pools.primary.poolId, email('count'));
    const calls = (await (await fetch(`${primary.endpoint}/_shim/calls`)).json()) as Record<string, number>;
    expect(calls).toEqual({ ListUsers: 1, DescribeUserPool: 1, AdminCreateUser: 1 });
    expect(primary.shim.writeCalls()).toBe(1);
  });

  test('reports successful mutating calls to listeners', async () => {
    const { primary, primaryClient, pools } = emu();
    const seen: CognitoCallEvent[] = [];
    const off = primary.shim.onCall((ev) => seen.push(ev));
    const u = await createUser(primaryClient, pools.primary.poolId, email('listener'));
    await primaryClient.send(new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: u.Username }));
    await errorOf(
      primaryClient.send(
        new AdminDeleteUserCommand({ UserPoolId: pools.primary.poolId, Username: 'ghost@example.com' }),
      ),
    );
    off();
    expect(seen.map((s) => s.operation)).toEqual(['AdminCreateUser']);
    expect(seen[0]).toMatchObject({
      region: 'us-east-1',
      request: { UserPoolId: pools.primary.poolId },
      response: { User: { Username: u.Username } },
    });
  });
});

describe('PostConfirmation through the Lambda endpoint', () => {
  test('ConfirmSignUp and AdminConfirmSignUp invoke the trigger with a Cognito-shaped event', async () => {
    const { primary, primaryClient, pools } = emu();
    events.length = 0;
    const address = email('signup');
    const signUp = await primaryClient.send(
      new SignUpCommand({
        ClientId: pools.primary.clientId,
        Username: address,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: address }],
      }),
    );
    expect(signUp.UserConfirmed).toBe(false);
    const code = (await primary.shim.outbox())
      .filter((m) => m.kind === 'signup' && m.username === signUp.UserSub)
      .pop()?.code;
    expect(code).toMatch(/^\d{6}$/);
    await primaryClient.send(
      new ConfirmSignUpCommand({ ClientId: pools.primary.clientId, Username: address, ConfirmationCode: code }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      version: '1',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      region: 'us-east-1',
      userPoolId: pools.primary.poolId,
      userName: signUp.UserSub,
      callerContext: { clientId: pools.primary.clientId },
      // Confirming the e-mailed code verifies the address, as Cognito does.
      request: {
        userAttributes: {
          sub: signUp.UserSub,
          email: address,
          email_verified: 'true',
          'cognito:user_status': 'CONFIRMED',
        },
      },
      response: {},
    });

    const second = email('admin-confirm');
    const s2 = await primaryClient.send(
      new SignUpCommand({
        ClientId: pools.primary.clientId,
        Username: second,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: second }],
      }),
    );
    await primaryClient.send(new AdminConfirmSignUpCommand({ UserPoolId: pools.primary.poolId, Username: second }));
    expect(events[1]).toMatchObject({ userName: s2.UserSub, callerContext: { clientId: 'CLIENT_ID_NOT_APPLICABLE' } });
  });

  test('a failing trigger fails the confirmation call, the user stays confirmed', async () => {
    const { primaryClient, pools } = emu();
    const address = email('trigger-fails');
    const s = await primaryClient.send(
      new SignUpCommand({
        ClientId: pools.primary.clientId,
        Username: address,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: address }],
      }),
    );
    triggerFails = true;
    try {
      const e = await errorOf(
        primaryClient.send(new AdminConfirmSignUpCommand({ UserPoolId: pools.primary.poolId, Username: address })),
      );
      expect(e.name).toBe('UserLambdaValidationException');
    } finally {
      triggerFails = false;
    }
    const g = await primaryClient.send(
      new AdminGetUserCommand({ UserPoolId: pools.primary.poolId, Username: s.UserSub }),
    );
    expect(g.UserStatus).toBe('CONFIRMED');
  });
});

describe('SQS emulator and poller', () => {
  test('the poller honours batchItemFailures, retries come back with a higher receive count', async () => {
    const { sqsClient } = emu();
    const q = await createQueuePair(sqsClient, 'poller-partial', { maxReceiveCount: 5, visibilityTimeout: 1 });
    await sqsClient.send(
      new SendMessageBatchCommand({
        QueueUrl: q.queueUrl,
        Entries: ['a', 'b', 'c', 'd'].map((id) => ({ Id: id, MessageBody: JSON.stringify({ id }) })),
      }),
    );
    const seen: { id: string; count: number }[] = [];
    let sample: SQSEvent['Records'][number] | undefined;
    const poller = startSqsPoller({
      client: sqsClient,
      queueUrl: q.queueUrl,
      handler: async (event): Promise<SQSBatchResponse> => {
        sample ??= event.Records[0];
        const failures = [];
        for (const r of event.Records) {
          const { id } = JSON.parse(r.body) as { id: string };
          const count = Number(r.attributes.ApproximateReceiveCount);
          seen.push({ id, count });
          if (id === 'b' && count < 2) failures.push({ itemIdentifier: r.messageId });
        }
        return { batchItemFailures: failures };
      },
    });
    try {
      await poller.drained(200, 60_000);
    } finally {
      await poller.stop();
    }
    expect(seen.filter((s) => s.id === 'b').map((s) => s.count)).toEqual([1, 2]);
    expect(seen.filter((s) => s.id !== 'b').every((s) => s.count === 1)).toBe(true);
    expect(poller.stats).toMatchObject({ messages: 5, deleted: 4, failures: 1, handlerErrors: 0 });
    expect(sample).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: q.queueArn, awsRegion: 'us-east-1' });
    expect(sample?.receiptHandle).toBeTruthy();
    expect(await queueDepth(sqsClient, q.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  test('a throwing handler leaves the batch; after maxReceiveCount the message is in the DLQ', async () => {
    const { sqsClient } = emu();
    const q = await createQueuePair(sqsClient, 'poller-poison', { maxReceiveCount: 2, visibilityTimeout: 1 });
    await sqsClient.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'poison' }));
    const poller = startSqsPoller({
      client: sqsClient,
      queueUrl: q.queueUrl,
      handler: async () => {
        throw new Error('boom');
      },
    });
    try {
      await until(
        async () => ((await queueDepth(sqsClient, q.dlqUrl)).visible === 1 ? true : undefined),
        'the DLQ',
        60_000,
      );
    } finally {
      await poller.stop();
    }
    expect(poller.stats.handlerErrors).toBe(2);
    expect(poller.stats.deleted).toBe(0);
  });

  test('ChangeMessageVisibility does not count as a receive', async () => {
    const { sqs, sqsClient } = emu();
    expect(sqs.quirks.receiveCountFixed).toBe(true);
    const q = await createQueuePair(sqsClient, 'visibility', { visibilityTimeout: 30 });
    await sqsClient.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'x' }));
    const r1 = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, AttributeNames: ['All'] }));
    await sqsClient.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: q.queueUrl,
        ReceiptHandle: r1.Messages![0].ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const r2 = await until(async () => {
      const r = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, AttributeNames: ['All'] }));
      return r.Messages?.length ? r : undefined;
    }, 'the message again');
    expect(r2.Messages![0].Attributes?.ApproximateReceiveCount).toBe('2');
  });

  test('SQS can be made unreachable', async () => {
    const { sqs, sqsClient } = emu();
    const q = await createQueuePair(sqsClient, 'unreachable');
    const before = sqs.calls.SendMessage ?? 0;
    sqs.faults = { unreachable: true };
    const e = await errorOf(sqsClient.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'x' })));
    expect(e.name).not.toBe('QueueDoesNotExist');
    sqs.faults = {};
    await sqsClient.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'x' }));
    expect(sqs.calls.SendMessage - before).toBe(2);
  });
});

describe('Region outage drill', () => {
  test('stop refuses connections; restart keeps users, MFA and the endpoint', async () => {
    const { standby, pools } = emu();
    const client = standby.client();
    const poolId = pools.standby.poolId;
    const address = email('outage');
    const u = await createUser(client, poolId, address, [{ Name: 'phone_number', Value: '+15555550101' }]);
    await client.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: poolId,
        Username: address,
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    const endpoint = standby.endpoint;

    await standby.stop();
    expect(standby.running).toBe(false);
    const down = await errorOf(client.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: address })));
    expect(down.name).not.toMatch(/Exception$/);

    await standby.restart();
    expect(standby.endpoint).toBe(endpoint);
    const g = await client.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: address }));
    expect(g).toMatchObject({ Username: u.Username, UserMFASettingList: ['SMS_MFA'], PreferredMfaSetting: 'SMS_MFA' });
  });

  test('a crash keeps every answered write; the shim resets connections meanwhile', async () => {
    const { standby, pools } = emu();
    const client = standby.client();
    const address = email('crash');
    await createUser(client, pools.standby.poolId, address);
    await standby.crash();
    const down = await errorOf(
      client.send(new AdminGetUserCommand({ UserPoolId: pools.standby.poolId, Username: address })),
    );
    expect(down.name).not.toMatch(/Exception$/);
    await standby.restart();
    const g = await client.send(new AdminGetUserCommand({ UserPoolId: pools.standby.poolId, Username: address }));
    expect(g.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
  });
});
