import { FailoverError } from '../errors';

/** Settings of {@link withRetries}. */
export interface RetryOptions {
  /** Tries in all. Default 6. */
  attempts?: number;
  /** First wait; doubled at each retry. Default 250 ms. */
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs a write or read of the job's own storage (DynamoDB, S3), trying again after a failure of
 * the service (a brief outage, throttling beyond the SDK's own retries). The job's own errors
 * (lease lost, a part not whole) are not retried: trying again cannot change them.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof FailoverError || attempt >= attempts) throw err;
      await sleep((options.baseMs ?? 250) * 2 ** (attempt - 1));
    }
  }
}
