/** The MFA factors Cognito knows, by their `UserMFASettingList` names. */
export type MfaFactor = 'SMS_MFA' | 'EMAIL_OTP' | 'SOFTWARE_TOKEN_MFA';

/** A user's MFA configuration as `AdminGetUser` reports it. */
export interface MfaState {
  /** Factors the user has enabled. */
  enabled: MfaFactor[];
  /** The preferred factor, if any. */
  preferred?: MfaFactor;
}

/** A user of one pool, as the gateway reads it. Unknown parts are `undefined`, never guessed. */
export interface UserRecord {
  username: string;
  /** Every attribute Cognito returned, `sub` included. */
  attributes: Record<string, string>;
  enabled: boolean;
  /** `CONFIRMED`, `UNCONFIRMED`, `EXTERNAL_PROVIDER`, `FORCE_CHANGE_PASSWORD`, `RESET_REQUIRED`, ... */
  status: string;
  /** MFA settings; `undefined` when not read (ListUsers does not return them). */
  mfa?: MfaState;
  /** Group names; `undefined` when not read. */
  groups?: string[];
  createdAt?: Date;
}

/** One attribute of a pool's schema. */
export interface SchemaAttribute {
  /** Full name: `email`, `custom:tier`. */
  name: string;
  mutable: boolean;
  dataType?: string;
  required?: boolean;
  developerOnly?: boolean;
  maxLength?: number;
}

/** The parts of a pool's password policy that a generated password must meet. */
export interface PasswordPolicy {
  minimumLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
}

/** What the suite needs to know of a pool's configuration (read once with DescribeUserPool). */
export interface PoolConfig {
  poolId: string;
  region?: string;
  name?: string;
  /** `UsernameAttributes`: e-mail and/or phone used as username (username is then a per-pool UUID). */
  usernameAttributes: ('email' | 'phone_number')[];
  /** `AliasAttributes`: sign-in aliases; the username itself is kept. */
  aliasAttributes: string[];
  schema: SchemaAttribute[];
  passwordPolicy: PasswordPolicy;
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  /** Account recovery mechanisms by name (`verified_email`, `verified_phone_number`, `admin_only`). */
  accountRecovery: string[];
  /** Attached Lambda triggers by name (`PostConfirmation`, ...). */
  lambdaTriggers: Record<string, string>;
  /** `UserPoolTier`: `LITE`, `ESSENTIALS`, `PLUS`, when reported. */
  featurePlan?: string;
  /** Estimated number of users, when reported. */
  estimatedUsers?: number;
}

/** A group of a pool. */
export interface GroupInfo {
  name: string;
  description?: string;
  precedence?: number;
  roleArn?: string;
}
