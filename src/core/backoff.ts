/** The retry schedule of the sync queue (receives of one message, in seconds). */
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

/**
 * How one Cognito call is retried by the gateway: throttling and transient failures (5xx,
 * network) alike, reads and writes alike. Callers never add rounds of their own: when a call
 * still fails, they decide only whether to requeue the user or report it failed.
 */
export interface RetryPolicy {
  /**
   * Time a call may spend on failed attempts and back-off before it fails, ms. Waiting for the
   * quota limiter or for a free connection is not counted: that is pacing, not failure.
   */
  budgetMs: number;
  /** Back-off after the first failure, ms; it doubles with each failure. */
  baseDelayMs: number;
  /** Longest back-off, ms. */
  maxDelayMs: number;
  /** Attempts at most, whatever the time (a guard for clocks that do not move). */
  maxAttempts: number;
}

/**
 * Default: about 10 s of retries per call, back-off 100 ms doubling to a 2 s cap, jittered. One
 * slow moment of Cognito (a burst of throttling, a few 5xx, a reset connection) does not fail a
 * user, while a real outage fails the call within the budget plus at most one request timeout
 * (the sync queue then retries the message for about a day, see {@link DEFAULT_BACKOFF}).
 */
export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 30 };

/**
 * Back-off after failure number `failures` (1-based): the capped exponential delay with "equal
 * jitter" (between half and all of it), so calls that failed together do not retry together.
 */
export function retryBackoffMs(
  failures: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The pause before the next attempt after `failures` failed ones that took `spentMs` (attempts
 * and back-off so far), or `undefined` when the policy says give up.
 */
export function nextRetryDelayMs(
  failures: number,
  spentMs: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
): number | undefined {
  if (failures >= policy.maxAttempts) return undefined;
  const delay = retryBackoffMs(failures, policy, random);
  return spentMs + delay <= policy.budgetMs ? delay : undefined;
}
