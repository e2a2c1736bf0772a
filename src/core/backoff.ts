/** The retry schedule of the sync queue. */
export interface BackoffPolicy {
  /** Delay after the first failed attempt, seconds. */
  baseSeconds: number;
  /** Longest delay between attempts, seconds (SQS allows at most 12 hours). */
  capSeconds: number;
  /** Receives after which a message is moved to the DLQ. */
  maxAttempts: number;
}

/**
 * Default: 30 s doubling to a 1 h cap, 30 attempts: about 24 hours in total, enough to ride out
 * a multi-hour Regional outage of the standby before anything lands in the DLQ.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 30, capSeconds: 3600, maxAttempts: 30 };

/** Visibility timeout (seconds) to set after failed attempt number `attempt` (1-based). */
export function retryDelaySeconds(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(policy.capSeconds, policy.baseSeconds * 2 ** exponent);
}

/** Total time (seconds) a message is retried before it reaches the DLQ. */
export function totalRetryWindowSeconds(policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  let total = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) total += retryDelaySeconds(attempt, policy);
  return total;
}
