/**
 * Runs `fn` over `items` with at most `limit` calls in flight, resolving when all are done.
 * (Ten lines here rather than p-limit, whose current versions are ESM-only and would need the
 * same Jest transform exception as middy for no gain.)
 */
export async function forEachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
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
