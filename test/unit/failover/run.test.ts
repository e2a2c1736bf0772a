import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserPage } from '../../../src/cognito/gateway';
import type { PoolConfig, UserRecord } from '../../../src/core/types';
import { type FailoverOptions, runFailover } from '../../../src/failover/run';
import { scanUsers } from '../../../src/failover/scan';
import { formatDuration } from '../../../src/failover/summary';
import { standbyPool } from '../helpers';

function users(): UserRecord[] {
  const u = (n: number, extra: Partial<UserRecord> = {}, attrs: Record<string, string> = {}): UserRecord => ({
    username: `user${n}`,
    attributes: { sub: `sub-${n}`, 'custom:source_sub': `src-${n}`, 'custom:source_mfa': 'NONE', email: `user${n}@example.com`, email_verified: 'true', ...attrs },
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

/** The standby: pages of 3 users; every reset sets RESET_REQUIRED. */
function standby(list = users(), pool: PoolConfig = standbyPool({ poolId: 'us-west-2_P', region: 'us-west-2', accountRecovery: ['verified_email', 'verified_phone_number'] })) {
  const sent: string[] = [];
  return {
    sent,
    list,
    describePool: async () => pool,
    listUsersPage: async (o: { nextToken?: string } = {}): Promise<UserPage> => {
      const start = Number(o.nextToken ?? 0);
      return { users: list.slice(start, start + 3).map((u) => ({ ...u })), nextToken: start + 3 < list.length ? String(start + 3) : undefined };
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
    region: 'us-west-2', poolId: 'us-west-2_P', out: join(dir, 'm.csv'), format: 'csv', send: false, journal: join(dir, 'j.jsonl'),
    sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa', ...extra,
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
  expect(readFileSync(r.files.excluded, 'utf8')).toMatch(/disabled[\s\S]*no-verified-contact|no-verified-contact[\s\S]*disabled/);
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
  const r = await runFailover(opts({ send: true }), { standby: s, sender: s, sendRate: 24, confirm: async () => false });
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
      if (calls === 2) throw Object.assign(new Error('Invalid pagination token'), { name: 'InvalidParameterException' });
      const start = Number(o.nextToken ?? 0);
      return { users: list.slice(start, start + 3), nextToken: start + 3 < list.length ? String(start + 3) : undefined };
    },
  };
  const seen = await scanUsers(lister);
  expect(seen.map((u) => u.username).sort()).toEqual(list.map((u) => u.username).sort());
  await expect(scanUsers({ listUsersPage: async () => { throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' }); } })).rejects.toThrow('denied');
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
