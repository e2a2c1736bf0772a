import {
  chooseReplica,
  identityAttributes,
  locatorKey,
  locatorOf,
  standbyUsernameFor,
} from '../../../src/core/identity';
import { pool, sourceUser } from '../helpers';

const plain = pool();
const alias = pool({ aliasAttributes: ['email', 'phone_number', 'preferred_username'] });
const byEmail = pool({ usernameAttributes: ['email'] });
const byPhone = pool({ usernameAttributes: ['phone_number'] });
const byBoth = pool({ usernameAttributes: ['email', 'phone_number'] });

describe('identityAttributes', () => {
  test.each([
    ['plain -> plain', plain, plain, ['username']],
    ['alias -> alias', alias, alias, ['username']],
    ['plain -> alias', plain, alias, ['username']],
    ['e-mail -> e-mail', byEmail, byEmail, ['email']],
    ['phone -> phone', byPhone, byPhone, ['phone_number']],
    ['both -> both', byBoth, byBoth, ['email', 'phone_number']],
    ['e-mail -> plain (UUID usernames on one side)', byEmail, plain, ['email']],
    ['plain -> phone', plain, byPhone, ['phone_number']],
    ['e-mail -> phone', byEmail, byPhone, ['email', 'phone_number']],
  ])('%s', (_name, source, standby, expected) => {
    expect(identityAttributes(source, standby)).toEqual(expected);
  });
});

describe('locatorOf', () => {
  const user = sourceUser({
    username: 'u-1',
    attributes: { sub: 's', email: 'A@Example.com', phone_number: '+15555550100' },
  });
  test('username mode uses the username', () => {
    expect(locatorOf(user, ['username'])).toEqual({ attribute: 'username', value: 'u-1' });
  });
  test('first attribute the user has, in order', () => {
    expect(locatorOf(user, ['email', 'phone_number'])).toEqual({ attribute: 'email', value: 'A@Example.com' });
    expect(locatorOf({ ...user, attributes: { phone_number: '+15555550100' } }, ['email', 'phone_number'])).toEqual({
      attribute: 'phone_number',
      value: '+15555550100',
    });
  });
  test('undefined when the user has none of them (empty values count as none)', () => {
    expect(locatorOf({ ...user, attributes: { email: '' } }, ['email', 'phone_number'])).toBeUndefined();
  });
  test('locatorKey: e-mail case-insensitive, username kept as is', () => {
    expect(locatorKey({ attribute: 'email', value: 'A@Example.com' })).toBe('email=a@example.com');
    expect(locatorKey({ attribute: 'username', value: 'Alice' })).toBe('username=Alice');
  });
});

describe('standbyUsernameFor', () => {
  const user = sourceUser({ username: 'uuid-1', attributes: { email: 'a@example.com', phone_number: '+15555550100' } });
  test('plain and alias standby pools keep the source username', () => {
    expect(standbyUsernameFor(user, plain)).toBe('uuid-1');
    expect(standbyUsernameFor(user, alias)).toBe('uuid-1');
  });
  test('pools keyed on e-mail / phone take that value', () => {
    expect(standbyUsernameFor(user, byEmail)).toBe('a@example.com');
    expect(standbyUsernameFor(user, byPhone)).toBe('+15555550100');
    expect(standbyUsernameFor({ ...user, attributes: { phone_number: '+15555550100' } }, byBoth)).toBe('+15555550100');
  });
});

describe('chooseReplica', () => {
  const a = { attributes: { 'custom:source_sub': 'sub-a' } };
  const b = { attributes: { 'custom:source_sub': 'sub-b' } };
  const none = { attributes: {} };
  test('no candidate: no replica', () => {
    expect(chooseReplica([], 'sub-a', 'custom:source_sub')).toEqual({ replica: undefined, ambiguous: false });
  });
  test('one candidate is taken whatever sub it carries (re-created source user)', () => {
    expect(chooseReplica([b], 'sub-a', 'custom:source_sub')).toEqual({ replica: b, ambiguous: false });
    expect(chooseReplica([none], 'sub-a', 'custom:source_sub')).toEqual({ replica: none, ambiguous: false });
  });
  test('several candidates resolve through the source sub', () => {
    expect(chooseReplica([b, a, none], 'sub-a', 'custom:source_sub')).toEqual({ replica: a, ambiguous: false });
  });
  test('several candidates without the source sub are ambiguous', () => {
    expect(chooseReplica([b, none], 'sub-a', 'custom:source_sub')).toEqual({ ambiguous: true });
    expect(chooseReplica([a, b], undefined, 'custom:source_sub')).toEqual({ ambiguous: true });
  });
});
