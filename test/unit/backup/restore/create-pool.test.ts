import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { createPoolRequest, NOT_RECREATED } from '../../../../src/backup/restore/create-pool';
import { ConfigError } from '../../../../src/core/errors';

const described: UserPoolType = {
  Id: 'eu-west-1_abc',
  Arn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc',
  Name: 'prod-users',
  Policies: { PasswordPolicy: { MinimumLength: 12, RequireSymbols: true } },
  LambdaConfig: { PostConfirmation: 'arn:aws:lambda:eu-west-1:123456789012:function:trigger' },
  UsernameAttributes: ['email'],
  AutoVerifiedAttributes: ['email'],
  MfaConfiguration: 'OPTIONAL',
  SchemaAttributes: [
    { Name: 'sub', AttributeDataType: 'String', Mutable: false, Required: true },
    { Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true },
    { Name: 'custom:tier', AttributeDataType: 'String', Mutable: true },
    { Name: 'dev:internal', AttributeDataType: 'String', DeveloperOnlyAttribute: true },
  ],
  AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
  EstimatedNumberOfUsers: 1000,
  Domain: 'prod-users',
  DeletionProtection: 'ACTIVE',
};

describe('--create-pool: the CreateUserPool request of a backed-up configuration', () => {
  it('carries over what CreateUserPool takes, custom attributes without their prefix, MFA off until its factors are set', () => {
    const r = createPoolRequest({ UserPool: described }, 'prod-users-restored');
    expect(r).toMatchObject({
      PoolName: 'prod-users-restored',
      Policies: described.Policies,
      LambdaConfig: described.LambdaConfig,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      AccountRecoverySetting: described.AccountRecoverySetting,
      DeletionProtection: 'ACTIVE',
      MfaConfiguration: 'OFF',
    });
    expect(r.Schema?.map((a) => a.Name)).toEqual(['email', 'tier', 'internal']);
    // Read-only facts of the old pool are not sent.
    expect(JSON.stringify(r)).not.toMatch(/eu-west-1_abc|EstimatedNumberOfUsers|Domain/);
    expect(NOT_RECREATED.join(' ')).toMatch(/secrets/);
  });

  it('refuses a snapshot without the pool configuration', () => {
    expect(() => createPoolRequest(undefined)).toThrow(ConfigError);
    expect(() => createPoolRequest({ something: 1 })).toThrow(ConfigError);
    // The snapshot writer's config record: `{ pool, mfa }`.
    expect(createPoolRequest({ pool: described, mfa: {} }).PoolName).toBe('prod-users');
  });
});
