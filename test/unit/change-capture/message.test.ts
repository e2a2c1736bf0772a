/** CloudTrail event -> v1 SyncMessage, through the input transformer the rule's target uses. */
import { parseSyncMessage } from '../../../src/core/message';
import { changeCaptureTransformer, TRANSFORMER_PATHS } from '../../../src/change-capture/rule';
import { screenMessage, syncMessageFromEvent } from '../../../src/change-capture/screen';
import { applyInputTransformer, valueAtPath } from '../../../src/change-capture/transformer';
import { loadChangeCaptureConfig } from '../../../src/change-capture/config';
import { LOCAL_POOL, OTHER_POOL, PEER_WORKER_ROLE, SUB, adminEvent, assumedRole, IAM_USER, selfServiceEvent } from './fixtures';

const opts = { region: 'us-east-1', localPoolId: LOCAL_POOL };

test('an admin event becomes a message naming the user by sub, with the caller and the pool it stated', () => {
  const m = syncMessageFromEvent(adminEvent('AdminDisableUser', { identity: assumedRole(PEER_WORKER_ROLE) }), opts);
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

test('an IAM user (no sessionIssuer) gives no actor; a self-service event no pool', () => {
  const admin = syncMessageFromEvent(adminEvent('AdminUpdateUserAttributes', { identity: IAM_USER }), opts);
  expect(admin.actor).toBeUndefined();
  const self = syncMessageFromEvent(selfServiceEvent('DeleteUser'), opts);
  expect(self).toEqual({ v: 1, sourceRegion: 'us-east-1', sourcePoolId: LOCAL_POOL, sub: SUB, reason: 'DeleteUser', at: '2026-10-01T10:15:31Z' });
});

test('a username the event does show is kept (both are then used to locate the user)', () => {
  const m = syncMessageFromEvent(adminEvent('AdminEnableUser', { params: { username: 'alice' } }), opts);
  expect(m).toMatchObject({ username: 'alice', sub: SUB });
});

test('the rendered body is the JSON the queue receives; empty and hidden values read as absent', () => {
  const body = applyInputTransformer(changeCaptureTransformer(opts), selfServiceEvent('UpdateUserAttributes'));
  expect(JSON.parse(body)).toMatchObject({ username: '', actor: '', eventPoolId: '', sub: SUB });
  expect(parseSyncMessage(body)).not.toHaveProperty('username');
  expect(parseSyncMessage(JSON.stringify({ ...JSON.parse(body), username: null }))).not.toHaveProperty('username');
});

test('an event without a sub cannot locate anyone: malformed (the rule never lets one through)', () => {
  expect(() => syncMessageFromEvent(adminEvent('AdminDisableUser', { sub: null }), opts)).toThrow(/username or a sub/);
});

test('the transformer reads dot paths only', () => {
  expect(valueAtPath({ a: { b: 'c' } }, '$.a.b')).toBe('c');
  expect(valueAtPath({ a: { b: 'c' } }, '$.a.x.y')).toBeUndefined();
  expect(Object.values(TRANSFORMER_PATHS).every((p) => /^\$(\.[\w-]+)+$/.test(p))).toBe(true);
});

describe('screening in the worker', () => {
  const base = syncMessageFromEvent(adminEvent('AdminDisableUser'), opts);

  test('an echo of the peer\'s replication is dropped', () => {
    expect(screenMessage({ ...base, actor: PEER_WORKER_ROLE }, [PEER_WORKER_ROLE])).toEqual({ action: 'drop', why: 'echo' });
    expect(screenMessage(base, [PEER_WORKER_ROLE])).toEqual({ action: 'replicate', poolStated: true });
  });

  test('an event of another pool is dropped; a self-service event replicates with the pool unstated', () => {
    expect(screenMessage({ ...base, eventPoolId: OTHER_POOL }, [])).toEqual({ action: 'drop', why: 'other-pool' });
    expect(screenMessage(syncMessageFromEvent(selfServiceEvent('UpdateUserAttributes'), opts), [])).toEqual({ action: 'replicate', poolStated: false });
  });

  test('trigger messages are untouched', () => {
    const trigger = parseSyncMessage(JSON.stringify({ v: 1, sourceRegion: 'us-east-1', sourcePoolId: LOCAL_POOL, username: 'alice', sub: SUB, reason: 'PostConfirmation_ConfirmSignUp', at: '2026-10-01T10:15:31.123Z' }));
    expect(screenMessage(trigger, [PEER_WORKER_ROLE])).toEqual({ action: 'replicate', poolStated: true });
  });
});

test('configuration: echo roles and the index table', () => {
  expect(loadChangeCaptureConfig({ ECHO_ROLE_ARNS: ` ${PEER_WORKER_ROLE} ,`, REPLICA_INDEX_TABLE: 'css-prod-replica-index' })).toEqual({
    echoRoleArns: [PEER_WORKER_ROLE],
    replicaIndexTable: 'css-prod-replica-index',
    dynamodbEndpoint: undefined,
  });
  expect(loadChangeCaptureConfig({})).toEqual({ echoRoleArns: [], replicaIndexTable: undefined, dynamodbEndpoint: undefined });
  expect(() => loadChangeCaptureConfig({ ECHO_ROLE_ARNS: 'worker' })).toThrow(/ECHO_ROLE_ARNS/);
});
