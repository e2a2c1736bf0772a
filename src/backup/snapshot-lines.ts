/**
 * What a snapshot writes of a listed user and of the pool's configuration: the suite's records
 * made serialisable (see the line shapes in {@link ./types}).
 * @packageDocumentation
 */
import type { UserRecord } from '../core/types';
import type { BackedUpUser } from './types';

/**
 * A user as a backup holds it: every attribute Cognito returned (verified flags included), status,
 * enabled state, MFA and groups only when the record carries them, Cognito's dates as ISO.
 *
 * @example
 * toBackedUpUser({ username: 'ann', attributes: { sub: 's-1' }, enabled: true, status: 'CONFIRMED' });
 * // { username: 'ann', sub: 's-1', attributes: { sub: 's-1' }, enabled: true, status: 'CONFIRMED' }
 */
export function toBackedUpUser(user: UserRecord): BackedUpUser {
  const out: BackedUpUser = {
    username: user.username,
    sub: user.attributes.sub ?? '',
    attributes: { ...user.attributes },
    enabled: user.enabled,
    status: user.status,
  };
  if (user.groups) out.groups = [...user.groups].sort();
  if (user.mfa) out.mfa = user.mfa;
  if (user.createdAt) out.createdAt = user.createdAt.toISOString();
  if (user.lastModifiedAt) out.lastModifiedAt = user.lastModifiedAt.toISOString();
  return out;
}

/** A value as JSON would carry it (dates as ISO strings, `undefined` fields dropped). */
export function asJson(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}
