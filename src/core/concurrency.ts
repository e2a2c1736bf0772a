/**
 * Runs `fn` over `items` with at most `limit` calls in flight, resolving when all are done.
 * (Ten lines here rather than p-limit, whose current versions are ESM-only and would need the
 * same Jest transform exception as middy for no gain.)
 */
export async function forEachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const lane = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
}
