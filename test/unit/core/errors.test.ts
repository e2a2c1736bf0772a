import { LimitExceededException } from '@aws-sdk/client-cognito-identity-provider';
import {
  certainlyNotDelivered,
  classifyError,
  ConfigError,
  describeError,
  isLimitExceeded,
  SuiteError,
} from '../../../src/core/errors';
import { LimitExceededError, toCognitoError } from '../../../src/cognito/errors';

function awsError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...extra,
  });
}

describe('classifyError', () => {
  // Cognito's own exceptions (TooManyRequests, UserNotFound, ResourceNotFound, UsernameExists,
  // GroupExists, InternalError without a status) are typed by the adapter: their rows are in
  // test/unit/cognito/errors.test.ts ("issue 11.5"), classified through toCognitoError.
  test.each([
    ['ThrottlingException', 400, 'throttle'],
    ['LimitExceededException', 400, 'permanent'], // issue 10.4: a per-user or per-resource limit, not the rate
    ['SomethingElse', 429, 'throttle'],
    ['InternalErrorException', 500, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['Whatever', 502, 'transient'],
    ['TimeoutError', undefined, 'transient'],
    ['AbortError', undefined, 'transient'],
    ['InvalidParameterException', 400, 'permanent'],
    ['NotAuthorizedException', 400, 'permanent'],
    ['AccessDeniedException', 403, 'permanent'],
    ['AliasExistsException', 400, 'permanent'],
  ])('%s (%s) is %s', (name, status, expected) => {
    expect(classifyError(awsError(name, status))).toBe(expected);
  });

  test('network errors are transient', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']) {
      expect(classifyError(Object.assign(new Error('x'), { code }))).toBe('transient');
    }
    expect(classifyError(new Error('socket hang up'))).toBe('transient');
    expect(
      classifyError(
        Object.assign(new Error('wrapped'), {
          name: 'SomeWrapper',
          cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
        }),
      ),
    ).toBe('transient');
  });

  test('the SDK retryable flag makes an unknown error transient', () => {
    expect(classifyError(awsError('Odd', 400, { $retryable: {} }))).toBe('transient');
  });

  test('anything unknown, including non-errors, is permanent', () => {
    for (const e of [undefined, null, 'a string', 42, {}, new Error('boom'), new TypeError('x')])
      expect(classifyError(e)).toBe('permanent');
  });

  test('a self-referencing cause does not loop', () => {
    const e = awsError('Odd', 400) as Error & { cause?: unknown };
    e.cause = e;
    expect(classifyError(e)).toBe('permanent');
  });
});

describe('describeError / ConfigError', () => {
  test('name and message only, bounded', () => {
    expect(describeError(awsError('UserNotFoundException', 400))).toBe(
      'UserNotFoundException: UserNotFoundException happened',
    );
    expect(describeError('plain')).toBe('Error: plain');
    expect(describeError(new Error('x'.repeat(2000))).length).toBe(500);
  });
  test('ConfigError is named', () => {
    expect(new ConfigError('bad').name).toBe('ConfigError');
    expect(new ConfigError('bad')).toBeInstanceOf(Error);
  });
  test('issue 11.5: core errors share one base class that carries its class', () => {
    expect(new ConfigError('bad')).toBeInstanceOf(SuiteError);
    expect(classifyError(new ConfigError('bad'))).toBe('permanent');
    expect(classifyError(new SuiteError('later', { errorClass: 'transient' }))).toBe('transient');
    expect(describeError(new SuiteError('Invalid phone number format.', { code: 'InvalidParameterException' }))).toBe(
      'InvalidParameterException: Invalid phone number format.',
    );
  });
});

describe('issue 10.4: LimitExceededException is not throttling', () => {
  // SDK model (AdminResetUserPasswordCommand.d.ts, CreateGroupCommand.d.ts, CreateUserImportJobCommand.d.ts,
  // AdminLinkProviderForUserCommand.d.ts): "a user exceeds the limit for a requested Amazon Web Services resource".
  const real = () =>
    new LimitExceededException({
      message: 'This exception is thrown when a user exceeds the limit for a requested Amazon Web Services resource.',
      $metadata: { httpStatusCode: 400 },
    });

  test('the SDK exception and the typed error are permanent, never throttle', () => {
    expect(classifyError(real())).toBe('permanent');
    const typed = new LimitExceededError('CreateGroup', 'the pool has reached its group quota', { cause: real() });
    expect(classifyError(typed)).toBe('permanent');
    // The SDK exception is a limit once the adapter has typed it (the one place names are read).
    expect(isLimitExceeded(toCognitoError('CreateGroup', 'us-east-1_X', real()))).toBe(true);
    expect(isLimitExceeded(typed)).toBe(true);
    expect(typed).toMatchObject({ name: 'LimitExceededError', reason: 'limit-exceeded', operation: 'CreateGroup' });
    expect(describeError(typed)).toBe('LimitExceededError: the pool has reached its group quota');
  });

  test('the rate limit is TooManyRequestsException', () => {
    const throttled = toCognitoError('CreateGroup', 'us-east-1_X', awsError('TooManyRequestsException', 400));
    expect(classifyError(throttled)).toBe('throttle');
    expect(isLimitExceeded(throttled)).toBe(false);
    expect(isLimitExceeded(awsError('TooManyRequestsException', 400))).toBe(false);
  });

  test('Cognito answered a limit: the request certainly did nothing', () => {
    expect(certainlyNotDelivered(real())).toBe(true);
    expect(certainlyNotDelivered(new LimitExceededError('AdminResetUserPassword', 'x', { cause: real() }))).toBe(true);
  });
});

test.each([
  [{ name: 'UserNotFoundException', $metadata: { httpStatusCode: 400 } }, true],
  [{ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 400 } }, true],
  [{ name: 'InternalErrorException', $metadata: { httpStatusCode: 500 } }, false],
  [{ name: 'TimeoutError' }, false],
  [{ name: 'Error', code: 'ECONNRESET' }, false],
  [{ name: 'Error', code: 'ECONNREFUSED' }, true],
  [{ name: 'Error', cause: { code: 'ENOTFOUND' } }, true],
])('certainlyNotDelivered(%o) = %s', (err, expected) => {
  expect(certainlyNotDelivered(Object.assign(new Error('x'), err))).toBe(expected);
});

describe('issue 11.5: one base class per layer', () => {
  test('issue 11.5 every layer base extends SuiteError and keeps its errors classified', async () => {
    const { ReplicationError, AmbiguousReplicaError, SourceUserStillExistsError } = await import(
      '../../../src/replication/errors'
    );
    const { FailoverError, JournalError } = await import('../../../src/failover/errors');
    const { ChangeCaptureError, UnlocatableEventError } = await import('../../../src/change-capture/errors');
    const { CognitoError } = await import('../../../src/cognito/errors');
    const { LockHeldError } = await import('../../../src/core/lockfile');
    const { MalformedMessageError } = await import('../../../src/core/message');
    expect(new AmbiguousReplicaError('x')).toBeInstanceOf(ReplicationError);
    expect(new JournalError('x')).toBeInstanceOf(FailoverError);
    expect(new UnlocatableEventError('AdminCreateUser')).toBeInstanceOf(ChangeCaptureError);
    for (const base of [ReplicationError, FailoverError, ChangeCaptureError, CognitoError])
      expect(base.prototype).toBeInstanceOf(SuiteError);
    expect(new LockHeldError('/tmp/x.lock', 1)).toBeInstanceOf(SuiteError);
    expect(new MalformedMessageError('x')).toBeInstanceOf(SuiteError);
    // A source user found after all is retried by the queue (it used to say so with `$retryable`).
    expect(classifyError(new SourceUserStillExistsError('back'))).toBe('transient');
    expect(classifyError(new AmbiguousReplicaError('x'))).toBe('permanent');
    expect(new JournalError('x').name).toBe('JournalError');
  });
});
