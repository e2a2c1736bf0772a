/** How an error should be treated: requeue (throttle, transient), settle (not-found, exists), or fail (permanent). */
export type ErrorClass = 'throttle' | 'transient' | 'not-found' | 'exists' | 'permanent';

/** What a {@link SuiteError} may carry besides its message. */
export interface SuiteErrorOptions {
  cause?: unknown;
  /** How {@link classifyError} treats it. Default `permanent`. */
  errorClass?: ErrorClass;
  /** The service's own name of the failure (Cognito's exception name), shown by {@link describeError}. */
  code?: string;
  /** Whether the service certainly did nothing with the request (see {@link certainlyNotDelivered}). */
  notDelivered?: boolean;
}

/**
 * Base of the suite's own errors: each layer's errors extend it (core's here, the Cognito
 * layer's `CognitoError`, replication's, failover's ...), so that {@link classifyError} reads how
 * to treat them from the error itself, never from a name string.
 */
export class SuiteError extends Error {
  override readonly name: string = 'SuiteError';
  /** How the queue and the reconciler treat it. */
  readonly errorClass: ErrorClass;
  /** The service's own name of the failure, if it came from a service. */
  readonly code?: string;
  /** The short reason reports, journals and DLQ attributes carry, where one applies (`limit-exceeded`). */
  readonly reason?: string;
  readonly notDelivered?: boolean;

  constructor(message: string, options: SuiteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errorClass = options.errorClass ?? 'permanent';
    this.code = options.code;
    this.notDelivered = options.notDelivered;
  }
}

/** A missing or invalid setting. The message names the setting and what it expects. */
export class ConfigError extends SuiteError {
  override readonly name = 'ConfigError';
}

/**
 * Generic AWS throttling answers (SQS, DynamoDB, ...). Cognito's own exceptions are read by the
 * Cognito adapter alone (src/cognito/errors.ts), which throws typed errors.
 */
const THROTTLE = new Set(['ThrottlingException', 'Throttling', 'RequestLimitExceeded']);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Network errors that prove the request never reached the service (no connection was made). */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

type ErrorLike = {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
};

/**
 * Classifies an error: a {@link SuiteError} (the Cognito adapter's typed errors included) says
 * its class itself; other AWS SDK and network errors are read from their HTTP status, network
 * code and SDK retry flag. Anything unknown is permanent for this attempt's user.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof SuiteError) return err.errorClass;
  const e = err as ErrorLike;
  const name = e?.name ?? '';
  if (THROTTLE.has(name) || e?.$metadata?.httpStatusCode === 429) return 'throttle';
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'transient';
  if (
    NETWORK.has(e?.code ?? '') ||
    NETWORK.has(name) ||
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    name === 'RequestTimeout'
  )
    return 'transient';
  if (e?.$retryable) return 'transient';
  if (name === 'ServiceUnavailable' || name === 'ServiceUnavailableException') return 'transient';
  if (e?.cause && e.cause !== err) {
    const inner = classifyError(e.cause);
    if (inner === 'transient' || inner === 'throttle') return inner;
  }
  if (
    status === undefined &&
    name === 'Error' &&
    /socket|connect|network|timed? ?out/i.test(String((err as Error).message))
  )
    return 'transient';
  return 'permanent';
}

/** True for a per-user or per-resource limit (the Cognito adapter's `LimitExceededError`). */
export function isLimitExceeded(err: unknown): boolean {
  return err instanceof SuiteError && err.reason === 'limit-exceeded';
}

/**
 * Whether the service certainly did nothing with a failed request: it answered with a 4xx error
 * (throttling and limits included), or no connection was ever made. Timeouts, resets and 5xx
 * answers leave the outcome unknown: such a request may have taken effect.
 */
export function certainlyNotDelivered(err: unknown): boolean {
  if (err instanceof SuiteError && err.notDelivered !== undefined) return err.notDelivered;
  const e = err as ErrorLike;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 400 && status < 500;
  const kind = classifyError(err);
  if (kind === 'throttle' || kind === 'not-found') return true;
  if (NOT_DELIVERED.has(e?.code ?? '') || NOT_DELIVERED.has(e?.name ?? '')) return true;
  const cause = e?.cause as ErrorLike | undefined;
  return NOT_DELIVERED.has(cause?.code ?? '');
}

/**
 * The short, log-safe form of an error: its name and message, never request data. A
 * {@link SuiteError} that carries a service's `code` shows it with the service's words
 * (`InvalidParameterException: Invalid phone number format.`), as operators look them up; the
 * suite's own errors show their name and message.
 */
export function describeError(err: unknown): string {
  if (err instanceof SuiteError && err.code) return `${err.code}: ${err.message}`.slice(0, 500);
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`.slice(0, 500);
}
