import {
  deferMfa,
  needsReplicaMfa,
  type PlanContext,
  planReplication,
  type ReplicationPlan,
  writeCount,
} from '../../../src/core/plan';
import type { UserRecord } from '../../../src/core/types';
import { planContext, pool, sourceUser, STANDARD_SCHEMA, standbyPool } from '../helpers';

const SUB = '11111111-1111-4111-8111-111111111111';
const REPLICA_SUB = '99999999-9999-4999-8999-999999999999';

/** The replica a create plan leaves behind, as ListUsers would show it (no MFA, no groups read). */
function replicaAfter(plan: ReplicationPlan, source: UserRecord, ctx: PlanContext): UserRecord {
  expect(plan.kind).toBe('create');
  const uuidUsername = ctx.standbyPool.usernameAttributes.length > 0;
  return {
    username: uuidUsername ? REPLICA_SUB : plan.standbyUsername!,
    attributes: { ...plan.createAttributes, ...plan.afterMfaAttributes, sub: REPLICA_SUB },
    enabled: plan.setEnabled ?? true,
    status: plan.setPassword ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD',
    groups: [...plan.addGroups],
    mfa: undefined,
    createdAt: source.createdAt,
  };
}

const NEVER_COPIED = [
  'sub',
  'identities',
  'updated_at',
  'cognito:user_status',
  'cognito:mfa_enabled',
  'cognito:username',
];

function writtenAttributeNames(plan: ReplicationPlan): string[] {
  return [
    ...Object.keys(plan.createAttributes ?? {}),
    ...Object.keys(plan.updateAttributes),
    ...Object.keys(plan.afterMfaAttributes ?? {}),
  ];
}

describe('planReplication: new replica', () => {
  test('plain usernames: creates with the same username, every writable attribute, the source sub and a password', () => {
    const ctx = planContext();
    const plan = planReplication(sourceUser(), undefined, ctx);
    expect(plan.kind).toBe('create');
    expect(plan.standbyUsername).toBe('alice');
    expect(plan.createAttributes).toEqual({
      email: 'alice@example.com',
      email_verified: 'true',
      name: 'Alice',
      'custom:source_sub': SUB,
      'custom:source_mfa': 'NONE',
    });
    expect(plan.setPassword).toBe(true);
    expect(plan.setEnabled).toBeUndefined();
    expect(plan.issues).toEqual([]);
    expect(writeCount(plan)).toBe(2); // AdminCreateUser + AdminSetUserPassword
  });

  test('e-mail as username in the standby: the e-mail is the username given (Cognito makes the UUID)', () => {
    const ctx = planContext({
      sourcePool: pool({ usernameAttributes: ['email'] }),
      standbyPool: standbyPool({ usernameAttributes: ['email'] }),
    });
    const plan = planReplication(sourceUser({ username: SUB }), undefined, ctx);
    expect(plan.kind).toBe('create');
    expect(plan.standbyUsername).toBe('alice@example.com');
    expect(plan.createAttributes?.email).toBe('alice@example.com');
  });

  test('phone as username in the standby: the phone number is the username given', () => {
    const ctx = planContext({
      sourcePool: pool({ usernameAttributes: ['phone_number'] }),
      standbyPool: standbyPool({ usernameAttributes: ['phone_number'] }),
    });
    const source = sourceUser({
      username: SUB,
      attributes: { sub: SUB, phone_number: '+15555550100', phone_number_verified: 'true' },
    });
    const plan = planReplication(source, undefined, ctx);
    expect(plan.standbyUsername).toBe('+15555550100');
    expect(plan.createAttributes).toMatchObject({ phone_number: '+15555550100', phone_number_verified: 'true' });
  });

  test('e-mail and phone as username: e-mail first, phone when the user has no e-mail', () => {
    const both = standbyPool({ usernameAttributes: ['email', 'phone_number'] });
    const ctx = planContext({ sourcePool: pool({ usernameAttributes: ['email', 'phone_number'] }), standbyPool: both });
    const withBoth = sourceUser({
      username: SUB,
      attributes: { sub: SUB, email: 'a@example.com', phone_number: '+15555550100' },
    });
    expect(planReplication(withBoth, undefined, ctx).standbyUsername).toBe('a@example.com');
    const phoneOnly = sourceUser({ username: SUB, attributes: { sub: SUB, phone_number: '+15555550100' } });
    expect(planReplication(phoneOnly, undefined, ctx).standbyUsername).toBe('+15555550100');
  });

  test('no identity: a standby keyed on e-mail/phone cannot hold a user who has neither', () => {
    const ctx = planContext({ standbyPool: standbyPool({ usernameAttributes: ['email', 'phone_number'] }) });
    const plan = planReplication(sourceUser({ attributes: { sub: SUB, name: 'Nobody' } }), undefined, ctx);
    expect(plan.kind).toBe('skip');
    expect(plan.issues).toContainEqual({ code: 'no-identity', attribute: 'email|phone_number' });
    expect(writeCount(plan)).toBe(0);
  });

  test('alias pools keep the username (aliases are attributes)', () => {
    const alias = { aliasAttributes: ['email', 'preferred_username'] };
    const ctx = planContext({ sourcePool: pool(alias), standbyPool: standbyPool(alias) });
    const source = sourceUser({
      username: 'alice_w',
      attributes: { sub: SUB, email: 'alice@example.com', preferred_username: 'ally' },
    });
    const plan = planReplication(source, undefined, ctx);
    expect(plan.standbyUsername).toBe('alice_w');
    expect(plan.createAttributes).toMatchObject({ preferred_username: 'ally', email: 'alice@example.com' });
  });

  test('unicode values are copied unchanged; maxLength counts characters, not UTF-16 units', () => {
    const ctx = planContext();
    const name = 'Zoë Ångström 山田 👩‍💻 ñ';
    const sixteenEmoji = '😀'.repeat(16); // 16 code points, 32 UTF-16 units; custom:tier maxLength is 16
    const plan = planReplication(
      sourceUser({ attributes: { sub: SUB, name, 'custom:tier': sixteenEmoji } }),
      undefined,
      ctx,
    );
    expect(plan.createAttributes?.name).toBe(name);
    expect(plan.createAttributes?.['custom:tier']).toBe(sixteenEmoji);
    expect(plan.issues).toEqual([]);
  });

  test('a value longer than the standby attribute allows is reported as a gap by name, the rest is copied', () => {
    const ctx = planContext();
    const plan = planReplication(
      sourceUser({ attributes: { sub: SUB, name: 'n'.repeat(2049), 'custom:tier': 'x'.repeat(17), locale: 'fr' } }),
      undefined,
      ctx,
    );
    expect(plan.kind).toBe('create');
    expect(plan.createAttributes).not.toHaveProperty('custom:tier');
    expect(plan.createAttributes).not.toHaveProperty('name');
    expect(plan.createAttributes?.locale).toBe('fr');
    expect(plan.issues).toEqual(
      expect.arrayContaining([
        { code: 'attribute-gap', attribute: 'custom:tier', reason: 'too-long' },
        { code: 'attribute-gap', attribute: 'name', reason: 'too-long' },
      ]),
    );
    // Exactly at the limit is fine.
    const atLimit = planReplication(sourceUser({ attributes: { sub: SUB, name: 'n'.repeat(2048) } }), undefined, ctx);
    expect(atLimit.createAttributes?.name).toHaveLength(2048);
  });

  test('a custom attribute missing from the standby schema is a named gap, never dropped silently, never a crash', () => {
    const ctx = planContext();
    const source = sourceUser({
      attributes: { sub: SUB, email: 'a@example.com', 'custom:department': 'R&D', 'dev:custom:secret': 'x' },
    });
    const plan = planReplication(source, undefined, ctx);
    expect(plan.kind).toBe('create');
    expect(plan.createAttributes).not.toHaveProperty('custom:department');
    expect(plan.issues).toContainEqual({
      code: 'attribute-gap',
      attribute: 'custom:department',
      reason: 'missing-in-standby-schema',
    });
    expect(plan.issues).toContainEqual({
      code: 'attribute-gap',
      attribute: 'dev:custom:secret',
      reason: 'missing-in-standby-schema',
    });
    expect(plan.createAttributes?.email).toBe('a@example.com');
  });

  test('a standby without the source-sub or MFA-marker attribute reports both as gaps', () => {
    const ctx = planContext({ standbyPool: standbyPool({ schema: STANDARD_SCHEMA }) });
    const plan = planReplication(sourceUser(), undefined, ctx);
    expect(plan.kind).toBe('create');
    expect(plan.issues).toEqual(
      expect.arrayContaining([
        { code: 'attribute-gap', attribute: 'custom:source_sub', reason: 'missing-in-standby-schema' },
        { code: 'attribute-gap', attribute: 'custom:source_mfa', reason: 'missing-in-standby-schema' },
      ]),
    );
    expect(plan.createAttributes).not.toHaveProperty('custom:source_sub');
  });

  test('a custom attribute longer than the standby allows is a gap, not a failed create', () => {
    const schema = [
      ...STANDARD_SCHEMA,
      { name: 'custom:tier', mutable: false, maxLength: 4 },
      { name: 'custom:source_sub', mutable: true },
      { name: 'custom:source_mfa', mutable: true },
    ];
    const ctx = planContext({ standbyPool: standbyPool({ schema }) });
    const plan = planReplication(sourceUser({ attributes: { sub: SUB, 'custom:tier': 'gold!' } }), undefined, ctx);
    expect(plan.issues).toEqual([{ code: 'attribute-gap', attribute: 'custom:tier', reason: 'too-long' }]);
    expect(plan.createAttributes).toMatchObject({ 'custom:source_sub': SUB, 'custom:source_mfa': 'NONE' });
  });

  test('sub, identities, updated_at and cognito:* are never copied; the source sub goes to custom:source_sub', () => {
    const ctx = planContext();
    const attributes: Record<string, string> = {
      sub: SUB,
      email: 'a@example.com',
      identities: '[]',
      updated_at: '1700000000',
    };
    for (const n of NEVER_COPIED) if (n.startsWith('cognito:')) attributes[n] = 'x';
    const plan = planReplication(sourceUser({ attributes }), undefined, ctx);
    for (const n of NEVER_COPIED) expect(writtenAttributeNames(plan)).not.toContain(n);
    expect(plan.createAttributes?.['custom:source_sub']).toBe(SUB);
  });

  test('a source whose own custom:source_sub is set (failback) gets the sub of this source written', () => {
    const plan = planReplication(
      sourceUser({ attributes: { sub: SUB, 'custom:source_sub': 'old-peer-sub' } }),
      undefined,
      planContext(),
    );
    expect(plan.createAttributes?.['custom:source_sub']).toBe(SUB);
  });

  test('verified flags: true is copied, false is not written on create', () => {
    const source = sourceUser({
      attributes: {
        sub: SUB,
        email: 'a@example.com',
        email_verified: 'false',
        phone_number: '+15555550100',
        phone_number_verified: 'true',
      },
    });
    const plan = planReplication(source, undefined, planContext());
    expect(plan.createAttributes).toMatchObject({ phone_number_verified: 'true' });
    expect(plan.createAttributes).not.toHaveProperty('email_verified');
  });

  test('a disabled user is created then disabled', () => {
    const plan = planReplication(sourceUser({ enabled: false }), undefined, planContext());
    expect(plan.kind).toBe('create');
    expect(plan.setEnabled).toBe(false);
    expect(writeCount(plan)).toBe(3);
  });

  test('groups are added, sorted', () => {
    const plan = planReplication(sourceUser({ groups: ['zeta', 'admins', 'beta'] }), undefined, planContext());
    expect(plan.addGroups).toEqual(['admins', 'beta', 'zeta']);
    expect(writeCount(plan)).toBe(5);
  });

  test('SMS MFA: the preference is replicated, and the marker is written only after it', () => {
    const plan = planReplication(
      sourceUser({ mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } }),
      undefined,
      planContext(),
    );
    expect(plan.mfa).toEqual({ sms: { enabled: true, preferred: true } });
    expect(plan.createAttributes).not.toHaveProperty('custom:source_mfa');
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'SMS_MFA;SMS_MFA' });
    expect(plan.issues).toEqual([]);
    expect(writeCount(plan)).toBe(4); // create, password, MFA preference, marker
  });

  test('e-mail MFA is replicated', () => {
    const plan = planReplication(sourceUser({ mfa: { enabled: ['EMAIL_OTP'] } }), undefined, planContext());
    expect(plan.mfa).toEqual({ email: { enabled: true, preferred: false } });
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'EMAIL_OTP' });
  });

  test('TOTP cannot be copied: recorded as an issue and in the marker', () => {
    const plan = planReplication(
      sourceUser({ mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' } }),
      undefined,
      planContext(),
    );
    expect(plan.issues).toContainEqual({ code: 'totp' });
    expect(plan.mfa).toBeUndefined();
    expect(plan.createAttributes?.['custom:source_mfa']).toBe('SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA');
  });

  test('TOTP preferred with SMS as second factor: SMS is enabled (not preferred), TOTP recorded', () => {
    const plan = planReplication(
      sourceUser({ mfa: { enabled: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' } }),
      undefined,
      planContext(),
    );
    expect(plan.mfa).toEqual({ sms: { enabled: true, preferred: false } });
    expect(plan.issues).toContainEqual({ code: 'totp' });
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'SMS_MFA,SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' });
  });

  test('MFA not read on the source: neither the preference nor the marker is planned', () => {
    const plan = planReplication(sourceUser({ mfa: undefined }), undefined, planContext());
    expect(plan.mfa).toBeUndefined();
    expect(plan.createAttributes).not.toHaveProperty('custom:source_mfa');
  });

  test('federated users are skipped with their provider name by default', () => {
    const source = sourceUser({
      username: 'Google_1234',
      status: 'EXTERNAL_PROVIDER',
      attributes: {
        sub: SUB,
        email: 'a@example.com',
        identities: JSON.stringify([{ providerName: 'Google', userId: '1234', providerType: 'Google' }]),
      },
    });
    const plan = planReplication(source, undefined, planContext());
    expect(plan.kind).toBe('skip');
    expect(plan.issues).toContainEqual({ code: 'federated', provider: 'Google' });
    expect(writeCount(plan)).toBe(0);
  });

  test('federated users are created without a password and linked when linkFederatedUsers is on', () => {
    const source = sourceUser({
      username: 'Google_1234',
      status: 'EXTERNAL_PROVIDER',
      attributes: {
        sub: SUB,
        email: 'a@example.com',
        identities: JSON.stringify([{ providerName: 'Google', userId: '1234' }]),
      },
    });
    const plan = planReplication(source, undefined, planContext({ linkFederatedUsers: true }));
    expect(plan.kind).toBe('create');
    expect(plan.setPassword).toBe(false);
    expect(plan.link).toEqual({ providerName: 'Google', providerUserId: '1234' });
    expect(plan.createAttributes).not.toHaveProperty('identities');
  });

  test('federated users with an unreadable identities attribute are skipped even when linking is on', () => {
    const source = sourceUser({ status: 'EXTERNAL_PROVIDER', attributes: { sub: SUB, identities: 'not json' } });
    const plan = planReplication(source, undefined, planContext({ linkFederatedUsers: true }));
    expect(plan.kind).toBe('skip');
    expect(plan.issues).toContainEqual({ code: 'federated', provider: undefined });
  });

  test('unconfirmed users are skipped', () => {
    const plan = planReplication(sourceUser({ status: 'UNCONFIRMED' }), undefined, planContext());
    expect(plan.kind).toBe('skip');
    expect(plan.issues).toEqual([{ code: 'unconfirmed' }]);
  });

  test.each(['FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED'])(
    'a %s source still gets a CONFIRMED replica with a password',
    (status) => {
      const plan = planReplication(sourceUser({ status }), undefined, planContext());
      expect(plan.kind).toBe('create');
      expect(plan.setPassword).toBe(true);
    },
  );

  test('planning is pure: the same input gives the same plan and the input is not changed', () => {
    const source = sourceUser({ groups: ['b', 'a'], mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } });
    const copy = structuredClone(source);
    const ctx = planContext();
    expect(planReplication(source, undefined, ctx)).toEqual(planReplication(source, undefined, ctx));
    expect(source).toEqual(copy);
  });
});

describe('planReplication: existing replica', () => {
  const modes: [string, Partial<PlanContext>, Partial<UserRecord>][] = [
    ['plain usernames', {}, {}],
    [
      'e-mail as username',
      {
        sourcePool: pool({ usernameAttributes: ['email'] }),
        standbyPool: standbyPool({ usernameAttributes: ['email'] }),
      },
      { username: SUB },
    ],
    [
      'phone as username',
      {
        sourcePool: pool({ usernameAttributes: ['phone_number'] }),
        standbyPool: standbyPool({ usernameAttributes: ['phone_number'] }),
      },
      { username: SUB, attributes: { sub: SUB, phone_number: '+15555550100', phone_number_verified: 'true' } },
    ],
    [
      'aliases',
      { sourcePool: pool({ aliasAttributes: ['email'] }), standbyPool: standbyPool({ aliasAttributes: ['email'] }) },
      {},
    ],
  ];
  const shapes: [string, Partial<UserRecord>][] = [
    ['plain', {}],
    [
      'disabled, grouped, SMS MFA',
      { enabled: false, groups: ['admins', 'staff'], mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } },
    ],
    ['TOTP and e-mail MFA', { mfa: { enabled: ['EMAIL_OTP', 'SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' } }],
  ];
  for (const [mode, ctxOverrides, userOverrides] of modes) {
    test.each(shapes)(`${mode}: a replica made by the create plan is in sync (%s): zero writes`, (_shape, shape) => {
      const ctx = planContext(ctxOverrides);
      const source = sourceUser({ ...userOverrides, ...shape });
      const replica = replicaAfter(planReplication(source, undefined, ctx), source, ctx);
      const plan = planReplication(source, replica, ctx);
      expect(plan.kind).toBe('in-sync');
      expect(writeCount(plan)).toBe(0);
      expect(plan.standbyUsername).toBe(replica.username);
    });
  }

  function synced(
    ctx = planContext(),
    overrides: Partial<UserRecord> = {},
  ): { source: UserRecord; replica: UserRecord; ctx: PlanContext } {
    const source = sourceUser(overrides);
    return { source, replica: replicaAfter(planReplication(source, undefined, ctx), source, ctx), ctx };
  }

  test('only the difference is written', () => {
    const { source, replica, ctx } = synced();
    source.attributes.name = 'Alice Smith';
    const plan = planReplication(source, replica, ctx);
    expect(plan.kind).toBe('update');
    expect(plan.updateAttributes).toEqual({ name: 'Alice Smith' });
    expect(plan.deleteAttributes).toEqual([]);
    expect(writeCount(plan)).toBe(1);
  });

  test('an e-mail change sends email_verified in the same call', () => {
    const { source, replica, ctx } = synced();
    source.attributes.email = 'alice.new@example.com';
    const plan = planReplication(source, replica, ctx);
    expect(plan.updateAttributes).toEqual({ email: 'alice.new@example.com', email_verified: 'true' });
    expect(writeCount(plan)).toBe(1);
  });

  test('a change to an unverified e-mail writes email_verified false in the same call, not a separate delete', () => {
    const { source, replica, ctx } = synced();
    source.attributes.email = 'alice.new@example.com';
    source.attributes.email_verified = 'false';
    const plan = planReplication(source, replica, ctx);
    expect(plan.updateAttributes).toEqual({ email: 'alice.new@example.com', email_verified: 'false' });
    expect(plan.deleteAttributes).toEqual([]);
  });

  test('a phone change sends phone_number_verified in the same call', () => {
    const { source, replica, ctx } = synced(planContext(), {
      attributes: { sub: SUB, phone_number: '+15555550100', phone_number_verified: 'true' },
    });
    source.attributes.phone_number = '+15555550199';
    expect(planReplication(source, replica, ctx).updateAttributes).toEqual({
      phone_number: '+15555550199',
      phone_number_verified: 'true',
    });
  });

  test('a false verified flag on the replica equals no flag', () => {
    const { source, replica, ctx } = synced(planContext(), { attributes: { sub: SUB, email: 'a@example.com' } });
    replica.attributes.email_verified = 'false';
    expect(planReplication(source, replica, ctx).kind).toBe('in-sync');
  });

  test('attributes the source no longer has are deleted; required, pool-owned, managed and username attributes are kept', () => {
    const schema = standbyPool().schema.map((a) => (a.name === 'locale' ? { ...a, required: true } : a));
    const ctx = planContext({
      standbyPool: standbyPool({ schema, usernameAttributes: ['email'] }),
      sourcePool: pool({ usernameAttributes: ['email'] }),
    });
    const { source, replica } = synced(ctx, {
      username: SUB,
      attributes: { sub: SUB, email: 'a@example.com', given_name: 'A', locale: 'en', 'custom:tier': 'gold' },
    });
    delete source.attributes.given_name;
    delete source.attributes.locale;
    delete source.attributes['custom:tier'];
    replica.attributes['cognito:user_status'] = 'CONFIRMED';
    replica.attributes.identities = '[]';
    const plan = planReplication({ ...source, attributes: { sub: SUB, email: 'a@example.com' } }, replica, ctx);
    expect(plan.deleteAttributes).toEqual(['custom:tier', 'given_name']);
    expect(plan.updateAttributes).toEqual({});
    expect(writeCount(plan)).toBe(1);
  });

  test('an attribute that is immutable in the standby is reported, not written', () => {
    const schema = [
      ...STANDARD_SCHEMA,
      { name: 'custom:tier', mutable: false, maxLength: 16 },
      ...standbyPool().schema.filter((a) => a.name.startsWith('custom:source')),
    ];
    const ctx = planContext({ standbyPool: standbyPool({ schema }) });
    const { source, replica } = synced(ctx, { attributes: { sub: SUB, 'custom:tier': 'gold' } });
    source.attributes['custom:tier'] = 'silver';
    const plan = planReplication(source, replica, ctx);
    expect(plan.updateAttributes).toEqual({});
    expect(plan.issues).toContainEqual({
      code: 'attribute-gap',
      attribute: 'custom:tier',
      reason: 'immutable-in-standby',
    });
    expect(plan.kind).toBe('in-sync');
  });

  test('a schema gap on the source side never deletes the replica value', () => {
    const { source, replica, ctx } = synced();
    source.attributes['custom:department'] = 'R&D';
    replica.attributes['custom:department'] = 'R&D'; // cannot exist, but must not be touched either
    const plan = planReplication(source, replica, ctx);
    expect(plan.deleteAttributes).toEqual([]);
    expect(plan.issues).toContainEqual({
      code: 'attribute-gap',
      attribute: 'custom:department',
      reason: 'missing-in-standby-schema',
    });
  });

  test('a new source sub (user deleted and signed up again) is written to custom:source_sub', () => {
    const { source, replica, ctx } = synced();
    source.attributes.sub = '22222222-2222-4222-8222-222222222222';
    expect(planReplication(source, replica, ctx).updateAttributes).toEqual({
      'custom:source_sub': '22222222-2222-4222-8222-222222222222',
    });
  });

  test('groups: missing ones added, extra ones removed', () => {
    const { source, replica, ctx } = synced(planContext({ sourceGroups: new Set(['a', 'b', 'c']) }), {
      groups: ['a', 'b'],
    });
    replica.groups = ['b', 'c'];
    const plan = planReplication(source, replica, ctx);
    expect(plan.addGroups).toEqual(['a']);
    expect(plan.removeGroups).toEqual(['c']);
    expect(writeCount(plan)).toBe(2);
  });

  test('groups not read on either side are left alone', () => {
    const { source, replica, ctx } = synced(planContext(), { groups: ['a'] });
    replica.groups = undefined;
    expect(planReplication(source, replica, ctx).addGroups).toEqual([]);
    replica.groups = ['x'];
    expect(planReplication({ ...source, groups: undefined }, replica, ctx).removeGroups).toEqual([]);
  });

  test('enabled state: disable and enable', () => {
    const { source, replica, ctx } = synced();
    source.enabled = false;
    expect(planReplication(source, replica, ctx).setEnabled).toBe(false);
    replica.enabled = false;
    source.enabled = true;
    const plan = planReplication(source, replica, ctx);
    expect(plan.setEnabled).toBe(true);
    expect(writeCount(plan)).toBe(1);
  });

  test('a FORCE_CHANGE_PASSWORD replica gets a password', () => {
    const { source, replica, ctx } = synced();
    replica.status = 'FORCE_CHANGE_PASSWORD';
    const plan = planReplication(source, replica, ctx);
    expect(plan.setPassword).toBe(true);
    expect(plan.kind).toBe('update');
  });

  test('MFA is compared through the marker, without reading the replica MFA', () => {
    const { source, replica, ctx } = synced(planContext(), { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } });
    expect(replica.mfa).toBeUndefined();
    expect(replica.attributes['custom:source_mfa']).toBe('SMS_MFA;SMS_MFA');
    expect(planReplication(source, replica, ctx).kind).toBe('in-sync');
  });

  test('MFA enabled on the source later: preference set, then the marker', () => {
    const { source, replica, ctx } = synced();
    source.mfa = { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' };
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toEqual({ sms: { enabled: true, preferred: true } });
    expect(plan.updateAttributes).toEqual({});
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'SMS_MFA;SMS_MFA' });
    expect(writeCount(plan)).toBe(2);
  });

  test('MFA turned off on the source: the replica factor is disabled', () => {
    const { source, replica, ctx } = synced(planContext(), { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } });
    source.mfa = { enabled: [] };
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toEqual({ sms: { enabled: false, preferred: false } });
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'NONE' });
  });

  test('a replica without a marker (made by an older version) gets the MFA set again', () => {
    const { source, replica, ctx } = synced(planContext(), { mfa: { enabled: ['EMAIL_OTP'], preferred: 'EMAIL_OTP' } });
    delete replica.attributes['custom:source_mfa'];
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toEqual({ email: { enabled: true, preferred: true } });
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'EMAIL_OTP;EMAIL_OTP' });
  });

  test('a TOTP change only rewrites the marker (nothing else can be replicated)', () => {
    const { source, replica, ctx } = synced();
    source.mfa = { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' };
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toBeUndefined();
    expect(plan.updateAttributes).toEqual({ 'custom:source_mfa': 'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' });
    expect(plan.issues).toContainEqual({ code: 'totp' });
  });

  test('without a marker attribute the replica MFA read by AdminGetUser is compared', () => {
    const schema = standbyPool().schema.filter((a) => a.name !== 'custom:source_mfa');
    const ctx = planContext({ standbyPool: standbyPool({ schema }) });
    const { source, replica } = synced(ctx, { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } });
    replica.mfa = { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' };
    expect(planReplication(source, replica, ctx).kind).toBe('in-sync');
    replica.mfa = { enabled: [] };
    expect(planReplication(source, replica, ctx).mfa).toEqual({ sms: { enabled: true, preferred: true } });
  });

  test('updates never write sub, identities or cognito:*', () => {
    const { source, replica, ctx } = synced();
    source.attributes.identities = '[{"providerName":"Google","userId":"1"}]';
    source.attributes['cognito:mfa_enabled'] = 'true';
    replica.attributes.identities = '[]';
    const plan = planReplication(source, replica, ctx);
    for (const n of NEVER_COPIED) {
      expect(writtenAttributeNames(plan)).not.toContain(n);
      expect(plan.deleteAttributes).not.toContain(n);
    }
  });

  test('an unconfirmed source with a replica is skipped, not deleted', () => {
    const { source, replica, ctx } = synced();
    source.status = 'UNCONFIRMED';
    const plan = planReplication(source, replica, ctx);
    expect(plan.kind).toBe('skip');
    expect(writeCount(plan)).toBe(0);
  });
});

describe('planReplication: failback onto the original', () => {
  // The reverse reconcile's source is a standby replica; its target is the primary user it was copied from.
  const ORIGINAL_SUB = '11111111-1111-4111-8111-111111111111';
  const REPLICA_SUB = '22222222-2222-4222-8222-222222222222';

  test('brings back changes, but never marks the original as a copy nor resets its password', () => {
    const ctx = planContext();
    const replicaInStandby = sourceUser({
      attributes: {
        sub: REPLICA_SUB,
        email: 'a@example.com',
        email_verified: 'true',
        'custom:tier': 'gold',
        'custom:source_sub': ORIGINAL_SUB,
        'custom:source_mfa': 'NONE',
      },
      mfa: { enabled: [] },
    });
    const original = {
      ...sourceUser({
        attributes: { sub: ORIGINAL_SUB, email: 'a@example.com', email_verified: 'true', 'custom:tier': 'silver' },
      }),
      status: 'FORCE_CHANGE_PASSWORD',
      groups: [],
    };
    const plan = planReplication({ ...replicaInStandby, groups: [] }, original, ctx);
    expect(plan.setPassword).toBe(false);
    expect(plan.updateAttributes).toEqual({ 'custom:tier': 'gold' });
    expect(plan.afterMfaAttributes).toBeUndefined();
    expect(plan.issues).toEqual([]);
  });

  test('an original that already matches costs nothing', () => {
    const ctx = planContext();
    const replicaInStandby = sourceUser({
      attributes: { sub: REPLICA_SUB, email: 'a@example.com', 'custom:source_sub': ORIGINAL_SUB },
      groups: [],
    });
    const original = { ...sourceUser({ attributes: { sub: ORIGINAL_SUB, email: 'a@example.com' } }), groups: [] };
    expect(planReplication(replicaInStandby, original, ctx).kind).toBe('in-sync');
  });
});

describe('issue 10.2: reverse replication never deletes what the source pool cannot hold', () => {
  // Failback, or an operator's write in the standby captured and replicated back: the source is a
  // standby replica, the target the primary user it was copied from (its "home copy").
  const ORIGINAL_SUB = '11111111-1111-4111-8111-111111111111';
  const REPLICA_SUB = '22222222-2222-4222-8222-222222222222';
  // The standby (source here) has a short custom:tier and no custom:department; the primary (target) has both.
  const standbySchema = [
    ...STANDARD_SCHEMA,
    { name: 'custom:tier', mutable: true, dataType: 'String', maxLength: 4 },
    { name: 'custom:source_sub', mutable: true, maxLength: 64 },
    { name: 'custom:source_mfa', mutable: true, maxLength: 128 },
  ];
  const primarySchema = [
    ...STANDARD_SCHEMA,
    { name: 'custom:tier', mutable: true, dataType: 'String', maxLength: 16 },
    { name: 'custom:department', mutable: true, maxLength: 32 },
  ];
  const reverse = (sourceGroups: string[] | undefined) =>
    planContext({
      sourcePool: pool({ poolId: 'us-west-2_Standby1', schema: standbySchema }),
      standbyPool: pool({ schema: primarySchema }),
      sourceGroups: sourceGroups && new Set(sourceGroups),
    });
  const replicaInStandby = (extra: Record<string, string> = {}, groups = ['staff']) =>
    sourceUser({
      attributes: {
        sub: REPLICA_SUB,
        email: 'a@example.com',
        email_verified: 'true',
        name: 'Changed by an operator',
        'custom:source_sub': ORIGINAL_SUB,
        'custom:source_mfa': 'NONE',
        ...extra,
      },
      groups,
    });
  const original = (extra: Record<string, string> = {}, groups = ['admins', 'staff']) => ({
    ...sourceUser({
      attributes: {
        sub: ORIGINAL_SUB,
        email: 'a@example.com',
        email_verified: 'true',
        name: 'Alice',
        'custom:department': 'R&D',
        'custom:tier': 'platinum',
        ...extra,
      },
    }),
    groups,
  });

  test('an attribute the source schema lacks, or a value longer than it allows, is kept on the home copy', () => {
    const plan = planReplication(replicaInStandby(), original(), reverse(['staff']));
    expect(plan.deleteAttributes).toEqual([]);
    expect(plan.updateAttributes).toEqual({ name: 'Changed by an operator' });
  });

  test('a group the source pool does not have is never removed; one it has is', () => {
    const plan = planReplication(replicaInStandby({}, []), original({}, ['admins', 'staff']), reverse(['staff']));
    expect(plan.removeGroups).toEqual(['staff']);
    expect(planReplication(replicaInStandby({}, ['staff']), original(), reverse(['staff'])).removeGroups).toEqual([]);
  });

  test('source groups not listed: no membership is removed', () => {
    expect(planReplication(replicaInStandby({}, []), original(), reverse(undefined)).removeGroups).toEqual([]);
  });

  test('what the source pool can hold is still deleted when the source user lacks it', () => {
    const plan = planReplication(
      replicaInStandby(),
      original({ locale: 'fr', 'custom:tier': 'gold' }),
      reverse(['staff']),
    );
    expect(plan.deleteAttributes).toEqual(['custom:tier', 'locale']);
  });

  test('an echo that slips through only adds or updates: the same rule for the forward direction', () => {
    // Forward: the standby replica carries a standby-only attribute and a standby-only group.
    const ctx = planContext({
      standbyPool: standbyPool({
        schema: [...standbyPool().schema, { name: 'custom:kiosk', mutable: true, maxLength: 8 }],
      }),
      sourceGroups: new Set(['admins']),
    });
    const source = sourceUser({ groups: ['admins'] });
    const replica = replicaAfter(planReplication(source, undefined, ctx), source, ctx);
    replica.attributes['custom:kiosk'] = 'yes';
    replica.groups = ['admins', 'standby-operators'];
    const plan = planReplication(source, replica, ctx);
    expect(plan.kind).toBe('in-sync');
    expect(writeCount(plan)).toBe(0);
  });
});

describe('issue 10.3: a missing MFA marker is unknown, not none', () => {
  const withPhone = {
    sub: SUB,
    email: 'alice@example.com',
    email_verified: 'true',
    phone_number: '+15555550100',
    phone_number_verified: 'true',
  };
  function unmarked(mfa: UserRecord['mfa'], ctx = planContext()) {
    const source = sourceUser({ attributes: { ...withPhone }, mfa });
    const replica = replicaAfter(planReplication(source, undefined, ctx), source, ctx);
    delete replica.attributes['custom:source_mfa'];
    return { source, replica, ctx };
  }

  test('missing MFA marker is unknown: every factor that can be on is set to the source state, then the marker', () => {
    const { source, replica, ctx } = unmarked({ enabled: [] });
    const plan = planReplication(source, replica, ctx);
    // Old code: no MFA call and the marker written NONE at once, hiding a stray factor for good.
    expect(plan.mfa).toEqual({
      sms: { enabled: false, preferred: false },
      email: { enabled: false, preferred: false },
    });
    expect(plan.updateAttributes).toEqual({});
    expect(plan.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'NONE' });
  });

  test('missing MFA marker is unknown: an unparsable marker too', () => {
    const { source, replica, ctx } = unmarked({ enabled: ['SMS_MFA'], preferred: 'SMS_MFA' });
    replica.attributes['custom:source_mfa'] = 'garbage';
    expect(planReplication(source, replica, ctx).mfa).toEqual({
      sms: { enabled: true, preferred: true },
      email: { enabled: false, preferred: false },
    });
  });

  test('missing MFA marker is unknown: a factor whose contact the replica lacks is not sent (Cognito refuses it)', () => {
    const ctx = planContext();
    const source = sourceUser({ mfa: { enabled: [] } }); // e-mail, no phone
    const replica = replicaAfter(planReplication(source, undefined, ctx), source, ctx);
    delete replica.attributes['custom:source_mfa'];
    expect(planReplication(source, replica, ctx).mfa).toEqual({ email: { enabled: false, preferred: false } });
    // a Lite standby cannot have e-mail MFA on; with no phone either nothing can be on: the marker is written at once
    const lite = planContext({ standbyPool: standbyPool({ featurePlan: 'LITE' }) });
    const plan = planReplication(source, replica, lite);
    expect(plan.mfa).toBeUndefined();
    expect(plan.updateAttributes).toEqual({ 'custom:source_mfa': 'NONE' });
  });

  test('missing MFA marker is unknown: the replica MFA, when read, decides (no call when it matches)', () => {
    const { source, replica, ctx } = unmarked({ enabled: [] });
    replica.mfa = { enabled: [] };
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toBeUndefined();
    expect(plan.updateAttributes).toEqual({ 'custom:source_mfa': 'NONE' });
    replica.mfa = { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' };
    expect(planReplication(source, replica, ctx).mfa).toEqual({ sms: { enabled: false, preferred: false } });
  });

  test('missing MFA marker is unknown: once the marker is written, the next plan is in sync', () => {
    const { source, replica, ctx } = unmarked({ enabled: [] });
    const plan = planReplication(source, replica, ctx);
    replica.attributes = { ...replica.attributes, ...plan.afterMfaAttributes };
    expect(planReplication(source, replica, ctx).kind).toBe('in-sync');
  });

  test('missing MFA marker is unknown: source MFA not read (listing-only reconcile): no MFA call and no marker', () => {
    const { source, replica, ctx } = unmarked({ enabled: [] });
    const plan = planReplication({ ...source, mfa: undefined }, replica, ctx);
    expect(plan.kind).toBe('in-sync');
    expect(plan.updateAttributes).toEqual({});
  });
});

describe('needsReplicaMfa: when a deep run must read the MFA of the target user', () => {
  const withPhone = { sub: SUB, email: 'alice@example.com', phone_number: '+15555550100' };
  const sms = { enabled: ['SMS_MFA' as const], preferred: 'SMS_MFA' as const };
  const source = sourceUser({ attributes: { ...withPhone }, mfa: sms });
  // As a listing shows them: no MFA read.
  const copy: UserRecord = {
    ...source,
    mfa: undefined,
    attributes: { ...withPhone, sub: REPLICA_SUB, 'custom:source_sub': SUB },
  };
  const original: UserRecord = { ...source, mfa: undefined, attributes: { ...withPhone } };

  test('a replica in a pool with the marker attribute: no read (the marker records the MFA)', () => {
    expect(needsReplicaMfa(source, copy, planContext())).toBe(false);
  });
  test('a pool without the marker attribute: read', () => {
    const bare = planContext({ standbyPool: standbyPool({ schema: STANDARD_SCHEMA }) });
    expect(needsReplicaMfa(source, copy, bare)).toBe(true);
  });
  test('the same user in its own pool (a restore), even with the marker attribute: read, as no marker is written to it', () => {
    expect(needsReplicaMfa(source, original, planContext())).toBe(true);
    // Unread, the plan would set the source's factors again on every run.
    expect(planReplication(source, original, planContext()).mfa).toEqual({ sms: { enabled: true, preferred: true } });
    expect(planReplication(source, { ...original, mfa: sms }, planContext()).mfa).toBeUndefined();
  });
  test('an original is read whatever the source MFA: a factor switched on since is switched off again', () => {
    const none = { ...source, mfa: { enabled: [] } };
    expect(needsReplicaMfa(none, original, planContext())).toBe(true);
    expect(planReplication(none, { ...original, mfa: sms }, planContext()).mfa).toEqual({
      sms: { enabled: false, preferred: false },
    });
  });
  test('no read when the MFA was read already, the replica has no factor to check, or there is no target user', () => {
    const bare = planContext({ standbyPool: standbyPool({ schema: STANDARD_SCHEMA }) });
    expect(needsReplicaMfa(source, { ...original, mfa: sms }, planContext())).toBe(false);
    expect(needsReplicaMfa({ ...source, mfa: { enabled: ['SOFTWARE_TOKEN_MFA'] } }, copy, bare)).toBe(false);
    expect(needsReplicaMfa({ ...source, mfa: { enabled: [] } }, copy, bare)).toBe(false);
    expect(needsReplicaMfa({ ...source, mfa: undefined }, original, planContext())).toBe(false);
    expect(needsReplicaMfa(source, undefined, planContext())).toBe(false);
  });
});

describe('issue 10.5: MFA pending on RESET_REQUIRED replicas', () => {
  test('MFA pending on RESET_REQUIRED: no MFA call, no marker, reported pending', () => {
    const ctx = planContext();
    const source = sourceUser({ mfa: { enabled: ['EMAIL_OTP'], preferred: 'EMAIL_OTP' } });
    const replica = replicaAfter(planReplication(sourceUser(), undefined, ctx), source, ctx);
    replica.status = 'RESET_REQUIRED'; // after a failover --send, or imported
    const plan = planReplication(source, replica, ctx);
    expect(plan.mfa).toBeUndefined();
    expect(plan.afterMfaAttributes).toBeUndefined();
    expect(plan.updateAttributes).toEqual({});
    expect(plan.mfaPending).toEqual({ email: { enabled: true, preferred: true } });
    expect(plan.issues).toContainEqual({ code: 'mfa-pending' });
    expect(plan.kind).toBe('in-sync');
    expect(writeCount(plan)).toBe(0);
    // after the user's reset the same replica gets the call, then the marker
    const after = planReplication(source, { ...replica, status: 'CONFIRMED' }, ctx);
    expect(after.mfa).toEqual({ email: { enabled: true, preferred: true } });
    expect(after.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'EMAIL_OTP;EMAIL_OTP' });
  });

  test('MFA pending on RESET_REQUIRED: the other changes are still made', () => {
    const ctx = planContext();
    const source = sourceUser({ mfa: { enabled: ['EMAIL_OTP'], preferred: 'EMAIL_OTP' } });
    const replica = {
      ...replicaAfter(planReplication(sourceUser(), undefined, ctx), source, ctx),
      status: 'RESET_REQUIRED',
    };
    const plan = planReplication({ ...source, attributes: { ...source.attributes, name: 'Alicia' } }, replica, ctx);
    expect(plan.kind).toBe('update');
    expect(plan.updateAttributes).toEqual({ name: 'Alicia' });
    expect(plan.mfaPending).toBeDefined();
  });

  test('MFA pending on RESET_REQUIRED: deferMfa moves a refused call out of the plan', () => {
    const ctx = planContext();
    const source = sourceUser({ mfa: { enabled: ['EMAIL_OTP'], preferred: 'EMAIL_OTP' } });
    const replica = replicaAfter(planReplication(sourceUser(), undefined, ctx), source, ctx);
    const plan = planReplication(source, replica, ctx);
    expect(plan.kind).toBe('update');
    const deferred = deferMfa(plan);
    expect(deferred).toMatchObject({ kind: 'in-sync', mfaPending: plan.mfa });
    expect(deferred.mfa).toBeUndefined();
    expect(deferred.afterMfaAttributes).toBeUndefined();
    expect(writeCount(deferred)).toBe(0);
  });
});
