import type { MfaFactor, MfaState, PoolConfig, SchemaAttribute } from './types';

/** Attributes Cognito owns in each pool: never copied, never deleted. */
export function isPoolOwnedAttribute(name: string): boolean {
  return name === 'sub' || name === 'identities' || name === 'updated_at' || name.startsWith('cognito:');
}

/** Attributes the suite itself keeps on a replica. */
export interface ManagedAttributes {
  /** Custom attribute holding the source `sub` (default `custom:source_sub`). */
  sourceSubAttribute: string;
  /** Custom attribute recording the source's MFA set-up, TOTP included (default `custom:source_mfa`). */
  mfaMarkerAttribute: string;
}

/** Why an attribute could not be written to the replica. */
export interface AttributeGap {
  name: string;
  reason: 'missing-in-standby-schema' | 'immutable-in-standby' | 'too-long';
}

/** The attributes a replica should carry, and the source attributes that cannot be carried. */
export interface MappedAttributes {
  attributes: Record<string, string>;
  gaps: AttributeGap[];
}

/** True when `name` exists in `pool`'s schema (standard attributes always exist). */
export function poolHasAttribute(pool: PoolConfig, name: string): boolean {
  if (!name.startsWith('custom:') && !name.startsWith('dev:')) return true;
  return schemaAttributeOf(pool, name) !== undefined;
}

/**
 * The schema entry of attribute `name` (`email`, `custom:tier`, `dev:custom:x`), as DescribeUserPool
 * names it (custom attributes with their `custom:` prefix; a developer-only attribute is also
 * found under its name without `dev:`).
 */
export function schemaAttributeOf(pool: PoolConfig, name: string): SchemaAttribute | undefined {
  const exact = pool.schema.find((a) => a.name === name);
  if (exact || !name.startsWith('dev:')) return exact;
  return pool.schema.find((a) => a.name === name.slice(4));
}

/**
 * Why `pool` cannot hold attribute `name` with `value`: its schema lacks the attribute, or the
 * value is longer than the schema allows. `undefined` when it can.
 */
export function cannotHold(
  pool: PoolConfig,
  name: string,
  value: string,
): 'missing-in-schema' | 'too-long' | undefined {
  if (!poolHasAttribute(pool, name)) return 'missing-in-schema';
  const max = schemaAttributeOf(pool, name)?.maxLength;
  return max !== undefined && [...value].length > max ? 'too-long' : undefined;
}

/**
 * Maps a source user's attributes to what the replica should carry: every writable attribute
 * (verified flags included), never `sub`, `identities` or `cognito:*`, plus the source `sub` in
 * its custom attribute. Attributes the standby schema lacks are returned as gaps by name.
 */
export function mapAttributes(
  sourceAttributes: Record<string, string>,
  standbyPool: PoolConfig,
  managed: ManagedAttributes,
): MappedAttributes {
  const attributes: Record<string, string> = {};
  const gaps: AttributeGap[] = [];
  for (const [name, value] of Object.entries(sourceAttributes)) {
    if (isPoolOwnedAttribute(name) || name === managed.sourceSubAttribute || name === managed.mfaMarkerAttribute)
      continue;
    const cannot = cannotHold(standbyPool, name, value);
    if (cannot) {
      gaps.push({ name, reason: cannot === 'missing-in-schema' ? 'missing-in-standby-schema' : cannot });
      continue;
    }
    attributes[name] = value;
  }
  const sub = sourceAttributes.sub;
  if (sub) {
    if (poolHasAttribute(standbyPool, managed.sourceSubAttribute)) attributes[managed.sourceSubAttribute] = sub;
    else gaps.push({ name: managed.sourceSubAttribute, reason: 'missing-in-standby-schema' });
  }
  return { attributes, gaps };
}

/** MFA factors that can be re-created on a replica (TOTP secrets can never be copied). */
export const REPLICABLE_MFA: readonly MfaFactor[] = ['SMS_MFA', 'EMAIL_OTP'];

/**
 * The MFA marker value for a source MFA state: enabled factors sorted, then the preferred one,
 * e.g. `SMS_MFA,SOFTWARE_TOKEN_MFA;SMS_MFA`, or `NONE`. Kept on the replica so that the failover
 * script knows TOTP users from the standby alone, and the reconciler can compare MFA without
 * reading every user.
 */
export function mfaMarker(mfa: MfaState): string {
  const enabled = [...new Set(mfa.enabled)].sort();
  if (enabled.length === 0) return 'NONE';
  return mfa.preferred ? `${enabled.join(',')};${mfa.preferred}` : enabled.join(',');
}

/** Parses an MFA marker back; `undefined` for an absent or unreadable marker. */
export function parseMfaMarker(marker: string | undefined): MfaState | undefined {
  if (!marker) return undefined;
  if (marker === 'NONE') return { enabled: [] };
  const [list, preferred] = marker.split(';');
  const known = new Set<string>(['SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA']);
  const enabled = list.split(',').filter((f) => known.has(f)) as MfaFactor[];
  if (enabled.length === 0) return undefined;
  return { enabled, preferred: known.has(preferred ?? '') ? (preferred as MfaFactor) : undefined };
}

/** True when the user relies on a TOTP authenticator, which the replica cannot carry. */
export function usesTotp(mfa: MfaState | undefined): boolean {
  return !!mfa?.enabled.includes('SOFTWARE_TOKEN_MFA');
}
