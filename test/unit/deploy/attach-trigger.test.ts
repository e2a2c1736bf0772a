import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { planAttachment, unexpectedChanges } from '../../../src/deploy/attach-trigger';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:cognito-standby-sync-prod-trigger';
const OTHER = 'arn:aws:lambda:us-east-1:123456789012:function:welcome-mail';

function pool(overrides: Partial<UserPoolType> = {}): UserPoolType {
  return {
    Id: 'us-east-1_AAAA',
    Name: 'users',
    Arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AAAA',
    Status: 'Enabled',
    CreationDate: new Date('2025-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2026-01-01T00:00:00Z'),
    EstimatedNumberOfUsers: 42,
    UsernameAttributes: ['email'],
    SchemaAttributes: [{ Name: 'email', Mutable: true }],
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireSymbols: true, TemporaryPasswordValidityDays: 3 } },
    DeletionProtection: 'ACTIVE',
    LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up' },
    AutoVerifiedAttributes: ['email'],
    MfaConfiguration: 'OPTIONAL',
    EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
    AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    UserPoolTags: { team: 'identity' },
    UserPoolTier: 'ESSENTIALS',
    ...overrides,
  };
}

describe('planAttachment', () => {
  it('sends back every updatable setting unchanged and sets only PostConfirmation', () => {
    const decision = planAttachment(pool(), ARN);
    expect(decision.action).toBe('attach');
    if (decision.action !== 'attach') return;
    const r = decision.request;
    expect(r.UserPoolId).toBe('us-east-1_AAAA');
    expect(r.LambdaConfig).toEqual({ PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up', PostConfirmation: ARN });
    expect(r.Policies).toEqual(pool().Policies);
    expect(r.DeletionProtection).toBe('ACTIVE');
    expect(r.MfaConfiguration).toBe('OPTIONAL');
    expect(r.AutoVerifiedAttributes).toEqual(['email']);
    expect(r.AccountRecoverySetting).toEqual(pool().AccountRecoverySetting);
    expect(r.UserPoolTags).toEqual({ team: 'identity' });
    expect(r.UserPoolTier).toBe('ESSENTIALS');
    // Read-only fields are not sent.
    for (const k of ['Id', 'Name', 'Arn', 'Status', 'SchemaAttributes', 'UsernameAttributes', 'EstimatedNumberOfUsers']) expect(r).not.toHaveProperty(k);
  });

  it('drops the deprecated UnusedAccountValidityDays, which would override the temporary password validity', () => {
    const decision = planAttachment(pool(), ARN);
    if (decision.action !== 'attach') throw new Error('expected attach');
    expect(decision.request.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: false });
    expect(decision.request.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays).toBe(3);
  });

  it('does not modify the pool object it was given', () => {
    const p = pool();
    planAttachment(p, ARN);
    expect(p.AdminCreateUserConfig?.UnusedAccountValidityDays).toBe(7);
    expect(p.LambdaConfig?.PostConfirmation).toBeUndefined();
  });

  it('does nothing when the trigger is already attached', () => {
    expect(planAttachment(pool({ LambdaConfig: { PostConfirmation: ARN } }), ARN)).toEqual({ action: 'already-attached' });
  });

  it('refuses to overwrite another PostConfirmation trigger, naming it and the way out', () => {
    const decision = planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN);
    expect(decision.action).toBe('refuse');
    if (decision.action === 'refuse') expect(decision.reason).toMatch(/welcome-mail.*Chaining.*--replace-existing/);
  });

  it('replaces another trigger only when asked', () => {
    const decision = planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN, { replaceExisting: true });
    expect(decision.action).toBe('attach');
    if (decision.action === 'attach') expect(decision.request.LambdaConfig?.PostConfirmation).toBe(ARN);
  });

  it('refuses when the pool reports a setting it does not know (UpdateUserPool would reset it)', () => {
    const p = { ...pool(), BrandNewSetting: { on: true } } as UserPoolType;
    const decision = planAttachment(p, ARN);
    expect(decision.action).toBe('refuse');
    if (decision.action === 'refuse') expect(decision.reason).toMatch(/BrandNewSetting/);
  });

  it('detaches only its own trigger and keeps the others', () => {
    const attached = pool({ LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up', PostConfirmation: ARN } });
    const decision = planAttachment(attached, ARN, { detach: true });
    expect(decision.action).toBe('attach');
    if (decision.action === 'attach') expect(decision.request.LambdaConfig).toEqual({ PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up' });
    expect(planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN, { detach: true }).action).toBe('refuse');
    expect(planAttachment(pool(), ARN, { detach: true }).action).toBe('already-attached');
  });
});

describe('unexpectedChanges', () => {
  it('ignores the trigger itself and the modification date', () => {
    const after = pool({ LambdaConfig: { ...pool().LambdaConfig, PostConfirmation: ARN }, LastModifiedDate: new Date('2026-11-27T00:00:00Z') });
    expect(unexpectedChanges(pool(), after)).toEqual([]);
  });

  it('lists every other setting that changed, by path', () => {
    const after = pool({
      Policies: { PasswordPolicy: { MinimumLength: 8, RequireSymbols: true, TemporaryPasswordValidityDays: 7 } },
      MfaConfiguration: 'OFF',
    });
    expect(unexpectedChanges(pool(), after)).toEqual([
      'MfaConfiguration',
      'Policies.PasswordPolicy.MinimumLength',
      'Policies.PasswordPolicy.TemporaryPasswordValidityDays',
    ]);
  });
});
