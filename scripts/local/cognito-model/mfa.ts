/**
 * MFA: AdminSetUserMFAPreference, GetUserPoolMfaConfig and SetUserPoolMfaConfig (the factors given
 * are stored and answered back; `ON`/`OPTIONAL` without an enabled factor is refused *(unconfirmed
 * message)*). Rules (API reference and SDK model):
 * a user who must reset its password is refused (PasswordResetRequiredException); one factor at
 * most is preferred; a preferred factor must be enabled; SMS needs a phone number and e-mail
 * OTP an e-mail address. TOTP is accepted without AssociateSoftwareToken (a local relaxation).
 * @packageDocumentation
 */
import { type OpContext, poolOf, userOf } from './context';
import { fail, invalid } from './errors';
import type { Json } from './types';

const FACTORS: [string, string][] = [
  ['SMS_MFA', 'SMSMfaSettings'],
  ['SOFTWARE_TOKEN_MFA', 'SoftwareTokenMfaSettings'],
  ['EMAIL_OTP', 'EmailMfaSettings'],
];

function adminSetUserMFAPreference(ctx: OpContext): Json {
  const u = userOf(poolOf(ctx), ctx.input.Username);
  if (u.UserStatus === 'RESET_REQUIRED') fail('PasswordResetRequiredException', 'Password reset required for the user');
  const settings = FACTORS.map(([factor, key]) => [factor, ctx.input[key]] as const).filter(([, s]) => s);
  if (settings.filter(([, s]) => s.PreferredMfa).length > 1) invalid('Only one MFA method can be set as preferred.');
  const enabled = new Set(u.Mfa);
  let preferred = u.PreferredMfa;
  for (const [factor, s] of settings) {
    if (s.PreferredMfa && s.Enabled === false) invalid(`Cannot set ${factor} as preferred when it is not enabled.`);
    if (s.Enabled) {
      if (factor === 'SMS_MFA' && !u.Attributes.phone_number)
        invalid('User does not have delivery config set to turn on SMS_MFA');
      if (factor === 'EMAIL_OTP' && !u.Attributes.email)
        invalid('User does not have delivery config set to turn on EMAIL_OTP');
      enabled.add(factor);
    } else if (s.Enabled === false) enabled.delete(factor);
    if (s.PreferredMfa) preferred = factor;
    else if (preferred === factor) preferred = undefined;
  }
  u.Mfa = FACTORS.map(([f]) => f).filter((f) => enabled.has(f));
  u.PreferredMfa = preferred && enabled.has(preferred) ? preferred : undefined;
  u.Modified = new Date(ctx.clock.now());
  return {};
}

function getUserPoolMfaConfig(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { SmsMfaConfiguration, EmailMfaConfiguration } = pool.config;
  return {
    MfaConfiguration: pool.mfaConfiguration,
    ...(SmsMfaConfiguration
      ? { SmsMfaConfiguration }
      : pool.config.SmsConfiguration
        ? { SmsMfaConfiguration: { SmsConfiguration: pool.config.SmsConfiguration } }
        : {}),
    ...(EmailMfaConfiguration ? { EmailMfaConfiguration } : {}),
    ...(pool.config.SoftwareTokenMfaConfiguration
      ? { SoftwareTokenMfaConfiguration: pool.config.SoftwareTokenMfaConfiguration }
      : {}),
  };
}

function setUserPoolMfaConfig(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { MfaConfiguration, SmsMfaConfiguration, SoftwareTokenMfaConfiguration, EmailMfaConfiguration } = ctx.input;
  const factors =
    !!SmsMfaConfiguration?.SmsConfiguration || !!SoftwareTokenMfaConfiguration?.Enabled || !!EmailMfaConfiguration;
  if ((MfaConfiguration === 'ON' || MfaConfiguration === 'OPTIONAL') && !factors)
    invalid('At least one MFA method must be enabled to set MfaConfiguration to ON or OPTIONAL.');
  if (SmsMfaConfiguration) pool.config.SmsMfaConfiguration = SmsMfaConfiguration;
  if (SoftwareTokenMfaConfiguration) pool.config.SoftwareTokenMfaConfiguration = SoftwareTokenMfaConfiguration;
  if (EmailMfaConfiguration) pool.config.EmailMfaConfiguration = EmailMfaConfiguration;
  if (MfaConfiguration) pool.config.MfaConfiguration = MfaConfiguration;
  return {
    MfaConfiguration: pool.mfaConfiguration,
    ...(SmsMfaConfiguration ? { SmsMfaConfiguration } : {}),
    ...(SoftwareTokenMfaConfiguration ? { SoftwareTokenMfaConfiguration } : {}),
    ...(EmailMfaConfiguration ? { EmailMfaConfiguration } : {}),
  };
}

export const MFA_OPERATIONS = {
  SetUserPoolMfaConfig: setUserPoolMfaConfig,
  AdminSetUserMFAPreference: adminSetUserMFAPreference,
  GetUserPoolMfaConfig: getUserPoolMfaConfig,
};
