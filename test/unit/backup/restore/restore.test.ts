import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordErasure } from '../../../../src/backup/erasure';
import { poolRoot } from '../../../../src/backup/keys';
import { JournalGapError } from '../../../../src/backup/restore/errors';
import { type RestoreOptions, type RestoreReport, restore } from '../../../../src/backup/restore/run';
import { MemoryBackupStore } from '../../../../src/backup/store';
import type { BackedUpUser } from '../../../../src/backup/types';
import { Pair, writeKeys } from '../../reconcile/fixture';
import { backedUp, POOL, stateRecord, tombstone, writeBatch, writeSnapshot } from './fixtures';

const root = poolRoot('backups', POOL);
const AT = new Date('2026-11-30T09:41:00.000Z');

/** A backup of 5 users; at 09:45 (after the restore point) a bad script deleted three and disabled one. */
async function badDay(store: MemoryBackupStore): Promise<BackedUpUser[]> {
  const users = [
    backedUp(1, { groups: ['admins'] }),
    backedUp(2, { enabled: false }),
    backedUp(3, { groups: ['admins', 'staff'] }),
    backedUp(4),
    backedUp(5),
  ];
  await writeSnapshot(store, root, {
    snapshotId: '20261130T000000000Z',
    startedAt: '2026-11-30T00:00:00.000Z',
    users,
    groups: [{ name: 'admins', precedence: 1, description: 'Administrators' }, { name: 'staff' }],
  });
  const damage = [
    tombstone('2026-11-30T09:45:00.000Z', users[0]),
    tombstone('2026-11-30T09:45:00.000Z', users[1]),
    tombstone('2026-11-30T09:45:00.000Z', users[2]),
    stateRecord('2026-11-30T09:45:01.000Z', {
      ...users[3],
      enabled: false,
      lastModifiedAt: '2026-11-30T09:45:00.000Z',
    }),
  ];
  await writeBatch(store, root, '2026-11-30T09:45:02.000Z', 'worker-1', 1, damage);
  return users;
}

/** The target after the damage: users 4 (disabled by the script) and 5, as replicas. */
function damagedTarget(pair: Pair, users: BackedUpUser[]): void {
  for (const [u, enabled] of [
    [users[3], false],
    [users[4], true],
  ] as const)
    pair.target.put({
      Username: u.username,
      Attributes: {
        email: u.attributes.email,
        email_verified: 'true',
        name: u.attributes.name,
        'custom:source_sub': u.sub,
      },
      Enabled: enabled,
    });
}

function run(pair: Pair, store: MemoryBackupStore, options: Partial<RestoreOptions> = {}) {
  const reports: RestoreReport[] = [];
  const result = pair.clock.run(
    restore({
      backup: store,
      root,
      at: AT,
      target: pair.gateways().target,
      checkpoint: pair.store,
      stateDir: join(mkdtempSync(join(tmpdir(), 'restore-test-')), 'state'),
      reconcile: { clock: pair.clock },
      saveReport: async (r) => void reports.push(r),
      ...options,
    }),
  );
  return { result, reports };
}

describe('restore: the backup at T as the source of a reconcile into the target', () => {
  it('dry run by default: reports what it would change and writes nothing', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    damagedTarget(pair, await badDay(store));
    const { result, reports } = run(pair, store);
    const r = await result;
    expect(r.exitCode).toBe(0);
    expect(writeKeys(pair.west)).toEqual([]);
    expect(reports[0]).toMatchObject({
      tool: 'cognito-standby-sync restore',
      mode: 'dry-run',
      counts: { create: 3, update: 1, inSync: 1 },
      restore: { at: AT.toISOString(), state: { users: 5, deleted: 0 } },
    });
  });

  it('--apply brings the deleted users back with their sub in the source-sub attribute, groups and disabled state, and undoes the change', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    damagedTarget(pair, users);
    const extra = pair.target.put({ Username: 'made-after', Attributes: { email: 'x@example.com' } });
    const { result } = run(pair, store, { apply: true });
    expect((await result).exitCode).toBe(0);
    const t = pair.target;
    for (const u of users) {
      const replica = t.users.get(
        t.bySub.get([...t.users.values()].find((r) => r.Attributes['custom:source_sub'] === u.sub)!.Attributes.sub)!,
      )!;
      expect(replica).toMatchObject({ Username: u.username, Enabled: u.enabled });
      expect(replica.Attributes).toMatchObject({ email: u.attributes.email, 'custom:source_sub': u.sub });
    }
    expect([...t.group('admins').members].sort()).toEqual(['user1', 'user3']);
    expect(t.group('admins')).toMatchObject({ Precedence: 1, Description: 'Administrators' });
    expect([...t.group('staff').members]).toEqual(['user3']);
    // Nothing is ever deleted in the target.
    expect(t.users.has(extra.Username)).toBe(true);
    expect(writeKeys(pair.west).filter((k) => k.startsWith('AdminDeleteUser '))).toEqual([]);
  });

  it('--only deleted: only users the target lacks are written', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    damagedTarget(pair, users);
    const { result } = run(pair, store, { apply: true, onlyDeleted: true });
    expect((await result).exitCode).toBe(0);
    const byName = (n: string) => pair.target.users.get(n);
    expect(['user1', 'user2', 'user3'].every((n) => byName(n))).toBe(true);
    expect(byName('user4')?.Enabled).toBe(false); // present: left as it is
    expect(writeKeys(pair.west).some((k) => k.includes('user4'))).toBe(false);
  });

  it('a checkpoint of another selection is not resumed (its listing was of other users)', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    damagedTarget(pair, users);
    const stop = new AbortController();
    stop.abort(); // stopped at once: a checkpoint of the --sub run is left
    const first = await run(pair, store, {
      apply: true,
      subs: [users[2].sub],
      reconcile: { clock: pair.clock, signal: stop.signal },
    }).result;
    expect(first.exitCode).toBe(130);
    const all = await run(pair, store, { apply: true }).result;
    expect(all.run?.report).toMatchObject({ resumed: false, counts: { created: 3 } });
  });

  it('--sub: only the named users', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    damagedTarget(pair, users);
    const { result } = run(pair, store, { apply: true, subs: [users[2].sub] });
    expect((await result).exitCode).toBe(0);
    expect(pair.target.users.has('user3')).toBe(true);
    expect(pair.target.users.has('user1')).toBe(false);
    expect(pair.target.users.get('user4')?.Enabled).toBe(false);
  });

  it('never restores a user in the erasure ledger, even from a backup taken before the erasure', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    damagedTarget(pair, users);
    await recordErasure(store, root, { sub: users[0].sub, at: '2026-11-30T12:00:00.000Z', cause: 'operator' });
    const { result } = run(pair, store, { apply: true });
    const r = await result;
    expect(r.exitCode).toBe(0);
    expect(r.state.erased).toBe(1);
    expect(pair.target.users.has('user1')).toBe(false);
    expect(pair.target.users.has('user3')).toBe(true);
  });

  /**
   * A backup of one user with a phone whose MFA the journal read at 08:00 (before the restore
   * point); with `inTarget`, the same user (same sub) is in the target with those factors on.
   */
  async function journalledMfa(backedUpMfa: BackedUpUser['mfa'], inTarget?: ('SMS_MFA' | 'EMAIL_OTP')[]) {
    const store = new MemoryBackupStore();
    const pair = new Pair({ target: { mfaConfiguration: 'OPTIONAL' } });
    const user = backedUp(1, { attributes: { sub: 'x', phone_number: '+15550100', phone_number_verified: 'true' } });
    user.attributes.sub = user.sub;
    await writeSnapshot(store, root, { snapshotId: 's', startedAt: '2026-11-30T00:00:00.000Z', users: [user] });
    await writeBatch(store, root, '2026-11-30T08:00:00.000Z', 'w', 1, [
      stateRecord('2026-11-30T08:00:00.000Z', {
        ...user,
        mfa: backedUpMfa,
        lastModifiedAt: '2026-11-30T08:00:00.000Z',
      }),
    ]);
    if (inTarget)
      pair.target.put({
        Username: user.username,
        Attributes: { ...user.attributes },
        Mfa: inTarget,
        PreferredMfa: inTarget[0],
      });
    return { store, pair, user };
  }

  it('brings back SMS MFA as last known (from the journal)', async () => {
    const { store, pair } = await journalledMfa({ enabled: ['SMS_MFA'], preferred: 'SMS_MFA' });
    const { result } = run(pair, store, { apply: true });
    expect((await result).exitCode).toBe(0);
    expect(pair.target.users.get('user1')).toMatchObject({ Mfa: ['SMS_MFA'], PreferredMfa: 'SMS_MFA' });
  });

  it('into the backed-up pool itself (same sub, marker attribute in its schema): MFA as backed up is read, never set again', async () => {
    // The user untouched in its own pool: the same sub, SMS MFA on, no marker (an original has none).
    const { store, pair, user } = await journalledMfa({ enabled: ['SMS_MFA'], preferred: 'SMS_MFA' }, ['SMS_MFA']);
    for (const apply of [false, true, true]) {
      const { result, reports } = run(pair, store, { apply });
      expect((await result).exitCode).toBe(0);
      expect(reports.at(-1)?.counts.drift.mfa).toBe(0);
    }
    expect(writeKeys(pair.west)).toEqual([]);
    expect(pair.west.log.filter((c) => c.op === 'AdminGetUser')).toHaveLength(3);
    expect(pair.target.users.get(user.username)?.Attributes['custom:source_mfa']).toBeUndefined();
  });

  it('into the backed-up pool itself: SMS MFA a bad script switched on is switched off again', async () => {
    // The journal read the user's MFA (none) before the restore point; the script ran after it.
    const { store, pair, user } = await journalledMfa({ enabled: [] }, ['SMS_MFA']);
    const { result, reports } = run(pair, store, { apply: true });
    expect((await result).exitCode).toBe(0);
    expect(reports.at(-1)?.counts.drift.mfa).toBe(1);
    expect(pair.target.users.get(user.username)?.Mfa).toEqual([]);
  });

  it('a gap in the journal: the dry run reports it (exit 1), --apply refuses it unless --accept-gap', async () => {
    const store = new MemoryBackupStore();
    const pair = new Pair();
    const users = await badDay(store);
    await writeBatch(store, root, '2026-11-30T09:00:00.000Z', 'worker-2', 5, []);
    await writeBatch(store, root, '2026-11-30T09:10:00.000Z', 'worker-2', 8, []);
    damagedTarget(pair, users);
    const dry = await run(pair, store).result;
    expect(dry.exitCode).toBe(1);
    expect(dry.warnings[0]).toMatch(/journal misses batches .*worker-2 batches 6\.\.7/);
    await expect(run(pair, store, { apply: true }).result).rejects.toBeInstanceOf(JournalGapError);
    expect(writeKeys(pair.west)).toEqual([]);
    const accepted = await run(pair, store, { apply: true, acceptGap: true }).result;
    expect(accepted.run?.report.counts.created).toBe(3);
    expect(pair.target.users.has('user1')).toBe(true);
  });
});
