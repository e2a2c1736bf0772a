/**
 * Pagination of list operations, done in the shim over cognito-local's complete answers
 * (cognito-local ignores `Limit` and tokens). Items are ordered by a stable key and a token is
 * an opaque id of a server-side cursor tied to the request parameters, like Cognito's: a token
 * used with other parameters, after {@link Pager.expireAll}, or after the shim restarted, is refused.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';

/** How one list operation pages. */
export interface PageSpec {
  itemsKey: 'Users' | 'Groups';
  tokenIn: 'PaginationToken' | 'NextToken';
  tokenOut: 'PaginationToken' | 'NextToken';
  /** Largest `Limit` accepted. */
  max: number;
  /** Page size when `Limit` is absent. */
  defaultLimit: number;
  sortKey: (item: Record<string, any>) => string;
  /** Supports `AttributesToGet` (ListUsers). */
  attributesToGet?: boolean;
}

/** The list operations the shim pages. */
export const PAGED_OPERATIONS: Record<string, PageSpec> = {
  ListUsers: {
    itemsKey: 'Users',
    tokenIn: 'PaginationToken',
    tokenOut: 'PaginationToken',
    max: 60,
    defaultLimit: 60,
    sortKey: (u) => String(u.Username),
    attributesToGet: true,
  },
  ListUsersInGroup: {
    itemsKey: 'Users',
    tokenIn: 'NextToken',
    tokenOut: 'NextToken',
    max: 60,
    defaultLimit: 60,
    sortKey: (u) => String(u.Username),
  },
  ListGroups: {
    itemsKey: 'Groups',
    tokenIn: 'NextToken',
    tokenOut: 'NextToken',
    max: 60,
    defaultLimit: 60,
    sortKey: (g) => String(g.GroupName),
  },
  AdminListGroupsForUser: {
    itemsKey: 'Groups',
    tokenIn: 'NextToken',
    tokenOut: 'NextToken',
    max: 60,
    defaultLimit: 60,
    sortKey: (g) => String(g.GroupName),
  },
};

/** A Cognito-style error the shim answers with. */
export interface ApiError {
  code: string;
  message: string;
}

interface Cursor {
  key: string;
  after: string;
}

/** Keeps the cursors behind pagination tokens. */
export class Pager {
  private readonly cursors = new Map<string, Cursor>();

  /** Checks `Limit` and the token before the upstream call. */
  validate(spec: PageSpec, body: Record<string, any>): ApiError | undefined {
    const limit = body.Limit;
    if (limit !== undefined && limit !== null) {
      if (!Number.isInteger(limit))
        return {
          code: 'InvalidParameterException',
          message: `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must be an integer`,
        };
      if (limit > spec.max) {
        return {
          code: 'InvalidParameterException',
          message: `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${spec.max}`,
        };
      }
      if (limit < 0)
        return {
          code: 'InvalidParameterException',
          message: `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0`,
        };
    }
    const token = body[spec.tokenIn];
    if (token !== undefined && token !== null) {
      const cursor = this.cursors.get(String(token));
      if (!cursor || cursor.key !== paramsKey(spec, body))
        return { code: 'InvalidParameterException', message: 'Invalid pagination token.' };
    }
    return undefined;
  }

  /** The request cognito-local gets: the same, without paging fields. */
  upstreamBody(spec: PageSpec, body: Record<string, any>): Record<string, any> {
    const { Limit: _l, [spec.tokenIn]: _t, AttributesToGet: _a, ...rest } = body;
    return rest;
  }

  /**
   * Cuts one page out of cognito-local's full answer. `shortPage` (0..1) shortens the page the
   * way Cognito may ("a page may be short even when more remain").
   */
  page(spec: PageSpec, body: Record<string, any>, full: Record<string, any>, shortPage?: number): Record<string, any> {
    const items = [...((full[spec.itemsKey] as Record<string, any>[]) ?? [])].sort((a, b) =>
      compare(spec.sortKey(a), spec.sortKey(b)),
    );
    const key = paramsKey(spec, body);
    const token = body[spec.tokenIn];
    const cursor = token !== undefined && token !== null ? this.cursors.get(String(token)) : undefined;
    const start = cursor ? items.findIndex((i) => compare(spec.sortKey(i), cursor.after) > 0) : 0;
    const from = start < 0 ? items.length : start;
    const limit = body.Limit ? Number(body.Limit) : spec.defaultLimit;
    const size = shortPage === undefined ? limit : Math.floor(shortPage * limit);
    let pageItems = items.slice(from, from + size);
    if (spec.attributesToGet && Array.isArray(body.AttributesToGet)) {
      const wanted = new Set(body.AttributesToGet as string[]);
      pageItems = pageItems.map((u) => ({
        ...u,
        Attributes: (u.Attributes ?? []).filter((a: { Name: string }) => wanted.has(a.Name)),
      }));
    }
    const out: Record<string, any> = { ...full, [spec.itemsKey]: pageItems };
    delete out[spec.tokenOut];
    if (from + pageItems.length < items.length) {
      const next = randomBytes(24).toString('base64url');
      const after = pageItems.length ? spec.sortKey(items[from + pageItems.length - 1]) : (cursor?.after ?? '');
      this.cursors.set(next, { key, after });
      if (this.cursors.size > 20_000) this.cursors.delete(this.cursors.keys().next().value as string);
      out[spec.tokenOut] = next;
    }
    return out;
  }

  /** Invalidates every token handed out so far. */
  expireAll(): void {
    this.cursors.clear();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function paramsKey(spec: PageSpec, body: Record<string, any>): string {
  const { Limit: _l, [spec.tokenIn]: _t, ...rest } = body;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}
