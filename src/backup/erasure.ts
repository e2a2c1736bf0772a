/**
 * The erasure ledger: one object per erased source `sub` under `erasures/`. A `sub` there is never
 * restored, whatever a snapshot or the journal holds: Object Lock keeps the backups immutable for
 * their retention, and the ledger is how a right to erasure is honoured meanwhile (the personal
 * data ages out with the retention; it is never brought back).
 * @packageDocumentation
 */
import { erasureKey } from './keys';
import type { BackupStore } from './store';
import type { ErasureRecord } from './types';

/** The erased source subs of a pool (listing only: the key names the sub). */
export async function readErasures(store: BackupStore, root: string): Promise<Set<string>> {
  const prefix = `${root}erasures/`;
  const subs = new Set<string>();
  for await (const key of store.list(prefix)) {
    const name = key.slice(prefix.length);
    if (name.endsWith('.json')) subs.add(name.slice(0, -'.json'.length));
  }
  return subs;
}

/**
 * Records an erasure (put-new only: an entry already there stays as it is).
 *
 * @example
 * await recordErasure(store, poolRoot('backups', poolId), { sub, at: new Date().toISOString(), cause: 'operator' });
 */
export async function recordErasure(
  store: BackupStore,
  root: string,
  record: ErasureRecord,
): Promise<'written' | 'exists'> {
  if (!/^[\w-]+$/.test(record.sub)) throw new Error('an erasure needs a source sub (letters, digits, - and _)');
  const body = new TextEncoder().encode(`${JSON.stringify(record)}\n`);
  return store.putNew(erasureKey(root, record.sub), body, 'application/json');
}
