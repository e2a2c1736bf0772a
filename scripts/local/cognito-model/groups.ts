/**
 * Groups: CreateGroup, GetGroup, ListGroups, ListUsersInGroup, AdminAddUserToGroup,
 * AdminRemoveUserFromGroup, AdminListGroupsForUser (API reference; lists page as paging.ts).
 * @packageDocumentation
 */
import { type OpContext, poolOf, seconds, userOf } from './context';
import { fail } from './errors';
import type { ModelPool } from './pool';
import type { Json, ModelGroup, ModelUser } from './types';
import { userType } from './users';

const SPEC = { tokenIn: 'NextToken', tokenOut: 'NextToken', max: 60 };

function groupType(pool: ModelPool, g: ModelGroup): Json {
  const { members: _m, ...rest } = g;
  return { ...rest, UserPoolId: pool.options.id };
}

function groupOf(pool: ModelPool, name: unknown): ModelGroup {
  return pool.groups.get(name as string) ?? fail('ResourceNotFoundException', 'Group not found.');
}

function sortedGroups(pool: ModelPool, only?: (g: ModelGroup) => boolean): string[] {
  return [...pool.groups.values()]
    .filter((g) => !only || only(g))
    .map((g) => g.GroupName)
    .sort((a, b) => a.localeCompare(b));
}

function createGroup(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { GroupName, Description, Precedence, RoleArn } = ctx.input;
  if (pool.groups.has(GroupName)) fail('GroupExistsException', 'A group with the name already exists.');
  const now = seconds(ctx.clock.now());
  const g = pool.group(GroupName, { Description, Precedence, RoleArn });
  return { Group: { ...groupType(pool, g), CreationDate: now, LastModifiedDate: now } };
}

function getGroup(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  return { Group: groupType(pool, groupOf(pool, ctx.input.GroupName)) };
}

function listGroups(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const page = ctx.pager.page(SPEC, ctx.input, () => sortedGroups(pool));
  return { Groups: page.keys.map((n) => groupType(pool, pool.groups.get(n)!)).filter(Boolean), NextToken: page.next };
}

function listUsersInGroup(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const g = groupOf(pool, ctx.input.GroupName);
  const page = ctx.pager.page(SPEC, ctx.input, () => [...g.members].sort());
  const users = page.keys.map((n) => pool.users.get(n)).filter((u): u is ModelUser => !!u);
  return { Users: users.map((u) => userType(u)), NextToken: page.next };
}

function adminListGroupsForUser(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  const page = ctx.pager.page(SPEC, ctx.input, () => sortedGroups(pool, (g) => g.members.has(u.Username)));
  return { Groups: page.keys.map((n) => groupType(pool, pool.groups.get(n)!)), NextToken: page.next };
}

function membership(add: boolean) {
  return (ctx: OpContext): Json => {
    const pool = poolOf(ctx);
    const u = userOf(pool, ctx.input.Username);
    const g = groupOf(pool, ctx.input.GroupName);
    if (add) g.members.add(u.Username);
    else g.members.delete(u.Username);
    return {};
  };
}

export const GROUP_OPERATIONS = {
  CreateGroup: createGroup,
  GetGroup: getGroup,
  ListGroups: listGroups,
  ListUsersInGroup: listUsersInGroup,
  AdminListGroupsForUser: adminListGroupsForUser,
  AdminAddUserToGroup: membership(true),
  AdminRemoveUserFromGroup: membership(false),
};
