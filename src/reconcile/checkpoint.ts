import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors';
import { acquireLockFile, type LockHandle, LockHeldError } from '../core/lockfile';
import type { TrackerState } from './seq-tracker';
import type { ImportState } from './import-job';
import type { ReportState } from './report';
import type { SideScanState } from './scan';

/** Where a run is, written often enough that a crash, Ctrl-C or Lambda timeout loses little. */
export interface CheckpointState {
  version: 1;
  /** Identifies the pool pair and mode; a checkpoint of another pair or mode is never resumed. */
  key: string;
  runId: string;
  startedAt: string;
  savedAt: string;
  /** Invocations (or CLI runs) that worked on this run so far. */
  sessions: number;
  phase: 'scan' | 'import' | 'pass' | 'orphans' | 'done';
  scan: { source: SideScanState; target: SideScanState };
  pass?: TrackerState;
  report?: ReportState;
  import?: ImportState;
  /** Orphans deleted so far (target usernames), so a resumed deletion phase never counts twice. */
  deleted?: string[];
}

/**
 * A checkpoint written before the target's listing was called so (`scan.standby`), renamed in
 * place. Its spool files carry the old name: the run finds them missing and lists again.
 */
export function upgradeCheckpoint(state: CheckpointState): CheckpointState {
  const scan = state.scan as CheckpointState['scan'] & { standby?: SideScanState };
  if (!scan.target && scan.standby) {
    scan.target = scan.standby;
    delete scan.standby;
  }
  return state;
}

/** Persistence of a run's checkpoint and scan spool. */
export interface CheckpointStore {
  /** Local directory holding the spool files of the run. */
  readonly dir: string;
  load(): Promise<CheckpointState | undefined>;
  save(state: CheckpointState): Promise<void>;
  /** Makes the spool files durable where the checkpoint lives (S3: upload); no-op for local files. */
  persistSpool(): Promise<void>;
  /** Removes the checkpoint and the spool (after a completed run, or to start afresh). */
  clear(): Promise<void>;
  /** Where the checkpoint is, for messages. */
  readonly location: string;
}

/** A checkpoint in a local file (mode 0600), its spool in the directory `<file>.d`. */
export class FileCheckpointStore implements CheckpointStore {
  readonly dir: string;

  /** `warn`: where a discarded checkpoint is reported (default: a line on stderr). */
  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    this.dir = `${file}.d`;
  }

  /** The lock file next to the checkpoint. */
  get lockFile(): string {
    return `${this.file}.lock`;
  }

  /**
   * Takes the checkpoint's lock (one run per checkpoint), creating its folder. A lock left by a
   * process that is gone is taken over (`note` is told); one held by a live process, or a lock
   * that cannot be created, is a ConfigError naming the checkpoint.
   */
  async lock(note: (message: string) => void = this.warn): Promise<LockHandle> {
    try {
      await mkdir(dirname(this.file), { recursive: true });
      return await acquireLockFile(this.lockFile, {
        onTakeOver: (pid) =>
          note(`note: taking over the lock ${this.lockFile}: its reconcile (pid ${pid}) is no longer running`),
      });
    } catch (err) {
      if (err instanceof LockHeldError) {
        throw new ConfigError(
          `another reconcile (pid ${err.pid}) is using ${this.file}; wait for it to finish, or remove ${this.lockFile} if that process is not a reconcile`,
        );
      }
      throw new ConfigError(
        `cannot lock the checkpoint ${this.file} (${this.lockFile}): ${(err as Error).message}; pass --checkpoint with a file that can be read and written`,
      );
    }
  }

  get location(): string {
    return this.file;
  }

  async load(): Promise<CheckpointState | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // A folder, a file under a file, no permission: nothing is run, the file is left as it is.
      throw new ConfigError(
        `cannot read the checkpoint ${this.file}: ${(err as Error).message}; pass --checkpoint with a file that can be read and written`,
      );
    }
    // A torn write cannot happen (rename), but a hand-edited or damaged file can. Runs are
    // idempotent, so it is discarded and the run starts afresh; the operator is told.
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch (err) {
      this.warn(
        `warning: discarding the checkpoint ${this.file}: it is not valid JSON (${(err as Error).message}); starting afresh`,
      );
      return undefined;
    }
    if (state?.version !== 1) {
      this.warn(
        `warning: discarding the checkpoint ${this.file}: unknown version ${JSON.stringify(state?.version)}; starting afresh`,
      );
      return undefined;
    }
    return state;
  }

  async save(state: CheckpointState): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
    await rename(tmp, this.file);
  }

  async persistSpool(): Promise<void> {
    /* local files are durable already */
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A checkpoint kept in memory (tests, the bench); the spool still lives in `dir`. */
export class MemoryCheckpointStore implements CheckpointStore {
  state?: CheckpointState;
  saves = 0;

  constructor(readonly dir: string) {}

  get location(): string {
    return 'memory';
  }

  async load(): Promise<CheckpointState | undefined> {
    return this.state ? (JSON.parse(JSON.stringify(this.state)) as CheckpointState) : undefined;
  }

  async save(state: CheckpointState): Promise<void> {
    this.saves++;
    this.state = JSON.parse(JSON.stringify(state)) as CheckpointState;
  }

  async persistSpool(): Promise<void> {}

  async clear(): Promise<void> {
    this.state = undefined;
    await rm(this.dir, { recursive: true, force: true });
  }
}
