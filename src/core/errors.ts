/** A missing or invalid setting. The message names the setting and what it expects. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** How an error from a Cognito or SQS call should be treated. */
export type ErrorClass = 'throttle' | 'transient' | 'not-found' | 'exists' | 'permanent';

const THROTTLE = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException', 'RequestLimitExceeded']);
const NOT_FOUND = new Set(['UserNotFoundException', 'ResourceNotFoundException']);
const EXISTS = new Set(['UsernameExistsException', 'GroupExistsException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Classifies an AWS SDK (or network) error. Anything unknown is permanent for this attempt's user. */
export function classifyError(err: unknown): ErrorClass {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  const name = e?.name ?? '';
  if (THROTTLE.has(name) || e?.$metadata?.httpStatusCode === 429) return 'throttle';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (EXISTS.has(name)) return 'exists';
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'transient';
  if (NETWORK.has(e?.code ?? '') || NETWORK.has(name) || name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout') return 'transient';
  if (e?.$retryable) return 'transient';
  if (name === 'InternalErrorException' || name === 'ServiceUnavailable' || name === 'ServiceUnavailableException') return 'transient';
  if (e?.cause && e.cause !== err) {
    const inner = classifyError(e.cause);
    if (inner === 'transient' || inner === 'throttle') return inner;
  }
  if (status === undefined && name === 'Error' && /socket|connect|network|timed? ?out/i.test(String((err as Error).message))) return 'transient';
  return 'permanent';
}

/** The short, log-safe form of an error: its name and message, never request data. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`.slice(0, 500);
}
