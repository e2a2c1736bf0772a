/**
 * Waiting until some state holds, without polling: whoever changes the state calls `notify()`,
 * and every waiter checks its predicate again. A predicate may throw to end the wait with an error
 * (a failed listing, a stopped run).
 *
 * @example
 * const listed = new Condition();
 * // producer: shard.done = true; listed.notify();
 * await listed.until(() => shard.done, signal);
 */
export class Condition {
  private waiters = new Set<() => void>();

  /** Wakes every waiter to check its predicate again. */
  notify(): void {
    if (this.waiters.size === 0) return;
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Waiters now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Resolves once `predicate()` is true (checked now and at each `notify()`). With `signal`, an
   * abort also wakes the waiter, which then rejects with the signal's reason unless the predicate
   * decided first (it is checked before the signal, so it may throw its own error for a stop).
   */
  async until(predicate: () => boolean, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (predicate()) return;
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
