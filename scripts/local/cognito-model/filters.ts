/**
 * The ListUsers `Filter` grammar (API reference, ListUsers): `attribute = "value"` (exact) or
 * `attribute ^= "value"` (prefix), quotes escaped with `\`, at most 256 characters, on the
 * searchable attributes only; `cognito:user_status` compares without case and `status` is
 * `Enabled`/`Disabled`.
 * @packageDocumentation
 */
import { invalid } from './errors';
import type { ModelUser } from './types';

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

/** A parsed filter. */
export interface UserFilter {
  attribute: string;
  prefix: boolean;
  value: string;
}

/** Parses a filter; `undefined` when empty. Throws InvalidParameterException when invalid. */
export function parseFilter(filter: string | undefined): UserFilter | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  if (filter.length > 256)
    invalid(
      "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
  const m = /^\s*([A-Za-z_:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) invalid('Error while parsing filter');
  const [, attribute, op, raw] = m!;
  if (!SEARCHABLE.has(attribute)) invalid(`Invalid search attribute: ${attribute}`);
  return { attribute, prefix: op === '^=', value: raw.replace(/\\(.)/g, '$1') };
}

/** Whether `user` matches `filter`. */
export function matches(user: ModelUser, filter: UserFilter | undefined): boolean {
  if (!filter) return true;
  let actual: string | undefined;
  let expected = filter.value;
  if (filter.attribute === 'username') actual = user.Username;
  else if (filter.attribute === 'status') actual = user.Enabled ? 'Enabled' : 'Disabled';
  else if (filter.attribute === 'cognito:user_status') {
    actual = user.UserStatus.toLowerCase();
    expected = expected.toLowerCase();
  } else actual = user.Attributes[filter.attribute];
  if (actual === undefined) return false;
  return filter.prefix ? actual.startsWith(expected) : actual === expected;
}
