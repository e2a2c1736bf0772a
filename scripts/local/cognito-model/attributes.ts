/**
 * Attribute writes: which names a call may write, and the verified flags. Sources: AWS
 * documentation, "Working with user attributes" (`sub`, `identities` and `cognito:` names are
 * read-only; an attribute outside the schema is refused) and AdminUpdateUserAttributes (changing
 * `email` or `phone_number` without its `_verified` flag in the same call marks it unverified;
 * an admin may set a verified flag alone).
 * @packageDocumentation
 */
import { invalid } from './errors';
import type { ModelUser, SchemaAttribute } from './types';

/** A `{Name, Value}` list, as the API carries attributes. */
export type AttributeList = { Name: string; Value?: string }[];

/** Attributes no API call may write. */
export function isUnwritable(name: string): boolean {
  return name === 'sub' || name === 'identities' || name.startsWith('cognito:');
}

/** The list as a record; refuses read-only names and names outside `schema`. */
export function writableAttributes(list: AttributeList | undefined, schema: SchemaAttribute[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) {
    if (isUnwritable(a.Name))
      invalid(`Attributes did not conform to the schema: ${a.Name}: Attribute cannot be written.`);
    if (!schema.some((s) => s.Name === a.Name))
      invalid(`Attributes did not conform to the schema: Type for attribute {${a.Name}} could not be determined`);
    out[a.Name] = a.Value ?? '';
  }
  return out;
}

/** Writes `attrs` into `user`; a changed e-mail or phone without its flag becomes unverified. */
export function applyAttributes(user: ModelUser, attrs: Record<string, string>): void {
  for (const [name, value] of Object.entries(attrs)) {
    const flag = `${name}_verified`;
    if ((name === 'email' || name === 'phone_number') && !(flag in attrs) && user.Attributes[name] !== value)
      user.Attributes[flag] = 'false';
    user.Attributes[name] = value;
  }
}

/** The record as the API's `{Name, Value}` list. */
export function attributeList(attrs: Record<string, string>, wanted?: string[]): AttributeList {
  return Object.entries(attrs)
    .filter(([Name]) => !wanted || wanted.includes(Name))
    .map(([Name, Value]) => ({ Name, Value }));
}
