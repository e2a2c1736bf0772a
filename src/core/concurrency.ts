/**
 * Runs `fn` over `items` with at most `limit` calls in flight, resolving when all are done.
 * (Ten lines here rather than p-limit, whose current versions are ESM-only and would need the
 * same Jest transform exception as middy for no gain.)
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  // After a failure no new item is started, and the first error is thrown only once the calls in
  // flight have settled: nothing started here is still running when this returns or throws.
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure) {
      const next = iterator.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (failure) throw failure.error;
}

/**
 * At most `limit` holders at once; the others wait in arrival order. `acquire` resolves with the
 * function that gives the place back (call it exactly once, in a `finally`).
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
