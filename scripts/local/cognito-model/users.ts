/**
 * User operations of the admin API. Sources: the API reference of each operation and the SDK
 * model's exceptions (node_modules/@aws-sdk/client-cognito-identity-provider/dist-types/commands).
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { applyAttributes, attributeList, isUnwritable, writableAttributes } from './attributes';
import { type OpContext, poolOf, seconds, userOf } from './context';
import { fail, invalid } from './errors';
import { checkPassword } from './passwords';
import { afterSetPassword, checkResettable, USER_STATUSES } from './statuses';
import type { Json, ModelUser } from './types';

/** `UserType`, as ListUsers and AdminCreateUser answer it. */
export function userType(u: ModelUser, wanted?: string[]): Json {
  return {
    Username: u.Username,
    Attributes: attributeList(u.Attributes, wanted),
    Enabled: u.Enabled,
    UserStatus: u.UserStatus,
    UserCreateDate: seconds(u.Created),
    UserLastModifiedDate: seconds(u.Modified ?? u.Created),
  };
}

function touch(ctx: OpContext, u: ModelUser): Json {
  u.Modified = new Date(ctx.clock.now());
  return {};
}

/**
 * AdminCreateUser: the user starts FORCE_CHANGE_PASSWORD. In a pool with e-mail or phone as
 * username, `Username` is that address, stored in the attribute, and the user is named by its sub.
 */
function adminCreateUser(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const attrs = writableAttributes(ctx.input.UserAttributes, pool.schema);
  const name = ctx.input.Username as string;
  if (ctx.input.TemporaryPassword !== undefined) checkPassword(ctx.input.TemporaryPassword, pool);
  if (pool.usernameAttributes.length) {
    const attr =
      pool.usernameAttributes.find((a) => (a === 'email' ? name.includes('@') : name.startsWith('+'))) ??
      pool.usernameAttributes[0];
    if (attr === 'phone_number' && !/^\+\d{4,15}$/.test(name)) invalid('Username should be a phone number.');
    attrs[attr] ??= name;
    if ([...pool.users.values()].some((u) => u.Attributes[attr] === attrs[attr]))
      fail('UsernameExistsException', `An account with the given ${attr} already exists.`);
  } else if (pool.users.has(name)) fail('UsernameExistsException', 'User account already exists');
  const now = new Date(ctx.clock.now());
  const u = pool.put({
    Username: name,
    Attributes: { ...attrs, sub: randomUUID() },
    UserStatus: 'FORCE_CHANGE_PASSWORD',
    Password: ctx.input.TemporaryPassword ?? randomUUID(),
    Created: now,
  });
  if (ctx.input.MessageAction !== 'SUPPRESS' && (u.Attributes.email || u.Attributes.phone_number))
    ctx.deliver(pool, u, 'welcome', u.Attributes.email ? 'EMAIL' : 'SMS');
  return { User: userType(u) };
}

function adminGetUser(ctx: OpContext): Json {
  const u = userOf(poolOf(ctx), ctx.input.Username);
  const { Attributes, ...rest } = userType(u);
  return {
    ...rest,
    UserAttributes: Attributes,
    ...(u.Mfa.length ? { UserMFASettingList: u.Mfa } : {}),
    ...(u.PreferredMfa ? { PreferredMfaSetting: u.PreferredMfa } : {}),
  };
}

function adminUpdateUserAttributes(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  applyAttributes(u, writableAttributes(ctx.input.UserAttributes, pool.schema));
  return touch(ctx, u);
}

/** AdminDeleteUserAttributes: read-only and required attributes cannot be deleted. */
function adminDeleteUserAttributes(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  for (const name of (ctx.input.UserAttributeNames ?? []) as string[]) {
    if (isUnwritable(name)) invalid(`Cannot delete attribute ${name}`);
    if (pool.schema.find((s) => s.Name === name)?.Required)
      invalid(`Attributes did not conform to the schema: ${name}: The attribute is required`);
    delete u.Attributes[name];
  }
  return touch(ctx, u);
}

function setEnabled(enabled: boolean) {
  return (ctx: OpContext): Json => {
    const u = userOf(poolOf(ctx), ctx.input.Username);
    u.Enabled = enabled;
    return touch(ctx, u);
  };
}

function adminDeleteUser(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  pool.remove(userOf(pool, ctx.input.Username));
  return {};
}

function adminSetUserPassword(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  checkPassword(ctx.input.Password, pool);
  u.Password = ctx.input.Password;
  afterSetPassword(u, !!ctx.input.Permanent);
  return touch(ctx, u);
}

/** AdminResetUserPassword: the user becomes RESET_REQUIRED and a code goes to a verified channel. */
function adminResetUserPassword(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = userOf(pool, ctx.input.Username);
  checkResettable(u);
  const medium = recoveryMedium(pool.config, u);
  if (!medium) invalid('Cannot reset password for the user as there is no registered/verified email or phone_number');
  ctx.deliver(pool, u, 'reset', medium!);
  u.UserStatus = 'RESET_REQUIRED';
  return touch(ctx, u);
}

/**
 * The channel of a recovery code: the pool's `AccountRecoverySetting` in priority order (when
 * unset, the legacy order: verified phone, then verified e-mail).
 */
export function recoveryMedium(config: Json, u: ModelUser): 'EMAIL' | 'SMS' | undefined {
  const set = config.AccountRecoverySetting?.RecoveryMechanisms as { Name: string; Priority?: number }[] | undefined;
  const order = set?.length
    ? [...set].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0)).map((m) => m.Name)
    : ['verified_phone_number', 'verified_email'];
  for (const m of order) {
    if (m === 'verified_email' && u.Attributes.email && u.Attributes.email_verified === 'true') return 'EMAIL';
    if (m === 'verified_phone_number' && u.Attributes.phone_number && u.Attributes.phone_number_verified === 'true')
      return 'SMS';
  }
  return undefined;
}

/** AdminLinkProviderForUser: records the link in the destination user's `identities` attribute. */
function adminLinkProviderForUser(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const dest = ctx.input.DestinationUser ?? {};
  const src = ctx.input.SourceUser ?? {};
  if (dest.ProviderName !== 'Cognito') invalid('DestinationUser.ProviderName must be Cognito');
  if (!src.ProviderName || !src.ProviderAttributeValue) invalid('SourceUser is incomplete');
  const u = userOf(pool, dest.ProviderAttributeValue);
  const identities: Json[] = JSON.parse(u.Attributes.identities ?? '[]');
  if (!identities.some((i) => i.providerName === src.ProviderName && i.userId === src.ProviderAttributeValue))
    identities.push({
      userId: src.ProviderAttributeValue,
      providerName: src.ProviderName,
      providerType: src.ProviderName,
      issuer: null,
      primary: 'false',
      dateCreated: String(ctx.clock.now()),
    });
  u.Attributes.identities = JSON.stringify(identities);
  return touch(ctx, u);
}

/** Test operation (HTTP control route): forces a status. */
function shimSetUserStatus(ctx: OpContext): Json {
  const u = userOf(poolOf(ctx), ctx.input.Username);
  if (!(USER_STATUSES as readonly string[]).includes(ctx.input.UserStatus))
    invalid(`Unknown UserStatus ${ctx.input.UserStatus}`);
  u.UserStatus = ctx.input.UserStatus;
  return touch(ctx, u);
}

/** Test operation: writes a user record as given (federated users, TOTP users, bulk seeding). */
function shimPutUser(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const u = ctx.input.User ?? {};
  if (!u.Username) invalid('User.Username is required');
  const attributes: Record<string, string> = {};
  for (const a of u.Attributes ?? []) attributes[a.Name] = a.Value;
  const now = new Date(ctx.clock.now());
  attributes.sub ??= randomUUID();
  const user: ModelUser = {
    Username: u.Username,
    Attributes: attributes,
    Enabled: u.Enabled ?? true,
    UserStatus: u.UserStatus ?? 'CONFIRMED',
    Mfa: u.UserMFASettingList ?? [],
    PreferredMfa: u.PreferredMfaSetting,
    Created: now,
    Password: randomUUID(),
  };
  pool.add(user);
  return { User: userType(user) };
}

export const USER_OPERATIONS = {
  AdminCreateUser: adminCreateUser,
  AdminGetUser: adminGetUser,
  AdminUpdateUserAttributes: adminUpdateUserAttributes,
  AdminDeleteUserAttributes: adminDeleteUserAttributes,
  AdminEnableUser: setEnabled(true),
  AdminDisableUser: setEnabled(false),
  AdminDeleteUser: adminDeleteUser,
  AdminSetUserPassword: adminSetUserPassword,
  AdminResetUserPassword: adminResetUserPassword,
  AdminLinkProviderForUser: adminLinkProviderForUser,
  ShimSetUserStatus: shimSetUserStatus,
  ShimPutUser: shimPutUser,
};
