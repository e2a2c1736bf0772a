import {
  isPoolOwnedAttribute,
  mapAttributes,
  mfaMarker,
  parseMfaMarker,
  poolHasAttribute,
  schemaAttributeOf,
  usesTotp,
} from '../../../src/core/attributes';
import type { MfaFactor, MfaState } from '../../../src/core/types';
import { standbyPool, STANDARD_SCHEMA } from '../helpers';

const managed = { sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' };

describe('mapAttributes', () => {
  test('copies writable attributes and the sub into the source-sub attribute', () => {
    const r = mapAttributes(
      { sub: 's-1', email: 'a@example.com', email_verified: 'true', 'custom:tier': 'gold' },
      standbyPool(),
      managed,
    );
    expect(r).toEqual({
      attributes: { email: 'a@example.com', email_verified: 'true', 'custom:tier': 'gold', 'custom:source_sub': 's-1' },
      gaps: [],
    });
  });
  test('never copies pool-owned or managed attributes', () => {
    const r = mapAttributes(
      {
        sub: 's',
        identities: '[]',
        updated_at: '1',
        'cognito:user_status': 'CONFIRMED',
        'custom:source_mfa': 'NONE',
        'custom:source_sub': 'x',
      },
      standbyPool(),
      managed,
    );
    expect(r.attributes).toEqual({ 'custom:source_sub': 's' });
    expect(r.gaps).toEqual([]);
  });
  test('names the gaps: missing custom attributes and too-long values', () => {
    const r = mapAttributes({ 'custom:nope': 'x', 'custom:tier': 'é'.repeat(17) }, standbyPool(), managed);
    expect(r.attributes).toEqual({});
    expect(r.gaps).toEqual([
      { name: 'custom:nope', reason: 'missing-in-standby-schema' },
      { name: 'custom:tier', reason: 'too-long' },
    ]);
  });
  test('a standby without the source-sub attribute reports it', () => {
    const r = mapAttributes({ sub: 's' }, standbyPool({ schema: STANDARD_SCHEMA }), managed);
    expect(r.gaps).toEqual([{ name: 'custom:source_sub', reason: 'missing-in-standby-schema' }]);
  });
  test('isPoolOwnedAttribute', () => {
    for (const n of ['sub', 'identities', 'updated_at', 'cognito:user_status', 'cognito:anything'])
      expect(isPoolOwnedAttribute(n)).toBe(true);
    for (const n of ['email', 'custom:sub', 'name']) expect(isPoolOwnedAttribute(n)).toBe(false);
  });
});

describe('schema lookup', () => {
  test('standard attributes always exist; custom ones as DescribeUserPool names them', () => {
    const p = standbyPool({
      schema: [
        ...STANDARD_SCHEMA,
        { name: 'custom:tier', mutable: true },
        { name: 'dev:custom:secret', mutable: true },
      ],
    });
    expect(poolHasAttribute(p, 'website')).toBe(true);
    expect(poolHasAttribute(p, 'custom:tier')).toBe(true);
    expect(poolHasAttribute(p, 'custom:other')).toBe(false);
    expect(poolHasAttribute(p, 'dev:custom:secret')).toBe(true);
    expect(schemaAttributeOf(p, 'custom:tier')?.name).toBe('custom:tier');
  });
  test('custom:email is not the standard email attribute', () => {
    expect(poolHasAttribute(standbyPool(), 'custom:email')).toBe(false);
  });
});

describe('MFA marker', () => {
  const factors: MfaFactor[] = ['SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA'];
  const states: MfaState[] = [{ enabled: [] }];
  for (let mask = 1; mask < 8; mask++) {
    const enabled = factors.filter((_, i) => mask & (1 << i));
    states.push({ enabled });
    for (const p of enabled) states.push({ enabled, preferred: p });
  }
  test.each(states.map((s) => [mfaMarker(s), s] as const))('round trip %s', (marker, state) => {
    const parsed = parseMfaMarker(marker)!;
    expect([...parsed.enabled].sort()).toEqual([...state.enabled].sort());
    expect(parsed.preferred).toBe(state.preferred);
    expect(mfaMarker(parsed)).toBe(marker);
  });
  test('the marker does not depend on order or duplicates', () => {
    expect(mfaMarker({ enabled: ['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'SMS_MFA'], preferred: 'SMS_MFA' })).toBe(
      'SMS_MFA,SOFTWARE_TOKEN_MFA;SMS_MFA',
    );
  });
  test('absent or unreadable markers parse to undefined', () => {
    for (const m of [undefined, '', 'garbage', ';SMS_MFA', 'FOO,BAR']) expect(parseMfaMarker(m)).toBeUndefined();
    expect(parseMfaMarker('NONE')).toEqual({ enabled: [] });
    expect(parseMfaMarker('SMS_MFA;BOGUS')).toEqual({ enabled: ['SMS_MFA'], preferred: undefined });
  });
  test('usesTotp', () => {
    expect(usesTotp({ enabled: ['SOFTWARE_TOKEN_MFA'] })).toBe(true);
    expect(usesTotp({ enabled: ['SMS_MFA'] })).toBe(false);
    expect(usesTotp(undefined)).toBe(false);
  });
});
