import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminGetUserCommand,
  AdminResetUserPasswordCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListUsersCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { toCognitoError } from '../../../src/cognito/errors';
import type { UserPage } from '../../../src/cognito/gateway';
import { cognitoGateway } from '../../../src/config/wiring';
import type { MfaState, PoolConfig, UserRecord } from '../../../src/core/types';
import { type FailoverOptions, runFailover } from '../../../src/failover/run';
import { scanUsers } from '../../../src/failover/scan';
import { failoverTimeEstimate, formatDuration } from '../../../src/failover/summary';
import { describeUserPoolAnswer, InstantClock, standbyPool, uniquePoolId } from '../helpers';

function users(): UserRecord[] {
  const u = (n: number, extra: Partial<UserRecord> = {}, attrs: Record<string, string> = {}): UserRecord => ({
    username: `user${n}`,
    attributes: {
      sub: `sub-${n}`,
      'custom:source_sub': `src-${n}`,
      'custom:source_mfa': 'NONE',
      email: `user${n}@example.com`,
      email_verified: 'true',
      ...attrs,
    },
    enabled: true,
    status: 'CONFIRMED',
    ...extra,
  });
  return [
    u(1),
    u(2, {}, { 'custom:source_mfa': 'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' }),
    u(3, {}, { email_verified: 'false', phone_number: '+15550003333', phone_number_verified: 'true' }),
    u(4, { enabled: false }),
    u(5, {}, { email_verified: 'false' }),
    u(6, { status: 'EXTERNAL_PROVIDER' }),
    u(7, { status: 'RESET_REQUIRED' }),
  ];
}

/**
 * The standby: pages of 3 users; every reset sets RESET_REQUIRED. AdminGetUser answers with the
 * user's MFA from `mfa` (none when not given), or throws what `readErrors` holds for the user.
 */
function standby(
  list = users(),
  pool: PoolConfig = standbyPool({
    poolId: 'us-west-2_P',
    region: 'us-west-2',
    accountRecovery: ['verified_email', 'verified_phone_number'],
  }),
) {
  const sent: string[] = [];
  const reads: string[] = [];
  const mfa = new Map<string, MfaState>();
  const readErrors = new Map<string, Error>();
  return {
    sent,
    list,
    reads,
    mfa,
    readErrors,
    describePool: async () => pool,
    getUser: async (username: string): Promise<UserRecord | undefined> => {
      reads.push(username);
      const error = readErrors.get(username);
      if (error) throw error;
      const u = list.find((x) => x.username === username);
      return u && { ...u, attributes: { ...u.attributes }, mfa: mfa.get(username) ?? { enabled: [] } };
    },
    listUsersPage: async (o: { nextToken?: string } = {}): Promise<UserPage> => {
      const start = Number(o.nextToken ?? 0);
      return {
        users: list.slice(start, start + 3).map((u) => ({ ...u })),
        nextToken: start + 3 < list.length ? String(start + 3) : undefined,
      };
    },
    resetPasswordAfter: async (username: string, before: () => Promise<void>) => {
      await before();
      sent.push(username);
      list.find((u) => u.username === username)!.status = 'RESET_REQUIRED';
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'failover-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function opts(extra: Partial<FailoverOptions> = {}): FailoverOptions {
  return {
    region: 'us-west-2',
    poolId: 'us-west-2_P',
    out: join(dir, 'm.csv'),
    format: 'csv',
    send: false,
    journal: join(dir, 'j.jsonl'),
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    ...extra,
  };
}

test('dry run: manifest and excluded list written 0600, nothing sent, no journal, summary without contacts', async () => {
  const s = standby();
  const confirm = jest.fn();
  const r = await runFailover(opts(), { standby: s, sender: s, sendRate: 24, confirm });
  expect(s.sent).toEqual([]);
  expect(confirm).not.toHaveBeenCalled();
  expect(existsSync(join(dir, 'j.jsonl'))).toBe(false);
  expect(statSync(r.files.manifest).mode & 0o777).toBe(0o600);
  expect(statSync(r.files.excluded).mode & 0o777).toBe(0o600);
  const manifest = readFileSync(r.files.manifest, 'utf8');
  expect(manifest).toContain('user1@example.com');
  expect(manifest).toContain('+15550003333');
  expect(readFileSync(r.files.excluded, 'utf8')).toMatch(
    /disabled[\s\S]*no-verified-contact|no-verified-contact[\s\S]*disabled/,
  );
  expect(r.counts.byAction).toEqual({ 'reset-password': 3, 'reset-password+re-enroll-totp': 1, none: 1 });
  expect(r.counts.byChannel).toEqual({ email: 4, sms: 1 }); // the federated user has a verified e-mail too
  expect(r.toSend).toBe(3);
  const text = r.summary.join('\n');
  expect(text).toMatch(/dry run: 3 resets to send at 24\.0\/s/);
  expect(text).not.toMatch(/@example\.com|5550003333/);
  expect(r.exitCode).toBe(0);
});

test('send: confirmed once, every eligible user sent once, rerun sends nothing', async () => {
  const s = standby();
  const confirm = jest.fn(async () => true);
  const r = await runFailover(opts({ send: true }), { standby: s, sender: s, sendRate: 24, confirm });
  expect(confirm).toHaveBeenCalledTimes(1);
  expect(confirm.mock.calls[0]).toEqual([expect.stringMatching(/Send 3 password-reset codes/)]);
  expect(s.sent.sort()).toEqual(['user1', 'user2', 'user3']);
  expect(r.send?.sent).toBe(3);
  expect(r.exitCode).toBe(0);
  const again = await runFailover(opts({ send: true }), { standby: s, sender: s, sendRate: 24, confirm });
  expect(confirm).toHaveBeenCalledTimes(1); // nothing to send: not asked
  expect(again.send?.sent).toBe(0);
  expect(again.send?.alreadySent).toBe(3);
  expect(s.sent).toHaveLength(3);
});

test('send declined: nothing sent, exit 1', async () => {
  const s = standby();
  const r = await runFailover(opts({ send: true }), {
    standby: s,
    sender: s,
    sendRate: 24,
    confirm: async () => false,
  });
  expect(s.sent).toEqual([]);
  expect(r.cancelled).toBe(true);
  expect(r.exitCode).toBe(1);
});

test('admin-only recovery: the manifest is written, nothing can be sent', async () => {
  const s = standby(users(), standbyPool({ poolId: 'us-west-2_P', accountRecovery: ['admin_only'] }));
  const r = await runFailover(opts({ send: true }), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
  expect(s.sent).toEqual([]);
  expect(r.exitCode).toBe(1);
  expect(r.summary.join('\n')).toMatch(/admin-only/);
});

test('the dry run reads an existing journal: already sent users are not counted again', async () => {
  const s = standby();
  await runFailover(opts({ send: true }), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
  const dry = await runFailover(opts(), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
  expect(dry.toSend).toBe(0);
  expect(dry.alreadySent).toBe(3);
});

test('scanUsers restarts when the pagination token expires, keeping each user once', async () => {
  const list = users();
  let calls = 0;
  const lister = {
    listUsersPage: async (o: { nextToken?: string } = {}): Promise<UserPage> => {
      calls++;
      // What the port throws for it (issue 11.5: the adapter types Cognito's InvalidParameterException).
      if (calls === 2)
        throw toCognitoError(
          'ListUsers',
          'us-east-1_Pool1',
          Object.assign(new Error('Invalid pagination token'), { name: 'InvalidParameterException' }),
        );
      const start = Number(o.nextToken ?? 0);
      return {
        users: list.slice(start, start + 3),
        nextToken: start + 3 < list.length ? String(start + 3) : undefined,
      };
    },
  };
  const seen = await scanUsers(lister);
  expect(seen.map((u) => u.username).sort()).toEqual(list.map((u) => u.username).sort());
  await expect(
    scanUsers({
      listUsersPage: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    }),
  ).rejects.toThrow('denied');
});

test.each([
  [0, '0s'],
  [45_000, '45s'],
  [125_000, '2m 05s'],
  [4_170_000, '1h 09m'],
])('formatDuration(%i) = %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

test('scanUsers lists the 16 sub-prefix shards in parallel and keeps what map returns', async () => {
  const list = users();
  const filters: (string | undefined)[] = [];
  const lister = {
    listUsersPage: async (o: { filter?: string } = {}): Promise<UserPage> => {
      filters.push(o.filter);
      const prefix = /sub \^= "(.)"/.exec(o.filter ?? '')?.[1];
      return { users: list.filter((u) => u.attributes.sub.replace('sub-', '').startsWith(prefix ?? '')) };
    },
  };
  const names = await scanUsers(lister, { map: (u) => u.username });
  expect(filters.sort()).toEqual('0123456789abcdef'.split('').map((c) => `sub ^= "${c}"`));
  expect(names.sort()).toEqual(list.map((u) => u.username).sort());
});

describe('issue 10.3: unknown MFA is read in the standby', () => {
  /** Replicas without a marker (a non-deep reconcile, an import job), and users that must not be read. */
  function unmarked(): UserRecord[] {
    const u = (n: number, extra: Partial<UserRecord> = {}, attrs: Record<string, string> = {}): UserRecord => ({
      username: `m${n}`,
      attributes: {
        sub: `sub-m${n}`,
        'custom:source_sub': `src-m${n}`,
        email: `m${n}@example.com`,
        email_verified: 'true',
        ...attrs,
      },
      enabled: true,
      status: 'CONFIRMED',
      ...extra,
    });
    return [
      u(1), // no MFA in the standby: sent by e-mail
      u(2, {}, { phone_number: '+15550002222', phone_number_verified: 'true' }), // SMS MFA in the standby: sent by e-mail, never by SMS
      u(3, {}, { email_verified: 'false', phone_number: '+15550003333', phone_number_verified: 'true' }), // SMS MFA, phone only: not sent
      u(4, {}, { phone_number: '+15550004444', phone_number_verified: 'true' }), // e-mail MFA: sent by SMS
      u(5, { enabled: false }), // disabled: not read
      u(6, { status: 'EXTERNAL_PROVIDER' }), // federated: not read
      u(7, { status: 'RESET_REQUIRED' }), // already reset: no code, not read
      u(8, {}, { email_verified: 'false' }), // nowhere to send: not read
      u(9), // deleted between the listing and the read
    ];
  }

  function world() {
    const pool = standbyPool({
      poolId: 'us-west-2_P',
      region: 'us-west-2',
      accountRecovery: ['verified_phone_number', 'verified_email'],
    });
    const s = standby(unmarked(), pool);
    s.mfa.set('m2', { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' });
    s.mfa.set('m3', { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' });
    s.mfa.set('m4', { enabled: ['EMAIL_OTP'], preferred: 'EMAIL_OTP' });
    const getUser = s.getUser;
    s.getUser = async (username) => (username === 'm9' ? (s.reads.push(username), undefined) : getUser(username));
    return s;
  }

  test('unknown MFA is read in the standby: classified with the MFA it has there, a code never goes to one of its factors', async () => {
    const s = world();
    const r = await runFailover(opts(), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
    // Only users that would otherwise be sent a code are read: not m5..m8.
    expect(s.reads.sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm9']);
    const rows = new Map(r.manifest.rows.map((row) => [row.username, row]));
    expect(rows.get('m1')).toEqual(
      expect.objectContaining({ channel: 'email', mfa: 'standby:NONE', action: 'reset-password', send: true }),
    );
    expect(rows.get('m2')).toEqual(
      expect.objectContaining({ channel: 'email', mfa: 'standby:SMS_MFA;SMS_MFA', send: true }),
    );
    expect(rows.get('m4')).toEqual(
      expect.objectContaining({ channel: 'sms', mfa: 'standby:EMAIL_OTP;EMAIL_OTP', send: true }),
    );
    for (const name of ['m1', 'm2', 'm4'])
      expect(rows.get(name)?.note).toMatch(/TOTP use in the primary unknown \(no marker\)/);
    expect(rows.get('m7')).toEqual(expect.objectContaining({ mfa: 'unknown', send: false }));
    const apart = new Map(r.manifest.excluded.map((x) => [x.username, x]));
    expect(apart.get('m3')?.reason).toBe('no-recovery-channel'); // its only contact is its SMS factor
    expect(apart.get('m9')?.reason).toBe('mfa-unknown');
    expect(apart.get('m9')?.detail).toMatch(/not found when read in the standby/);
    expect(r.reads).toEqual(expect.objectContaining({ toRead: 5, read: 4, notFound: 1, failed: [], notRead: 0 }));
    expect(r.toSend).toBe(3);
    const text = r.summary.join('\n');
    expect(text).toMatch(
      /4 replicas without an MFA marker read in the standby \(AdminGetUser: each read bills the user as a monthly active user of the standby\)/,
    );
    expect(text).toMatch(
      /MFA still unknown, listed apart \(mfa-unknown\): 1 \(0 read failed, 1 not found, 0 not read\)/,
    );
    expect(text).not.toMatch(/@example\.com|555000/);
    expect(r.exitCode).toBe(0); // a user gone since the listing is not a problem
  });

  test('unknown MFA is read in the standby: the dry run makes the reads --send makes, and counts what --send sends', async () => {
    const s = world();
    const dry = await runFailover(opts(), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
    const dryReads = [...s.reads].sort();
    s.reads.length = 0;
    const sent = await runFailover(opts({ send: true }), {
      standby: s,
      sender: s,
      sendRate: 24,
      confirm: async () => true,
    });
    expect([...s.reads].sort()).toEqual(dryReads);
    expect(sent.send?.sent).toBe(dry.toSend);
    expect(s.sent.sort()).toEqual(['m1', 'm2', 'm4']);
    expect(sent.summary.join('\n')).toMatch(/4 replicas without an MFA marker read in the standby/);
  });

  test('unknown MFA is read in the standby: a read that fails leaves the user apart with the error, and the run exits 1', async () => {
    const s = world();
    s.readErrors.set(
      'm2',
      Object.assign(new Error('We encountered an internal error. Please try again.'), {
        name: 'InternalErrorException',
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const r = await runFailover(opts({ send: true }), {
      standby: s,
      sender: s,
      sendRate: 24,
      confirm: async () => true,
    });
    expect(s.sent.sort()).toEqual(['m1', 'm4']);
    const m2 = r.manifest.excluded.find((x) => x.username === 'm2');
    expect(m2).toEqual(expect.objectContaining({ reason: 'mfa-unknown' }));
    expect(m2?.detail).toMatch(/its read in the standby failed \(InternalErrorException: /);
    expect(r.reads?.failed).toEqual([{ sub: 'sub-m2', error: expect.stringMatching(/^InternalErrorException/) }]);
    expect(r.summary.join('\n')).toMatch(/1 × InternalErrorException[^\n]*\n\s+subs: sub-m2/);
    expect(r.exitCode).toBe(1);
  });

  test('unknown MFA is read in the standby: reads stop after 25 failures in a row with the same error (a missing permission)', async () => {
    const many = Array.from(
      { length: 40 },
      (_, i): UserRecord => ({
        username: `n${i}`,
        attributes: {
          sub: `sub-n${String(i).padStart(2, '0')}`,
          'custom:source_sub': `src-n${i}`,
          email: `n${i}@example.com`,
          email_verified: 'true',
        },
        enabled: true,
        status: 'CONFIRMED',
      }),
    );
    const s = standby(many);
    const denied = Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/break-glass/x is not authorized to perform: cognito-idp:AdminGetUser',
      ),
      { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } },
    );
    for (const u of many) s.readErrors.set(u.username, denied);
    const r = await runFailover(
      { ...opts(), readConcurrency: 1 },
      { standby: s, sender: s, sendRate: 24, confirm: async () => true },
    );
    expect(s.reads).toHaveLength(25);
    expect(r.reads).toEqual(
      expect.objectContaining({
        toRead: 40,
        read: 0,
        notRead: 15,
        stoppedBecause: expect.stringMatching(
          /25 reads in a row failed with AccessDeniedException.*cognito-idp:AdminGetUser/,
        ),
      }),
    );
    expect(r.counts.mfaUnknown).toBe(40);
    expect(r.toSend).toBe(0);
    expect(r.summary.join('\n')).toMatch(/reads stopped: 25 reads in a row failed/);
    expect(r.exitCode).toBe(1);
  });

  test('unknown MFA is read in the standby through the gateway: AdminGetUser answers as Cognito does (UserMFASettingList, UserNotFoundException)', async () => {
    const client = new CognitoIdentityProviderClient({ region: 'us-west-2' });
    const mock = mockClient(client);
    const poolId = uniquePoolId('us-west-2');
    const clock = new InstantClock();
    const gateway = cognitoGateway({ region: 'us-west-2', poolId }, { client, clock, random: () => 0.5 });
    const listed = (name: string, extra: Record<string, string> = {}) => ({
      Username: name,
      Enabled: true,
      UserStatus: 'CONFIRMED' as const,
      Attributes: Object.entries({
        sub: `0-${name}`,
        'custom:source_sub': `src-${name}`,
        email: `${name}@example.com`,
        email_verified: 'true',
        phone_number: '+15550001111',
        phone_number_verified: 'true',
        ...extra,
      }).map(([Name, Value]) => ({ Name, Value })),
    });
    mock.on(DescribeUserPoolCommand).resolves({
      UserPool: {
        ...describeUserPoolAnswer({ poolId, schema: standbyPool().schema }),
        AccountRecoverySetting: {
          RecoveryMechanisms: [
            { Name: 'verified_phone_number', Priority: 1 },
            { Name: 'verified_email', Priority: 2 },
          ],
        },
      },
    });
    mock.on(ListUsersCommand).callsFake((input: { Filter?: string }) => ({
      Users:
        input.Filter === 'sub ^= "0"'
          ? [listed('sms'), listed('gone'), listed('marked', { 'custom:source_mfa': 'NONE' })]
          : [],
    }));
    const got = (name: string, extra: object) => ({
      Username: name,
      Enabled: true,
      UserStatus: 'CONFIRMED' as const,
      UserAttributes: listed(name).Attributes,
      ...extra,
    });
    mock
      .on(AdminGetUserCommand, { Username: 'sms' })
      .resolves(got('sms', { UserMFASettingList: ['SMS_MFA'], PreferredMfaSetting: 'SMS_MFA' }));
    mock
      .on(AdminGetUserCommand, { Username: 'gone' })
      .rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: { httpStatusCode: 400 } }));
    mock.on(AdminResetUserPasswordCommand).resolves({});

    const r = await runFailover(opts({ send: true, readConcurrency: 1 }), {
      standby: gateway,
      sender: gateway,
      sendRate: 24,
      confirm: async () => true,
    });
    expect(gateway.calls).toEqual({ DescribeUserPool: 1, ListUsers: 16, AdminGetUser: 2, AdminResetUserPassword: 2 });
    expect(r.manifest.rows.find((row) => row.username === 'sms')).toEqual(
      expect.objectContaining({ channel: 'email', mfa: 'standby:SMS_MFA;SMS_MFA', send: true }),
    );
    expect(r.manifest.rows.find((row) => row.username === 'marked')).toEqual(
      expect.objectContaining({ channel: 'sms', mfa: 'NONE' }),
    );
    expect(r.manifest.excluded.map((x) => [x.username, x.reason])).toEqual([['gone', 'mfa-unknown']]);
    expect(
      mock
        .commandCalls(AdminResetUserPasswordCommand)
        .map((c) => c.args[0].input.Username)
        .sort(),
    ).toEqual(['marked', 'sms']);
  });

  test('unknown MFA is read in the standby unless --no-read-unknown-mfa: then listed apart, unread', async () => {
    const s = world();
    const r = await runFailover(opts({ readUnknownMfa: false }), {
      standby: s,
      sender: s,
      sendRate: 24,
      confirm: async () => true,
    });
    expect(s.reads).toEqual([]);
    expect(r.reads).toBeUndefined();
    expect(
      r.manifest.excluded
        .filter((x) => x.reason === 'mfa-unknown')
        .map((x) => x.username)
        .sort(),
    ).toEqual(['m1', 'm2', 'm3', 'm4', 'm9']);
    expect(r.toSend).toBe(0);
    expect(r.summary.join('\n')).toMatch(/MFA unknown \(no marker; not read: --no-read-unknown-mfa\), listed apart: 5/);
    expect(r.exitCode).toBe(0);
  });
});

describe('imported users (RESET_REQUIRED, never sent a code)', () => {
  test('imported RESET_REQUIRED users: the summary says they were never told and how to send them a code; --resend-reset-required reads and sends them once', async () => {
    // An import job leaves users RESET_REQUIRED; without --deep they carry no MFA marker.
    const imported = (n: number): UserRecord => ({
      username: `i${n}`,
      attributes: {
        sub: `sub-i${n}`,
        'custom:source_sub': `src-i${n}`,
        email: `i${n}@example.com`,
        email_verified: 'true',
      },
      enabled: true,
      status: 'RESET_REQUIRED',
    });
    const s = standby([...users(), imported(1), imported(2)]);
    const dry = await runFailover(opts(), { standby: s, sender: s, sendRate: 24, confirm: async () => true });
    expect(s.reads).toEqual([]); // no code would be sent: not read
    const text = dry.summary.join('\n');
    expect(text).toMatch(
      /already RESET_REQUIRED, never sent a code by this journal: 3: imported by a reconcile --import job \(never told anything\)/,
    );
    expect(text).toMatch(/rerun with --resend-reset-required to send them a code/);
    expect(dry.manifest.rows.find((row) => row.username === 'i1')).toEqual(
      expect.objectContaining({ send: false, mfa: 'unknown' }),
    );

    const sent = await runFailover(opts({ send: true, resendResetRequired: true }), {
      standby: s,
      sender: s,
      sendRate: 24,
      confirm: async () => true,
    });
    expect(s.reads.sort()).toEqual(['i1', 'i2']);
    expect(s.sent.sort()).toEqual(['i1', 'i2', 'user1', 'user2', 'user3', 'user7']);
    expect(sent.summary.join('\n')).toMatch(
      /already RESET_REQUIRED, never sent a code by this journal: 3 \(sent a code too: --resend-reset-required\)/,
    );
    // The journal still sends nobody twice, with the flag too.
    const again = await runFailover(opts({ send: true, resendResetRequired: true }), {
      standby: s,
      sender: s,
      sendRate: 24,
      confirm: async () => true,
    });
    expect(again.send?.sent).toBe(0);
    expect(s.sent).toHaveLength(6);
  });
});

describe('issue 12.4 the time said up front', () => {
  test('failoverTimeEstimate: the listing and the reset wave at the quotas, before anything is listed', () => {
    const small = failoverTimeEstimate(6_000, { listRate: 24, sendRate: 24 }, {});
    expect(small).toHaveLength(1);
    // 100 pages at 24/s; 6,000 resets at 24/s
    expect(small[0]).toContain(`at least ${formatDuration((100 / 24) * 1000)}`);
    expect(small[0]).toContain(`at most ${formatDuration(250_000)}`);
    // A million users: 11.6 h of resets at 24/s: the faster routes are named
    const large = failoverTimeEstimate(1_000_000, { listRate: 24, sendRate: 24 }, {});
    expect(large[0]).toContain(`at most ${formatDuration((1_000_000 / 24) * 1000)}`);
    expect(large[1]).toMatch(/Essentials plan can allow e-mail one-time codes/);
    expect(large[1]).toMatch(/Forgot password/);
    const passwordless = failoverTimeEstimate(
      1_000_000,
      { listRate: 24, sendRate: 24 },
      {
        allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'],
      },
    );
    expect(passwordless[1]).toMatch(/already allows e-mail one-time codes/);
  });

  test('runFailover says it after DescribeUserPool and before the first ListUsers', async () => {
    const s = standby(users(), {
      ...standbyPool({ poolId: 'us-west-2_P', region: 'us-west-2', accountRecovery: ['verified_email'] }),
      estimatedUsers: 2_000_000,
    });
    const order: string[] = [];
    const listUsersPage = s.listUsersPage;
    s.listUsersPage = (o) => {
      order.push('list');
      return listUsersPage(o);
    };
    await runFailover(opts(), {
      standby: s,
      sender: s,
      sendRate: 24,
      listRate: 24,
      confirm: jest.fn(),
      onEstimate: (lines) => order.push(...lines.map((l) => `estimate: ${l.slice(0, 40)}`)),
    });
    expect(order[0]).toMatch(/^estimate: about 2,000,000 users in the standby/);
    expect(order[1]).toMatch(/^estimate: at this size, faster than a reset wave/);
    expect(order[2]).toBe('list');
  });
});
