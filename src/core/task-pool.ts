import { Condition } from './condition';
import { Semaphore } from './semaphore';

/** Settings of a {@link TaskPool}. */
export interface TaskPoolOptions {
  /**
   * Called with the error of a task that failed (the pool goes on). Default: the first error is
   * kept in {@link TaskPool.failure} and no task added after it is started.
   */
  onError?: (error: unknown) => void;
}

/**
 * A bounded set of background tasks fed one at a time: `add` waits for a free place (so a
 * producer never runs more than `limit` ahead), then starts the task without waiting for it;
 * `onIdle()` resolves once every task started has settled. Event-driven: nothing polls.
 *
 * @example
 * const pool = new TaskPool(32, { onError: (err) => warnings.push(String(err)) });
 * for (const user of users) await pool.add(() => index.remember(user));
 * await pool.onIdle();
 */
export class TaskPool {
  private readonly places: Semaphore;
  private running = 0;
  private readonly settled = new Condition();
  private readonly onError: (error: unknown) => void;
  /** The first error of a task, when no `onError` was given. */
  failure?: { error: unknown };

  constructor(
    readonly limit: number,
    options: TaskPoolOptions = {},
  ) {
    this.places = new Semaphore(limit);
    this.onError =
      options.onError ??
      ((error) => {
        this.failure ??= { error };
      });
  }

  /** Tasks running now. */
  get size(): number {
    return this.running;
  }

  /**
   * Waits for a free place, then starts `task` in the background. Without `onError`, does not
   * start it (and resolves `false`) once a task has failed; otherwise resolves `true`.
   */
  async add(task: () => Promise<unknown>): Promise<boolean> {
    const release = await this.places.acquire();
    if (this.failure) {
      release();
      return false;
    }
    this.running++;
    void (async () => {
      try {
        await task();
      } catch (error) {
        this.onError(error);
      } finally {
        release();
        this.running--;
        this.settled.notify();
      }
    })();
    return true;
  }

  /** Resolves once no task is running. */
  onIdle(): Promise<void> {
    return this.settled.until(() => this.running === 0);
  }
}
