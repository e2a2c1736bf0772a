/**
 * The recovery point: the newest journal object's time, read from its name alone
 * (`journal/<yyyy>/<mm>/<dd>/<hh>/<writtenAt>-<writerId>-<seq>.jsonl.gz`, see {@link ./keys}).
 * @packageDocumentation
 */
import type { BackupStore } from './store';

/** Hours looked at one by one, newest first, before the whole journal is listed. */
const HOURS_PROBED = 72;

/** The newest journal object of a pool root. */
export interface RecoveryPoint {
  key: string;
  /** When it was written (from its name), or `undefined` if the name does not say. */
  at?: Date;
}

/** `20261130T094100123Z` -> the Date, or `undefined`. */
export function parseCompactTime(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, ms] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}.${ms}Z`);
}

async function lastKey(store: BackupStore, prefix: string): Promise<string | undefined> {
  let last: string | undefined;
  for await (const key of store.list(prefix)) last = key;
  return last;
}

function hourFolder(root: string, at: Date): string {
  const iso = at.toISOString();
  return `${root}journal/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/**
 * The newest journal object under `root`: the last key by name in the newest hour folder that
 * has one (the last {@link HOURS_PROBED} hours first, then the whole journal); `undefined` when
 * the journal is empty.
 *
 * @example
 * const point = await newestJournalRecord(store, poolRoot('backups', 'us-east-1_AAAA'), new Date());
 */
export async function newestJournalRecord(
  store: BackupStore,
  root: string,
  now: Date,
): Promise<RecoveryPoint | undefined> {
  let key: string | undefined;
  // A writer's clock may run ahead: the next hour first.
  for (let h = -1; h < HOURS_PROBED && !key; h++)
    key = await lastKey(store, hourFolder(root, new Date(now.getTime() - h * 3_600_000)));
  key ??= await lastKey(store, `${root}journal/`);
  if (!key) return undefined;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return { key, at: parseCompactTime(name.split('-')[0]) };
}
