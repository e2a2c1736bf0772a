import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserRecord } from '../../../src/core/types';
import { decodeUser, encodeUser, Membership, TargetIndex } from '../../../src/reconcile/records';
import { FrameReader, SpoolFile } from '../../../src/reconcile/spool';

const dir = () => mkdtempSync(join(tmpdir(), 'reconcile-records-'));

function user(username: string, attributes: Record<string, string> = {}, extra: Partial<UserRecord> = {}): UserRecord {
  return {
    username,
    attributes: { sub: `sub-${username}`, email: `${username}@example.com`, ...attributes },
    enabled: true,
    status: 'CONFIRMED',
    ...extra,
  };
}

describe('spool files', () => {
  test('frames are appended, read back in order and one by one by offset', async () => {
    const file = new SpoolFile(join(dir(), 'a.gz'));
    const first = await file.append(['one', 'two']);
    const second = await file.append(['three']);
    expect(first.offset).toBe(0);
    expect(second.offset).toBe(first.length);
    expect(await file.length()).toBe(second.length);
    const frames = [];
    for await (const f of file.frames()) frames.push(f);
    expect(frames).toEqual([
      { offset: 0, lines: ['one', 'two'] },
      { offset: first.length, lines: ['three'] },
    ]);
    const reader = new FrameReader([file]);
    expect(reader.line(0, second.offset, 0)).toBe('three');
    expect(reader.line(0, 0, 1)).toBe('two');
    reader.close();
  });

  test('a file is cut back to its committed length; a torn last frame is never read', async () => {
    const file = new SpoolFile(join(dir(), 'b.gz'));
    const { length } = await file.append(['kept']);
    await file.append(['dropped']);
    await file.truncateTo(length);
    const lines = [];
    for await (const l of file.lines()) lines.push(l);
    expect(lines).toEqual(['kept']);
    // A half-written frame (crash during the append) is ignored.
    writeFileSync(file.path, Buffer.concat([readFileSync(file.path), Buffer.from([0, 0, 1, 0, 1, 2])]));
    const again = [];
    for await (const l of file.lines()) again.push(l);
    expect(again).toEqual(['kept']);
    await expect(file.truncateTo(10_000)).rejects.toThrow(/shorter/);
  });

  test('a missing file reads as empty and is created by truncateTo(0)', async () => {
    const file = new SpoolFile(join(dir(), 'nested', 'c.gz'));
    expect(await file.length()).toBe(0);
    for await (const _ of file.lines()) throw new Error('no line expected');
    await file.truncateTo(0);
    expect(await file.length()).toBe(0);
  });
});

describe('compact records', () => {
  test('encode/decode round trip, unicode included', () => {
    const u = user(
      'zoë',
      { name: 'Zoë "Z" Ünal, Jr.\n', 'custom:tier': '金' },
      { enabled: false, status: 'RESET_REQUIRED' },
    );
    expect(decodeUser(encodeUser(u))).toEqual({
      username: u.username,
      attributes: u.attributes,
      enabled: false,
      status: 'RESET_REQUIRED',
    });
  });

  test('membership by group index, sorted names', () => {
    const m = new Membership(['b', 'a']);
    m.add('u', 0);
    m.add('u', 1);
    m.add('u', 0);
    expect(m.groupsOf('u')).toEqual(['a', 'b']);
    expect(m.groupsOf('nobody')).toEqual([]);
    expect(m.indexOf('c')).toBe(2);
  });
});

describe('standby index', () => {
  test('records held by spool position are read back with their groups when claimed', async () => {
    const d = dir();
    const files = [new SpoolFile(join(d, '0.gz')), new SpoolFile(join(d, '1.gz'))];
    const users = [user('alice'), user('bob', { 'custom:source_sub': 'S-bob' }), user('carol')];
    const f0 = await files[0].append([encodeUser(users[0]), encodeUser(users[1])]);
    const f1 = await files[1].append([encodeUser(users[2])]);
    const membership = new Membership(['admins']);
    membership.add('bob', 0);
    const reader = new FrameReader(files);
    const index = new TargetIndex(['username'], membership, reader);
    index.add(users[0], { file: 0, offset: f0.offset, index: 0 });
    index.add(users[1], { file: 0, offset: f0.offset, index: 1 });
    index.add(users[2], { file: 1, offset: f1.offset, index: 0 });
    expect(index.size).toBe(3);
    const m = index.match({ username: 'bob', attributes: { sub: 'S-bob' } }, 'custom:source_sub');
    expect(m.replica).toEqual({ ...users[1], groups: ['admins'] });
    expect(index.match({ username: 'zed', attributes: {} }, 'custom:source_sub').replica).toBeUndefined();
    expect([...index.unmatched()].map((u) => u.username)).toEqual(['alice', 'carol']);
    expect([...index.all()]).toHaveLength(3);
    reader.close();
  });

  test('e-mail keys are case-insensitive; users without the key are never matched', () => {
    const index = new TargetIndex(['email'], new Membership([]));
    index.add(user('uuid-1', { email: 'Mixed@Example.com' }));
    index.add({ username: 'no-mail', attributes: { sub: 's' }, enabled: true, status: 'CONFIRMED' });
    expect(
      index.match({ username: 'x', attributes: { email: 'mixed@example.COM' } }, 'custom:source_sub').replica?.username,
    ).toBe('uuid-1');
    expect([...index.unmatched()].map((u) => u.username)).toEqual(['no-mail']);
  });

  test('several users under one key: the one with the source sub wins, else ambiguous', () => {
    const index = new TargetIndex(['email'], new Membership([]));
    index.add(user('u1', { email: 'x@example.com', 'custom:source_sub': 'A' }));
    index.add(user('u2', { email: 'x@example.com', 'custom:source_sub': 'B' }));
    expect(
      index.match({ username: 's', attributes: { sub: 'B', email: 'x@example.com' } }, 'custom:source_sub').replica
        ?.username,
    ).toBe('u2');
    expect([...index.unmatched()].map((u) => u.username)).toEqual(['u1']);
    const other = new TargetIndex(['email'], new Membership([]));
    other.add(user('u1', { email: 'x@example.com' }));
    other.add(user('u2', { email: 'x@example.com' }));
    expect(
      other.match({ username: 's', attributes: { sub: 'C', email: 'x@example.com' } }, 'custom:source_sub'),
    ).toMatchObject({ ambiguous: true, candidates: 2 });
    expect([...other.unmatched()]).toEqual([]);
  });

  test('grows past its initial capacity', () => {
    const index = new TargetIndex(['username'], new Membership([]));
    for (let i = 0; i < 3000; i++) index.add(user(`u${i}`));
    expect(index.match({ username: 'u2999', attributes: {} }, 'custom:source_sub').replica?.username).toBe('u2999');
    expect([...index.unmatched()]).toHaveLength(2999);
  });
});
