/**
 * The failover script against the emulated standby, with the primary Region gone: its emulator
 * stopped and every default AWS endpoint pointing at a tripwire that counts connections.
 * No timing assertions.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoGateway } from '../../src/config/wiring';
import {
  FileSendJournal,
  JournalError,
  type JournalRecord,
  type JournalSink,
  openJournal,
} from '../../src/failover/journal';
import { buildManifest } from '../../src/failover/manifest';
import { scanUsers } from '../../src/failover/scan';
import { sendResets } from '../../src/failover/send';
import { createDrillPool } from '../../scripts/local/pools';
import { type CliRun, runCli } from '../support/cli';
import { useEmulators } from '../support/emulators';

jest.setTimeout(180_000);

const emu = useEmulators({ sqs: false, pools: { usernameMode: 'username' } });

const PASSWORD = 'Local-Passw0rd!x';

let work: string;
let tripwire: Server;
let tripwireUrl: string;
let tripwireConnections = 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'failover-it-'));
  tripwire = createServer((socket) => {
    tripwireConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tripwire.listen(0, '127.0.0.1', resolve));
  const address = tripwire.address();
  tripwireUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => tripwire.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

interface Seed {
  username: string;
  attrs?: Record<string, string>;
  confirmed?: boolean;
  disabled?: boolean;
  resetRequired?: boolean;
}

async function seed(client: CognitoIdentityProviderClient, poolId: string, users: Seed[]): Promise<void> {
  for (const u of users) {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: u.username,
        MessageAction: 'SUPPRESS',
        UserAttributes: Object.entries(u.attrs ?? {}).map(([Name, Value]) => ({ Name, Value })),
      }),
    );
    if (u.confirmed !== false)
      await client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: poolId,
          Username: u.username,
          Password: PASSWORD,
          Permanent: true,
        }),
      );
    if (u.disabled) await client.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: u.username }));
    if (u.resetRequired)
      await client.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: u.username }));
  }
}

const replica = (name: string, extra: Record<string, string> = {}): Seed => ({
  username: name,
  attrs: {
    email: `${name}@example.com`,
    email_verified: 'true',
    'custom:source_sub': `src-${name}`,
    'custom:source_mfa': 'NONE',
    ...extra,
  },
});

/** Runs the CLI with the primary Region unreachable: every default endpoint is the tripwire, credentials are none. */
function cli(args: string[]): Promise<CliRun> {
  return runCli('failover', args, {
    timeoutMs: 120_000,
    cwd: work,
    home: work,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: tripwireUrl,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: tripwireUrl,
      SOURCE_ENDPOINT: tripwireUrl,
    },
  });
}

function resetsIn(outbox: { kind: string; poolId: string; username: string }[], poolId: string): string[] {
  return outbox
    .filter((e) => e.kind === 'reset' && e.poolId === poolId)
    .map((e) => e.username)
    .sort();
}

test('with the primary gone: manifest from the standby alone, resets sent once, rerun sends nothing', async () => {
  const { standby, standbyClient, pools, primary } = emu();
  const poolId = pools.standby.poolId;
  const fillers = Array.from({ length: 65 }, (_, i) => replica(`filler${String(i).padStart(2, '0')}`));
  await seed(standbyClient, poolId, [
    replica('alice', { locale: 'fr-FR' }),
    replica('bob', { 'custom:source_mfa': 'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' }),
    { ...replica('carol'), disabled: true },
    replica('dave', { email_verified: 'false' }),
    {
      username: 'erin',
      attrs: { phone_number: '+15550001111', phone_number_verified: 'true', 'custom:source_sub': 'src-erin' },
    },
    { ...replica('frank'), confirmed: false },
    { username: 'gina', attrs: { email: 'gina@example.com', email_verified: 'true' } },
    { ...replica('hank'), resetRequired: true },
    ...fillers,
  ]);
  await primary.stop();
  await standby.shim.outbox({ clear: true });
  standby.shim.resetCalls();
  const primaryCallsBefore = JSON.stringify(primary.shim.calls);
  const out = join(work, 'manifest.csv');
  const journal = join(work, 'journal.jsonl');
  const base = [
    '--region',
    standby.region,
    '--pool',
    poolId,
    '--endpoint',
    standby.endpoint,
    '--out',
    out,
    '--journal',
    journal,
  ];

  // Dry run: manifest only.
  const dry = await cli(base);
  expect(dry.stderr).not.toMatch(/error/);
  expect(dry.code).toBe(0);
  expect(statSync(out).mode & 0o777).toBe(0o600);
  expect(statSync(join(work, 'manifest.excluded.csv')).mode & 0o777).toBe(0o600);
  const rows = readFileSync(out, 'utf8').trim().split('\r\n');
  expect(rows[0]).toBe('username,sub,sourceSub,contact,channel,locale,action,mfa,status,emailOtp,send,note');
  const byName = new Map(rows.slice(1).map((r) => [r.split(',')[0], r]));
  expect(byName.size).toBe(2 + 65 + 1);
  expect(byName.get('alice')).toMatch(
    /,src-alice,alice@example\.com,email,fr-FR,reset-password,NONE,CONFIRMED,false,true,$/,
  );
  expect(byName.get('bob')).toMatch(
    /,reset-password\+re-enroll-totp,SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA,CONFIRMED,false,true,$/,
  );
  expect(byName.get('hank')).toMatch(/,RESET_REQUIRED,false,false,/);
  const excluded = readFileSync(join(work, 'manifest.excluded.csv'), 'utf8');
  for (const [name, reason] of [
    ['carol', 'disabled'],
    ['dave', 'no-verified-contact'],
    ['erin', 'no-recovery-channel'],
    ['frank', 'force-change-password'],
    ['gina', 'not-a-replica'],
  ]) {
    expect(excluded).toMatch(new RegExp(`^${name},.*,${reason},`, 'm'));
  }
  expect(dry.stdout).toMatch(/dry run: 67 resets to send/);
  expect(await standby.shim.outbox()).toEqual([]);

  // --send without --yes and without a terminal: refused, nothing sent.
  const refused = await cli([...base, '--send']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/--yes/);

  // Send.
  const sent = await cli([...base, '--send', '--yes']);
  expect(sent.code).toBe(0);
  expect(sent.stdout).toMatch(/sent: 67 in/);
  const expected = ['alice', 'bob', ...fillers.map((f) => f.username)].sort();
  expect(resetsIn(await standby.shim.outbox(), poolId)).toEqual(expected);

  // Rerun after completion: nothing sent.
  const rerun = await cli([...base, '--send', '--yes']);
  expect(rerun.code).toBe(0);
  expect(rerun.stdout).toMatch(/sent: 0 in .*already sent by earlier runs: 67/);
  expect(resetsIn(await standby.shim.outbox(), poolId)).toEqual(expected);

  // The standby saw only pool reads, listings and resets; the primary side saw nothing at all.
  expect(Object.keys(standby.shim.calls).sort()).toEqual(['AdminResetUserPassword', 'DescribeUserPool', 'ListUsers']);
  expect(standby.shim.calls.AdminResetUserPassword).toBe(67);
  expect(tripwireConnections).toBe(0);
  expect(JSON.stringify(primary.shim.calls)).toBe(primaryCallsBefore);

  // No contact data on the terminal.
  for (const r of [dry, sent, rerun]) expect(r.stdout + r.stderr).not.toMatch(/@example\.com|5550001111/);
});

describe('issue 10.3: unknown MFA is read in the standby', () => {
  test('with the primary gone: replicas without an MFA marker are read in the standby (dry run and send alike), and sent a code on a channel that is not one of their factors', async () => {
    const { standby, standbyClient, primary } = emu();
    const pool = await createDrillPool(standbyClient, {
      name: 'unknown-mfa',
      usernameMode: 'username',
      replicaAttributes: true,
      overrides: {
        AccountRecoverySetting: {
          RecoveryMechanisms: [
            { Name: 'verified_phone_number', Priority: 1 },
            { Name: 'verified_email', Priority: 2 },
          ],
        },
      },
    });
    const unmarked = (name: string, extra: Record<string, string> = {}): Seed => ({
      username: name,
      attrs: { email: `${name}@example.com`, email_verified: 'true', 'custom:source_sub': `src-${name}`, ...extra },
    });
    const phone = { phone_number: '+15550002222', phone_number_verified: 'true' };
    await seed(standbyClient, pool.poolId, [
      unmarked('plain'),
      unmarked('smsmfa', phone),
      unmarked('emailmfa'),
      replica('marked'),
      { ...unmarked('off'), disabled: true },
    ]);
    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: pool.poolId,
        Username: 'smsmfa',
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    await standbyClient.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: pool.poolId,
        Username: 'emailmfa',
        EmailMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    await standby.shim.outbox({ clear: true });
    standby.shim.resetCalls();
    const primaryCallsBefore = JSON.stringify(primary.shim.calls);
    const tripwireBefore = tripwireConnections;
    const out = join(work, 'unknown-mfa.csv');
    const base = [
      '--region',
      standby.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      standby.endpoint,
      '--out',
      out,
      '--journal',
      join(work, 'unknown-mfa.jsonl'),
    ];

    // --no-read-unknown-mfa: nothing read, the three listed apart.
    const unread = await cli([...base, '--no-read-unknown-mfa']);
    expect(unread.code).toBe(0);
    expect(standby.shim.calls.AdminGetUser ?? 0).toBe(0);
    expect(unread.stdout).toMatch(/MFA unknown \(no marker; not read: --no-read-unknown-mfa\), listed apart: 3/);
    expect(unread.stdout).toMatch(/dry run: 1 resets to send/);

    // Dry run: the three unmarked enabled replicas are read (AdminGetUser, standby only).
    const dry = await cli(base);
    expect(dry.code).toBe(0);
    expect(standby.shim.calls.AdminGetUser).toBe(3);
    expect(dry.stdout).toMatch(/3 replicas without an MFA marker read in the standby/);
    expect(dry.stdout).toMatch(/dry run: 3 resets to send/);
    const rows = new Map(
      readFileSync(out, 'utf8')
        .trim()
        .split('\r\n')
        .slice(1)
        .map((r) => [r.split(',')[0], r]),
    );
    expect(rows.get('smsmfa')).toMatch(
      /,smsmfa@example\.com,email,.*,standby:SMS_MFA;SMS_MFA,CONFIRMED,false,true,TOTP use in the primary unknown \(no marker\)$/,
    );
    expect(rows.get('plain')).toMatch(/,standby:NONE,CONFIRMED,false,true,/);
    expect(readFileSync(join(work, 'unknown-mfa.excluded.csv'), 'utf8')).toMatch(/^emailmfa,.*,no-recovery-channel,/m);

    // Send: the same reads, the same three codes.
    const sent = await cli([...base, '--send', '--yes']);
    expect(sent.code).toBe(0);
    expect(standby.shim.calls.AdminGetUser).toBe(6);
    expect(sent.stdout).toMatch(/sent: 3 in/);
    expect(resetsIn(await standby.shim.outbox(), pool.poolId)).toEqual(['marked', 'plain', 'smsmfa']);

    expect(Object.keys(standby.shim.calls).sort()).toEqual([
      'AdminGetUser',
      'AdminResetUserPassword',
      'DescribeUserPool',
      'ListUsers',
    ]);
    expect(tripwireConnections).toBe(tripwireBefore);
    expect(JSON.stringify(primary.shim.calls)).toBe(primaryCallsBefore);
    for (const r of [unread, dry, sent]) expect(r.stdout + r.stderr).not.toMatch(/@example\.com|5550002222/);
  });
});

/** A journal sink that dies at its k-th append, after the record reached the disk or before. */
class CrashingSink implements JournalSink {
  private n = 0;
  dead = false;
  constructor(
    private readonly inner: JournalSink,
    private readonly at: number,
    private readonly mode: 'before' | 'after',
  ) {}
  async append(record: JournalRecord): Promise<void> {
    if (this.dead) throw new JournalError('process is gone');
    if (++this.n === this.at) {
      if (this.mode === 'after') await this.inner.append(record);
      this.dead = true;
      throw new JournalError('simulated crash');
    }
    await this.inner.append(record);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

test.each([
  [1, 'after'],
  [4, 'before'],
  [6, 'after'],
  [9, 'before'],
] as const)(
  'interrupted at journal write %i (%s it is durable), resumed by the CLI: every user notified exactly once or listed as maybe sent',
  async (k, mode) => {
    const { standby, standbyClient } = emu();
    const pool = await createDrillPool(standbyClient, {
      name: `crash-${k}-${mode}`,
      usernameMode: 'username',
      replicaAttributes: true,
    });
    const names = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    await seed(
      standbyClient,
      pool.poolId,
      names.map((n) => replica(n)),
    );
    await standby.shim.outbox({ clear: true });
    const journal = join(work, `crash-${k}-${mode}.jsonl`);

    // First run, in process, dies at journal write k.
    const gateway = cognitoGateway(
      { region: standby.region, poolId: pool.poolId },
      { client: standby.client(), quotas: { UserAccountRecovery: 50 } },
    );
    const manifest = buildManifest(await scanUsers(gateway), {
      pool: await gateway.describePool(),
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
    });
    const { state, sink } = await openJournal(journal, { region: standby.region, poolId: pool.poolId });
    const crashing = new CrashingSink(sink, k, mode);
    const dying = {
      resetPasswordAfter: (u: string, b: () => Promise<void>) =>
        crashing.dead ? Promise.reject(new JournalError('process is gone')) : gateway.resetPasswordAfter(u, b),
    };
    await expect(
      sendResets({
        rows: manifest.rows,
        journal: new FileSendJournal(state, crashing),
        gateway: dying,
        concurrency: 2,
      }),
    ).rejects.toThrow(JournalError);
    await sink.close();

    // Resume with the CLI.
    const out = join(work, `crash-${k}-${mode}.csv`);
    const resumed = await cli([
      '--region',
      standby.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      standby.endpoint,
      '--out',
      out,
      '--journal',
      journal,
      '--send',
      '--yes',
    ]);
    const outbox = resetsIn(await standby.shim.outbox(), pool.poolId);
    expect(new Set(outbox).size).toBe(outbox.length); // nobody twice
    const maybe = /maybe sent[^\n]*: (\d+)/.exec(resumed.stdout);
    const unresolved = maybe ? Number(maybe[1]) : 0;
    expect(outbox.length + unresolved).toBe(names.length);
    expect(resumed.code).toBe(unresolved ? 1 : 0);

    // A rerun sends nothing more.
    await cli([
      '--region',
      standby.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      standby.endpoint,
      '--out',
      out,
      '--journal',
      journal,
      '--send',
      '--yes',
    ]);
    expect(resetsIn(await standby.shim.outbox(), pool.poolId)).toEqual(outbox);
  },
);
