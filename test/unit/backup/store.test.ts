import { MemoryBackupStore, S3BackupStore, type BackupStore } from '../../../src/backup/store';
import { type S3Emulator, startS3Emulator } from '../../../scripts/local/s3';

async function keysOf(store: BackupStore, prefix: string, after?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of store.list(prefix, after)) keys.push(k);
  return keys;
}

describe.each(['memory', 's3'] as const)('BackupStore (%s)', (kind) => {
  let s3: S3Emulator | undefined;
  let store: BackupStore;

  beforeAll(async () => {
    if (kind === 's3') {
      s3 = await startS3Emulator();
      s3.createBucket('backups');
    }
  });
  afterAll(async () => s3?.stop());
  beforeEach(() => {
    store = kind === 's3' && s3 ? new S3BackupStore(s3.client(), 'backups') : new MemoryBackupStore();
  });

  it('writes a new object once and never replaces it', async () => {
    const key = `t-${Math.random()}/a.json`;
    expect(await store.putNew(key, Buffer.from('one'), 'application/json')).toBe('written');
    expect(await store.putNew(key, Buffer.from('two'), 'application/json')).toBe('exists');
    expect(Buffer.from((await store.get(key)) ?? []).toString()).toBe('one');
  });

  it('answers undefined for an object that is not there', async () => {
    expect(await store.get('nothing/here.json')).toBeUndefined();
  });

  it('lists keys under a prefix in binary order, after a given key', async () => {
    const p = `l-${Math.random()}/`;
    for (const k of ['b', 'a', 'c']) await store.putNew(`${p}${k}`, Buffer.from(k), 'text/plain');
    await store.putNew(`other-${p}x`, Buffer.from('x'), 'text/plain');
    expect(await keysOf(store, p)).toEqual([`${p}a`, `${p}b`, `${p}c`]);
    expect(await keysOf(store, p, `${p}a`)).toEqual([`${p}b`, `${p}c`]);
  });
});
