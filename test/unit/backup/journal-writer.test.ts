/** The journal writer: one object per batch, contiguous numbers, nothing dropped silently. */
import { decodeJournal } from '../../../src/backup/journal-format';
import { JournalKeysTakenError } from '../../../src/backup/journal-errors';
import { JournalWriter } from '../../../src/backup/journal-writer';
import { ConfigError, SuiteError } from '../../../src/core/errors';
import { MemoryBackupStore } from '../../../src/backup/store';
import type { JournalRecord } from '../../../src/backup/types';
import { logger } from '../../../src/observability';

logger.setLogLevel('SILENT');

const POOL = 'us-east-1_AbCd1234';
const T0 = Date.parse('2026-11-30T09:41:00.000Z');

const tombstone = (sub: string): JournalRecord => ({
  kind: 'tombstone',
  at: '2026-11-30T09:40:00Z',
  sub,
  cause: 'AdminDeleteUser',
});

/** A store whose next puts fail (`fail`) or land and then fail (`lateFail`: a timeout after S3 stored it). */
class FlakyStore extends MemoryBackupStore {
  fail = 0;
  lateFail = 0;
  puts = 0;
  override async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    this.puts += 1;
    if (this.fail > 0) {
      this.fail -= 1;
      throw Object.assign(new Error('Service Unavailable'), { name: 'SlowDown' });
    }
    const answer = await super.putNew(key, body);
    if (this.lateFail > 0) {
      this.lateFail -= 1;
      throw Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });
    }
    return answer;
  }
}

function writer(store: MemoryBackupStore, now = () => T0) {
  return new JournalWriter({ store, poolId: POOL, prefix: '/backups/', writerId: 'a1b2c3d4e5f6', now });
}

const journalKeys = (store: MemoryBackupStore) =>
  [...store.objects.keys()].filter((k) => k.includes('/journal/')).sort();
const seqOf = (key: string) => Number(/-(\d{8})\.jsonl\.gz$/.exec(key)?.[1]);

test('one object per write, under the pool’s journal by hour, gzip JSON lines in order', async () => {
  const store = new MemoryBackupStore();
  const w = writer(store);
  const records = [tombstone('s1'), tombstone('s2'), tombstone('s3')];
  const done = await w.write(records);
  expect(done).toEqual({
    key: 'backups/us-east-1_AbCd1234/journal/2026/11/30/09/20261130T094100000Z-a1b2c3d4e5f6-00000001.jsonl.gz',
    seq: 1,
    records: 3,
    erasures: 0,
  });
  expect(journalKeys(store)).toEqual([done.key]);
  expect(decodeJournal(store.objects.get(done.key!)!)).toEqual(records);
});

test('numbers are contiguous per writer, from 1; writes at once are stored in number order', async () => {
  const store = new MemoryBackupStore();
  let t = T0;
  const w = writer(store, () => (t += 1));
  await Promise.all(Array.from({ length: 5 }, (_, i) => w.write([tombstone(`s${i}`)])));
  const keys = journalKeys(store);
  expect(keys.map(seqOf)).toEqual([1, 2, 3, 4, 5]);
  // Object i holds the write made i-th.
  expect(keys.map((k) => (decodeJournal(store.objects.get(k)!)[0] as { sub: string }).sub)).toEqual([
    's0',
    's1',
    's2',
    's3',
    's4',
  ]);
});

test('a write that fails throws and uses no number: the next object carries it (no hole)', async () => {
  const store = new FlakyStore();
  let t = T0;
  const w = writer(store, () => (t += 1000));
  await w.write([tombstone('s1')]);
  store.fail = 1;
  await expect(w.write([tombstone('s2')])).rejects.toThrow('Service Unavailable');
  await w.write([tombstone('s2')]);
  expect(journalKeys(store).map(seqOf)).toEqual([1, 2]);
});

test('a write that landed but answered an error: its number appears twice (same records), never skipped', async () => {
  const store = new FlakyStore();
  let t = T0;
  const w = writer(store, () => (t += 1000));
  store.lateFail = 1;
  await expect(w.write([tombstone('s1')])).rejects.toThrow('socket timeout');
  await w.write([tombstone('s1')]);
  await w.write([tombstone('s2')]);
  expect(journalKeys(store).map(seqOf)).toEqual([1, 1, 2]);
});

test('a key already taken (an earlier write of that number stored late) moves on to the next number', async () => {
  const store = new FlakyStore();
  const w = writer(store); // the same millisecond every time
  store.lateFail = 1;
  await expect(w.write([tombstone('s1')])).rejects.toThrow();
  const again = await w.write([tombstone('s1')]);
  expect(again.seq).toBe(2);
  expect(journalKeys(store).map(seqOf)).toEqual([1, 2]);
  expect(w.sequence).toBe(3);
});

test('keys taken again and again (a writer id in two writers): the write fails, transient, after a few numbers', async () => {
  const store = new MemoryBackupStore();
  store.putNew = async () => 'exists';
  const w = writer(store);
  const failed = await w.write([tombstone('s1')]).catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(JournalKeysTakenError);
  expect(failed).toBeInstanceOf(SuiteError);
  expect((failed as SuiteError).errorClass).toBe('transient');
  expect(w.sequence).toBe(4);
});

test('erasure entries: one object per sub, written before the records; an entry already there is kept', async () => {
  const store = new MemoryBackupStore();
  const w = writer(store);
  const erasure = { sub: 's1', at: '2026-11-30T09:41:00.000Z', cause: 'DeleteUser' as const };
  await w.write([tombstone('s1')], [erasure]);
  await w.write([tombstone('s1')], [{ ...erasure, at: '2026-12-01T00:00:00.000Z' }]);
  const key = 'backups/us-east-1_AbCd1234/erasures/s1.json';
  expect(JSON.parse(Buffer.from(store.objects.get(key)!).toString())).toEqual(erasure);
});

test('a failed erasure entry fails the write before any record is stored', async () => {
  const store = new FlakyStore();
  const w = writer(store);
  store.fail = 1;
  await expect(w.write([tombstone('s1')], [{ sub: 's1', at: 'x', cause: 'DeleteUser' }])).rejects.toThrow();
  expect(journalKeys(store)).toEqual([]);
});

test('nothing to record: no object', async () => {
  const store = new MemoryBackupStore();
  expect(await writer(store).write([])).toEqual({ records: 0, erasures: 0 });
  expect(store.objects.size).toBe(0);
});

test('writer ids: random ones differ and fit the key; a bad one is refused', () => {
  const store = new MemoryBackupStore();
  const a = new JournalWriter({ store, poolId: POOL });
  const b = new JournalWriter({ store, poolId: POOL });
  expect(a.writerId).toMatch(/^[0-9a-f]{12}$/);
  expect(a.writerId).not.toBe(b.writerId);
  expect(() => new JournalWriter({ store, poolId: POOL, writerId: 'a-b' })).toThrow(ConfigError);
});

describe('a batch', () => {
  test('collects what its messages saw and writes one object; messages with nothing to record are not counted', async () => {
    const store = new MemoryBackupStore();
    const batch = writer(store).batch();
    batch.add('m1', { records: [tombstone('s1')], erasures: [] });
    batch.add('m2', { records: [], erasures: [] });
    batch.add('m3', { records: [tombstone('s3')], erasures: [{ sub: 's3', at: 'x', cause: 'DeleteUser' }] });
    expect(batch.size).toBe(2);
    expect(await batch.flush()).toEqual([]);
    expect(journalKeys(store)).toHaveLength(1);
    expect(store.objects.size).toBe(2);
  });

  test('a write that fails returns every contributing message, so SQS delivers them again', async () => {
    const store = new FlakyStore();
    store.fail = 1;
    const batch = writer(store).batch();
    batch.add('m1', { records: [tombstone('s1')], erasures: [] });
    batch.add('m2', { records: [], erasures: [] });
    batch.add('m3', { records: [tombstone('s3')], erasures: [] });
    expect((await batch.flush()).sort()).toEqual(['m1', 'm3']);
  });

  test('an empty batch writes nothing', async () => {
    const store = new FlakyStore();
    expect(await writer(store).batch().flush()).toEqual([]);
    expect(store.puts).toBe(0);
  });
});
