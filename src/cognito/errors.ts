/**
 * The errors of the Cognito layer: one base class, {@link CognitoError}, and a typed error for
 * each Cognito answer a caller acts on. {@link toCognitoError} is the one place where the AWS
 * SDK's exception names are read: every other module tests `instanceof` (or `classifyError`).
 *
 * Sources of the mapping: the SDK's API model (the `@throws` list and descriptions in
 * `@aws-sdk/client-cognito-identity-provider/dist-types/commands/*.d.ts`) and the Cognito API
 * reference of each operation ("Errors").
 * @packageDocumentation
 */
import { certainlyNotDelivered, classifyError, type ErrorClass, SuiteError } from '../core/errors';

/**
 * What every Cognito error carries. Errors that stand for one Cognito exception keep its name as
 * `code` and its words as their message (dead-letter reasons read `InvalidParameterException: ...`);
 * {@link PoolNotFoundError} and {@link LimitExceededError} say what the operator must do instead.
 */
export interface CognitoErrorDetails {
  /** The Cognito operation that failed (`AdminGetUser`, ...). */
  operation: string;
  poolId: string;
  /** The SDK's (or network's) error. */
  cause?: unknown;
  /** Cognito's own name for the failure (`UserNotFoundException`), or the network error's name. */
  code?: string;
}

/**
 * Base of the errors the Cognito adapter throws: a call that failed for good, after the adapter's
 * own retries. `errorClass` tells the queue and the reconciler what to do (requeue or fail), and
 * `code` keeps Cognito's name of the failure for reports and dead-letter reasons.
 */
export class CognitoError extends SuiteError {
  /** What the queue and the reconciler do with an error of this class; each subclass states its own. */
  static readonly errorClass: ErrorClass = 'permanent';
  override readonly name: string = 'CognitoError';
  readonly operation: string;
  readonly poolId: string;

  constructor(message: string, details: CognitoErrorDetails) {
    const errorClass = (new.target as typeof CognitoError).errorClass;
    super(message, { cause: details.cause, errorClass, code: details.code, notDelivered: notDelivered(details.cause) });
    this.operation = details.operation;
    this.poolId = details.poolId;
  }
}

/** Throttled (`TooManyRequestsException`: "the user has made too many requests for a given operation") after the retry budget. */
export class ThrottledError extends CognitoError {
  override readonly name = 'ThrottledError';
  static override readonly errorClass: ErrorClass = 'throttle';
}

/** A server fault (5xx, `InternalErrorException`) or a network failure, after the retry budget: worth trying later. */
export class TransientError extends CognitoError {
  override readonly name = 'TransientError';
  static override readonly errorClass: ErrorClass = 'transient';
}

/** `UserNotFoundException`: "a user isn't found" (AdminGetUser, AdminDeleteUser, ... API reference). */
export class UserNotFoundError extends CognitoError {
  override readonly name = 'UserNotFoundError';
  static override readonly errorClass: ErrorClass = 'not-found';
}

/**
 * `ResourceNotFoundException` from an operation whose only resource is the pool (AdminGetUser,
 * ListUsers, AdminCreateUser, DescribeUserPool, ...: "can't find the requested resource").
 * Never read as "user absent": a deleted pool, or a wrong pool id or Region, must not make every
 * user look missing.
 */
export class PoolNotFoundError extends CognitoError {
  override readonly name = 'PoolNotFoundError';
}

/**
 * `ResourceNotFoundException` from a group operation (AdminAddUserToGroup,
 * AdminRemoveUserFromGroup, ListUsersInGroup): the group does not exist, or the pool does not
 * (Cognito names no resource; a missing pool shows on the next pool operation, e.g. CreateGroup).
 */
export class GroupNotFoundError extends CognitoError {
  override readonly name = 'GroupNotFoundError';
  static override readonly errorClass: ErrorClass = 'not-found';
}

/** `ResourceNotFoundException` from an import job operation: the job (or its pool) does not exist. */
export class ImportJobNotFoundError extends CognitoError {
  override readonly name = 'ImportJobNotFoundError';
}

/** `UsernameExistsException`: AdminCreateUser found the username (or an alias) taken. */
export class UsernameExistsError extends CognitoError {
  override readonly name = 'UsernameExistsError';
  static override readonly errorClass: ErrorClass = 'exists';
}

/** `GroupExistsException`: CreateGroup found a group of that name. */
export class GroupExistsError extends CognitoError {
  override readonly name = 'GroupExistsError';
  static override readonly errorClass: ErrorClass = 'exists';
}

/**
 * `PasswordResetRequiredException`: the user must reset its password first (SDK model
 * `AdminSetUserMFAPreferenceCommand.d.ts`).
 */
export class PasswordResetRequiredError extends CognitoError {
  override readonly name = 'PasswordResetRequiredError';
}

/** `InvalidParameterException`: Cognito rejected a value of the request (a name, an attribute, a filter). */
export class InvalidParameterError extends CognitoError {
  override readonly name: string = 'InvalidParameterError';
}

/**
 * A listing's pagination token that Cognito no longer accepts (`InvalidParameterException` whose
 * message names the token; its lifetime is undocumented): the listing starts again.
 */
export class InvalidPaginationTokenError extends InvalidParameterError {
  override readonly name = 'InvalidPaginationTokenError';
}

/**
 * A per-user or per-resource limit refused the call (Cognito's `LimitExceededException`): the
 * request rate is not the cause, so slowing down or retrying does not lift it. Permanent for that
 * user or resource; the message says what the operator can do. Cognito answered, so nothing was
 * done (nothing sent, nothing created).
 */
export class LimitExceededError extends CognitoError {
  override readonly name = 'LimitExceededError';
  /** The short reason reports, journals and DLQ attributes carry. */
  override readonly reason = 'limit-exceeded';

  constructor(operation: string, message: string, options: { cause?: unknown; poolId?: string } = {}) {
    // No `code`: reports show the operator's message under this error's own name.
    super(message, { operation, poolId: options.poolId ?? '', cause: options.cause });
  }
}

/** Operations whose `ResourceNotFoundException` is about a group (or the pool). */
const GROUP_OPERATIONS: ReadonlySet<string> = new Set([
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'ListUsersInGroup',
  'GetGroup',
]);
/** Operations whose `ResourceNotFoundException` is about an import job (or the pool). */
const IMPORT_JOB_OPERATIONS: ReadonlySet<string> = new Set(['DescribeUserImportJob', 'StartUserImportJob']);
/** Listings that take a pagination token. */
const LISTINGS: ReadonlySet<string> = new Set([
  'ListUsers',
  'ListUsersInGroup',
  'ListGroups',
  'AdminListGroupsForUser',
]);
/**
 * Names a listing's rejected token comes back with: Cognito's `InvalidParameterException`
 * ("Invalid pagination token"); `ValidationException` and `ExpiredTokenException` are kept from
 * the reconciler's earlier rule (not in the SDK model of the listings).
 */
const TOKEN_REJECTIONS: ReadonlySet<string> = new Set([
  'InvalidParameterException',
  'ValidationException',
  'ExpiredTokenException',
]);

/**
 * The typed error of a failed Cognito call (the one place SDK exception names are read). An
 * error already typed is returned as it is; anything unknown becomes a {@link CognitoError} of
 * the class `classifyError` gives its cause (throttle, transient or permanent), the cause kept.
 */
export function toCognitoError(operation: string, poolId: string, err: unknown): CognitoError {
  if (err instanceof CognitoError) return err;
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  const code = e?.name && e.name !== 'Error' ? e.name : e?.code;
  const said = String(e?.message ?? err ?? '').slice(0, 300);
  const details: CognitoErrorDetails = { operation, poolId, cause: err, code };
  switch (e?.name) {
    case 'UserNotFoundException':
      return new UserNotFoundError(said, details);
    case 'ResourceNotFoundException':
      if (GROUP_OPERATIONS.has(operation)) return new GroupNotFoundError(said, details);
      if (IMPORT_JOB_OPERATIONS.has(operation)) return new ImportJobNotFoundError(said, details);
      return new PoolNotFoundError(
        `${operation}: user pool ${poolId} was not found (ResourceNotFoundException: ${said}). Check the pool id and Region in the configuration, and that the pool was not deleted; until then no user of it is treated as missing`,
        { ...details, code: undefined },
      );
    case 'UsernameExistsException':
      return new UsernameExistsError(said, details);
    case 'GroupExistsException':
      return new GroupExistsError(said, details);
    case 'PasswordResetRequiredException':
      return new PasswordResetRequiredError(said, details);
    case 'LimitExceededException':
      return limitExceeded(operation, poolId, err);
  }
  if (e?.name && TOKEN_REJECTIONS.has(e.name) && LISTINGS.has(operation) && /pagination|token/i.test(said))
    return new InvalidPaginationTokenError(said, details);
  if (e?.name === 'InvalidParameterException') return new InvalidParameterError(said, details);
  if (e?.name === 'TooManyRequestsException') return new ThrottledError(said, details);
  if (e?.name === 'InternalErrorException') return new TransientError(said, details);
  // Not a Cognito answer the suite acts on: HTTP 429/5xx, network failures, access denied, ...
  const kind = classifyError(err);
  if (kind === 'throttle') return new ThrottledError(said, details);
  if (kind === 'transient') return new TransientError(said, details);
  return new CognitoError(said, details);
}

/** Whether Cognito certainly did nothing with the failed request (see `certainlyNotDelivered`). */
function notDelivered(cause: unknown): boolean | undefined {
  if (cause === undefined || cause instanceof SuiteError) return undefined;
  const e = cause as { name?: string };
  // An answer naming Cognito's rate limit or a refused limit: nothing was done.
  if (e?.name === 'TooManyRequestsException' || e?.name === 'LimitExceededException') return true;
  return certainlyNotDelivered(cause);
}

/**
 * The operator's error for a `LimitExceededException`: which limit, what to do. Limits from the
 * AWS documentation ("Quotas in Amazon Cognito", resource quotas); the per-user reset limit is not
 * published (AWS keeps it undisclosed), and a pool sending with Cognito's default e-mail answers
 * AdminResetUserPassword with it once the account's daily e-mail quota is used up.
 */
function limitExceeded(operation: string, poolId: string, cause: unknown): LimitExceededError {
  const said = String((cause as Error)?.message ?? '').slice(0, 200);
  const what: Record<string, string> = {
    AdminResetUserPassword: `this user has reached Cognito's limit of password reset attempts, or the account its daily e-mail quota (50 a day with Cognito's default e-mail). Nothing was sent; a later run retries the user. If every user fails so, configure the pool ${poolId} to send with Amazon SES first`,
    CreateGroup: `pool ${poolId} has reached the quota of groups per user pool (10,000, not adjustable): delete unused groups there, then replicate again`,
    CreateUserImportJob: `pool ${poolId} has reached the quota of user import jobs per user pool (1,000): request an increase in Service Quotas; users can still be created one by one`,
    AdminLinkProviderForUser: `this user already has the most identities Cognito links to one user (5, not adjustable): unlink one in pool ${poolId}, or leave this identity unlinked`,
  };
  const reason = what[operation] ?? `a per-user or per-resource limit of pool ${poolId}, not the request rate`;
  return new LimitExceededError(
    operation,
    `${operation} refused (LimitExceededException): ${reason}. Not retried: waiting does not lift it. Cognito said: ${said}`,
    { cause, poolId },
  );
}
