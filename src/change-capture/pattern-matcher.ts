/**
 * A small EventBridge event-pattern matcher for the operators this project's rule uses: exact
 * values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (value, list or prefix),
 * `exists` and `$or`. Semantics follow the AWS event-ruler README (the library behind
 * EventBridge): fields are ANDed, values of one field ORed, an array in the event matches when
 * any element does, and every matcher but `exists: false` needs the field to be present.
 *
 * No maintained npm package implements EventBridge matching; this one exists for the local
 * emulator and the tests. Anything else in a pattern throws, so a pattern this matcher does not
 * understand can never silently pass a test.
 * @packageDocumentation
 */

type Json = unknown;

/** Whether `event` matches `pattern`. Throws on an operator this matcher does not support. */
export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  return matchObject(pattern, event);
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchObject(pattern: Record<string, Json>, node: Json): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) throw new Error('$or needs an array of at least two patterns');
      if (!sub.some((branch) => isObject(branch) && matchObject(branch, node))) return false;
      continue;
    }
    const value = isObject(node) ? node[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchField(sub, value)) return false;
    } else if (isObject(sub)) {
      if (!matchObject(sub, value)) return false;
    } else {
      throw new Error(`pattern field "${key}" must be an array or an object`);
    }
  }
  return true;
}

function matchField(matchers: Json[], value: Json): boolean {
  return matchers.some((m) => matchOne(m, value));
}

function matchOne(matcher: Json, value: Json): boolean {
  if (isObject(matcher)) {
    const keys = Object.keys(matcher);
    if (keys.length !== 1) throw new Error(`a matcher has exactly one operator, got ${JSON.stringify(matcher)}`);
    const [op] = keys;
    const arg = matcher[op];
    if (op === 'exists') {
      const present = value !== undefined && !(Array.isArray(value) && value.length === 0);
      return arg === true ? present : !present;
    }
    return someValue(value, (v) => operator(op, arg, v));
  }
  return someValue(value, (v) => v === matcher);
}

/** Applies `test` to a present scalar, or to each element of an array value. */
function someValue(value: Json, test: (v: Json) => boolean): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some((v) => !isObject(v) && !Array.isArray(v) && test(v));
  if (isObject(value)) return false; // matchers apply to leaves only
  return test(value);
}

function operator(op: string, arg: Json, v: Json): boolean {
  switch (op) {
    case 'prefix':
      return typeof arg === 'string' && typeof v === 'string' && v.startsWith(arg);
    case 'suffix':
      return typeof arg === 'string' && typeof v === 'string' && v.endsWith(arg);
    case 'equals-ignore-case':
      return typeof arg === 'string' && typeof v === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'anything-but':
      if (Array.isArray(arg)) return !arg.includes(v);
      if (isObject(arg)) {
        if (typeof arg.prefix === 'string') return !(typeof v === 'string' && v.startsWith(arg.prefix));
        if (typeof arg.suffix === 'string') return !(typeof v === 'string' && v.endsWith(arg.suffix));
        throw new Error(`unsupported anything-but ${JSON.stringify(arg)}`);
      }
      return v !== arg;
    default:
      throw new Error(`unsupported pattern operator "${op}"`);
  }
}
