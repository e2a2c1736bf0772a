/** CloudTrail event -> what the rule's target delivers -> the worker's SyncMessage. */
import { parseSyncMessage } from '../../../src/core/message';
import { TARGET_INPUT_PROPERTIES, targetBody } from '../../../src/change-capture/rule';
import {
  parseQueueMessage,
  peekQueueMessage,
  queueMessageUserKey,
  syncMessageFromCapturedEvent,
  UnlocatableEventError,
} from '../../../src/change-capture/queue-message';
import { screenMessage, syncMessageFromEvent } from '../../../src/change-capture/screen';
import { loadChangeCaptureConfig } from '../../../src/config/change-capture';
import {
  LOCAL_POOL,
  OTHER_POOL,
  PEER_WORKER_ROLE,
  SUB,
  adminEvent,
  assumedRole,
  envelope,
  IAM_USER,
  selfServiceEvent,
} from './fixtures';

const ctx = { sourceRegion: 'us-east-1', sourcePoolId: LOCAL_POOL };

test('an admin event becomes a message naming the user by sub, with the caller and the pool it stated', () => {
  const m = syncMessageFromEvent(adminEvent('AdminDisableUser', { identity: assumedRole(PEER_WORKER_ROLE) }), ctx);
  expect(m).toEqual({
    v: 1,
    sourceRegion: 'us-east-1',
    sourcePoolId: LOCAL_POOL,
    sub: SUB,
    reason: 'AdminDisableUser',
    at: '2026-10-01T10:15:31Z',
    actor: PEER_WORKER_ROLE,
    eventPoolId: LOCAL_POOL,
  });
  expect(m.username).toBeUndefined(); // HIDDEN_DUE_TO_SECURITY_REASONS is no username
});

test("an IAM user (no sessionIssuer) gives no actor; a self-service event no pool (the worker's own pool is the source)", () => {
  const admin = syncMessageFromEvent(adminEvent('AdminUpdateUserAttributes', { identity: IAM_USER }), ctx);
  expect(admin.actor).toBeUndefined();
  const self = syncMessageFromEvent(selfServiceEvent('DeleteUser'), ctx);
  expect(self).toEqual({
    v: 1,
    sourceRegion: 'us-east-1',
    sourcePoolId: LOCAL_POOL,
    sub: SUB,
    reason: 'DeleteUser',
    at: '2026-10-01T10:15:31Z',
  });
});

test('a username the event does show is kept (both are then used to locate the user)', () => {
  const m = syncMessageFromEvent(adminEvent('AdminEnableUser', { params: { username: 'alice' } }), ctx);
  expect(m).toMatchObject({ username: 'alice', sub: SUB });
});

test('issue 10.9: admin-created users: an event with neither a sub nor a username in clear is unlocatable, not malformed', () => {
  expect(() => syncMessageFromEvent(adminEvent('AdminCreateUser', { sub: null }), ctx)).toThrow(UnlocatableEventError);
  expect(() => syncMessageFromEvent(adminEvent('AdminCreateUser', { sub: null }), ctx)).toThrow(
    /AdminCreateUser event names its user neither by sub nor by a username in clear/,
  );
  expect(
    syncMessageFromEvent(adminEvent('AdminCreateUser', { sub: null, params: { username: 'bob' } }), ctx),
  ).toMatchObject({ username: 'bob', reason: 'AdminCreateUser' });
  expect(
    syncMessageFromEvent(adminEvent('AdminCreateUser', { sub: null, params: { username: 'bob' } }), ctx),
  ).not.toHaveProperty('sub');
});

test('the target delivers the event itself: no input transformation to configure', () => {
  const event = adminEvent('AdminDisableUser');
  expect(JSON.parse(targetBody(event))).toEqual(event);
  expect(TARGET_INPUT_PROPERTIES).toEqual(['Input', 'InputPath', 'InputTransformer']);
});

describe('issue 10.7: the EventBridge input transformer does not escape values', () => {
  test('a username with a quote and a backslash still gives a valid body and the exact username', () => {
    const username = 'o"brien\\admin';
    const body = targetBody(adminEvent('AdminCreateUser', { params: { username } }));
    expect(() => JSON.parse(body)).not.toThrow();
    expect(parseQueueMessage(body, ctx)).toMatchObject({ username, sub: SUB, reason: 'AdminCreateUser' });
  });

  test('a missing username, sub, caller or pool is absent, never an empty or placeholder string', () => {
    const e = selfServiceEvent('UpdateUserAttributes');
    delete (e.detail as Record<string, unknown>).requestParameters;
    const m = parseQueueMessage(targetBody(e), ctx);
    for (const k of ['username', 'actor', 'eventPoolId']) expect(m).not.toHaveProperty(k);
    expect(m.sub).toBe(SUB);
  });

  test('empty, null, masked and wrongly typed values are absent', () => {
    for (const username of [
      '',
      '   ',
      null,
      42,
      'HIDDEN_DUE_TO_SECURITY_REASONS',
      'HIDDEN_FOR_SECURITY_REASONS',
      '<username>',
    ]) {
      const m = parseQueueMessage(targetBody(adminEvent('AdminEnableUser', { params: { username } })), ctx);
      expect({ username, parsed: m.username }).toEqual({ username, parsed: undefined });
    }
    const emptyPool = parseQueueMessage(targetBody(adminEvent('AdminEnableUser', { params: { userPoolId: '' } })), ctx);
    expect(emptyPool.eventPoolId).toBeUndefined();
    expect(() => parseQueueMessage(targetBody(adminEvent('AdminEnableUser', { sub: '' })), ctx)).toThrow(
      UnlocatableEventError,
    );
  });

  test("an event time that is missing or not ISO 8601 falls back to EventBridge's own time", () => {
    const e = adminEvent('AdminEnableUser');
    (e.detail as Record<string, unknown>).eventTime = '';
    expect(parseQueueMessage(targetBody({ ...e, time: '2026-10-01T10:15:32Z' }), ctx).at).toBe('2026-10-01T10:15:32Z');
  });

  test('a body that is no Cognito CloudTrail event names the problem', () => {
    const other = { ...adminEvent('AdminEnableUser'), source: 'aws.s3' };
    expect(() => parseQueueMessage(JSON.stringify(other), ctx)).toThrow(
      /not a Cognito "AWS API Call via CloudTrail" event \(source: /,
    );
    expect(() =>
      syncMessageFromCapturedEvent(envelope({ eventSource: 'cognito-idp.amazonaws.com', requestParameters: 'x' }), ctx),
    ).toThrow(/detail\.eventName/);
  });

  test('messages of the earlier rule (rendered by the transformer) still parse: empty and placeholder values are absent', () => {
    const old = {
      v: 1,
      sourceRegion: 'us-east-1',
      sourcePoolId: LOCAL_POOL,
      username: '',
      sub: SUB,
      reason: 'DeleteUser',
      at: '2026-10-01T10:15:31Z',
      actor: '<actor>',
      eventPoolId: '',
    };
    expect(parseSyncMessage(JSON.stringify(old))).toEqual({
      v: 1,
      sourceRegion: 'us-east-1',
      sourcePoolId: LOCAL_POOL,
      sub: SUB,
      reason: 'DeleteUser',
      at: '2026-10-01T10:15:31Z',
    });
  });

  test('messages about one user are grouped whichever producer sent them', () => {
    const trigger = JSON.stringify({
      v: 1,
      sourceRegion: 'us-east-1',
      sourcePoolId: LOCAL_POOL,
      username: 'alice',
      sub: SUB,
      reason: 'PostConfirmation_ConfirmSignUp',
      at: '2026-10-01T10:15:31Z',
    });
    expect(queueMessageUserKey(trigger)).toBe(`sub:${SUB}`);
    expect(queueMessageUserKey(targetBody(adminEvent('AdminEnableUser')))).toBe(`sub:${SUB}`);
    expect(
      queueMessageUserKey(targetBody(adminEvent('AdminCreateUser', { sub: null, params: { username: 'bob' } }))),
    ).toBe('username:bob');
    expect(queueMessageUserKey(targetBody(adminEvent('AdminCreateUser', { sub: null })))).toBeUndefined();
    expect(queueMessageUserKey('{"v":1,')).toBeUndefined();
    expect(queueMessageUserKey('null')).toBeUndefined();
  });

  test('tooling reads the sub, the cause and the caller of either kind of body the same way', () => {
    expect(
      peekQueueMessage(targetBody(adminEvent('AdminDisableUser', { identity: assumedRole(PEER_WORKER_ROLE) }))),
    ).toEqual({ sub: SUB, username: undefined, reason: 'AdminDisableUser', actor: PEER_WORKER_ROLE });
    expect(
      peekQueueMessage(
        JSON.stringify({
          v: 1,
          sub: SUB,
          reason: 'PostConfirmation_ConfirmSignUp',
          username: 'HIDDEN_FOR_SECURITY_REASONS',
        }),
      ),
    ).toEqual({ sub: SUB, username: undefined, reason: 'PostConfirmation_ConfirmSignUp', actor: undefined });
    for (const body of ['[1]', 'null', 'x']) expect(peekQueueMessage(body)).toBeUndefined();
  });
});

describe('screening in the worker', () => {
  const base = syncMessageFromEvent(adminEvent('AdminDisableUser'), ctx);

  test("an echo of the peer's replication is dropped", () => {
    expect(screenMessage({ ...base, actor: PEER_WORKER_ROLE }, [PEER_WORKER_ROLE])).toEqual({
      action: 'drop',
      why: 'echo',
    });
    expect(screenMessage(base, [PEER_WORKER_ROLE])).toEqual({ action: 'replicate', poolStated: true });
  });

  test('an event of another pool is dropped; a self-service event replicates with the pool unstated', () => {
    expect(screenMessage(syncMessageFromEvent(adminEvent('AdminDisableUser', { pool: OTHER_POOL }), ctx), [])).toEqual({
      action: 'drop',
      why: 'other-pool',
    });
    expect(screenMessage(syncMessageFromEvent(selfServiceEvent('UpdateUserAttributes'), ctx), [])).toEqual({
      action: 'replicate',
      poolStated: false,
    });
  });

  test('trigger messages are untouched', () => {
    const trigger = parseSyncMessage(
      JSON.stringify({
        v: 1,
        sourceRegion: 'us-east-1',
        sourcePoolId: LOCAL_POOL,
        username: 'alice',
        sub: SUB,
        reason: 'PostConfirmation_ConfirmSignUp',
        at: '2026-10-01T10:15:31.123Z',
      }),
    );
    expect(screenMessage(trigger, [PEER_WORKER_ROLE])).toEqual({ action: 'replicate', poolStated: true });
  });
});

test('configuration: echo roles and the index table', () => {
  expect(
    loadChangeCaptureConfig({
      ECHO_ROLE_ARNS: ` ${PEER_WORKER_ROLE} ,`,
      REPLICA_INDEX_TABLE: 'css-prod-replica-index',
    }),
  ).toEqual({
    echoRoleArns: [PEER_WORKER_ROLE],
    replicaIndexTable: 'css-prod-replica-index',
    dynamodbEndpoint: undefined,
  });
  expect(loadChangeCaptureConfig({})).toEqual({
    echoRoleArns: [],
    replicaIndexTable: undefined,
    dynamodbEndpoint: undefined,
  });
  expect(() => loadChangeCaptureConfig({ ECHO_ROLE_ARNS: 'worker' })).toThrow(/ECHO_ROLE_ARNS/);
});
