/**
 * A pool's attribute schema: the standard attributes every pool has (AWS documentation, "Working
 * with user attributes": the OpenID Connect set plus `sub`, the two verified flags and
 * `identities`) and the custom ones, `custom:` + 1 to 20 characters.
 * @packageDocumentation
 */
import { invalid } from './errors';
import type { SchemaAttribute } from './types';

/** The standard attributes in GetCSVHeader's order (API reference example), then `sub` and `identities`. */
const STANDARD = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
  'sub',
  'identities',
];

/** The standard schema attributes, as DescribeUserPool lists them. */
export function standardSchema(): SchemaAttribute[] {
  return STANDARD.map((Name) => {
    const type = Name.endsWith('_verified') ? 'Boolean' : Name === 'updated_at' ? 'Number' : 'String';
    return {
      Name,
      AttributeDataType: type,
      DeveloperOnlyAttribute: false,
      Mutable: Name !== 'sub',
      Required: Name === 'sub',
      ...(type === 'String'
        ? { StringAttributeConstraints: { MinLength: Name === 'sub' ? '1' : '0', MaxLength: '2048' } }
        : {}),
      ...(type === 'Number' ? { NumberAttributeConstraints: { MinValue: '0' } } : {}),
    };
  });
}

/** A custom attribute from a CreateUserPool `Schema` entry or a bare name. */
export function customAttribute(a: SchemaAttribute | string): SchemaAttribute {
  const spec = typeof a === 'string' ? { Name: a } : a;
  const name = spec.Name.replace(/^custom:/, '');
  if (name.length < 1 || name.length > 20) invalid(`Invalid custom attribute name ${name}: length must be 1 to 20`);
  const type = spec.AttributeDataType ?? 'String';
  return {
    Name: `custom:${name}`,
    AttributeDataType: type,
    DeveloperOnlyAttribute: spec.DeveloperOnlyAttribute ?? false,
    Mutable: spec.Mutable ?? true,
    Required: spec.Required ?? false,
    ...(type === 'String'
      ? { StringAttributeConstraints: spec.StringAttributeConstraints ?? { MaxLength: '256' } }
      : {}),
    ...(type === 'Number' ? { NumberAttributeConstraints: spec.NumberAttributeConstraints ?? {} } : {}),
  };
}

/** The schema of a new pool: the standard attributes (with the requested overrides) and the custom ones. */
export function buildSchema(requested: SchemaAttribute[] = []): SchemaAttribute[] {
  const standard = standardSchema();
  const names = new Set(standard.map((a) => a.Name));
  const overrides = new Map(requested.filter((a) => names.has(a.Name)).map((a) => [a.Name, a]));
  return [
    ...standard.map((a) => ({ ...a, ...overrides.get(a.Name) })),
    ...requested.filter((a) => !names.has(a.Name)).map(customAttribute),
  ];
}
