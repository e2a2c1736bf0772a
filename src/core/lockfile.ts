import { promises as fsp, readFileSync, rmSync } from 'node:fs';
import { SuiteError } from './errors';

/**
 * An exclusive lock file holding the owner's pid (created with O_EXCL), shared by the failover
 * journal and the reconcile checkpoint. A lock whose process is gone (a `kill -9`, a crash) is
 * taken over; one held by a live process is refused with {@link LockHeldError}.
 */

/** The lock is held by another live process. */
export class LockHeldError extends SuiteError {
  override readonly name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`${path} is held by the live process ${pid}`);
  }
}

export interface LockHandle {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
  /** The same, synchronously (for `process.on('exit')`). */
  releaseSync(): void;
}

/**
 * Takes the lock file `path`. `onTakeOver` is told the pid of a dead owner whose lock is taken
 * over. Throws {@link LockHeldError} when a live process holds it; other file-system errors
 * (a missing folder, no permission) are thrown as they are.
 */
export async function acquireLockFile(
  path: string,
  options: { onTakeOver?: (pid: number) => void } = {},
): Promise<LockHandle> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const h = await fsp.open(path, 'wx', 0o600);
      try {
        await h.writeFile(String(process.pid));
      } finally {
        await h.close();
      }
      return handle(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw new LockHeldError(path, pid);
      if (pid && pid !== process.pid) options.onTakeOver?.(pid);
      await fsp.rm(path, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}

function handle(path: string): LockHandle {
  let released = false;
  const ours = (text: string) => text.trim() === String(process.pid);
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if (ours(await fsp.readFile(path, 'utf8').catch(() => ''))) await fsp.rm(path, { force: true });
    },
    releaseSync() {
      if (released) return;
      released = true;
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return;
      }
      if (ours(text)) rmSync(path, { force: true });
    },
  };
}

/** True while a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
