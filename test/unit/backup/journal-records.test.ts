/** What the journal records of one handled change (pure). */
import { journalEntriesOf, DELETION_CAUSES } from '../../../src/backup/journal-records';
import { USER_DELETION_EVENTS } from '../../../src/change-capture/events';
import type { UserRecord } from '../../../src/core/types';

const SUB = '0c1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const HANDLED = new Date('2026-11-30T09:41:07.250Z');
const EVENT_TIME = '2026-11-30T09:41:00Z';

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    username: 'alice',
    attributes: { sub: SUB, email: 'alice@example.com', email_verified: 'true', 'custom:tier': 'gold' },
    enabled: false,
    status: 'CONFIRMED',
    groups: ['zeta', 'admins'],
    mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' },
    createdAt: new Date('2025-01-02T03:04:05Z'),
    lastModifiedAt: new Date('2026-11-30T09:40:59Z'),
    ...overrides,
  };
}

const message = (reason: string, o: { sub?: string; username?: string; at?: string } = {}) => ({
  sub: SUB,
  reason,
  at: EVENT_TIME,
  ...o,
});

test('the deletion causes are change capture’s deletion events', () => {
  expect([...DELETION_CAUSES].sort()).toEqual([...USER_DELETION_EVENTS].sort());
});

test('a user read: its full state (attributes with verified flags, status, enabled, groups sorted, MFA, service times)', () => {
  const entries = journalEntriesOf({
    outcome: { result: 'updated', sourceSub: SUB, source: user() },
    message: message('AdminDisableUser'),
    poolStated: true,
    handledAt: HANDLED,
  });
  expect(entries).toEqual({
    records: [
      {
        kind: 'user',
        at: HANDLED.toISOString(),
        user: {
          username: 'alice',
          sub: SUB,
          attributes: { sub: SUB, email: 'alice@example.com', email_verified: 'true', 'custom:tier': 'gold' },
          enabled: false,
          status: 'CONFIRMED',
          groups: ['admins', 'zeta'],
          mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' },
          createdAt: '2025-01-02T03:04:05.000Z',
          lastModifiedAt: '2026-11-30T09:40:59.000Z',
        },
      },
    ],
    erasures: [],
  });
});

test('a user that needed no write (in-sync, skipped) is recorded all the same', () => {
  for (const result of ['in-sync', 'skipped'])
    expect(
      journalEntriesOf({
        outcome: { result, source: user() },
        message: message('AdminEnableUser'),
        poolStated: true,
        handledAt: HANDLED,
      }).records,
    ).toHaveLength(1);
});

test('unknown parts stay absent, never guessed', () => {
  const [r] = journalEntriesOf({
    outcome: { result: 'created', source: user({ groups: undefined, mfa: undefined, lastModifiedAt: undefined }) },
    message: message('PostConfirmation_ConfirmSignUp'),
    poolStated: true,
    handledAt: HANDLED,
  }).records;
  expect(r.kind === 'user' && Object.keys(r.user)).toEqual(
    expect.not.arrayContaining(['groups', 'mfa', 'lastModifiedAt']),
  );
});

test('AdminDeleteUser: a tombstone at CloudTrail’s eventTime (not the writer’s clock), cause the event name, no erasure', () => {
  expect(
    journalEntriesOf({
      outcome: { result: 'source-missing', sourceSub: SUB },
      message: message('AdminDeleteUser'),
      poolStated: true,
      handledAt: new Date('2031-01-01T00:00:00Z'), // a writer's clock far off
    }),
  ).toEqual({ records: [{ kind: 'tombstone', at: EVENT_TIME, sub: SUB, cause: 'AdminDeleteUser' }], erasures: [] });
});

test('DeleteUser (the user’s own deletion, no pool stated): a tombstone and an erasure ledger entry', () => {
  expect(
    journalEntriesOf({
      outcome: { result: 'source-missing', sourceSub: SUB },
      message: message('DeleteUser', { username: 'alice' }),
      poolStated: false,
      handledAt: HANDLED,
    }),
  ).toEqual({
    records: [{ kind: 'tombstone', at: EVENT_TIME, sub: SUB, username: 'alice', cause: 'DeleteUser' }],
    erasures: [{ sub: SUB, at: HANDLED.toISOString(), cause: 'DeleteUser' }],
  });
});

test('gone after another message naming this pool: a tombstone without cause at the handling time (an upper bound)', () => {
  expect(
    journalEntriesOf({
      outcome: { result: 'source-missing', sourceSub: SUB },
      message: message('AdminUpdateUserAttributes'),
      poolStated: true,
      handledAt: HANDLED,
    }).records,
  ).toEqual([{ kind: 'tombstone', at: HANDLED.toISOString(), sub: SUB }]);
});

test('gone after a self-service event that names no pool (another pool’s user): nothing recorded', () => {
  expect(
    journalEntriesOf({
      outcome: { result: 'source-missing', sourceSub: SUB },
      message: message('UpdateUserAttributes'),
      poolStated: false,
      handledAt: HANDLED,
    }),
  ).toEqual({ records: [], erasures: [] });
});

test('gone and named by no sub: nothing can be recorded, and that is said', () => {
  expect(
    journalEntriesOf({
      outcome: { result: 'source-missing' },
      message: { reason: 'AdminDeleteUser', username: 'alice', at: EVENT_TIME },
      poolStated: true,
      handledAt: HANDLED,
    }),
  ).toEqual({ records: [], erasures: [], unlocatable: true });
});
