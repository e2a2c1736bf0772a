import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupPool } from '../../../../src/backup/restore/backup-pool';
import { ReadOnlyBackupError } from '../../../../src/backup/restore/errors';
import { toUserRecord } from '../../../../src/backup/restore/state-at';
import { RestoredState, StateWriter } from '../../../../src/backup/restore/state-files';
import type { StateStats } from '../../../../src/backup/restore/types';
import type { UserRecord } from '../../../../src/core/types';
import { pool } from '../../helpers';
import { backedUp } from './fixtures';

const STATS = { users: 0, gaps: [] } as unknown as StateStats;

async function backupPool(users: UserRecord[], erased?: Set<string>): Promise<BackupPool> {
  const dir = join(mkdtempSync(join(tmpdir(), 'backup-pool-')), 'state');
  const writer = await StateWriter.create(dir);
  for (const u of users) await writer.user(u);
  writer.groups([{ name: 'big', precedence: 2 }, { name: 'empty' }]);
  await writer.finish(STATS);
  const state = (await RestoredState.open(dir))!;
  return new BackupPool({ region: 'eu-west-1', poolId: 'eu-west-1_Primary1', state, config: pool(), erased });
}

async function listAll(p: BackupPool, filter?: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await p.listUsersPage({ filter, nextToken });
    expect(page.users.length).toBeLessThanOrEqual(60);
    names.push(...page.users.map((u) => u.username));
    nextToken = page.nextToken;
  } while (nextToken);
  return names.sort();
}

describe('BackupPool: a backup as a read-only CognitoPool', () => {
  // 300 users over the 16 sub shards, a name with characters beyond ASCII, all in group `big`.
  const users = Array.from({ length: 300 }, (_, i) =>
    toUserRecord(backedUp(i, { username: i === 7 ? 'zoë-名前' : `user${i}`, groups: ['big'] })),
  );

  it('lists every user once, page by page, unfiltered and by sub shard', async () => {
    const p = await backupPool(users);
    const all = users.map((u) => u.username).sort();
    expect(await listAll(p)).toEqual(all);
    const byShard: string[] = [];
    for (const s of '0123456789abcdef') byShard.push(...(await listAll(p, `sub ^= "${s}"`)));
    expect(byShard.sort()).toEqual(all);
  });

  it('answers filters, look-ups by name and by sub, groups and members', async () => {
    const p = await backupPool(users);
    expect(await listAll(p, 'email = "user12@example.com"')).toEqual(['user12']);
    expect((await p.getUser('zoë-名前'))?.attributes.sub).toBe(users[7].attributes.sub);
    expect((await p.getUser(users[9].attributes.sub))?.username).toBe('user9');
    expect(await p.getUser('nobody')).toBeUndefined();
    expect((await p.findBySub(users[20].attributes.sub))?.username).toBe('user20');
    expect(await p.findUsers({ attribute: 'email', value: 'user3@example.com' })).toHaveLength(1);
    expect(await p.listGroups()).toEqual([{ name: 'big', precedence: 2 }, { name: 'empty' }]);
    expect(await p.listGroupsForUser('user5')).toEqual(['big']);
    const members: string[] = [];
    let token: string | undefined;
    do {
      const page = await p.listUsersInGroupPage('big', token);
      members.push(...page.users.map((u) => u.username));
      token = page.nextToken;
    } while (token);
    expect(members.sort()).toEqual(users.map((u) => u.username).sort());
    expect((await p.listUsersInGroupPage('empty')).users).toEqual([]);
    expect((await p.describePool()).poolId).toBe(pool().poolId);
  });

  it('refuses every write', async () => {
    const p = await backupPool(users.slice(0, 1));
    await expect(p.createUser()).rejects.toBeInstanceOf(ReadOnlyBackupError);
    await expect(p.deleteUser()).rejects.toBeInstanceOf(ReadOnlyBackupError);
    await expect(p.addUserToGroup()).rejects.toBeInstanceOf(ReadOnlyBackupError);
    await expect(p.updatePoolSettings()).rejects.toBeInstanceOf(ReadOnlyBackupError);
    expect(p.writeCalls).toBe(0);
  });

  it('never answers an erased sub', async () => {
    const p = await backupPool(users.slice(0, 20), new Set([users[3].attributes.sub]));
    expect(await listAll(p)).not.toContain('user3');
    expect(await p.getUser('user3')).toBeUndefined();
    expect(await p.findBySub(users[3].attributes.sub)).toBeUndefined();
  });

  it('views run their hooks (newest first) and count calls as the gateway does', async () => {
    const p = await backupPool(users.slice(0, 3));
    const seen: string[] = [];
    const outer = p.intercept({ onCall: (c) => seen.push(`outer ${c.operation} ${c.category}`) });
    const inner = outer.intercept(
      { onCall: () => seen.push('inner'), beforeSend: () => seen.push('send') },
      { ownCalls: true },
    );
    await inner.getUser('user1');
    expect(seen).toEqual(['inner', 'outer AdminGetUser UserRead', 'send']);
    expect(inner.calls).toEqual({ AdminGetUser: 1 });
    expect(p.calls).toEqual({ AdminGetUser: 1 });
    const stopped = p.intercept({
      onCall: () => {
        throw new Error('stopped');
      },
    });
    await expect(stopped.listGroups()).rejects.toThrow('stopped');
  });
});
