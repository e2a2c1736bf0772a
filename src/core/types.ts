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
  /** `UserLastModifiedDate`, when Cognito reported it. */
  lastModifiedAt?: Date;
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
  // The fields below are read for the doctor and the failover script; `undefined` = not reported.
  /** `UsernameConfiguration.CaseSensitive`. */
  usernameCaseSensitive?: boolean;
  /** `AutoVerifiedAttributes`: attributes Cognito verifies itself at sign-up. */
  autoVerifiedAttributes?: string[];
  /** `AdminCreateUserConfig.AllowAdminCreateUserOnly`: self sign-up disabled. */
  allowAdminCreateUserOnly?: boolean;
  /** `Policies.SignInPolicy.AllowedFirstAuthFactors` (`PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`). */
  allowedFirstAuthFactors?: string[];
  /** `Policies.PasswordPolicy.PasswordHistorySize`. */
  passwordHistorySize?: number;
  /** `Policies.PasswordPolicy.TemporaryPasswordValidityDays`. */
  temporaryPasswordValidityDays?: number;
  /** `EmailConfiguration.EmailSendingAccount`: `COGNITO_DEFAULT` (small daily limit) or `DEVELOPER` (Amazon SES). */
  emailSendingAccount?: string;
  /** True when `SmsConfiguration` names an SNS caller role (the pool can send SMS). */
  smsConfigured?: boolean;
  /** `UserPoolAddOns.AdvancedSecurityMode` (threat protection): `OFF`, `AUDIT`, `ENFORCED`. */
  advancedSecurityMode?: string;
  /** `DeletionProtection`: `ACTIVE` or `INACTIVE`. */
  deletionProtection?: string;
  /** `KeyConfiguration.KmsKeyArn`: the customer managed key, when there is one (multi-Region keys have ids `mrk-...`). */
  kmsKeyArn?: string;
  /** `DeviceConfiguration` is set: devices can be remembered (they are never replicated). */
  deviceTracking?: boolean;
}

/** The pool's MFA factor configuration (GetUserPoolMfaConfig), when it could be read. */
export interface PoolMfaConfig {
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  sms: boolean;
  totp: boolean;
  email: boolean;
}

/** A group of a pool. */
export interface GroupInfo {
  name: string;
  description?: string;
  precedence?: number;
  roleArn?: string;
}
