/**
 * At most `limit` holders at once; the others wait in arrival order. `acquire` resolves with the
 * function that gives the place back (call it exactly once, in a `finally`).
 *
 * @example
 * const gate = new Semaphore(50);
 * const release = await gate.acquire();
 * try {
 *   await send();
 * } finally {
 *   release();
 * }
 */
export class Semaphore {
  private held = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`the limit must be a whole number of at least 1, got ${limit}`);
  }

  /** Places taken now. */
  get inUse(): number {
    return this.held;
  }

  /** Callers waiting for a place. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Waits for a place; resolves with its release function. */
  async acquire(): Promise<() => void> {
    if (this.held < this.limit) this.held++;
    else await new Promise<void>((resolve) => this.queue.push(resolve)); // the releaser hands its place over
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.held--;
    };
  }
}
