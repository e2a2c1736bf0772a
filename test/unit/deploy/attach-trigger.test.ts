import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { planAttachment, unexpectedChanges, verifyAttachment } from '../../../src/deploy/attach-trigger';

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
    SmsConfiguration: {
      SnsCallerArn: 'arn:aws:iam::123456789012:role/cognito-sms',
      ExternalId: 'users',
      SnsRegion: 'us-east-1',
    },
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
    expect(r.LambdaConfig).toEqual({
      PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up',
      PostConfirmation: ARN,
    });
    expect(r.Policies).toEqual(pool().Policies);
    expect(r.DeletionProtection).toBe('ACTIVE');
    expect(r.MfaConfiguration).toBe('OPTIONAL');
    expect(r.AutoVerifiedAttributes).toEqual(['email']);
    expect(r.AccountRecoverySetting).toEqual(pool().AccountRecoverySetting);
    expect(r.UserPoolTags).toEqual({ team: 'identity' });
    expect(r.UserPoolTier).toBe('ESSENTIALS');
    expect(r.SmsConfiguration).toEqual(pool().SmsConfiguration);
    expect(r.PoolName).toBe('users');
    // Read-only fields are not sent.
    for (const k of ['Id', 'Name', 'Arn', 'Status', 'SchemaAttributes', 'UsernameAttributes', 'EstimatedNumberOfUsers'])
      expect(r).not.toHaveProperty(k);
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
    expect(planAttachment(pool({ LambdaConfig: { PostConfirmation: ARN } }), ARN)).toEqual({
      action: 'already-attached',
    });
  });

  it('refuses to overwrite another PostConfirmation trigger, naming it and the way out', () => {
    const decision = planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN);
    expect(decision.action).toBe('refuse');
    if (decision.action === 'refuse') expect(decision.reason).toMatch(/welcome-mail.*Chaining.*--replace-existing/);
  });

  it('replaces another trigger only when asked', () => {
    const decision = planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN, {
      replaceExisting: true,
    });
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
    const attached = pool({
      LambdaConfig: { PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up', PostConfirmation: ARN },
    });
    const decision = planAttachment(attached, ARN, { detach: true });
    expect(decision.action).toBe('attach');
    if (decision.action === 'attach')
      expect(decision.request.LambdaConfig).toEqual({
        PreSignUp: 'arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up',
      });
    expect(planAttachment(pool({ LambdaConfig: { PostConfirmation: OTHER } }), ARN, { detach: true }).action).toBe(
      'refuse',
    );
    expect(planAttachment(pool(), ARN, { detach: true }).action).toBe('already-attached');
  });
});

describe('issue 10.8: attach-trigger sends back settings UpdateUserPool rejects', () => {
  // DescribeUserPool reports both e-mail messages (and mirrors them in the superseded top-level fields).
  const template = (option?: 'CONFIRM_WITH_CODE' | 'CONFIRM_WITH_LINK') => ({
    SmsMessage: 'Your code is {####}',
    EmailMessage: 'Your code is {####}',
    EmailSubject: 'Your code',
    EmailMessageByLink: 'Verify: {##Click here##}',
    EmailSubjectByLink: 'Verify your e-mail',
    ...(option ? { DefaultEmailOption: option } : {}),
  });
  const superseded = {
    SmsVerificationMessage: 'Your code is {####}',
    EmailVerificationMessage: 'Your code is {####}',
    EmailVerificationSubject: 'Your code',
  };
  const attach = (p: UserPoolType) => {
    const d = planAttachment(p, ARN);
    if (d.action !== 'attach') throw new Error(`expected attach, got ${JSON.stringify(d)}`);
    return d;
  };

  it('sends only the verification message of the DefaultEmailOption in use (both is an error), and says what it left out', () => {
    const code = attach(pool({ VerificationMessageTemplate: template('CONFIRM_WITH_CODE'), ...superseded }));
    expect(code.request.VerificationMessageTemplate).toEqual({
      SmsMessage: 'Your code is {####}',
      EmailMessage: 'Your code is {####}',
      EmailSubject: 'Your code',
      DefaultEmailOption: 'CONFIRM_WITH_CODE',
    });
    const link = attach(pool({ VerificationMessageTemplate: template('CONFIRM_WITH_LINK'), ...superseded }));
    expect(link.request.VerificationMessageTemplate).toEqual({
      SmsMessage: 'Your code is {####}',
      EmailMessageByLink: 'Verify: {##Click here##}',
      EmailSubjectByLink: 'Verify your e-mail',
      DefaultEmailOption: 'CONFIRM_WITH_LINK',
    });
    expect(link.notSent).toEqual([
      'VerificationMessageTemplate.EmailMessage',
      'VerificationMessageTemplate.EmailSubject',
      'SmsVerificationMessage',
      'EmailVerificationMessage',
      'EmailVerificationSubject',
    ]);
    // No DefaultEmailOption: Cognito's default is CONFIRM_WITH_CODE.
    expect(
      attach(pool({ VerificationMessageTemplate: template() })).request.VerificationMessageTemplate,
    ).not.toHaveProperty('EmailMessageByLink');
  });

  it('drops the superseded top-level messages when the template carries them (a link template with a code message is rejected)', () => {
    const d = attach(pool({ VerificationMessageTemplate: template('CONFIRM_WITH_LINK'), ...superseded }));
    for (const k of Object.keys(superseded)) expect(d.request).not.toHaveProperty(k);
    // A pool that reports no template keeps them: they are its only messages.
    const old = attach(pool({ ...superseded }));
    expect(old.request).toMatchObject(superseded);
    expect(old.notSent).toEqual([]);
  });

  it.each(['ON', 'OPTIONAL'] as const)(
    'refuses MFA %s without an SmsConfiguration, with the fix spelled out, and sends nothing',
    (mfa) => {
      for (const sms of [undefined, {}]) {
        const d = planAttachment(pool({ MfaConfiguration: mfa, SmsConfiguration: sms }), ARN);
        expect(d.action).toBe('refuse');
        if (d.action !== 'refuse') return;
        expect(d.reason).toMatch(new RegExp(`MFA is ${mfa} and it has no SmsConfiguration`));
        expect(d.reason).toMatch(/SMS configuration and Auto verification for phone_number are required/);
        expect(d.reason).toMatch(/switch MFA OFF/);
        expect(d.reason).toMatch(/Cognito console.*Post confirmation.*without --apply/);
        expect(d.reason).toMatch(/give the pool an SMS configuration/);
      }
      expect(
        planAttachment(
          pool({ MfaConfiguration: mfa, SmsConfiguration: undefined, LambdaConfig: { PostConfirmation: ARN } }),
          ARN,
          { detach: true },
        ).action,
      ).toBe('refuse');
    },
  );

  it('MFA OFF needs no SMS configuration; an already attached trigger needs no update at all', () => {
    expect(planAttachment(pool({ MfaConfiguration: 'OFF', SmsConfiguration: undefined }), ARN).action).toBe('attach');
    expect(planAttachment(pool({ SmsConfiguration: undefined, LambdaConfig: { PostConfirmation: ARN } }), ARN)).toEqual(
      { action: 'already-attached' },
    );
  });

  it.each(['LITE', 'ESSENTIALS', 'PLUS'] as const)(
    'carries the feature plan %s through (UpdateUserPool would set ESSENTIALS)',
    (tier) => {
      expect(attach(pool({ UserPoolTier: tier })).request.UserPoolTier).toBe(tier);
    },
  );

  it('refuses a pool that reports no feature plan rather than let it become ESSENTIALS', () => {
    const d = planAttachment(pool({ UserPoolTier: undefined }), ARN);
    expect(d.action).toBe('refuse');
    if (d.action === 'refuse') expect(d.reason).toMatch(/no UserPoolTier.*ESSENTIALS.*Cognito console/);
  });

  it('carries every other updatable setting through as reported', () => {
    const full = pool({
      SmsAuthenticationMessage: 'Code {####}',
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
      UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
      DcrConfiguration: { EnableStatus: 'Disabled' },
      KeyConfiguration: { KeyType: 'AWS_OWNED_KEY' },
      IssuerConfiguration: { Type: 'ORIGINAL' },
      AcrConfiguration: { 'urn:example:acr:1': { AcrValue: 'low' } },
    } as Partial<UserPoolType>);
    const r = attach(full).request as unknown as Record<string, unknown>;
    for (const k of [
      'SmsAuthenticationMessage',
      'UserAttributeUpdateSettings',
      'DeviceConfiguration',
      'UserPoolAddOns',
      'DcrConfiguration',
      'KeyConfiguration',
      'IssuerConfiguration',
      'AcrConfiguration',
    ]) {
      expect({ k, v: r[k] }).toEqual({ k, v: (full as Record<string, unknown>)[k] });
    }
  });

  it('keeps the proof afterwards: a setting sent back and changed is unexpected; one that could not be sent is reported apart', () => {
    const before = pool({ VerificationMessageTemplate: template('CONFIRM_WITH_CODE') });
    const { notSent } = attach(before);
    const after = pool({
      VerificationMessageTemplate: {
        ...template('CONFIRM_WITH_CODE'),
        EmailMessageByLink: 'Please click {##Verify Email##}',
      },
      LambdaConfig: { ...before.LambdaConfig, PostConfirmation: ARN },
      UserPoolTier: 'ESSENTIALS',
      MfaConfiguration: 'OFF',
    });
    expect(verifyAttachment(before, after, notSent)).toEqual({
      unexpected: ['MfaConfiguration'],
      notSent: ['VerificationMessageTemplate.EmailMessageByLink'],
    });
    expect(
      verifyAttachment(
        before,
        pool({
          VerificationMessageTemplate: template('CONFIRM_WITH_CODE'),
          LambdaConfig: { ...before.LambdaConfig, PostConfirmation: ARN },
        }),
        notSent,
      ),
    ).toEqual({ unexpected: [], notSent: [] });
  });
});

describe('unexpectedChanges', () => {
  it('ignores the trigger itself and the modification date', () => {
    const after = pool({
      LambdaConfig: { ...pool().LambdaConfig, PostConfirmation: ARN },
      LastModifiedDate: new Date('2026-11-27T00:00:00Z'),
    });
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
