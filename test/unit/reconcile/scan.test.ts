import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toCognitoError } from '../../../src/cognito/errors';
import { decodeUser } from '../../../src/reconcile/records';
import {
  isRejectedToken,
  listedUsers,
  membersFile,
  newScanState,
  RunStoppedError,
  scanDone,
  scanSide,
  shardFile,
  SUB_SHARDS,
} from '../../../src/reconcile/scan';
import { Pair } from './fixture';

const tmp = () => mkdtempSync(join(tmpdir(), 'reconcile-scan-'));

async function listedUsernames(dir: string, shards: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const shard of shards)
    for await (const line of shardFile(dir, 'source', shard).lines()) names.push(decodeUser(line).username);
  return names;
}

function seeded(n: number): Pair {
  const pair = new Pair();
  pair.source.group('big');
  for (let i = 0; i < n; i++) pair.user(`u${i}`, { groups: i < 130 ? ['big'] : [] });
  return pair;
}

describe('listing a pool', () => {
  test('every page of every shard (60 a page), and every page of each group (60 members a call)', async () => {
    const pair = seeded(1500);
    const dir = tmp();
    const state = newScanState();
    await pair.clock.run(scanSide({ gateway: pair.gateways().source, side: 'source', dir, state }));
    expect(scanDone(state)).toBe(true);
    expect(listedUsers(state)).toBe(1500);
    const names = await listedUsernames(dir, SUB_SHARDS);
    expect(new Set(names).size).toBe(1500);
    // Each shard takes ceil(n/60) pages; nothing is listed twice.
    const pages = Object.values(state.shards).reduce((n, s) => n + s.pages, 0);
    const expected = Object.values(state.shards).reduce((n, s) => n + Math.max(1, Math.ceil(s.count / 60)), 0);
    expect(pages).toBe(expected);
    expect(pair.east.counts.ListUsers).toBe(expected);
    // 130 members: 3 calls (60 + 60 + 10).
    expect(pair.east.counts.ListUsersInGroup).toBe(3);
    const members: string[] = [];
    for await (const line of membersFile(dir, 'source', 0).lines()) members.push(JSON.parse(line));
    expect(members).toHaveLength(130);
  });

  test('a rejected pagination token restarts only its shard', async () => {
    const pair = seeded(1500);
    const dir = tmp();
    const state = newScanState();
    let fired = false;
    const filters: string[] = [];
    pair.east.failNext = (op, input) => {
      if (op === 'ListUsers') filters.push(String(input.Filter));
      if (op === 'ListUsers' && input.Filter === 'sub ^= "3"' && input.PaginationToken && !fired) {
        fired = true;
        return Object.assign(new Error('Invalid pagination token'), { name: 'InvalidParameterException' });
      }
      return undefined;
    };
    await pair.clock.run(scanSide({ gateway: pair.gateways().source, side: 'source', dir, state }));
    expect(fired).toBe(true);
    expect(state.shards['3'].restarts).toBe(1);
    for (const shard of SUB_SHARDS.filter((s) => s !== '3')) expect(state.shards[shard].restarts).toBe(0);
    // Shard 3 was listed from its start again (its first page twice); no other shard repeated a page.
    const count = (f: string) => filters.filter((x) => x === f).length;
    expect(count('sub ^= "3"')).toBe(state.shards['3'].pages + 2);
    expect(count('sub ^= "4"')).toBe(state.shards['4'].pages);
    // Each user is in the spool exactly once.
    const names = await listedUsernames(dir, SUB_SHARDS);
    expect(names).toHaveLength(1500);
    expect(new Set(names).size).toBe(1500);
  });

  test('a shard whose tokens keep being rejected fails the scan after 5 restarts', async () => {
    const pair = seeded(200);
    pair.east.failNext = (op, input) =>
      op === 'ListUsers' && input.PaginationToken
        ? Object.assign(new Error('Pagination token expired'), { name: 'InvalidParameterException' })
        : undefined;
    const state = newScanState(['all']);
    await expect(
      pair.clock.run(scanSide({ gateway: pair.gateways().source, side: 'source', dir: tmp(), state })),
    ).rejects.toThrow(/token/);
    expect(state.shards.all.restarts).toBe(5);
  });

  test('stopping leaves each listing resumable from its token; resuming lists each user once', async () => {
    const pair = seeded(1500);
    const dir = tmp();
    const state = newScanState(['all']);
    let pages = 0;
    const stopAt = 10;
    await expect(
      pair.clock.run(
        scanSide({
          gateway: pair.gateways().source,
          side: 'source',
          dir,
          state,
          onPage: () => pages++,
          shouldStop: () => pages >= stopAt,
        }),
      ),
    ).rejects.toBeInstanceOf(RunStoppedError);
    expect(state.shards.all.done).toBe(false);
    expect(state.shards.all.token).toBeDefined();
    const saved = JSON.parse(JSON.stringify(state)) as typeof state;
    const calls = pair.east.counts.ListUsers;
    const listedPages = saved.shards.all.pages;
    await pair.clock.run(scanSide({ gateway: pair.gateways().source, side: 'source', dir, state: saved }));
    // 1500 users: 25 pages; the resumed listing only asks for the pages not listed yet.
    expect(pair.east.counts.ListUsers - calls).toBe(25 - listedPages);
    const names = await listedUsernames(dir, ['all']);
    expect(new Set(names).size).toBe(1500);
    expect(names).toHaveLength(1500);
  });

  test('rejected-token errors are recognised', () => {
    // issue 11.5: as the Cognito adapter types them (the names are read there only)
    const listed = (message: string, name: string) =>
      toCognitoError('ListUsers', 'us-east-1_Pool1', Object.assign(new Error(message), { name }));
    expect(isRejectedToken(listed('Invalid pagination token', 'InvalidParameterException'))).toBe(true);
    expect(isRejectedToken(listed('Pagination token expired', 'ExpiredTokenException'))).toBe(true);
    expect(isRejectedToken(listed('1 validation error', 'InvalidParameterException'))).toBe(false);
    expect(isRejectedToken(listed('token', 'AccessDeniedException'))).toBe(false);
  });
});
