import { randomInt } from 'node:crypto';
import type { PasswordPolicy } from './types';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** The special characters Cognito accepts in passwords. */
const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-';

/** Length of generated passwords unless the policy asks for more. Cognito accepts up to 256. */
const DEFAULT_LENGTH = 32;

/**
 * A cryptographically random password that satisfies `policy`: every required character class is
 * present and the length is at least the policy's minimum. Nobody ever learns it; it only moves a
 * replica to `CONFIRMED` so the user can recover with "Forgot password".
 */
export function generatePassword(policy: PasswordPolicy): string {
  const length = Math.min(256, Math.max(DEFAULT_LENGTH, policy.minimumLength));
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  // One of every class regardless of policy: a policy tightened later still accepts it.
  const chars = [UPPER, LOWER, DIGITS, SYMBOLS].map(pick);
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

function pick(set: string): string {
  return set[randomInt(set.length)];
}
