/**
 * Conversions between Cognito's shapes (SDK types) and the suite's domain types: the adapter's
 * only translation layer.
 * @packageDocumentation
 */
import type {
  AttributeType,
  GroupType,
  MFAOptionType,
  UserImportJobType,
  UserPoolType,
  UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { GroupInfo, MfaFactor, MfaState, PoolConfig, UserRecord } from '../core/types';
import type { ImportJob } from './types';

/** Converts Cognito's attribute list to a map. */
export function toAttributeMap(list: AttributeType[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const a of list ?? []) if (a.Name) map[a.Name] = a.Value ?? '';
  return map;
}

export function toAttributeList(map: Record<string, string>): AttributeType[] {
  return Object.entries(map).map(([Name, Value]) => ({ Name, Value }));
}

/** Converts a ListUsers / ListUsersInGroup / AdminCreateUser user. */
export function toUserRecord(u: UserType): UserRecord {
  return {
    username: u.Username ?? '',
    attributes: toAttributeMap(u.Attributes),
    enabled: u.Enabled ?? true,
    status: u.UserStatus ?? 'UNKNOWN',
    createdAt: u.UserCreateDate,
    lastModifiedAt: u.UserLastModifiedDate,
  };
}

const FACTORS: ReadonlySet<string> = new Set(['SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA']);

export function toMfaState(
  list: string[] | undefined,
  preferred: string | undefined,
  legacy: MFAOptionType[] | undefined,
): MfaState {
  const enabled = new Set((list ?? []).filter((f) => FACTORS.has(f)) as MfaFactor[]);
  if (!list && legacy?.some((o) => o.DeliveryMedium === 'SMS')) enabled.add('SMS_MFA');
  return {
    enabled: [...enabled].sort(),
    preferred: preferred && FACTORS.has(preferred) ? (preferred as MfaFactor) : undefined,
  };
}

export function toImportJob(j: UserImportJobType | undefined): ImportJob {
  return {
    jobId: j?.JobId ?? '',
    status: j?.Status ?? 'Unknown',
    preSignedUrl: j?.PreSignedUrl,
    imported: j?.ImportedUsers,
    skipped: j?.SkippedUsers,
    failed: j?.FailedUsers,
    message: j?.CompletionMessage,
  };
}

export function toGroupInfo(g: GroupType): GroupInfo {
  return { name: g.GroupName!, description: g.Description, precedence: g.Precedence, roleArn: g.RoleArn };
}

/** Converts DescribeUserPool's answer to the suite's {@link PoolConfig}. */
export function toPoolConfig(p: UserPoolType, region?: string): PoolConfig {
  const policy = p.Policies?.PasswordPolicy;
  const triggers: Record<string, string> = {};
  for (const [name, value] of Object.entries(p.LambdaConfig ?? {}))
    if (typeof value === 'string') triggers[name] = value;
  return {
    poolId: p.Id ?? '',
    region,
    name: p.Name,
    usernameAttributes: (p.UsernameAttributes ?? []) as PoolConfig['usernameAttributes'],
    aliasAttributes: p.AliasAttributes ?? [],
    schema: (p.SchemaAttributes ?? []).map((a) => ({
      name: a.Name!,
      mutable: a.Mutable ?? true,
      dataType: a.AttributeDataType,
      required: a.Required,
      developerOnly: a.DeveloperOnlyAttribute,
      maxLength: a.StringAttributeConstraints?.MaxLength ? Number(a.StringAttributeConstraints.MaxLength) : undefined,
    })),
    passwordPolicy: {
      minimumLength: policy?.MinimumLength ?? 8,
      requireUppercase: policy?.RequireUppercase ?? true,
      requireLowercase: policy?.RequireLowercase ?? true,
      requireNumbers: policy?.RequireNumbers ?? true,
      requireSymbols: policy?.RequireSymbols ?? true,
    },
    mfaConfiguration: p.MfaConfiguration as PoolConfig['mfaConfiguration'],
    // In priority order (1 first): the order Cognito tries them in.
    accountRecovery: [...(p.AccountRecoverySetting?.RecoveryMechanisms ?? [])]
      .sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0))
      .map((m) => m.Name!)
      .filter(Boolean),
    lambdaTriggers: triggers,
    featurePlan: p.UserPoolTier,
    estimatedUsers: p.EstimatedNumberOfUsers,
    usernameCaseSensitive: p.UsernameConfiguration?.CaseSensitive,
    autoVerifiedAttributes: p.AutoVerifiedAttributes,
    allowAdminCreateUserOnly: p.AdminCreateUserConfig?.AllowAdminCreateUserOnly,
    allowedFirstAuthFactors: p.Policies?.SignInPolicy?.AllowedFirstAuthFactors,
    passwordHistorySize: policy?.PasswordHistorySize,
    temporaryPasswordValidityDays: policy?.TemporaryPasswordValidityDays,
    emailSendingAccount: p.EmailConfiguration
      ? (p.EmailConfiguration.EmailSendingAccount ?? 'COGNITO_DEFAULT')
      : undefined,
    smsConfigured: p.SmsConfiguration ? !!p.SmsConfiguration.SnsCallerArn : undefined,
    advancedSecurityMode: p.UserPoolAddOns?.AdvancedSecurityMode,
    deletionProtection: p.DeletionProtection,
    kmsKeyArn: p.KeyConfiguration?.KmsKeyArn,
    deviceTracking: p.DeviceConfiguration ? true : undefined,
  };
}
