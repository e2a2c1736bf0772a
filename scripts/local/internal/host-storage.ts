/**
 * Makes cognito-local's JSON files crash-safe. cognito-local (through StormDB) rewrites a whole
 * pool file with `fs.writeFile` on every change and does not wait for the previous write, so two
 * overlapping writes can interleave and leave a corrupt file; a stop in the middle of a write
 * loses the pool. Here each file gets one writer at a time, writes coalesce to the newest state,
 * and every write goes to a temporary file renamed over the old one.
 * @packageDocumentation
 */
import { renameSync, writeFileSync, promises as fsp } from 'node:fs';

interface FileQueue {
  running: Promise<void> | null;
  pending: { text: string; waiters: { resolve: () => void; reject: (e: unknown) => void }[] } | null;
}

const queues = new Map<string, FileQueue>();
let seq = 0;

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${seq++}.tmp`;
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, path);
}

function enqueue(path: string, text: string): Promise<void> {
  let q = queues.get(path);
  if (!q) {
    q = { running: null, pending: null };
    queues.set(path, q);
  }
  const queue = q;
  const done = new Promise<void>((resolve, reject) => {
    if (queue.pending) {
      queue.pending.text = text;
      queue.pending.waiters.push({ resolve, reject });
    } else {
      queue.pending = { text, waiters: [{ resolve, reject }] };
    }
  });
  if (!queue.running) {
    queue.running = (async () => {
      while (queue.pending) {
        const job = queue.pending;
        queue.pending = null;
        try {
          await writeAtomic(path, job.text);
          for (const w of job.waiters) w.resolve();
        } catch (err) {
          for (const w of job.waiters) w.reject(err);
        }
      }
      queue.running = null;
    })();
  }
  return done;
}

/** Resolves when every queued write has reached the disk. */
export async function flushWrites(): Promise<void> {
  for (;;) {
    const running = [...queues.values()].map((q) => q.running).filter((r): r is Promise<void> => r !== null);
    if (running.length === 0) return;
    await Promise.allSettled(running);
  }
}

interface StormEngine {
  path: string;
  async: boolean;
  serialize: (data: unknown) => string;
}

/** Replaces `write` of StormDB's local file engine (the copy cognito-local loads). */
export function patchStormDb(stormdb: { localFileEngine: { prototype: { write: (data: unknown) => unknown } } }): void {
  stormdb.localFileEngine.prototype.write = function write(this: StormEngine, data: unknown) {
    const text = this.serialize(data);
    if (!this.async) {
      const tmp = `${this.path}.${process.pid}.${seq++}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.path);
      return null;
    }
    return enqueue(this.path, text);
  };
}
