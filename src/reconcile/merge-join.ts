import type { LineCursor } from './sorted-file';

/**
 * Keyed lines and their merge join. A keyed line is `<key>TAB<payload>`: the key escaped so that
 * it holds no character below a space (so the TAB after it sorts before anything else: sorting
 * whole lines sorts by key, and lines of one key are adjacent) and no backslash unescaped. Two
 * listings sorted so are joined in one pass, key by key, in memory bounded by the largest group
 * of lines sharing one key.
 */

/** The key of an escaped-keyed line for `value` (`''`: no key; such lines never join). */
export function escapeKey(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return /[\u0000-\u001f\\]/.test(value)
    ? value.replace(
        // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
        /[\u0000-\u001f\\]/g,
        (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      )
    : value;
}

/** `key TAB payload`. */
export function keyedLine(key: string, payload: string): string {
  // Built flat (a template literal would keep a cons string, flattened again by each comparison).
  return [key, payload].join('\t');
}

/** The (escaped) key of a keyed line. */
export function keyOf(line: string): string {
  return line.slice(0, line.indexOf('\t'));
}

/** The payload of a keyed line. */
export function payloadOf(line: string): string {
  return line.slice(line.indexOf('\t') + 1);
}

/** Orders escaped keys as the sort of whole lines does (the key followed by TAB). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const x = `${a}\t`;
  const y = `${b}\t`;
  return x < y ? -1 : 1;
}

/** One key of a join: the lines of each side under it (either may be empty). */
export interface JoinGroup {
  key: string;
  left: string[];
  right: string[];
}

/**
 * Merge join of two cursors over keyed lines sorted by whole line: every key present on either
 * side once, in order, with its lines of each side. Reads each side once.
 */
export async function* mergeJoin(left: LineCursor, right: LineCursor): AsyncGenerator<JoinGroup> {
  while (left.line !== undefined || right.line !== undefined) {
    const lk = left.line === undefined ? undefined : keyOf(left.line);
    const rk = right.line === undefined ? undefined : keyOf(right.line);
    const key = lk === undefined ? rk! : rk === undefined ? lk : compareKeys(lk, rk) <= 0 ? lk : rk;
    const group: JoinGroup = {
      key,
      left: lk === key ? await take(left, key) : [],
      right: rk === key ? await take(right, key) : [],
    };
    yield group;
  }
}

/** The cursor's lines under `key` (the cursor is at the first of them). */
async function take(cursor: LineCursor, key: string): Promise<string[]> {
  const lines: string[] = [];
  while (cursor.line !== undefined && keyOf(cursor.line) === key) {
    lines.push(cursor.line);
    const refill = cursor.advance();
    if (refill) await refill;
  }
  return lines;
}
