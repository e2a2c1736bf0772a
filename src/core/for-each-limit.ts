/** Options of {@link forEachLimit}. */
export interface ForEachLimitOptions {
  /** Once aborted, no further item is started (the calls in flight finish). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, resolving when all are done.
 * After a failure, or once `signal` is aborted, no new item is started; the first error is thrown
 * only once the calls in flight have settled: nothing started here is still running when this
 * returns or throws. Items are taken from the iterable in order, one at a time.
 * (A few lines here rather than p-limit, whose current versions are ESM-only and would need the
 * same Jest transform exception as middy for no gain.)
 *
 * @example
 * await forEachLimit(users, 8, async (user) => {
 *   await standby.deleteUser(user.username);
 * });
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
  options: ForEachLimitOptions = {},
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const { signal } = options;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && !signal?.aborted) {
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
