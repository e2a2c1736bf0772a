/** A missing or invalid setting. The message names the setting and what it expects. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A per-user or per-resource limit refused the call (Cognito's `LimitExceededException`): the
 * request rate is not the cause, so slowing down or retrying does not lift it. Permanent for that
 * user or resource; the message says what the operator can do. Cognito answered, so nothing was
 * done (nothing sent, nothing created).
 */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
  /** The short reason reports, journals and DLQ attributes carry. */
  readonly reason = 'limit-exceeded';

  constructor(
    /** The operation Cognito refused. */
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How an error from a Cognito or SQS call should be treated. */
export type ErrorClass = 'throttle' | 'transient' | 'not-found' | 'exists' | 'permanent';

/** The request rate: nothing was done; slow down and retry. Cognito's is `TooManyRequestsException` (SDK model). */
const THROTTLE = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded']);
/**
 * Not the request rate, though the SDK's generic retry strategy lists it with throttling: the SDK
 * model gives Cognito's `LimitExceededException` as "a user exceeds the limit for a requested
 * Amazon Web Services resource" on AdminResetUserPassword, CreateGroup, CreateUserImportJob and
 * AdminLinkProviderForUser (each command's `.d.ts`). Permanent for that user or resource.
 */
const RESOURCE_LIMIT = new Set(['LimitExceededException', 'LimitExceededError']);
const NOT_FOUND = new Set(['UserNotFoundException', 'ResourceNotFoundException']);
const EXISTS = new Set(['UsernameExistsException', 'GroupExistsException']);
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

/** Classifies an AWS SDK (or network) error. Anything unknown is permanent for this attempt's user. */
export function classifyError(err: unknown): ErrorClass {
  const e = err as ErrorLike;
  const name = e?.name ?? '';
  if (RESOURCE_LIMIT.has(name)) return 'permanent';
  if (THROTTLE.has(name) || e?.$metadata?.httpStatusCode === 429) return 'throttle';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (EXISTS.has(name)) return 'exists';
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
  if (name === 'InternalErrorException' || name === 'ServiceUnavailable' || name === 'ServiceUnavailableException')
    return 'transient';
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

/** True for a per-user or per-resource limit (`LimitExceededException`, or the gateway's {@link LimitExceededError}). */
export function isLimitExceeded(err: unknown): boolean {
  return RESOURCE_LIMIT.has((err as ErrorLike)?.name ?? '');
}

/**
 * Whether the service certainly did nothing with a failed request: it answered with a 4xx error
 * (throttling and limits included), or no connection was ever made. Timeouts, resets and 5xx
 * answers leave the outcome unknown: such a request may have taken effect.
 */
export function certainlyNotDelivered(err: unknown): boolean {
  if (err instanceof LimitExceededError) return true;
  const e = err as ErrorLike;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 400 && status < 500;
  const kind = classifyError(err);
  if (kind === 'throttle' || kind === 'not-found') return true;
  if (NOT_DELIVERED.has(e?.code ?? '') || NOT_DELIVERED.has(e?.name ?? '')) return true;
  const cause = e?.cause as ErrorLike | undefined;
  return NOT_DELIVERED.has(cause?.code ?? '');
}

/** The short, log-safe form of an error: its name and message, never request data. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`.slice(0, 500);
}
