import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JobExistsError, JobNotFoundError, LeaseHeldError, LeaseLostError } from './errors';
import type { JobStore } from './ports';
import type { DesiredState, JobState } from './types';

/**
 * The job's state in memory, or in a local JSON file (`file` given: written whole, temporary file
 * then rename, mode 0600), with the semantics of the DynamoDB store: conditional create, a lease,
 * versioned saves that leave `desired` alone. One process at a time for a file (the local mode);
 * the DynamoDB store is the one for many.
 */
export class FileJobStore implements JobStore {
  private readonly jobs = new Map<string, JobState>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file?: string) {}

  get location(): string {
    return this.file ?? 'memory';
  }

  get(poolId: string): Promise<JobState | undefined> {
    return this.serial(async () => clone(this.load().get(poolId)));
  }

  create(state: JobState): Promise<void> {
    return this.serial(async () => {
      const jobs = this.load();
      const current = jobs.get(state.poolId);
      if (current && current.phase !== 'done' && current.phase !== 'failed')
        throw new JobExistsError(
          `job ${current.jobId} of pool ${state.poolId} is ${current.phase} (${current.desired})`,
        );
      jobs.set(state.poolId, clone({ ...state, lease: undefined, version: 1 })!);
      await this.store(jobs);
    });
  }

  acquire(poolId: string, owner: string, until: number, now: number): Promise<JobState> {
    return this.serial(async () => {
      const jobs = this.load();
      const current = jobs.get(poolId);
      if (!current) throw new JobNotFoundError(`no failover job for pool ${poolId}`);
      if (current.lease && current.lease.owner !== owner && current.lease.until >= now)
        throw new LeaseHeldError(`job ${current.jobId} is being worked on by ${current.lease.owner}`);
      current.lease = { owner, until };
      await this.store(jobs);
      return clone(current)!;
    });
  }

  save(state: JobState, until: number): Promise<JobState> {
    return this.serial(async () => {
      const jobs = this.load();
      const current = jobs.get(state.poolId);
      const owner = state.lease?.owner;
      if (!current || current.version !== state.version || !owner || current.lease?.owner !== owner)
        throw new LeaseLostError(`job ${state.jobId}: the state changed under this invocation (lease lost)`);
      const saved: JobState = {
        ...clone(state)!,
        desired: current.desired,
        lease: { owner, until },
        version: state.version + 1,
      };
      jobs.set(state.poolId, saved);
      await this.store(jobs);
      return clone(saved)!;
    });
  }

  release(poolId: string, owner: string): Promise<void> {
    return this.serial(async () => {
      const jobs = this.load();
      const current = jobs.get(poolId);
      if (current?.lease?.owner !== owner) return;
      current.lease = undefined;
      await this.store(jobs);
    });
  }

  setDesired(poolId: string, desired: DesiredState): Promise<JobState> {
    return this.serial(async () => {
      const jobs = this.load();
      const current = jobs.get(poolId);
      if (!current) throw new JobNotFoundError(`no failover job for pool ${poolId}`);
      current.desired = desired;
      await this.store(jobs);
      return clone(current)!;
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private load(): Map<string, JobState> {
    if (!this.file) return this.jobs;
    if (!existsSync(this.file)) return new Map();
    const list = JSON.parse(readFileSync(this.file, 'utf8')) as JobState[];
    return new Map(list.map((j) => [j.poolId, j]));
  }

  private async store(jobs: Map<string, JobState>): Promise<void> {
    if (!this.file) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify([...jobs.values()], null, 1), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
