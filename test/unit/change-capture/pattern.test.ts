/**
 * The change-capture rule against recorded-shape CloudTrail events: it takes what changes a user
 * of the local pool (admin and self-service), and ignores reads, other pools, the peer
 * deployment's own replication writes and events that do not name a user by sub.
 */
import { ADMIN_USER_EVENTS, SELF_SERVICE_USER_EVENTS } from '../../../src/change-capture/events';
import { matchesPattern } from '../../../src/change-capture/pattern-matcher';
import { changeCapturePattern, defaultEchoRoleArns } from '../../../src/change-capture/rule';
import {
  ACCOUNT,
  ANONYMOUS,
  APP_ROLE,
  IAM_USER,
  LOCAL_POOL,
  OTHER_POOL,
  OWN_WORKER_ROLE,
  PEER_RECONCILE_ROLE,
  PEER_WORKER_ROLE,
  adminEvent,
  assumedRole,
  envelope,
  selfServiceEvent,
} from './fixtures';

const echoRoleArns = defaultEchoRoleArns({
  accountId: ACCOUNT,
  service: 'cognito-standby-sync',
  stage: 'prod',
  peerRegion: 'us-west-2',
});
const pattern = changeCapturePattern({ localPoolId: LOCAL_POOL, echoRoleArns });
const matches = (e: unknown) => matchesPattern(pattern, e);

test("the echo roles are the peer deployment's worker and reconciler", () => {
  expect(echoRoleArns).toEqual([PEER_WORKER_ROLE, PEER_RECONCILE_ROLE]);
});

describe('takes', () => {
  test.each(ADMIN_USER_EVENTS.map((n) => [n]))('%s on the local pool by an application role', (name) => {
    expect(matches(adminEvent(name))).toBe(true);
  });

  test("admin calls by an IAM user (no sessionContext) and by this deployment's own worker role", () => {
    expect(matches(adminEvent('AdminDisableUser', { identity: IAM_USER }))).toBe(true);
    // Our own worker never writes the local pool, but if it did it would be a real change here.
    expect(matches(adminEvent('AdminDisableUser', { identity: assumedRole(OWN_WORKER_ROLE) }))).toBe(true);
  });

  test.each(SELF_SERVICE_USER_EVENTS.map((n) => [n]))('self-service %s (anonymous, no pool named)', (name) => {
    expect(matches(selfServiceEvent(name))).toBe(true);
  });

  test('the recorded AdminAddUserToGroup shape (username, groupName, userPoolId; sub in additionalEventData)', () => {
    expect(matches(adminEvent('AdminAddUserToGroup', { params: { groupName: 'admins' } }))).toBe(true);
  });
});

describe('ignores', () => {
  test('reads', () => {
    for (const name of [
      'AdminGetUser',
      'ListUsers',
      'AdminListGroupsForUser',
      'DescribeUserPool',
      'ListUsersInGroup',
      'GetUser',
    ]) {
      expect({ name, matched: matches(adminEvent(name)) }).toEqual({ name, matched: false });
    }
  });

  test('calls that change no single user, or are covered elsewhere', () => {
    for (const name of [
      'CreateGroup',
      'UpdateUserPool',
      'AdminConfirmSignUp',
      'AdminSetUserPassword',
      'AdminResetUserPassword',
      'InitiateAuth',
      'SignUp',
      'ConfirmSignUp',
    ]) {
      expect({ name, matched: matches(adminEvent(name)) }).toEqual({ name, matched: false });
    }
  });

  test('another pool', () => {
    expect(matches(adminEvent('AdminUpdateUserAttributes', { pool: OTHER_POOL }))).toBe(false);
    expect(matches(adminEvent('AdminDeleteUser', { pool: OTHER_POOL, identity: IAM_USER }))).toBe(false);
  });

  test("the peer deployment's worker and reconciler (their writes are replication, not changes)", () => {
    for (const role of [PEER_WORKER_ROLE, PEER_RECONCILE_ROLE]) {
      for (const name of [
        'AdminCreateUser',
        'AdminUpdateUserAttributes',
        'AdminDisableUser',
        'AdminAddUserToGroup',
        'AdminDeleteUser',
      ]) {
        expect({ role, name, matched: matches(adminEvent(name, { identity: assumedRole(role) })) }).toEqual({
          role,
          name,
          matched: false,
        });
      }
    }
  });

  test('a self-service event without a sub (it names no pool and no user: nothing could locate its user)', () => {
    const e = selfServiceEvent('UpdateUserAttributes');
    delete (e.detail as Record<string, unknown>).additionalEventData;
    expect(matches(e)).toBe(false);
  });

  test('other sources and detail types', () => {
    const e = adminEvent('AdminDisableUser');
    expect(matches({ ...e, source: 'aws.cognito-identity' })).toBe(false);
    expect(matches({ ...e, 'detail-type': 'AWS Service Event via CloudTrail' })).toBe(false);
    expect(matches(envelope({ eventName: 'Token_POST', userIdentity: ANONYMOUS, additionalEventData: {} }))).toBe(
      false,
    );
  });

  test('an admin event name without a pool, and a self-service name with one, match neither branch', () => {
    const noPool = adminEvent('AdminDisableUser');
    delete (noPool.detail.requestParameters as Record<string, unknown>).userPoolId;
    expect(matches(noPool)).toBe(false);
    const withPool = selfServiceEvent('UpdateUserAttributes');
    (withPool.detail.requestParameters as Record<string, unknown>).userPoolId = OTHER_POOL;
    expect(matches(withPool)).toBe(false);
  });
});

test('without echo roles the admin branch takes every caller', () => {
  const p = changeCapturePattern({ localPoolId: LOCAL_POOL, echoRoleArns: [] });
  expect(matchesPattern(p, adminEvent('AdminDisableUser', { identity: assumedRole(PEER_WORKER_ROLE) }))).toBe(true);
});

test("the pattern fits EventBridge's size limit with room for more roles", () => {
  expect(JSON.stringify(pattern).length).toBeLessThan(2048);
  expect(APP_ROLE).toBeDefined();
});

describe('issue 10.9: change capture of admin-created users', () => {
  test('admin events are taken whether or not they carry additionalEventData.sub (the worker locates or counts them)', () => {
    expect(matches(adminEvent('AdminCreateUser', { sub: null, params: { username: 'new.user@example.com' } }))).toBe(
      true,
    );
    expect(matches(adminEvent('AdminCreateUser', { sub: null, identity: IAM_USER }))).toBe(true);
    expect(matches(adminEvent('AdminCreateUser'))).toBe(true);
  });

  test("never the peer's replication writes, nor another pool's, with or without the sub", () => {
    for (const role of [PEER_WORKER_ROLE, PEER_RECONCILE_ROLE]) {
      expect(
        matches(
          adminEvent('AdminCreateUser', { sub: null, identity: assumedRole(role), params: { username: 'replica' } }),
        ),
      ).toBe(false);
    }
    expect(matches(adminEvent('AdminCreateUser', { sub: null, pool: OTHER_POOL, params: { username: 'x' } }))).toBe(
      false,
    );
  });
});

describe('the matcher itself (EventBridge semantics)', () => {
  test('values, prefix, anything-but, exists, arrays and $or', () => {
    const e = { a: 'x', n: 5, list: ['p', 'q'], o: { b: 'yes' } };
    expect(matchesPattern({ a: ['x', 'y'] }, e)).toBe(true);
    expect(matchesPattern({ a: ['y'] }, e)).toBe(false);
    expect(matchesPattern({ n: [5] }, e)).toBe(true);
    expect(matchesPattern({ list: ['q'] }, e)).toBe(true);
    expect(matchesPattern({ a: [{ prefix: 'x' }] }, e)).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x'] }] }, e)).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': 'z' }] }, e)).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: 'x' } }] }, e)).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: 'HIDDEN_' } }] }, e)).toBe(true);
    expect(matchesPattern({ missing: [{ 'anything-but': 'z' }] }, e)).toBe(false); // a missing field matches nothing but exists:false
    expect(matchesPattern({ missing: [{ exists: false }] }, e)).toBe(true);
    expect(matchesPattern({ o: { b: [{ exists: true }] } }, e)).toBe(true);
    expect(matchesPattern({ deep: { er: [{ exists: false }] } }, e)).toBe(true);
    expect(matchesPattern({ $or: [{ a: ['nope'] }, { o: { b: ['yes'] } }] }, e)).toBe(true);
    expect(matchesPattern({ $or: [{ a: ['nope'] }, { o: { b: ['no'] } }] }, e)).toBe(false);
  });

  test('an operator it does not know throws instead of passing', () => {
    expect(() => matchesPattern({ n: [{ numeric: ['>', 1] }] }, { n: 5 })).toThrow(/unsupported/);
  });
});
