/**
 * ListUsers: filtered (filters.ts), paged (paging.ts), `AttributesToGet` honoured. An exact
 * `sub` filter is answered from the sub index, an exact `username` filter from the users' map.
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
    if (filter?.attribute === 'username' && !filter.prefix) {
      // The same answer as the scan below (usernames are unique), without the scan: a worker's lookups stay O(1).
      const user = pool.users.get(filter.value);
      return user?.Username === filter.value ? [user.Username] : [];
    }
    const users = pool.usersBySub();
    if (filter?.attribute === 'sub') return subPrefix(users, filter.value);
    return users.filter((u) => matches(u, filter)).map((u) => u.Username);
  });
  const users = page.keys.map((n) => pool.users.get(n)).filter((u): u is ModelUser => !!u);
  return { Users: users.map((u) => userType(u, wanted)), PaginationToken: page.next };
}

/** The usernames whose `sub` starts with `prefix`: a binary search in the sorted users, then a scan. */
function subPrefix(users: readonly ModelUser[], prefix: string): string[] {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (users[mid].Attributes.sub < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < users.length && users[i].Attributes.sub.startsWith(prefix); i++) out.push(users[i].Username);
  return out;
}

export const LISTING_OPERATIONS = { ListUsers: listUsers };
