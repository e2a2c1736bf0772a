/**
 * The arithmetic of the quota-bound estimates the long runs say up front (failover, reconcile):
 * how long a number of calls takes at a quota's rate, and how it reads. Pure.
 */

/** Users a ListUsers page holds at most (its `Limit`). */
export const LIST_PAGE_USERS = 60;

/** A run longer than this, bound by the quotas alone, is told the faster routes up front. */
export const LONG_RUN_MS = 60 * 60_000;

/**
 * Human form of a duration: `45s`, `12m 05s`, `3h 20m`; `?` for an unknown or endless one.
 *
 * @example
 * formatDuration(725_000); // '12m 05s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Time `count` calls take at `rate` calls per second (endless at a zero rate). */
export function sendDurationMs(count: number, rate: number): number {
  if (count <= 0) return 0;
  return rate > 0 ? (count / rate) * 1000 : Number.POSITIVE_INFINITY;
}

/** Time listing `users` takes at the least: ListUsers pages of {@link LIST_PAGE_USERS} at `rate` pages per second. */
export function listDurationMs(users: number, rate: number): number {
  return sendDurationMs(Math.ceil(users / LIST_PAGE_USERS), rate);
}

/** A user count as people read it: `2,000,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
