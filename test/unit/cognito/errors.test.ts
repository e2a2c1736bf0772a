import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  GroupExistsException,
  InternalErrorException,
  InvalidParameterException,
  LimitExceededException,
  ListUsersCommand,
  PasswordResetRequiredException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UsernameExistsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CognitoError,
  GroupExistsError,
  GroupNotFoundError,
  ImportJobNotFoundError,
  InvalidPaginationTokenError,
  InvalidParameterError,
  LimitExceededError,
  PasswordResetRequiredError,
  PoolNotFoundError,
  ThrottledError,
  TransientError,
  toCognitoError,
  UserNotFoundError,
  UsernameExistsError,
} from '../../../src/cognito/errors';
import { CognitoGateway } from '../../../src/cognito/gateway';
import { QuotaLimiter } from '../../../src/cognito/limiter';
import { certainlyNotDelivered, classifyError, describeError, SuiteError } from '../../../src/core/errors';
import { readSourceUser } from '../../../src/replication/replicate-user';
import { InstantClock, uniquePoolId } from '../helpers';

const meta = (status?: number) => ({ $metadata: status === undefined ? {} : { httpStatusCode: status } });
/** A bare error carrying only a name, as some endpoints and the SDK's generic parser give them. */
const named = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name }, meta(status));
const POOL = 'us-east-1_Pool1';

describe('issue 11.5: typed Cognito errors, mapped in one place', () => {
  // Sources: the SDK model (@throws and descriptions in dist-types/commands/*.d.ts) and the
  // Cognito API reference "Errors" of each operation.
  test.each([
    [
      'UserNotFoundException',
      'AdminGetUser',
      () => new UserNotFoundException({ message: 'User does not exist.', ...meta(400) }),
      UserNotFoundError,
      'not-found',
    ],
    [
      'ResourceNotFoundException',
      'AdminGetUser',
      () => new ResourceNotFoundException({ message: 'User pool us-east-1_Pool1 does not exist.', ...meta(400) }),
      PoolNotFoundError,
      'permanent',
    ],
    [
      'ResourceNotFoundException',
      'ListUsers',
      () => new ResourceNotFoundException({ message: 'User pool does not exist.', ...meta(400) }),
      PoolNotFoundError,
      'permanent',
    ],
    [
      'ResourceNotFoundException',
      'AdminAddUserToGroup',
      () => new ResourceNotFoundException({ message: 'Group not found.', ...meta(400) }),
      GroupNotFoundError,
      'not-found',
    ],
    [
      'ResourceNotFoundException',
      'DescribeUserImportJob',
      () => new ResourceNotFoundException({ message: 'Import job not found.', ...meta(400) }),
      ImportJobNotFoundError,
      'permanent',
    ],
    [
      'UsernameExistsException',
      'AdminCreateUser',
      () => new UsernameExistsException({ message: 'User account already exists', ...meta(400) }),
      UsernameExistsError,
      'exists',
    ],
    [
      'GroupExistsException',
      'CreateGroup',
      () => new GroupExistsException({ message: 'A group with the name already exists.', ...meta(400) }),
      GroupExistsError,
      'exists',
    ],
    [
      'PasswordResetRequiredException',
      'AdminSetUserMFAPreference',
      () => new PasswordResetRequiredException({ message: 'Password reset required for the user', ...meta(400) }),
      PasswordResetRequiredError,
      'permanent',
    ],
    [
      'InvalidParameterException',
      'AdminUpdateUserAttributes',
      () => new InvalidParameterException({ message: 'Invalid phone number format.', ...meta(400) }),
      InvalidParameterError,
      'permanent',
    ],
    [
      'InvalidParameterException (token)',
      'ListUsers',
      () => new InvalidParameterException({ message: 'Invalid pagination token.', ...meta(400) }),
      InvalidPaginationTokenError,
      'permanent',
    ],
    [
      'ExpiredTokenException (token)',
      'ListUsersInGroup',
      () => named('ExpiredTokenException', 'Pagination token expired', 400),
      InvalidPaginationTokenError,
      'permanent',
    ],
    [
      'LimitExceededException',
      'CreateGroup',
      () => new LimitExceededException({ message: 'limit', ...meta(400) }),
      LimitExceededError,
      'permanent',
    ],
    [
      'TooManyRequestsException',
      'ListUsers',
      () => new TooManyRequestsException({ message: 'Rate exceeded', ...meta(400) }),
      ThrottledError,
      'throttle',
    ],
    [
      'InternalErrorException (500)',
      'AdminGetUser',
      () => new InternalErrorException({ message: 'boom', ...meta(500) }),
      TransientError,
      'transient',
    ],
    [
      'InternalErrorException (no status)',
      'AdminGetUser',
      () => named('InternalErrorException', 'boom'),
      TransientError,
      'transient',
    ],
    ['HTTP 429', 'AdminGetUser', () => named('SomethingElse', 'slow down', 429), ThrottledError, 'throttle'],
    ['HTTP 502', 'AdminGetUser', () => named('Whatever', 'bad gateway', 502), TransientError, 'transient'],
    [
      'ECONNRESET',
      'AdminGetUser',
      () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      TransientError,
      'transient',
    ],
    [
      'NotAuthorizedException',
      'AdminGetUser',
      () => named('NotAuthorizedException', 'denied', 400),
      CognitoError,
      'permanent',
    ],
  ])('issue 11.5 %s on %s: typed, cause kept, classified', (_label, operation, make, type, kind) => {
    const raw = make();
    const typed = toCognitoError(operation, POOL, raw);
    expect(typed).toBeInstanceOf(type);
    expect(typed).toBeInstanceOf(CognitoError);
    expect(typed).toBeInstanceOf(SuiteError);
    expect(typed.cause).toBe(raw);
    expect(typed).toMatchObject({ operation, poolId: POOL });
    expect(classifyError(typed)).toBe(kind);
    expect(toCognitoError(operation, POOL, typed)).toBe(typed); // typed once
  });

  test('issue 11.5 a pool that is missing is never "user absent", and says what to do', () => {
    const typed = toCognitoError(
      'AdminGetUser',
      POOL,
      new ResourceNotFoundException({ message: 'User pool us-east-1_Pool1 does not exist.', ...meta(400) }),
    );
    expect(typed).not.toBeInstanceOf(UserNotFoundError);
    expect(classifyError(typed)).not.toBe('not-found');
    expect(typed.message).toMatch(/user pool us-east-1_Pool1 was not found .*Check the pool id and Region/);
    expect(describeError(typed)).toMatch(/^PoolNotFoundError: /);
  });

  test("issue 11.5 dead-letter reasons keep Cognito's name and words", () => {
    const typed = toCognitoError(
      'AdminUpdateUserAttributes',
      POOL,
      new InvalidParameterException({ message: 'Invalid phone number format.', ...meta(400) }),
    );
    expect(describeError(typed)).toBe('InvalidParameterException: Invalid phone number format.');
  });

  test('issue 11.5 certainlyNotDelivered reads the typed error: answered 4xx and throttling did nothing, 5xx and resets may have', () => {
    const typed = (err: unknown) => toCognitoError('AdminResetUserPassword', POOL, err);
    expect(certainlyNotDelivered(typed(new TooManyRequestsException({ message: 'x', ...meta(400) })))).toBe(true);
    expect(certainlyNotDelivered(typed(new LimitExceededException({ message: 'x', ...meta(400) })))).toBe(true);
    expect(certainlyNotDelivered(typed(new UserNotFoundException({ message: 'x', ...meta(400) })))).toBe(true);
    expect(certainlyNotDelivered(typed(new InternalErrorException({ message: 'x', ...meta(500) })))).toBe(false);
    expect(certainlyNotDelivered(typed(Object.assign(new Error('reset'), { code: 'ECONNRESET' })))).toBe(false);
    expect(certainlyNotDelivered(typed(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })))).toBe(true);
  });
});

describe('issue 11.5 a missing pool through the adapter (AWS: AdminGetUser answers ResourceNotFoundException)', () => {
  function setup() {
    const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    const clock = new InstantClock();
    const poolId = uniquePoolId();
    const gateway = new CognitoGateway({
      region: 'us-east-1',
      poolId,
      client,
      clock,
      limiter: new QuotaLimiter({ clock }),
    });
    return { mock, gateway, poolId };
  }
  const missingPool = (poolId: string) =>
    new ResourceNotFoundException({ message: `User pool ${poolId} does not exist.`, ...meta(400) });

  test('issue 11.5 getUser throws PoolNotFoundError for a missing pool, and is undefined only for a missing user', async () => {
    const { mock, gateway, poolId } = setup();
    mock
      .on(AdminGetUserCommand)
      .rejectsOnce(missingPool(poolId))
      .rejectsOnce(new UserNotFoundException({ message: 'User does not exist.', ...meta(400) }));
    await expect(gateway.getUser('alice')).rejects.toBeInstanceOf(PoolNotFoundError);
    await expect(gateway.getUser('alice')).resolves.toBeUndefined();
  });

  test('issue 11.5 deleteUser does not count a missing pool as "already deleted"', async () => {
    const { mock, gateway, poolId } = setup();
    mock.onAnyCommand().rejects(missingPool(poolId));
    await expect(gateway.deleteUser('alice')).rejects.toBeInstanceOf(PoolNotFoundError);
  });

  test('issue 11.5 a source read against a missing pool fails; the user is never reported missing', async () => {
    const { mock, gateway, poolId } = setup();
    mock.on(AdminGetUserCommand).rejects(missingPool(poolId));
    mock.on(ListUsersCommand).rejects(missingPool(poolId));
    await expect(readSourceUser(gateway, { username: 'alice', sub: '1111' })).rejects.toBeInstanceOf(PoolNotFoundError);
    await expect(readSourceUser(gateway, { username: 'alice' })).rejects.toBeInstanceOf(PoolNotFoundError);
  });
});
