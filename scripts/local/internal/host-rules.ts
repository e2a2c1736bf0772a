/**
 * Pure rules of the real Cognito API that cognito-local lacks: password policy, the ListUsers
 * filter grammar, account-recovery delivery. Used by the cognito-local host process.
 * @packageDocumentation
 */

/** A `{Name, Value}` attribute as stored by cognito-local. */
export interface Attr {
  Name: string;
  Value?: string;
}

/** The part of a stored user these rules read. */
export interface RuleUser {
  Username: string;
  Attributes?: Attr[];
  Enabled?: boolean;
  UserStatus?: string;
}

/** Password policy as in `DescribeUserPool.Policies.PasswordPolicy`. */
export interface PasswordPolicy {
  MinimumLength?: number;
  RequireUppercase?: boolean;
  RequireLowercase?: boolean;
  RequireNumbers?: boolean;
  RequireSymbols?: boolean;
}

/** The characters Cognito counts as symbols (plus a non-leading, non-trailing space). */
export const COGNITO_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

/** Returns the Cognito error message for a password that breaks `policy`, or `undefined`. */
export function passwordPolicyViolation(password: unknown, policy: PasswordPolicy | undefined): string | undefined {
  if (typeof password !== 'string') return undefined;
  const p = policy ?? {};
  const prefix = 'Password did not conform with policy: ';
  if (password.length < (p.MinimumLength ?? 8)) return `${prefix}Password not long enough`;
  if (p.RequireLowercase && !/[a-z]/.test(password)) return `${prefix}Password must have lowercase characters`;
  if (p.RequireUppercase && !/[A-Z]/.test(password)) return `${prefix}Password must have uppercase characters`;
  if (p.RequireNumbers && !/[0-9]/.test(password)) return `${prefix}Password must have numeric characters`;
  if (p.RequireSymbols && ![...password].some((c) => COGNITO_SYMBOLS.includes(c)))
    return `${prefix}Password must have symbol characters`;
  return undefined;
}

/** Value of attribute `name`, if set. */
export function attr(user: { Attributes?: Attr[] }, name: string): string | undefined {
  return user.Attributes?.find((a) => a.Name === name)?.Value;
}

/** A parsed ListUsers filter. */
export interface ParsedFilter {
  attribute: string;
  prefix: boolean;
  value: string;
}

const SEARCHABLE = new Set([
  'username',
  'email',
  'phone_number',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'cognito:user_status',
  'status',
  'sub',
]);

/**
 * Parses a ListUsers `Filter` (`attr = "v"` or `attr ^= "v"`, quotes escaped with `\`).
 * Returns `undefined` for an empty filter; throws `Error` with the Cognito message when invalid.
 */
export function parseListUsersFilter(filter: string | undefined): ParsedFilter | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  if (filter.length > 256)
    throw new Error(
      "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
  const m = /^\s*([A-Za-z_:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw new Error('Error while parsing filter');
  const [, attribute, op, raw] = m;
  if (!SEARCHABLE.has(attribute)) throw new Error(`Invalid search attribute: ${attribute}`);
  return { attribute, prefix: op === '^=', value: raw.replace(/\\(.)/g, '$1') };
}

/** Whether `user` matches `filter` with the real service's case rules. */
export function matchesFilter(user: RuleUser, filter: ParsedFilter | undefined): boolean {
  if (!filter) return true;
  let actual: string | undefined;
  let expected = filter.value;
  switch (filter.attribute) {
    case 'username':
      actual = user.Username;
      break;
    case 'cognito:user_status':
      actual = user.UserStatus?.toLowerCase();
      expected = expected.toLowerCase();
      break;
    case 'status':
      actual = user.Enabled === false ? 'Disabled' : 'Enabled';
      break;
    default:
      actual = attr(user, filter.attribute);
  }
  if (actual === undefined) return false;
  return filter.prefix ? actual.startsWith(expected) : actual === expected;
}

/** Where Cognito would send a recovery code. */
export interface Delivery {
  DeliveryMedium: 'EMAIL' | 'SMS';
  AttributeName: 'email' | 'phone_number';
  Destination: string;
}

/** The pool settings {@link recoveryDelivery} reads. */
export interface RecoveryPool {
  AccountRecoverySetting?: { RecoveryMechanisms?: { Name?: string; Priority?: number }[] };
}

/**
 * Picks the verified channel for a password-reset code, following the pool's
 * `AccountRecoverySetting` (legacy default when unset: verified phone, then verified email).
 * `undefined` when the user has no verified channel the pool allows.
 */
export function recoveryDelivery(pool: RecoveryPool, user: RuleUser): Delivery | undefined {
  const mechanisms = pool.AccountRecoverySetting?.RecoveryMechanisms?.length
    ? [...pool.AccountRecoverySetting.RecoveryMechanisms]
        .sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0))
        .map((m) => m.Name)
    : ['verified_phone_number', 'verified_email'];
  for (const m of mechanisms) {
    if (m === 'verified_email') {
      const email = attr(user, 'email');
      if (email && attr(user, 'email_verified') === 'true')
        return { DeliveryMedium: 'EMAIL', AttributeName: 'email', Destination: email };
    }
    if (m === 'verified_phone_number') {
      const phone = attr(user, 'phone_number');
      if (phone && attr(user, 'phone_number_verified') === 'true')
        return { DeliveryMedium: 'SMS', AttributeName: 'phone_number', Destination: phone };
    }
  }
  return undefined;
}

/** Masks a destination the way Cognito shows it in `CodeDeliveryDetails` (`j***@e***`, `+*******0100`). */
export function maskDestination(d: Delivery): string {
  if (d.DeliveryMedium === 'EMAIL') {
    const [local, domain = ''] = d.Destination.split('@');
    return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
  }
  const digits = d.Destination;
  return `+${'*'.repeat(Math.max(0, digits.length - 5))}${digits.slice(-4)}`;
}

/** Every status `UserStatus` can take. */
export const USER_STATUSES = [
  'UNCONFIRMED',
  'CONFIRMED',
  'ARCHIVED',
  'COMPROMISED',
  'UNKNOWN',
  'RESET_REQUIRED',
  'FORCE_CHANGE_PASSWORD',
  'EXTERNAL_PROVIDER',
] as const;

/** Attributes no API call may write. */
export function isUnwritableAttribute(name: string): boolean {
  return name === 'sub' || name === 'identities' || name.startsWith('cognito:');
}
