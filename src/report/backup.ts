/**
 * The newest backup record, for the recovery point: the newest journal object of the last days
 * and the newest snapshot manifest under a pool's backup root (issue 13's layout, src/backup/keys.ts).
 * @packageDocumentation
 */
import type { BackupStore } from '../backup/store';
import type { BackupState } from './types';

/** `20261130T094100123Z` (compactTime) as an ISO time, or `undefined`. */
export function fromCompactTime(s: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : undefined;
}

async function last(
  keys: AsyncIterable<string>,
  keep: (key: string) => boolean = () => true,
): Promise<string | undefined> {
  let newest: string | undefined;
  for await (const key of keys) if (keep(key)) newest = key;
  return newest;
}

/**
 * The newest journal record (looked for in the day folders of the last `days` days, newest day
 * first, so that a long journal is not listed whole) and the newest snapshot manifest.
 */
export async function newestBackup(store: BackupStore, root: string, now: Date, days = 7): Promise<BackupState> {
  const state: BackupState = { location: store.location(root) };
  for (let d = 0; d < days && !state.newestJournalAt; d++) {
    const day = new Date(now.getTime() - d * 86_400_000).toISOString();
    const key = await last(store.list(`${root}journal/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/`));
    if (key) state.newestJournalAt = fromCompactTime(key.slice(key.lastIndexOf('/') + 1));
  }
  const manifest = await last(store.list(`${root}snapshots/`), (k) => k.endsWith('/manifest.json'));
  if (manifest) {
    const id = manifest.slice(0, -'/manifest.json'.length).split('/').pop() ?? '';
    state.newestSnapshotAt = fromCompactTime(id) ?? id;
  }
  return state;
}
