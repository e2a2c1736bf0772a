/** Where a backup is: an `s3://bucket/prefix` address, and the pool's folder under the prefix. */
import { ConfigError } from '../../core/errors';
import { parseS3Url, type S3Location } from '../../core/s3-url';
import { poolRoot } from '../keys';
import type { BackupStore } from '../store';

/** `s3://bucket/prefix` split; the prefix may be empty. */
export function backupLocation(url: string): S3Location {
  const at = parseS3Url(url);
  if (!at) throw new ConfigError(`${url} is not an s3://bucket/prefix address`);
  return at;
}

const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

/**
 * The folder of the backed-up pool under `prefix`: the pool given, the prefix itself when its
 * last part is a pool id, or else the only pool backed up under the prefix (two list calls).
 */
export async function locatePool(
  store: BackupStore,
  prefix: string,
  poolId?: string,
): Promise<{ root: string; poolId: string }> {
  if (poolId) return { root: poolRoot(prefix, poolId), poolId };
  const last = prefix.split('/').pop() ?? '';
  if (POOL_ID.test(last)) return { root: `${prefix}/`, poolId: last };
  const base = prefix ? `${prefix}/` : '';
  const first = await firstKey(store, base);
  const found = first?.slice(base.length).split('/')[0];
  if (!found || !POOL_ID.test(found)) throw new ConfigError(`no backup of a pool under ${store.location(base)}`);
  const root = poolRoot(prefix, found);
  // Every key of that pool sorts below `<root minus its slash>0` ('/' < '0'): anything after is another pool's.
  const other = await firstKey(store, base, `${root.slice(0, -1)}0`);
  if (other)
    throw new ConfigError(
      `more than one pool is backed up under ${store.location(base)}: name one with --source-pool (or put it in --from)`,
    );
  return { root, poolId: found };
}

async function firstKey(store: BackupStore, prefix: string, startAfter?: string): Promise<string | undefined> {
  for await (const key of store.list(prefix, startAfter)) return key;
  return undefined;
}
