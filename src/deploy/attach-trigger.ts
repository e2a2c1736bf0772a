/**
 * The checked read-modify-write behind `npm run attach-trigger`: set (or remove) the pool's
 * PostConfirmation trigger with UpdateUserPool and nothing else. Pure: it plans the request from
 * a DescribeUserPool answer and compares two answers; scripts/attach-trigger.ts makes the calls.
 *
 * UpdateUserPool facts this relies on (docs/DEPLOY.md, "Attaching the trigger", with sources):
 * - it resets every setting it is not given (SDK model `UpdateUserPoolCommand.d.ts`), and
 *   `UserPoolTier` defaults to ESSENTIALS when omitted (`UpdateUserPoolRequest.UserPoolTier`);
 * - `VerificationMessageTemplate` with both `EmailMessage` and `EmailMessageByLink` is an error:
 *   only the one matching `DefaultEmailOption` may be sent (`UpdateUserPoolRequest.VerificationMessageTemplate`);
 * - MFA ON or OPTIONAL without an `SmsConfiguration` is rejected with InvalidParameterException
 *   "SMS configuration and Auto verification for phone_number are required when MFA is
 *   required/optional" (aws-cdk#12075, cloudformation-coverage-roadmap#769 and #2221), and
 *   leaving `MfaConfiguration` out would switch MFA off.
 * @packageDocumentation
 */
import type { PoolSettings as UserPoolType, PoolSettingsUpdate } from '../cognito/types';

/**
 * DescribeUserPool fields that UpdateUserPool takes back unchanged. UpdateUserPool resets every
 * field it is not given, so the request carries all of these as the pool has them.
 */
const UPDATABLE = [
  'Policies',
  'DeletionProtection',
  'LambdaConfig',
  'AutoVerifiedAttributes',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'MfaConfiguration',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'UserPoolAddOns',
  'DcrConfiguration',
  'AccountRecoverySetting',
  'UserPoolTier',
  'KeyConfiguration',
  'IssuerConfiguration',
  'AcrConfiguration',
] as const;

/** DescribeUserPool fields that UpdateUserPool does not take (set at creation, or reported only). `Name` goes back as `PoolName`. */
const READ_ONLY = new Set([
  'Id',
  'Name',
  'Arn',
  'Status',
  'CreationDate',
  'LastModifiedDate',
  'EstimatedNumberOfUsers',
  'SchemaAttributes',
  'AliasAttributes',
  'UsernameAttributes',
  'UsernameConfiguration',
  'Domain',
  'CustomDomain',
  'SmsConfigurationFailure',
  'EmailConfigurationFailure',
]);

/** Superseded by `VerificationMessageTemplate` ("no longer used", SDK model); sent only when the pool reports no template. */
const SUPERSEDED_MESSAGES = ['SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject'] as const;

/** What attaching the trigger to a pool would do. */
export type AttachmentDecision =
  | { action: 'already-attached' }
  | {
      action: 'attach';
      request: PoolSettingsUpdate;
      /**
       * Settings the pool reports that UpdateUserPool cannot take back in this request (the
       * verification message of the e-mail option not in use, the superseded top-level messages).
       * Cognito may reset them; they are not in effect, and the backup keeps their values.
       */
      notSent: string[];
    }
  | { action: 'refuse'; reason: string };

/** Options of {@link planAttachment}. */
export interface AttachOptions {
  /** Replace a different PostConfirmation trigger (it is not chained: see docs/DEPLOY.md). */
  replaceExisting?: boolean;
  /** Remove the suite's trigger instead of attaching it. */
  detach?: boolean;
}

/** Where to attach the trigger when this tool cannot: the console sends the pool's configuration itself. */
const CONSOLE_FIX =
  'attach the trigger in the Cognito console instead (User pool > Extensions > Add Lambda trigger > Sign-up > Post confirmation; docs/DEPLOY.md "Attaching the trigger", B), then run this again without --apply: it must report the trigger as attached';

/**
 * Why this pool cannot be updated safely by a read-modify-write, or `undefined`. Checked before
 * anything is sent, so a refusal changes nothing.
 */
function cannotUpdate(pool: UserPoolType): string | undefined {
  const unknown = Object.keys(pool).filter((k) => !READ_ONLY.has(k) && !(UPDATABLE as readonly string[]).includes(k));
  if (unknown.length) {
    return `the pool reports field(s) this version does not know (${unknown.join(', ')}); UpdateUserPool would reset them. Upgrade the suite, add the trigger in the pool's own IaC, or ${CONSOLE_FIX}`;
  }
  if (!pool.UserPoolTier) {
    return `the pool reports no UserPoolTier (feature plan); UpdateUserPool would set ESSENTIALS, which changes the plan and its price; ${CONSOLE_FIX}`;
  }
  const mfa = pool.MfaConfiguration;
  if (
    (mfa === 'ON' || mfa === 'OPTIONAL') &&
    (!pool.SmsConfiguration || Object.keys(pool.SmsConfiguration).length === 0)
  ) {
    return (
      `the pool's MFA is ${mfa} and it has no SmsConfiguration: Cognito rejects UpdateUserPool for such a pool ` +
      '(InvalidParameterException "SMS configuration and Auto verification for phone_number are required when MFA is required/optional"), ' +
      `and leaving MfaConfiguration out would switch MFA OFF for every user. Either ${CONSOLE_FIX}; or give the pool an SMS configuration ` +
      '(an IAM role Cognito may use to send SMS through Amazon SNS: console > Authentication > Authentication methods > SMS) and run this again'
    );
  }
  return undefined;
}

/**
 * The verification message template UpdateUserPool accepts: only the e-mail message (and its
 * subject) of the option in use, `DefaultEmailOption` (CONFIRM_WITH_CODE when unset). Returns
 * the template and the paths left out.
 */
function sendableTemplate(template: NonNullable<UserPoolType['VerificationMessageTemplate']>): {
  template: typeof template;
  left: string[];
} {
  const copy = structuredClone(template) as Record<string, unknown>;
  const unused =
    template.DefaultEmailOption === 'CONFIRM_WITH_LINK'
      ? ['EmailMessage', 'EmailSubject']
      : ['EmailMessageByLink', 'EmailSubjectByLink'];
  const left = unused.filter((k) => copy[k] !== undefined);
  for (const k of left) delete copy[k];
  return { template: copy as typeof template, left: left.map((k) => `VerificationMessageTemplate.${k}`) };
}

/**
 * Plans the read-modify-write that sets (or removes) the pool's PostConfirmation trigger and
 * nothing else: every setting UpdateUserPool takes goes back as the pool reports it (the name as
 * `PoolName`, the tier, MFA, the other triggers ...), adjusted only where UpdateUserPool would
 * reject the value as reported (see {@link AttachmentDecision} `notSent`). It refuses, rather
 * than guess, when the pool has another PostConfirmation trigger (unless told to replace it),
 * reports a field this code does not know or no feature plan, or has MFA ON/OPTIONAL without an
 * SMS configuration; each refusal says what to do instead.
 */
export function planAttachment(
  pool: UserPoolType,
  functionArn: string,
  options: AttachOptions = {},
): AttachmentDecision {
  const current = pool.LambdaConfig?.PostConfirmation;
  if (options.detach) {
    if (!current) return { action: 'already-attached' };
    if (current !== functionArn)
      return {
        action: 'refuse',
        reason: `the pool's PostConfirmation trigger is ${current}, not this suite's; left as it is`,
      };
  } else {
    if (current === functionArn) return { action: 'already-attached' };
    if (current && !options.replaceExisting) {
      return {
        action: 'refuse',
        reason: `the pool already has a PostConfirmation trigger (${current}); chain it (docs/DEPLOY.md "Chaining") or pass --replace-existing`,
      };
    }
  }
  const blocked = cannotUpdate(pool);
  if (blocked) return { action: 'refuse', reason: blocked };

  const request: Record<string, unknown> = { UserPoolId: pool.Id };
  if (pool.Name) request.PoolName = pool.Name;
  for (const field of UPDATABLE) if (pool[field] !== undefined) request[field] = structuredClone(pool[field]);
  const notSent: string[] = [];
  if (pool.VerificationMessageTemplate) {
    const { template, left } = sendableTemplate(pool.VerificationMessageTemplate);
    request.VerificationMessageTemplate = template;
    notSent.push(...left);
    for (const field of SUPERSEDED_MESSAGES) {
      if (request[field] === undefined) continue;
      delete request[field];
      notSent.push(field);
    }
  }
  const admin = request.AdminCreateUserConfig as Record<string, unknown> | undefined;
  // Deprecated: when sent, it overrides Policies.PasswordPolicy.TemporaryPasswordValidityDays.
  if (admin) delete admin.UnusedAccountValidityDays;
  const lambdaConfig = { ...(pool.LambdaConfig ?? {}) } as Record<string, unknown>;
  if (options.detach) delete lambdaConfig.PostConfirmation;
  else lambdaConfig.PostConfirmation = functionArn;
  request.LambdaConfig = lambdaConfig;
  return { action: 'attach', request: request as unknown as PoolSettingsUpdate, notSent };
}

/**
 * The paths at which two DescribeUserPool answers differ, ignoring `LastModifiedDate` and the
 * PostConfirmation trigger: after an attachment, every setting that changed besides the trigger
 * ({@link verifyAttachment} tells the ones UpdateUserPool could not take back apart).
 */
export function unexpectedChanges(before: UserPoolType, after: UserPoolType): string[] {
  const strip = (p: UserPoolType) => {
    const copy = JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
    delete copy.LastModifiedDate;
    const lc = copy.LambdaConfig as Record<string, unknown> | undefined;
    if (lc) {
      delete lc.PostConfirmation;
      if (Object.keys(lc).length === 0) delete copy.LambdaConfig;
    }
    return copy;
  };
  const diffs: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (
      a !== null &&
      b !== null &&
      typeof a === 'object' &&
      typeof b === 'object' &&
      Array.isArray(a) === Array.isArray(b)
    ) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of [...keys].sort())
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      diffs.push(path || '(root)');
    }
  };
  walk(strip(before), strip(after), '');
  return diffs;
}

/** Whether `path` is one of `prefixes` or lies under one. */
const under = (path: string, prefixes: readonly string[]) =>
  prefixes.some((p) => path === p || path.startsWith(`${p}.`));

/**
 * The proof after an attachment: every setting that changed besides the trigger. `unexpected`
 * ones were sent back unchanged and still changed (a mistake: restore them from the backup);
 * `notSent` ones are settings UpdateUserPool could not take back (see {@link AttachmentDecision}),
 * reported so that nothing changes unseen.
 */
export function verifyAttachment(
  before: UserPoolType,
  after: UserPoolType,
  notSent: readonly string[] = [],
): { unexpected: string[]; notSent: string[] } {
  const changed = unexpectedChanges(before, after);
  return { unexpected: changed.filter((p) => !under(p, notSent)), notSent: changed.filter((p) => under(p, notSent)) };
}
