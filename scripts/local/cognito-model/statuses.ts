/**
 * User statuses (`UserStatusType` in the SDK model) and the rules that read them.
 * @packageDocumentation
 */
import { fail } from './errors';
import type { ModelUser } from './types';

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

/**
 * A password reset (AdminResetUserPassword, ForgotPassword) is refused for users who have no
 * password of their own yet or sign in elsewhere (NotAuthorizedException).
 */
export function checkResettable(user: ModelUser): void {
  if (['FORCE_CHANGE_PASSWORD', 'EXTERNAL_PROVIDER', 'UNCONFIRMED'].includes(user.UserStatus))
    fail('NotAuthorizedException', 'User password cannot be reset in the current state.');
}

/** AdminSetUserPassword: a permanent password confirms the user, a temporary one asks for a new one. */
export function afterSetPassword(user: ModelUser, permanent: boolean): void {
  user.UserStatus = permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
}
