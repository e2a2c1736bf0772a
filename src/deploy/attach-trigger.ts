import type { UpdateUserPoolCommandInput, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';

/**
 * DescribeUserPool fields that UpdateUserPool takes back unchanged. UpdateUserPool resets every
 * field it is not given, so the request carries all of these as the pool has them.
 */
const UPDATABLE = [
  'Policies', 'DeletionProtection', 'LambdaConfig', 'AutoVerifiedAttributes', 'SmsVerificationMessage', 'EmailVerificationMessage',
  'EmailVerificationSubject', 'VerificationMessageTemplate', 'SmsAuthenticationMessage', 'UserAttributeUpdateSettings', 'MfaConfiguration',
  'DeviceConfiguration', 'EmailConfiguration', 'SmsConfiguration', 'UserPoolTags', 'AdminCreateUserConfig', 'UserPoolAddOns',
  'DcrConfiguration', 'AccountRecoverySetting', 'UserPoolTier', 'KeyConfiguration', 'IssuerConfiguration', 'AcrConfiguration',
] as const;

/** DescribeUserPool fields that UpdateUserPool does not take (set at creation, or reported only). */
const READ_ONLY = new Set([
  'Id', 'Name', 'Arn', 'Status', 'CreationDate', 'LastModifiedDate', 'EstimatedNumberOfUsers', 'SchemaAttributes', 'AliasAttributes',
  'UsernameAttributes', 'UsernameConfiguration', 'Domain', 'CustomDomain', 'SmsConfigurationFailure', 'EmailConfigurationFailure',
]);

/** What attaching the trigger to a pool would do. */
export type AttachmentDecision =
  | { action: 'already-attached' }
  | { action: 'attach'; request: UpdateUserPoolCommandInput }
  | { action: 'refuse'; reason: string };

/** Options of {@link planAttachment}. */
export interface AttachOptions {
  /** Replace a different PostConfirmation trigger (it is not chained: see docs/DEPLOY.md). */
  replaceExisting?: boolean;
  /** Remove the suite's trigger instead of attaching it. */
  detach?: boolean;
}

/**
 * Plans the read-modify-write that sets (or removes) the pool's PostConfirmation trigger and
 * nothing else. It refuses, rather than guess, when the pool has another PostConfirmation trigger
 * (unless told to replace it) or reports a field this code does not know (UpdateUserPool would
 * reset it to its default).
 */
export function planAttachment(pool: UserPoolType, functionArn: string, options: AttachOptions = {}): AttachmentDecision {
  const unknown = Object.keys(pool).filter((k) => !READ_ONLY.has(k) && !(UPDATABLE as readonly string[]).includes(k));
  if (unknown.length) {
    return {
      action: 'refuse',
      reason: `the pool reports field(s) this version does not know (${unknown.join(', ')}); UpdateUserPool would reset them. Upgrade the suite, or attach the trigger in the console or the pool's own IaC (docs/DEPLOY.md)`,
    };
  }
  const current = pool.LambdaConfig?.PostConfirmation;
  if (options.detach) {
    if (!current) return { action: 'already-attached' };
    if (current !== functionArn) return { action: 'refuse', reason: `the pool's PostConfirmation trigger is ${current}, not this suite's; left as it is` };
  } else {
    if (current === functionArn) return { action: 'already-attached' };
    if (current && !options.replaceExisting) {
      return {
        action: 'refuse',
        reason: `the pool already has a PostConfirmation trigger (${current}); chain it (docs/DEPLOY.md "Chaining") or pass --replace-existing`,
      };
    }
  }
  const request: Record<string, unknown> = { UserPoolId: pool.Id };
  for (const field of UPDATABLE) if (pool[field] !== undefined) request[field] = structuredClone(pool[field]);
  const admin = request.AdminCreateUserConfig as Record<string, unknown> | undefined;
  // Deprecated: when sent, it overrides Policies.PasswordPolicy.TemporaryPasswordValidityDays.
  if (admin) delete admin.UnusedAccountValidityDays;
  const lambdaConfig = { ...(pool.LambdaConfig ?? {}) } as Record<string, unknown>;
  if (options.detach) delete lambdaConfig.PostConfirmation;
  else lambdaConfig.PostConfirmation = functionArn;
  request.LambdaConfig = lambdaConfig;
  return { action: 'attach', request: request as unknown as UpdateUserPoolCommandInput };
}

/**
 * The paths at which two DescribeUserPool answers differ, ignoring `LastModifiedDate` and the
 * PostConfirmation trigger: after an attachment, anything listed here was changed by mistake.
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
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
      for (const k of [...keys].sort()) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      diffs.push(path || '(root)');
    }
  };
  walk(strip(before), strip(after), '');
  return diffs;
}
