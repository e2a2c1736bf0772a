/**
 * ListUsers: filtered (filters.ts), paged (paging.ts), `AttributesToGet` honoured. An exact
 * `sub` filter is answered from the sub index.
 * @packageDocumentation
 */
import { type OpContext, poolOf } from './context';
import { matches, parseFilter } from './filters';
import { userType } from './users';
import type { Json, ModelUser } from './types';

const SPEC = { tokenIn: 'PaginationToken', tokenOut: 'PaginationToken', max: 60 };

function listUsers(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const filter = parseFilter(ctx.input.Filter);
  const wanted = ctx.input.AttributesToGet as string[] | undefined;
  const page = ctx.pager.page(SPEC, ctx.input, () => {
    if (filter?.attribute === 'sub' && !filter.prefix) {
      const name = pool.bySub.get(filter.value);
      return name ? [name] : [];
    }
    return [...pool.users.values()]
      .filter((u) => matches(u, filter))
      .sort((a, b) => (a.Attributes.sub < b.Attributes.sub ? -1 : 1))
      .map((u) => u.Username);
  });
  const users = page.keys.map((n) => pool.users.get(n)).filter((u): u is ModelUser => !!u);
  return { Users: users.map((u) => userType(u, wanted)), PaginationToken: page.next };
}

export const LISTING_OPERATIONS = { ListUsers: listUsers };
