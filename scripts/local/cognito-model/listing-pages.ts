/**
 * Pages of the small configuration listings (app clients, identity providers, resource servers):
 * `MaxResults` items from the offset a `NextToken` carries.
 * @packageDocumentation
 */
import { invalid } from './errors';

/** One page of `all`: at most `maxResults` (default and cap `limit`) items after `token`. */
export function page<T>(all: T[], maxResults: unknown, token: unknown, limit: number): { items: T[]; next?: string } {
  const size = typeof maxResults === 'number' ? maxResults : limit;
  if (size < 1 || size > limit) invalid(`MaxResults must be between 1 and ${limit}`);
  const from = token === undefined ? 0 : Number.parseInt(String(token).replace(/^p/, ''), 10);
  if (!Number.isInteger(from) || from < 0) invalid('Invalid pagination token');
  const items = all.slice(from, from + size);
  return { items, next: from + size < all.length ? `p${from + size}` : undefined };
}
