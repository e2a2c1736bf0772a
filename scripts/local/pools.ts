/**
 * Creates user pools configured like production ones, for drills and integration tests.
 * @packageDocumentation
 */
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  type CreateUserPoolCommandInput,
  type PasswordPolicyType,
  type SchemaAttributeType,
} from '@aws-sdk/client-cognito-identity-provider';

/**
 * How users sign in: `email` (e-mail is the username; usernames are generated UUIDs),
 * `username` (plain usernames), `alias-email` (username plus e-mail alias), `phone` (phone as username).
 */
export type UsernameMode = 'email' | 'username' | 'alias-email' | 'phone';

/** Settings of {@link createDrillPool}. */
export interface DrillPoolOptions {
  name: string;
  usernameMode?: UsernameMode;
  /** Add the replica attributes (`custom:source_sub`, `custom:source_mfa`). */
  replicaAttributes?: boolean;
  /** Names (without `custom:`) of the replica attributes. */
  sourceSubAttribute?: string;
  mfaMarkerAttribute?: string;
  /** More custom String attributes (without `custom:`). `tier` is always there. */
  customAttributes?: string[];
  /** Default `OPTIONAL`. */
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  /** Default: 12 characters, upper, lower, number, symbol. */
  passwordPolicy?: PasswordPolicyType;
  /** Extra CreateUserPool input merged last. */
  overrides?: Partial<CreateUserPoolCommandInput>;
}

/** A created pool and its app client. */
export interface DrillPool {
  poolId: string;
  poolArn: string;
  poolName: string;
  /** App client (no secret) allowed for SignUp/ConfirmSignUp and password sign-in. */
  clientId: string;
  usernameMode: UsernameMode;
}

/** The password policy drill pools use by default. */
export const DRILL_PASSWORD_POLICY: PasswordPolicyType = {
  MinimumLength: 12,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const stringAttr = (name: string): SchemaAttributeType => ({
  Name: name,
  AttributeDataType: 'String',
  Mutable: true,
  Required: false,
  StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
});

/** Creates one pool (and an app client) configured like a real one. */
export async function createDrillPool(
  client: CognitoIdentityProviderClient,
  opts: DrillPoolOptions,
): Promise<DrillPool> {
  const mode = opts.usernameMode ?? 'email';
  const custom = ['tier', ...(opts.customAttributes ?? [])];
  if (opts.replicaAttributes)
    custom.push(opts.sourceSubAttribute ?? 'source_sub', opts.mfaMarkerAttribute ?? 'source_mfa');
  const input: CreateUserPoolCommandInput = {
    PoolName: opts.name,
    ...(mode === 'email' ? { UsernameAttributes: ['email'] } : {}),
    ...(mode === 'phone' ? { UsernameAttributes: ['phone_number'] } : {}),
    ...(mode === 'alias-email' ? { AliasAttributes: ['email'] } : {}),
    UsernameConfiguration: { CaseSensitive: false },
    AutoVerifiedAttributes: [mode === 'phone' ? 'phone_number' : 'email'],
    Schema: [
      { Name: 'email', AttributeDataType: 'String', Mutable: true, Required: mode === 'email' },
      ...[...new Set(custom)].map(stringAttr),
    ],
    Policies: { PasswordPolicy: opts.passwordPolicy ?? DRILL_PASSWORD_POLICY },
    AccountRecoverySetting: {
      RecoveryMechanisms:
        mode === 'phone' ? [{ Name: 'verified_phone_number', Priority: 1 }] : [{ Name: 'verified_email', Priority: 1 }],
    },
    MfaConfiguration: opts.mfaConfiguration ?? 'OPTIONAL',
    SmsConfiguration: {
      SnsCallerArn: 'arn:aws:iam::000000000000:role/cognito-sms',
      ExternalId: 'drill',
      SnsRegion: 'us-east-1',
    },
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    DeletionProtection: 'INACTIVE',
    ...opts.overrides,
  };
  const pool = (await client.send(new CreateUserPoolCommand(input))).UserPool;
  if (!pool?.Id || !pool.Arn) throw new Error('CreateUserPool returned no pool');
  const appClient = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: pool.Id,
      ClientName: `${opts.name}-app`,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) throw new Error('CreateUserPoolClient returned no client');
  return { poolId: pool.Id, poolArn: pool.Arn, poolName: opts.name, clientId, usernameMode: mode };
}

/** Settings of {@link createDrillPools}. */
export interface DrillPoolsOptions {
  usernameMode?: UsernameMode;
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  /**
   * Give the primary the replica attributes too (needed for failback: the standby replicates
   * back into the primary). Default true.
   */
  symmetric?: boolean;
  /** Pool name prefix. Default `drill`. */
  prefix?: string;
}

/** Creates the primary pool (one client) and the standby pool (the other client). */
export async function createDrillPools(
  primaryClient: CognitoIdentityProviderClient,
  standbyClient: CognitoIdentityProviderClient,
  opts: DrillPoolsOptions = {},
): Promise<{ primary: DrillPool; standby: DrillPool }> {
  const prefix = opts.prefix ?? 'drill';
  const common = { usernameMode: opts.usernameMode, mfaConfiguration: opts.mfaConfiguration };
  const [primary, standby] = await Promise.all([
    createDrillPool(primaryClient, { ...common, name: `${prefix}-primary`, replicaAttributes: opts.symmetric ?? true }),
    createDrillPool(standbyClient, { ...common, name: `${prefix}-standby`, replicaAttributes: true }),
  ]);
  return { primary, standby };
}
