/**
 * Last-resort cleanup of child processes and temporary folders when the parent process exits.
 *
 * Children also watch their IPC channel and exit on their own when the parent dies (even by
 * SIGKILL), so no orphan survives a crashed test run. This module covers the orderly exits.
 * It installs no signal handler (that would change how Ctrl-C behaves for the host program).
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const c of children) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const d of tempDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

/** Kills `child` when this process exits, unless it ended before. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Removes `dir` when this process exits (unless {@link untrackTempDir} is called first). */
export function trackTempDir(dir: string): void {
  install();
  tempDirs.add(dir);
}

/** Forgets `dir` (it was removed already, or must be kept). */
export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}
