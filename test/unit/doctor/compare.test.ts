import {
  comparePools,
  type Finding,
  hasBlockers,
  type PoolSnapshot,
  signInIdentifiers,
} from '../../../src/doctor/compare';
import { renderFindings } from '../../../src/doctor/render';
import type { PoolConfig } from '../../../src/core/types';
import { MANAGED_SCHEMA, pool, standbyPool } from '../helpers';

const OPTIONS = { sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' };

/** A well-prepared pair: the standby matches the source, both carry the managed attributes. */
function healthy(): { source: PoolSnapshot; target: PoolSnapshot } {
  const common: Partial<PoolConfig> = {
    mfaConfiguration: 'OPTIONAL',
    accountRecovery: ['verified_email', 'verified_phone_number'],
    emailSendingAccount: 'DEVELOPER',
    smsConfigured: true,
    featurePlan: 'LITE',
    deletionProtection: 'ACTIVE',
    autoVerifiedAttributes: ['email'],
    allowAdminCreateUserOnly: false,
  };
  const source = pool({
    ...common,
    region: 'us-east-1',
    poolId: 'us-east-1_Src',
    schema: [...standbyPool().schema],
    lambdaTriggers: { PostConfirmation: 'arn:aws:lambda:us-east-1:111111111111:function:sync-trigger' },
  });
  const target = standbyPool({
    ...common,
    region: 'us-west-2',
    poolId: 'us-west-2_Dst',
    lambdaTriggers: { PostConfirmation: 'arn:aws:lambda:us-west-2:111111111111:function:sync-trigger' },
  });
  const mfa = { mfaConfiguration: 'OPTIONAL' as const, sms: true, totp: true, email: false };
  const groups = [{ name: 'admins', precedence: 1, description: 'Admins' }];
  return { source: { config: source, groups, mfa }, target: { config: target, groups: [...groups], mfa: { ...mfa } } };
}

const ids = (f: Finding[]) => f.map((x) => x.id);
const byId = (f: Finding[], id: string) => f.find((x) => x.id === id);

test('matching pools: no blocker, no warning (notes only)', () => {
  const { source, target } = healthy();
  const f = comparePools(source, target, OPTIONS);
  expect(f.filter((x) => x.severity !== 'info')).toEqual([]);
  expect(hasBlockers(f)).toBe(false);
  expect(ids(f)).toEqual(expect.arrayContaining(['plan.mrr-unavailable', 'passwordless.unavailable']));
});

test('sign-in identifiers', () => {
  expect(signInIdentifiers(pool({ usernameAttributes: ['email'] }))).toEqual(['email']);
  expect(signInIdentifiers(pool({ aliasAttributes: ['email', 'preferred_username'] }))).toEqual([
    'email',
    'preferred_username',
    'username',
  ]);
  expect(signInIdentifiers(pool())).toEqual(['username']);
});

test('username configuration that loses a way to sign in is a blocker', () => {
  const { source, target } = healthy();
  source.config.usernameAttributes = ['email'];
  const f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'username.sign-in')).toEqual(
    expect.objectContaining({ severity: 'blocker', command: expect.stringContaining('--username-attributes email') }),
  );
  const { source: s2, target: t2 } = healthy();
  s2.config.aliasAttributes = ['email'];
  expect(byId(comparePools(s2, t2, OPTIONS), 'username.sign-in')?.title).toMatch(/does not accept email/);
  const { source: s3, target: t3 } = healthy();
  s3.config.usernameCaseSensitive = false;
  t3.config.usernameCaseSensitive = true;
  expect(byId(comparePools(s3, t3, OPTIONS), 'username.case')?.severity).toBe('warning');
});

test('managed attributes: missing in the target blocks, missing in the source warns (failback); unusable ones block', () => {
  const { source, target } = healthy();
  target.config.schema = target.config.schema.filter((a) => a.name !== 'custom:source_mfa');
  source.config.schema = source.config.schema.filter((a) => a.name !== 'custom:source_sub');
  const f = comparePools(source, target, OPTIONS);
  const missing = byId(f, 'schema.mfa-marker.missing')!;
  expect(missing.severity).toBe('blocker');
  expect(missing.command).toBe(
    `aws cognito-idp add-custom-attributes --region us-west-2 --user-pool-id us-west-2_Dst --custom-attributes '[{"Name":"source_mfa","AttributeDataType":"String","Mutable":true,"StringAttributeConstraints":{"MinLength":"0","MaxLength":"128"}}]'`,
  );
  expect(byId(f, 'schema.source-sub.failback.missing')?.severity).toBe('warning');

  const { source: s2, target: t2 } = healthy();
  t2.config.schema = t2.config.schema.map((a) =>
    a.name === 'custom:source_sub' ? { ...a, mutable: false, maxLength: 20 } : a,
  );
  const u = byId(comparePools(s2, t2, OPTIONS), 'schema.source-sub.unusable')!;
  expect(u.severity).toBe('blocker');
  expect(u.title).toMatch(/immutable.*max length 20 < 36/);
});

test('every source custom attribute must exist in the target with a compatible definition', () => {
  const { source, target } = healthy();
  source.config.schema.push(
    { name: 'custom:tenant', mutable: true, dataType: 'String', maxLength: 64 },
    { name: 'custom:score', mutable: true, dataType: 'Number' },
    { name: 'custom:plan', mutable: true, dataType: 'String', maxLength: 100 },
  );
  target.config.schema.push(
    { name: 'custom:score', mutable: true, dataType: 'String' },
    { name: 'custom:plan', mutable: false, dataType: 'String', maxLength: 10 },
  );
  const f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'schema.custom.missing:custom:tenant')).toEqual(
    expect.objectContaining({ severity: 'blocker', command: expect.stringContaining('"Name":"tenant"') }),
  );
  expect(byId(f, 'schema.custom.type:custom:score')?.severity).toBe('blocker');
  expect(byId(f, 'schema.custom.immutable:custom:plan')?.severity).toBe('warning');
  expect(byId(f, 'schema.custom.length:custom:plan')?.severity).toBe('warning');
});

test('an attribute required only by the target blocks replication', () => {
  const { source, target } = healthy();
  target.config.schema = target.config.schema.map((a) => (a.name === 'phone_number' ? { ...a, required: true } : a));
  expect(byId(comparePools(source, target, OPTIONS), 'required:phone_number')?.severity).toBe('blocker');
});

test('password policy: weaker target warns with an update command; stricter is a note', () => {
  const { source, target } = healthy();
  target.config.passwordPolicy = { ...target.config.passwordPolicy, minimumLength: 8, requireSymbols: false };
  const w = byId(comparePools(source, target, OPTIONS), 'password.weaker')!;
  expect(w.severity).toBe('warning');
  expect(w.title).toMatch(/minimum length 8 < 12; requireSymbols off/);
  expect(w.command).toMatch(/update-user-pool .*"MinimumLength":12/);
  expect(w.fix).toMatch(/resets every setting/);
  const { source: s2, target: t2 } = healthy();
  t2.config.passwordPolicy = { ...t2.config.passwordPolicy, minimumLength: 16 };
  expect(byId(comparePools(s2, t2, OPTIONS), 'password.stricter')?.severity).toBe('info');
});

test('MFA: off in the target blocks; a factor the source uses and the target lacks blocks', () => {
  const { source, target } = healthy();
  target.config.mfaConfiguration = 'OFF';
  target.mfa = { mfaConfiguration: 'OFF', sms: false, totp: false, email: false };
  const f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'mfa.off')?.severity).toBe('blocker');
  expect(byId(f, 'mfa.factor.totp')?.command).toMatch(
    /set-user-pool-mfa-config .*--software-token-mfa-configuration Enabled=true/,
  );
  expect(byId(f, 'mfa.factor.sms')?.severity).toBe('blocker');
  const { source: s2, target: t2 } = healthy();
  t2.config.mfaConfiguration = 'ON';
  expect(byId(comparePools(s2, t2, OPTIONS), 'mfa.differs')?.severity).toBe('warning');
});

test('account recovery: admin-only blocks (resets cannot be sent), none warns, different warns', () => {
  const { source, target } = healthy();
  target.config.accountRecovery = ['admin_only'];
  expect(byId(comparePools(source, target, OPTIONS), 'recovery.admin-only')).toEqual(
    expect.objectContaining({ severity: 'blocker', command: expect.stringContaining('--account-recovery-setting') }),
  );
  target.config.accountRecovery = [];
  expect(byId(comparePools(source, target, OPTIONS), 'recovery.legacy')?.severity).toBe('warning');
  target.config.accountRecovery = ['verified_phone_number'];
  expect(byId(comparePools(source, target, OPTIONS), 'recovery.differs')?.severity).toBe('warning');
});

test("messaging: Cognito's default e-mail blocks a large pool; no SMS configuration blocks when the source sends SMS", () => {
  const { source, target } = healthy();
  target.config.emailSendingAccount = 'COGNITO_DEFAULT';
  source.config.estimatedUsers = 10_000;
  target.config.smsConfigured = false;
  const f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'messaging.email-default')?.severity).toBe('blocker');
  expect(byId(f, 'messaging.sms')?.severity).toBe('blocker');
  source.config.estimatedUsers = 10;
  expect(byId(comparePools(source, target, OPTIONS), 'messaging.email-default')?.severity).toBe('warning');
});

test('groups missing in the target: one finding with a create-group command each; roles and precedence compared', () => {
  const { source, target } = healthy();
  source.groups.push(
    { name: 'ops team', precedence: 2, description: "it's ops", roleArn: 'arn:aws:iam::1:role/ops' },
    { name: 'readers' },
  );
  source.groups[0] = { ...source.groups[0], roleArn: 'arn:aws:iam::1:role/admin', precedence: 5 };
  const f = comparePools(source, target, OPTIONS);
  const g = byId(f, 'groups.missing')!;
  expect(g.title).toMatch(/2 source group\(s\) missing in the target: ops team, readers/);
  expect(g.command!.split('\n')).toEqual([
    "aws cognito-idp create-group --region us-west-2 --user-pool-id us-west-2_Dst --group-name 'ops team' --precedence 2 --description 'it'\\''s ops' --role-arn <standby role ARN>",
    'aws cognito-idp create-group --region us-west-2 --user-pool-id us-west-2_Dst --group-name readers',
  ]);
  expect(byId(f, 'groups.role:admins')?.severity).toBe('warning');
  expect(byId(f, 'groups.precedence:admins')?.severity).toBe('info');
});

test('triggers: none on the source blocks; none on the target warns; a target trigger in the source Region blocks; other triggers compared', () => {
  const { source, target } = healthy();
  source.config.lambdaTriggers = {
    PreTokenGeneration: 'arn:aws:lambda:us-east-1:1:function:claims',
    KMSKeyID: 'arn:aws:kms:us-east-1:1:key/x',
  };
  target.config.lambdaTriggers = { CustomMessage: 'arn:aws:lambda:us-east-1:1:function:messages' };
  const f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'trigger.source')?.severity).toBe('blocker');
  expect(byId(f, 'trigger.target')?.severity).toBe('warning');
  expect(byId(f, 'trigger.missing:PreTokenGeneration')?.breaks).toMatch(/claims/);
  expect(byId(f, 'trigger.missing:KMSKeyID')).toBeUndefined();
  expect(byId(f, 'trigger.cross-region:CustomMessage')?.severity).toBe('blocker');
});

test('sign-up and security differences warn', () => {
  const { source, target } = healthy();
  target.config.allowAdminCreateUserOnly = true;
  target.config.autoVerifiedAttributes = [];
  source.config.advancedSecurityMode = 'ENFORCED';
  target.config.deletionProtection = 'INACTIVE';
  source.config.deviceTracking = true;
  const f = comparePools(source, target, OPTIONS);
  for (const id of [
    'sign-up.disabled',
    'sign-up.verification',
    'security.threat-protection',
    'security.deletion-protection',
  ])
    expect(byId(f, id)?.severity).toBe('warning');
  expect(byId(f, 'security.devices')?.severity).toBe('info');
});

test('feature plan: MRR possible on Essentials/Plus (with the key it needs), not on Lite', () => {
  const { source, target } = healthy();
  source.config.featurePlan = 'ESSENTIALS';
  let f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'plan.mrr-possible')?.title).toMatch(/ESSENTIALS.*AWS-owned key/);
  expect(byId(f, 'plan.mrr-possible')?.breaks).toMatch(/no password reset|TOTP/);
  source.config.kmsKeyArn = 'arn:aws:kms:us-east-1:1:key/mrk-1234';
  f = comparePools(source, target, OPTIONS);
  expect(byId(f, 'plan.mrr-possible')?.title).toMatch(/multi-Region KMS key/);
  source.config.allowedFirstAuthFactors = ['PASSWORD', 'EMAIL_OTP'];
  target.config.featurePlan = 'LITE';
  expect(byId(comparePools(source, target, OPTIONS), 'plan.target-lite')?.severity).toBe('warning');
});

test('passwordless: shown when the target allows EMAIL_OTP, otherwise how to allow it', () => {
  const { source, target } = healthy();
  target.config.allowedFirstAuthFactors = ['PASSWORD', 'EMAIL_OTP'];
  expect(byId(comparePools(source, target, OPTIONS), 'passwordless.available')).toBeDefined();
  target.config.allowedFirstAuthFactors = ['PASSWORD'];
  target.config.featurePlan = 'ESSENTIALS';
  expect(byId(comparePools(source, target, OPTIONS), 'passwordless.unavailable')?.command).toMatch(
    /"AllowedFirstAuthFactors":\["PASSWORD","EMAIL_OTP"\]/,
  );
});

test('blockers come first; the text report shows every finding with its fix', () => {
  const { source, target } = healthy();
  target.config.accountRecovery = ['admin_only'];
  target.config.schema = target.config.schema.filter((a) => !MANAGED_SCHEMA.some((m) => m.name === a.name));
  const f = comparePools(source, target, OPTIONS);
  const firstNonBlocker = f.findIndex((x) => x.severity !== 'blocker');
  expect(f.slice(firstNonBlocker).some((x) => x.severity === 'blocker')).toBe(false);
  const text = renderFindings(source.config, target.config, f).join('\n');
  expect(text).toMatch(/^BLOCKER \[recovery\]/m);
  expect(text).toMatch(/^ {2}fix: {4}/m);
  expect(text).toMatch(/^ {4}\$ aws cognito-idp add-custom-attributes/m);
  expect(text).toMatch(/3 blocker\(s\)/);
});
