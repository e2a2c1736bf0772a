import { generatePassword } from '../../../src/core/password';
import type { PasswordPolicy } from '../../../src/core/types';
import { COGNITO_SYMBOLS, meetsPolicy } from '../helpers';

const policies: PasswordPolicy[] = [];
for (const minimumLength of [6, 8, 32, 33, 64, 99]) {
  for (let mask = 0; mask < 16; mask++) {
    policies.push({
      minimumLength,
      requireUppercase: !!(mask & 1),
      requireLowercase: !!(mask & 2),
      requireNumbers: !!(mask & 4),
      requireSymbols: !!(mask & 8),
    });
  }
}

describe('generatePassword', () => {
  test.each(policies.map((p) => [JSON.stringify(p), p] as const))('meets %s', (_name, policy) => {
    for (let i = 0; i < 20; i++) {
      const password = generatePassword(policy);
      expect(meetsPolicy(password, policy)).toBe(true);
      expect(password.length).toBeGreaterThanOrEqual(Math.max(policy.minimumLength, 32));
      // Every class is always present, so a policy tightened later still accepts it.
      expect(
        meetsPolicy(password, {
          minimumLength: policy.minimumLength,
          requireUppercase: true,
          requireLowercase: true,
          requireNumbers: true,
          requireSymbols: true,
        }),
      ).toBe(true);
    }
  });

  test('1000 passwords are all different and use only Cognito-allowed characters', () => {
    const policy = policies[0];
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const p = generatePassword(policy);
      for (const c of p)
        if (!/[A-Za-z0-9]/.test(c) && !COGNITO_SYMBOLS.includes(c))
          throw new Error(`character ${JSON.stringify(c)} is not allowed`);
      seen.add(p);
    }
    expect(seen.size).toBe(1000);
    expect([...seen].join('')).not.toMatch(/\s/);
  });

  test('character positions are spread (the required classes are not always first)', () => {
    const firstIsUpper = Array.from({ length: 400 }, () => /[A-Z]/.test(generatePassword(policies[0])[0])).filter(
      Boolean,
    ).length;
    // Uniform draw: about 26/94 of first characters are upper case; never all, never none.
    expect(firstIsUpper).toBeGreaterThan(40);
    expect(firstIsUpper).toBeLessThan(200);
  });

  test('never longer than Cognito accepts', () => {
    expect(generatePassword({ ...policies[0], minimumLength: 300 }).length).toBe(256);
  });
});
