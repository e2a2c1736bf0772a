/**
 * `--create-pool`: the CreateUserPool request that recreates a deleted pool's configuration from
 * the snapshot's config chunk (its DescribeUserPool form). A minimal, honest version: what
 * CreateUserPool itself takes is carried over; what it cannot recreate is named.
 */
import type { CreateUserPoolCommandInput, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { ConfigError } from '../../core/errors';
import { userPoolOf } from './pool-config';

/**
 * What a recreated pool does not get back from a backup, for the operator (what it does get back
 * beyond CreateUserPool: ./recreate-config).
 */
export const NOT_RECREATED = [
  'the pool id and ARN (new: every app, trigger permission and IAM policy that names the old one must change)',
  'app client ids and secrets (new ids, printed old -> new; a client that had a secret has a NEW one)',
  'identity provider secrets (no backup holds them: give them with --idp-secrets, or those providers are skipped)',
  "a custom domain's DNS record (point it at the new CloudFront target), managed login branding and UI customization",
  "users' passwords and TOTP secrets (no backup holds them): restored users recover their accounts",
];

/**
 * The CreateUserPool request of a backed-up pool's configuration: its policies, schema (custom
 * attributes named without their `custom:` prefix, as CreateUserPool takes them), sign-in and
 * verification settings, message templates, Lambda triggers by ARN, e-mail and SMS settings,
 * tags, tier, KMS key and deletion protection. MFA is created `OFF`: CreateUserPool cannot set the
 * factors that `ON`/`OPTIONAL` need; SetUserPoolMfaConfig sets them next (./recreate-config).
 *
 * @example
 * const request = createPoolRequest(await readConfig(store, root, manifest), 'prod-users-restored');
 */
export function createPoolRequest(
  doc: Record<string, unknown> | undefined,
  poolName?: string,
): CreateUserPoolCommandInput {
  const p: UserPoolType | undefined = userPoolOf(doc);
  if (!p)
    throw new ConfigError(
      'the snapshot holds no pool configuration (DescribeUserPool form): --create-pool cannot recreate the pool',
    );
  const schema = (p.SchemaAttributes ?? [])
    .filter((a) => a.Name && a.Name !== 'sub' && a.Name !== 'identities')
    .map((a) => ({ ...a, Name: a.Name!.replace(/^(custom|dev):/, '') }));
  return {
    PoolName: poolName ?? p.Name,
    Policies: p.Policies,
    DeletionProtection: p.DeletionProtection,
    LambdaConfig: p.LambdaConfig,
    AutoVerifiedAttributes: p.AutoVerifiedAttributes,
    AliasAttributes: p.AliasAttributes,
    UsernameAttributes: p.UsernameAttributes,
    SmsVerificationMessage: p.SmsVerificationMessage,
    EmailVerificationMessage: p.EmailVerificationMessage,
    EmailVerificationSubject: p.EmailVerificationSubject,
    VerificationMessageTemplate: p.VerificationMessageTemplate,
    SmsAuthenticationMessage: p.SmsAuthenticationMessage,
    MfaConfiguration: 'OFF',
    UserAttributeUpdateSettings: p.UserAttributeUpdateSettings,
    DeviceConfiguration: p.DeviceConfiguration,
    EmailConfiguration: p.EmailConfiguration,
    SmsConfiguration: p.SmsConfiguration,
    UserPoolTags: p.UserPoolTags,
    AdminCreateUserConfig: p.AdminCreateUserConfig,
    Schema: schema,
    UserPoolAddOns: p.UserPoolAddOns,
    UsernameConfiguration: p.UsernameConfiguration,
    AccountRecoverySetting: p.AccountRecoverySetting,
    UserPoolTier: p.UserPoolTier,
    KeyConfiguration: p.KeyConfiguration,
  };
}
