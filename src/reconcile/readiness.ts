import { type Counts, USER_BUCKETS, type UserBucket } from './report';

/**
 * The failover readiness of a run: what a failover to the target would carry now, from the
 * report's counts (pure).
 */

/** What a failover to the target would and would not carry, for drills. */
export interface Readiness {
  /** Source users a replica is expected for (every bucket but `unconfirmed` and `vanished`). */
  expected: number;
  /** Of those, present in the target and matching (after this run's writes, in apply mode); `mfaPending` not included. */
  matching: number;
  /** `matching / expected`, 0..1 (1 for an empty pool). */
  share: number;
  missing: number;
  drifted: number;
  /** Replicas matching but for their SMS/e-mail MFA, which waits for the user's password reset (the `mfaPending` bucket). */
  mfaPending: number;
  /** Users an operation failed for: neither known to match nor counted as missing or drifted. */
  failed: number;
  /** Every source user examined, in exactly one bucket (their sum is the users examined). */
  buckets: Record<UserBucket, number>;
  notCarried: {
    federated: number;
    /** Must enroll their authenticator again on the target. `null`: unknown (no deep read and no MFA markers). */
    totp: number | null;
    totpSource: 'deep' | 'markers';
    schemaGaps: { users: number; attributes: Record<string, number> };
    noIdentity: number;
    ambiguous: number;
  };
  /**
   * Time to send every failover password-reset notification at the target's quota: `users` is
   * what the failover kit would send to (its own rule, `classifyUser`, with its defaults), and
   * `notSent` the other target users by reason.
   */
  notifications: {
    users: number;
    ratePerSecond: number;
    seconds: number;
    human: string;
    notSent: Record<string, number>;
  };
}

/**
 * Readiness from the counts. Every source user is in one bucket of `counts.buckets`; the share
 * is the users in sync over all users a replica is expected for, failed users and replicas whose
 * MFA is pending included.
 */
export function readiness(
  counts: Counts,
  options: { deep: boolean; totpKnown: boolean; recoveryRate: number },
): Readiness {
  const b = counts.buckets;
  const expected = USER_BUCKETS.reduce((n, k) => n + b[k], 0) - b.unconfirmed - b.vanished;
  const matching = b.inSync;
  const users = counts.failover.send + counts.failoverLeftover.send;
  const notSent: Record<string, number> = { ...counts.failover.notSent };
  for (const [k, v] of Object.entries(counts.failoverLeftover.notSent)) notSent[k] = (notSent[k] ?? 0) + v;
  const seconds = options.recoveryRate > 0 ? Math.ceil(users / options.recoveryRate) : 0;
  return {
    expected,
    matching,
    share: expected > 0 ? matching / expected : 1,
    missing: b.missing,
    drifted: b.drifted,
    mfaPending: b.mfaPending,
    failed: b.failed,
    buckets: { ...b },
    notCarried: {
      federated: counts.skipReasons.federated ?? 0,
      totp: options.deep || options.totpKnown ? counts.totp : null,
      totpSource: options.deep ? 'deep' : 'markers',
      schemaGaps: { users: counts.gapUsers, attributes: counts.gapAttributes },
      noIdentity: counts.skipReasons['no-identity'] ?? 0,
      ambiguous: counts.ambiguous,
    },
    notifications: { users, ratePerSecond: round(options.recoveryRate, 2), seconds, human: duration(seconds), notSent },
  };
}

/** `3h 05m`, `12m 30s`, `45s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
