import type { PlanContext } from '../../../src/core/plan';
import type { UserRecord } from '../../../src/core/types';
import { callsByCategory, driftKinds, planOperations, planPools } from '../../../src/reconcile/planner';
import { planContext, pool, standbyPool } from '../helpers';

const SUB_A = 'aaaaaaaa-1111-4111-8111-111111111111';
const SUB_B = 'bbbbbbbb-2222-4222-8222-222222222222';

function src(
  username: string,
  sub: string,
  extra: Partial<UserRecord> = {},
  attributes: Record<string, string> = {},
): UserRecord {
  return {
    username,
    attributes: { sub, email: `${username}@example.com`, email_verified: 'true', name: username, ...attributes },
    enabled: true,
    status: 'CONFIRMED',
    groups: [],
    ...extra,
  };
}

/** The in-sync replica of a source user (as a listing shows it). */
function rep(s: UserRecord, extra: Partial<UserRecord> = {}, attributes: Record<string, string> = {}): UserRecord {
  const { sub, ...rest } = s.attributes;
  return {
    username: s.username,
    attributes: { ...rest, sub: `r-${sub}`, 'custom:source_sub': sub, ...attributes },
    enabled: s.enabled,
    status: 'CONFIRMED',
    groups: [...(s.groups ?? [])],
    ...extra,
  };
}

function byName(result: ReturnType<typeof planPools>, username: string) {
  const found = result.users.find((u) => u.source.username === username);
  if (!found) throw new Error(`no plan for ${username}`);
  return found.result;
}

describe('planPools: every drift kind (plain usernames)', () => {
  const ctx = planContext({ sourceGroups: new Set(['admins', 'beta', 'old']) }); // the source pool's groups (issue 10.2)
  const inSync = src('insync', SUB_A, { groups: ['admins'] });
  const missing = src('missing', SUB_B, { groups: ['beta'] });
  const renamed = src('renamed', '33333333-3333-4333-8333-333333333333');
  const extraAttr = src('extraattr', '44444444-4444-4444-8444-444444444444');
  const groups = src('groups', '55555555-5555-4555-8555-555555555555', { groups: ['admins', 'beta'] });
  const disabled = src('disabled', '66666666-6666-4666-8666-666666666666', { enabled: false });
  const enabled = src('enabled', '77777777-7777-4777-8777-777777777777');
  const forced = src('forced', '88888888-8888-4888-8888-888888888888');
  const unconfirmed = src('unconfirmed', '99999999-9999-4999-8999-999999999999', { status: 'UNCONFIRMED' });
  const federated = src(
    'Google_123',
    'abababab-0000-4000-8000-000000000000',
    { status: 'EXTERNAL_PROVIDER' },
    { identities: JSON.stringify([{ providerName: 'Google', userId: '123' }]) },
  );
  const gap = src('gap', 'cdcdcdcd-0000-4000-8000-000000000000', {}, { 'custom:unknown': 'x' });
  const sourceUsers = [
    inSync,
    missing,
    renamed,
    extraAttr,
    groups,
    disabled,
    enabled,
    forced,
    unconfirmed,
    federated,
    gap,
  ];
  const standbyUsers = [
    rep(inSync),
    rep(renamed, {}, { name: 'Old name' }),
    rep(extraAttr, {}, { locale: 'fr' }),
    rep(groups, { groups: ['beta', 'old'] }),
    rep(disabled, { enabled: true }),
    rep(enabled, { enabled: false }),
    rep(forced, { status: 'FORCE_CHANGE_PASSWORD' }),
    rep(gap),
    // an orphan (made by the suite from a source user now gone) and a user who signed up in the standby
    {
      username: 'gone',
      attributes: {
        sub: 'r-gone',
        email: 'gone@example.com',
        'custom:source_sub': 'eeeeeeee-0000-4000-8000-000000000000',
      },
      enabled: true,
      status: 'CONFIRMED',
      groups: [],
    },
    {
      username: 'native',
      attributes: { sub: 'r-native', email: 'native@example.com' },
      enabled: true,
      status: 'CONFIRMED',
      groups: [],
    },
  ];
  const result = planPools(sourceUsers, standbyUsers, ctx);

  test('in sync: no write', () => {
    expect(byName(result, 'insync').kind).toBe('in-sync');
  });

  test('missing: create with the groups, a password, the source sub', () => {
    const r = byName(result, 'missing');
    expect(r.kind).toBe('create');
    expect(r.plan!.addGroups).toEqual(['beta']);
    expect(r.plan!.setPassword).toBe(true);
    expect(r.plan!.createAttributes!['custom:source_sub']).toBe(SUB_B);
    expect(driftKinds(r.plan!)).toEqual(['missing']);
  });

  test('attribute changed, attribute to remove', () => {
    expect(byName(result, 'renamed').plan!.updateAttributes).toEqual({ name: 'renamed' });
    expect(byName(result, 'extraattr').plan!.deleteAttributes).toEqual(['locale']);
    expect(driftKinds(byName(result, 'extraattr').plan!)).toEqual(['attributes']);
  });

  test('group memberships added and removed (from the group listings, no per-user read)', () => {
    const p = byName(result, 'groups').plan!;
    expect(p.addGroups).toEqual(['admins']);
    expect(p.removeGroups).toEqual(['old']);
    expect(driftKinds(p)).toEqual(['groups']);
  });

  test('enabled state both ways', () => {
    expect(byName(result, 'disabled').plan!.setEnabled).toBe(false);
    expect(byName(result, 'enabled').plan!.setEnabled).toBe(true);
  });

  test('a replica stuck in FORCE_CHANGE_PASSWORD gets a password', () => {
    const p = byName(result, 'forced').plan!;
    expect(p.setPassword).toBe(true);
    expect(driftKinds(p)).toEqual(['password']);
  });

  test('not replicable: unconfirmed, federated (no linking); schema gaps reported', () => {
    expect(byName(result, 'unconfirmed').plan!.issues).toEqual([{ code: 'unconfirmed' }]);
    expect(byName(result, 'Google_123').kind).toBe('skip');
    expect(byName(result, 'Google_123').plan!.issues[0]).toMatchObject({ code: 'federated', provider: 'Google' });
    const g = byName(result, 'gap');
    expect(g.kind).toBe('in-sync');
    expect(g.plan!.issues).toContainEqual({
      code: 'attribute-gap',
      attribute: 'custom:unknown',
      reason: 'missing-in-standby-schema',
    });
  });

  test('orphans carry the source-sub attribute; standby-only users do not and are never orphans', () => {
    expect(result.orphans.map((u) => u.username)).toEqual(['gone']);
    expect(result.standbyOnly.map((u) => u.username)).toEqual(['native']);
  });

  test('MFA is left alone when not read (no --deep), whatever the markers say', () => {
    const s = src('mfa', SUB_A);
    const r = planPools([s], [rep(s, {}, { 'custom:source_mfa': 'SMS_MFA;SMS_MFA' })], ctx);
    expect(r.users[0].result.kind).toBe('in-sync');
  });

  test('--deep: an SMS MFA source user whose replica marker says NONE gets the preference, then the marker', () => {
    const s = src(
      'mfa',
      SUB_A,
      { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } },
      { phone_number: '+15555550100', phone_number_verified: 'true' },
    );
    const r = planPools([s], [rep(s, {}, { 'custom:source_mfa': 'NONE' })], ctx).users[0].result;
    expect(r.plan!.mfa).toEqual({ sms: { enabled: true, preferred: true } });
    expect(r.plan!.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'SMS_MFA;SMS_MFA' });
    expect(driftKinds(r.plan!)).toEqual(['mfa']);
    expect(planOperations(r.plan!)).toEqual(['AdminSetUserMFAPreference', 'AdminUpdateUserAttributes']);
    // TOTP users are recorded in the marker, and as a plan issue.
    const t = src('totp', SUB_B, { mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' } });
    const tr = planPools([t], [rep(t, {}, { 'custom:source_mfa': 'NONE' })], ctx).users[0].result;
    expect(tr.plan!.issues).toContainEqual({ code: 'totp' });
    expect(tr.plan!.updateAttributes['custom:source_mfa']).toBe('SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA');
  });

  test('federated users with provider linking: created and linked', () => {
    const linking: PlanContext = { ...ctx, linkFederatedUsers: true };
    const r = planPools([federated], [], linking).users[0].result;
    expect(r.kind).toBe('create');
    expect(r.plan!.link).toEqual({ providerName: 'Google', providerUserId: '123' });
    expect(r.plan!.setPassword).toBe(false);
    expect(planOperations(r.plan!)).toEqual(['AdminCreateUser', 'AdminLinkProviderForUser']);
  });
});

describe('planPools: pool username modes', () => {
  test('e-mail as username in both pools: users paired by e-mail (case-insensitive), never by their per-pool UUID', () => {
    const ctx = planContext({
      sourcePool: pool({ usernameAttributes: ['email'] }),
      standbyPool: standbyPool({ usernameAttributes: ['email'] }),
    });
    const s = src(SUB_A, SUB_A, {}, { email: 'Alice@Example.com' });
    const r = rep(s, { username: 'some-other-uuid' }, { email: 'alice@example.com' });
    const result = planPools([s, src(SUB_B, SUB_B)], [r], ctx);
    const alice = result.users[0].result;
    expect(alice.replica!.username).toBe('some-other-uuid');
    expect(alice.kind).toBe('update'); // only the e-mail's case differs
    expect(alice.plan!.standbyUsername).toBe('some-other-uuid');
    const bob = result.users[1].result;
    expect(bob.kind).toBe('create');
    expect(bob.plan!.standbyUsername).toBe(`${SUB_B}@example.com`); // Cognito generates the UUID
    expect(result.orphans).toEqual([]);
  });

  test('phone as username: paired by phone number; a source user without a phone cannot be created', () => {
    const ctx = planContext({
      sourcePool: pool({ usernameAttributes: ['phone_number'] }),
      standbyPool: standbyPool({ usernameAttributes: ['phone_number'] }),
    });
    const s = src('u1', SUB_A, {}, { phone_number: '+15555550101', phone_number_verified: 'true' });
    const none = src('u2', SUB_B);
    const result = planPools([s, none], [rep(s, { username: 'uuid-x' })], ctx);
    expect(result.users[0].result.kind).toBe('in-sync');
    expect(result.users[1].result.kind).toBe('skip');
    expect(result.users[1].result.plan!.issues[0]).toMatchObject({ code: 'no-identity' });
  });

  test('aliases keep the username: paired by username even when the e-mail changed', () => {
    const ctx = planContext({
      sourcePool: pool({ aliasAttributes: ['email'] }),
      standbyPool: standbyPool({ aliasAttributes: ['email'] }),
    });
    const s = src('carol', SUB_A, {}, { email: 'new@example.com' });
    const result = planPools([s], [rep(s, {}, { email: 'old@example.com' })], ctx);
    expect(result.users[0].result.plan!.updateAttributes).toMatchObject({
      email: 'new@example.com',
      email_verified: 'true',
    });
  });

  test('plain source, e-mail standby: paired by e-mail; two standby users with that e-mail and neither carrying the source sub is ambiguous (and neither is an orphan)', () => {
    const ctx = planContext({ standbyPool: standbyPool({ usernameAttributes: ['email'] }) });
    const s = src('dave', SUB_A);
    const twins = [
      rep(s, { username: 'uuid-1' }, { 'custom:source_sub': 'x' }),
      rep(s, { username: 'uuid-2' }, { 'custom:source_sub': 'y' }),
    ];
    const result = planPools([s], twins, ctx);
    expect(result.users[0].result.kind).toBe('ambiguous');
    expect(result.users[0].result.candidates).toBe(2);
    expect(result.orphans).toEqual([]);
    // With the source sub on one of them, that one is the replica and the other an orphan.
    const resolved = planPools([s], [twins[0], rep(s, { username: 'uuid-3' })], ctx);
    expect(resolved.users[0].result.replica!.username).toBe('uuid-3');
    expect(resolved.orphans.map((u) => u.username)).toEqual(['uuid-1']);
  });
});

describe('operations and calls of a plan', () => {
  test('follow applyPlan order and the quota table', () => {
    const ctx = planContext();
    const s = src('x', SUB_A, { groups: ['a', 'b'], enabled: false });
    const p = planPools([s], [], ctx).users[0].result.plan!;
    expect(planOperations(p)).toEqual([
      'AdminCreateUser',
      'AdminSetUserPassword',
      'AdminDisableUser',
      'AdminAddUserToGroup',
      'AdminAddUserToGroup',
    ]);
    expect(callsByCategory(planOperations(p))).toEqual({ UserCreation: 1, UserAccountRecovery: 1, UserUpdate: 3 });
  });
});
