/**
 * Pagination of the list operations, as Cognito's API reference describes it: at most `max`
 * items a page (60), an opaque token tied to the request's parameters (a token used with other
 * parameters, after it expired, or after the emulator restarted is refused with
 * InvalidParameterException), and a page that may be short (even empty) while more remain,
 * which callers must handle ("a page may be short even when more remain"). The listing is a
 * snapshot taken by the first call.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../src/cognito/limiter';
import { invalid } from './errors';
import type { Json } from './types';

/** How one list operation pages. */
export interface PageSpec {
  tokenIn: string;
  tokenOut: string;
  max: number;
}

interface Cursor {
  key: string;
  items: readonly string[];
  offset: number;
  at: number;
}

/** Settings of the pagination. */
export interface PagerOptions {
  /** Tokens older than this (clock ms) are refused. Default: never. */
  tokenTtlMs?: number;
  /** Share of pages cut short at random (0..1), and the random source. */
  shortPages?: () => number | undefined;
}

/** Keeps the cursors behind pagination tokens. */
export class Pager {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly clock: () => Clock,
    readonly options: PagerOptions = {},
  ) {}

  /**
   * One page of `list()` (computed on the first call only): the keys on the page and the token
   * for the next one, if more remain.
   */
  page(spec: PageSpec, input: Json, list: () => readonly string[]): { keys: readonly string[]; next?: string } {
    const limit = input.Limit ?? input.MaxResults;
    if (limit !== undefined && limit !== null) {
      if (!Number.isInteger(limit) || limit < 0 || limit > spec.max)
        invalid(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${spec.max}`,
        );
    }
    const size = limit || spec.max;
    const key = paramsKey(spec, input);
    const token = input[spec.tokenIn];
    let cursor: Cursor;
    if (token !== undefined && token !== null) {
      const found = this.cursors.get(String(token));
      const ttl = this.options.tokenTtlMs;
      if (!found || found.key !== key || (ttl !== undefined && this.clock().now() - found.at > ttl))
        invalid('Invalid pagination token.');
      this.cursors.delete(String(token));
      cursor = found!;
    } else cursor = { key, items: list(), offset: 0, at: this.clock().now() };
    const share = this.options.shortPages?.();
    const take = share === undefined ? size : Math.floor(share * size);
    const keys = cursor.items.slice(cursor.offset, cursor.offset + take);
    const offset = cursor.offset + keys.length;
    if (offset >= cursor.items.length) return { keys };
    const next = randomBytes(18).toString('base64url');
    this.cursors.set(next, { ...cursor, offset });
    if (this.cursors.size > 20_000) this.cursors.delete(this.cursors.keys().next().value as string);
    return { keys, next };
  }

  /** Invalidates every token handed out so far. */
  expireAll(): void {
    this.cursors.clear();
  }
}

function paramsKey(spec: PageSpec, input: Json): string {
  const { Limit: _l, MaxResults: _m, [spec.tokenIn]: _t, ...rest } = input;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}
