/**
 * The pool's password policy (`Policies.PasswordPolicy`), checked on every call that sets a
 * password, with Cognito's messages (InvalidPasswordException). Symbols are the ones the
 * documentation lists ("Password requirements").
 * @packageDocumentation
 */
import { fail } from './errors';
import type { ModelPool } from './pool';

const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

/** Throws InvalidPasswordException when `password` breaks the pool's policy. */
export function checkPassword(password: unknown, pool: ModelPool): void {
  if (typeof password !== 'string') return;
  const p = pool.config.Policies?.PasswordPolicy ?? {};
  const broken =
    password.length < (p.MinimumLength ?? 8)
      ? 'Password not long enough'
      : p.RequireLowercase && !/[a-z]/.test(password)
        ? 'Password must have lowercase characters'
        : p.RequireUppercase && !/[A-Z]/.test(password)
          ? 'Password must have uppercase characters'
          : p.RequireNumbers && !/[0-9]/.test(password)
            ? 'Password must have numeric characters'
            : p.RequireSymbols && ![...password].some((c) => SYMBOLS.includes(c))
              ? 'Password must have symbol characters'
              : undefined;
  if (broken) fail('InvalidPasswordException', `Password did not conform with policy: ${broken}`);
}
