import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLockFile, LockHeldError } from '../../../src/core/lockfile';
import { FileCheckpointStore } from '../../../src/reconcile/checkpoint';

const tmp = () => mkdtempSync(join(tmpdir(), 'lockfile-'));
const DEAD_PID = 2147483646;

describe('lock files', () => {
  test('created exclusively with our pid; refused while a live process holds it; released only if still ours', async () => {
    const path = join(tmp(), 'x.lock');
    const lock = await acquireLockFile(path);
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
    writeFileSync(path, '1'); // pid 1: always alive
    await expect(acquireLockFile(path)).rejects.toEqual(expect.objectContaining({ name: 'LockHeldError', pid: 1 }));
    await lock.release(); // not ours any more: left alone
    expect(readFileSync(path, 'utf8')).toBe('1');
  });

  test('a lock of a process that is gone is taken over, with a note', async () => {
    const path = join(tmp(), 'x.lock');
    writeFileSync(path, String(DEAD_PID));
    const notes: number[] = [];
    const lock = await acquireLockFile(path, { onTakeOver: (pid) => notes.push(pid) });
    expect(notes).toEqual([DEAD_PID]);
    lock.releaseSync();
    expect(existsSync(path)).toBe(false);
  });

  test('reconcile checkpoint: a live holder is a ConfigError naming the pid and the checkpoint; a missing folder is made', async () => {
    const store = new FileCheckpointStore(join(tmp(), 'new', 'cp.json'));
    const mine = await store.lock();
    expect(readFileSync(store.lockFile, 'utf8')).toBe(String(process.pid));
    writeFileSync(store.lockFile, '1');
    await expect(store.lock()).rejects.toThrow(`another reconcile (pid 1) is using ${store.file}`);
    await expect(store.lock()).rejects.not.toBeInstanceOf(LockHeldError);
    writeFileSync(store.lockFile, String(process.pid));
    await mine.release();
    expect(existsSync(store.lockFile)).toBe(false);
  });
});
