/**
 * API operations added to, or corrected in, cognito-local. Runs inside the cognito-local host
 * process, so state lives in cognito-local's own per-pool JSON files (it survives a restart and
 * `AdminDeleteUser` forgets it). See docs/EMULATORS.md for each gap and its real behaviour.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { CognitoError } from 'cognito-local/lib/errors';
import { USER_POOL_AWS_DEFAULTS } from 'cognito-local/lib/services/cognitoService';
import { groupToResponseObject, userToResponseObject } from 'cognito-local/lib/targets/responses';
import {
  type Attr,
  USER_STATUSES,
  attr,
  isUnwritableAttribute,
  maskDestination,
  matchesFilter,
  parseListUsersFilter,
  passwordPolicyViolation,
  recoveryDelivery,
} from './host-rules';
import { randomAlnum } from './http';

/* Minimal views of cognito-local's services (its own types drag in aws-sdk v2). */
/** Request context cognito-local passes to targets. */
export interface Ctx {
  logger: unknown;
}
/** A stored user. */
export interface StoredUser {
  Username: string;
  Attributes: Attr[];
  Enabled: boolean;
  UserStatus: string;
  Password?: string;
  UserCreateDate: Date;
  UserLastModifiedDate: Date;
  UserMFASettingList?: string[];
  PreferredMfaSetting?: string;
  ConfirmationCode?: string;
  RefreshTokens?: string[];
  [k: string]: unknown;
}
/** A stored group. */
export interface StoredGroup {
  GroupName: string;
  members?: string[];
  [k: string]: unknown;
}
/** One pool's service. */
export interface PoolService {
  readonly options: Record<string, any>;
  getUserByUsername(ctx: Ctx, username: string): Promise<StoredUser | null>;
  saveUser(ctx: Ctx, user: StoredUser): Promise<void>;
  listUsers(ctx: Ctx): Promise<readonly StoredUser[]>;
  listGroups(ctx: Ctx): Promise<readonly StoredGroup[]>;
  getGroupByGroupName(ctx: Ctx, name: string): Promise<StoredGroup | null>;
  updateOptions(ctx: Ctx, options: Record<string, any>): Promise<void>;
}
/** The services object cognito-local hands to target factories. */
export interface HostServices {
  cognito: {
    getUserPool(ctx: Ctx, id: string): Promise<PoolService>;
    getUserPoolForClientId(ctx: Ctx, clientId: string): Promise<PoolService>;
    createUserPool(ctx: Ctx, options: Record<string, any>): Promise<Record<string, any>>;
  };
  clock: { get(): Date };
  otp(): string;
}
/** A target implementation. */
export type TargetFn = (ctx: Ctx, req: any) => Promise<any>;
/** What cognito-local's `Targets` table holds. */
export type TargetFactory = (services: HostServices) => TargetFn;

/** A code Cognito would have sent, as kept in the host's outbox (never printed). */
export interface OutboxEntry {
  seq: number;
  at: string;
  poolId: string;
  username: string;
  kind: 'signup' | 'resend' | 'forgot' | 'reset' | 'welcome' | 'verify' | 'mfa';
  medium: 'EMAIL' | 'SMS';
  code?: string;
}

/** Host settings the targets need. */
export interface HostTargetOptions {
  region: string;
  accountId: string;
}

const err = (code: string, message: string) => new CognitoError(code, message);
const userNotFound = () => err('UserNotFoundException', 'User does not exist.');

async function mustGetUser(pool: PoolService, ctx: Ctx, username: unknown): Promise<StoredUser> {
  if (typeof username !== 'string' || username === '')
    throw err(
      'InvalidParameterException',
      "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must not be null",
    );
  const user = await pool.getUserByUsername(ctx, username);
  if (!user) throw userNotFound();
  return user;
}

function checkWritable(attrs: Attr[] | undefined, schema: { Name: string }[] | undefined): void {
  for (const a of attrs ?? []) {
    if (isUnwritableAttribute(a.Name)) {
      throw err(
        'InvalidParameterException',
        `Attributes did not conform to the schema: ${a.Name}: Attribute cannot be written.`,
      );
    }
    if (schema && !schema.some((s) => s.Name === a.Name)) {
      throw err(
        'InvalidParameterException',
        `Attributes did not conform to the schema: Type for attribute {${a.Name}} could not be determined`,
      );
    }
  }
}

function checkPassword(password: unknown, pool: PoolService): void {
  const violation = passwordPolicyViolation(password, pool.options.Policies?.PasswordPolicy);
  if (violation) throw err('InvalidPasswordException', violation);
}

const DEFAULT_PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const POOL_FIELDS = [
  'AccountRecoverySetting',
  'AdminCreateUserConfig',
  'AliasAttributes',
  'AutoVerifiedAttributes',
  'DeletionProtection',
  'DeviceConfiguration',
  'EmailConfiguration',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'LambdaConfig',
  'MfaConfiguration',
  'SmsAuthenticationMessage',
  'SmsConfiguration',
  'SmsVerificationMessage',
  'UserAttributeUpdateSettings',
  'UserPoolAddOns',
  'UserPoolTags',
  'UsernameAttributes',
  'UsernameConfiguration',
  'VerificationMessageTemplate',
  'UserPoolTier',
] as const;

/** Standard schema attributes (cognito-local's list plus `identities`, which real pools show). */
function standardSchema(): Record<string, any>[] {
  const base = (USER_POOL_AWS_DEFAULTS.SchemaAttributes ?? []) as Record<string, any>[];
  const withIdentities = [...base];
  if (!withIdentities.some((a) => a.Name === 'identities')) {
    withIdentities.push({
      Name: 'identities',
      AttributeDataType: 'String',
      DeveloperOnlyAttribute: false,
      Mutable: true,
      Required: false,
      StringAttributeConstraints: {},
    });
  }
  return withIdentities;
}

function buildSchema(requested: Record<string, any>[] | undefined): Record<string, any>[] {
  const std = standardSchema();
  const stdNames = new Set(std.map((a) => a.Name));
  const overrides = new Map((requested ?? []).filter((a) => stdNames.has(a.Name)).map((a) => [a.Name, a]));
  const merged = std.map((a) => ({ ...a, ...(overrides.get(a.Name) ?? {}) }));
  const custom = (requested ?? [])
    .filter((a) => !stdNames.has(a.Name))
    .map((a) => {
      const type = a.AttributeDataType ?? 'String';
      const name = String(a.Name).replace(/^custom:/, '');
      if (name.length < 1 || name.length > 20)
        throw err('InvalidParameterException', `Invalid custom attribute name ${name}: length must be 1 to 20`);
      return {
        Name: `custom:${name}`,
        AttributeDataType: type,
        DeveloperOnlyAttribute: a.DeveloperOnlyAttribute ?? false,
        Mutable: a.Mutable ?? true,
        Required: a.Required ?? false,
        ...(type === 'String' ? { StringAttributeConstraints: a.StringAttributeConstraints ?? {} } : {}),
        ...(type === 'Number' ? { NumberAttributeConstraints: a.NumberAttributeConstraints ?? {} } : {}),
      };
    });
  return [...merged, ...custom];
}

function wrap(T: Record<string, TargetFactory>, name: string, f: (orig: TargetFn, s: HostServices) => TargetFn): void {
  const original = T[name];
  if (!original) throw new Error(`cognito-local has no target ${name}`);
  T[name] = (s) => f(original(s), s);
}

/**
 * Adds the missing operations to cognito-local's target table and corrects the ones that differ
 * from Cognito in ways the suite depends on. `outbox` receives every code "sent".
 */
export function installTargets(
  T: Record<string, TargetFactory>,
  opts: HostTargetOptions,
  outbox: OutboxEntry[],
): (entry: Omit<OutboxEntry, 'seq' | 'at'>) => void {
  let seq = 0;
  const record = (e: Omit<OutboxEntry, 'seq' | 'at'>) => {
    outbox.push({ seq: ++seq, at: new Date().toISOString(), ...e });
    if (outbox.length > 10_000) outbox.splice(0, outbox.length - 10_000);
  };

  // Pool ids and ARNs carry the Region, like `us-east-1_AbC123xyZ`; options are stored exactly as
  // asked (cognito-local merges its defaults in, making every pool an email-as-username pool).
  T.CreateUserPool =
    ({ cognito, clock }) =>
    async (ctx, req) => {
      if (!req.PoolName)
        throw err(
          'InvalidParameterException',
          "1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must not be null",
        );
      if (req.UsernameAttributes?.length && req.AliasAttributes?.length) {
        throw err(
          'InvalidParameterException',
          'Only one of AliasAttributes or UsernameAttributes can be set in a User Pool.',
        );
      }
      const id = `${opts.region}_${randomAlnum(9)}`;
      const now = clock.get();
      const options: Record<string, any> = {
        LambdaConfig: {},
        MfaConfiguration: 'OFF',
        EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7 },
        VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
        UserPoolTier: 'ESSENTIALS',
        DeletionProtection: 'INACTIVE',
      };
      for (const f of POOL_FIELDS) if (req[f] !== undefined) options[f] = req[f];
      Object.assign(options, {
        Id: id,
        Name: req.PoolName,
        Arn: `arn:aws:cognito-idp:${opts.region}:${opts.accountId}:userpool/${id}`,
        CreationDate: now,
        LastModifiedDate: now,
        Policies: {
          ...(req.Policies ?? {}),
          PasswordPolicy: req.Policies?.PasswordPolicy
            ? { MinimumLength: 8, TemporaryPasswordValidityDays: 7, ...req.Policies.PasswordPolicy }
            : DEFAULT_PASSWORD_POLICY,
        },
        SchemaAttributes: buildSchema(req.Schema),
      });
      await cognito.createUserPool(ctx, options);
      const pool = await cognito.getUserPool(ctx, id);
      await pool.updateOptions(ctx, options);
      return { UserPool: { ...options, EstimatedNumberOfUsers: 0 } };
    };

  wrap(T, 'DescribeUserPool', (_orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const users = await pool.listUsers(ctx);
    return { UserPool: { ...pool.options, EstimatedNumberOfUsers: users.length } };
  });

  wrap(T, 'AdminCreateUser', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    checkWritable(req.UserAttributes, pool.options.SchemaAttributes);
    if (req.TemporaryPassword !== undefined) checkPassword(req.TemporaryPassword, pool);
    const usernameAttrs: string[] = pool.options.UsernameAttributes ?? [];
    if (
      usernameAttrs.includes('phone_number') &&
      !usernameAttrs.includes('email') &&
      typeof req.Username === 'string'
    ) {
      // Phone number as username: like e-mail pools, the stored username is a generated UUID (cognito-local only does this for e-mail).
      if (!/^\+\d{4,15}$/.test(req.Username))
        throw err('InvalidParameterException', 'Username should be a phone number.');
      if (await pool.getUserByUsername(ctx, req.Username))
        throw err('UsernameExistsException', 'An account with the given phone_number already exists.');
      const attrs: Attr[] = [...(req.UserAttributes ?? [])];
      if (!attrs.some((a) => a.Name === 'phone_number')) attrs.push({ Name: 'phone_number', Value: req.Username });
      const sub = randomUUID();
      return orig(ctx, { ...req, Username: sub, UserAttributes: [{ Name: 'sub', Value: sub }, ...attrs] });
    }
    return orig(ctx, req);
  });

  wrap(T, 'AdminUpdateUserAttributes', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await mustGetUser(pool, ctx, req.Username);
    const attrs: Attr[] = [...(req.UserAttributes ?? [])];
    checkWritable(attrs, undefined);
    // Cognito lets an admin set a verified flag alone; cognito-local insists on the value too.
    for (const [flag, value] of [
      ['email_verified', 'email'],
      ['phone_number_verified', 'phone_number'],
    ] as const) {
      if (attrs.some((a) => a.Name === flag) && !attrs.some((a) => a.Name === value)) {
        const current = attr(user, value);
        if (current !== undefined) attrs.push({ Name: value, Value: current });
      }
    }
    return orig(ctx, { ...req, Username: user.Username, UserAttributes: attrs });
  });

  wrap(T, 'AdminDeleteUserAttributes', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await mustGetUser(pool, ctx, req.Username);
    for (const name of (req.UserAttributeNames ?? []) as string[]) {
      if (isUnwritableAttribute(name)) throw err('InvalidParameterException', `Cannot delete attribute ${name}`);
      const schema = (pool.options.SchemaAttributes ?? []).find((s: { Name: string }) => s.Name === name);
      if (schema?.Required)
        throw err(
          'InvalidParameterException',
          `Attributes did not conform to the schema: ${name}: The attribute is required`,
        );
    }
    return orig(ctx, { ...req, Username: user.Username });
  });

  wrap(T, 'AdminSetUserPassword', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await mustGetUser(pool, ctx, req.Username);
    checkPassword(req.Password, pool);
    return orig(ctx, { ...req, Username: user.Username });
  });

  wrap(T, 'SignUp', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPoolForClientId(ctx, req.ClientId);
    checkWritable(req.UserAttributes, pool.options.SchemaAttributes);
    checkPassword(req.Password, pool);
    return orig(ctx, req);
  });

  // Confirming the code Cognito sent proves the address it went to: Cognito marks that attribute
  // verified in the same call (so the PostConfirmation event already carries the flag);
  // cognito-local does not.
  wrap(T, 'ConfirmSignUp', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPoolForClientId(ctx, req.ClientId);
    const user = await pool.getUserByUsername(ctx, req.Username);
    const auto: string[] = (pool.options as { AutoVerifiedAttributes?: string[] }).AutoVerifiedAttributes ?? [];
    const attrs: { Name: string; Value?: string }[] = user?.Attributes ?? [];
    const channel = ['email', 'phone_number'].find((a) => auto.includes(a) && attrs.some((x) => x.Name === a));
    if (user && channel && user.UserStatus === 'UNCONFIRMED' && user.ConfirmationCode === req.ConfirmationCode) {
      const flag = `${channel}_verified`;
      await pool.saveUser(ctx, {
        ...user,
        Attributes: [...attrs.filter((x) => x.Name !== flag), { Name: flag, Value: 'true' }],
      });
    }
    return orig(ctx, req);
  });

  wrap(T, 'ConfirmForgotPassword', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPoolForClientId(ctx, req.ClientId);
    checkPassword(req.Password, pool);
    return orig(ctx, req);
  });

  wrap(T, 'AdminConfirmSignUp', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await mustGetUser(pool, ctx, req.Username);
    return orig(ctx, { ...req, Username: user.Username });
  });

  wrap(T, 'CreateGroup', (orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    if (!req.GroupName)
      throw err(
        'InvalidParameterException',
        "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must not be null",
      );
    if (await pool.getGroupByGroupName(ctx, req.GroupName))
      throw err('GroupExistsException', 'A group with the name already exists.');
    return orig(ctx, req);
  });

  // cognito-local matches the group members against the name given, so an alias or sub finds nothing.
  wrap(T, 'AdminListGroupsForUser', (_orig, { cognito }) => async (ctx, req) => {
    const pool = await cognito.getUserPool(ctx, req.UserPoolId);
    const user = await mustGetUser(pool, ctx, req.Username);
    const groups = (await pool.listGroups(ctx)).filter((g) => g.members?.includes(user.Username));
    return { Groups: groups.map((g) => groupToResponseObject(req.UserPoolId)(g as never)) };
  });

  // Real filter grammar and case rules (`status = "Enabled"`, optional spaces, escaped quotes).
  // All matches are returned; the shim pages them.
  T.ListUsers =
    ({ cognito }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      let filter: ReturnType<typeof parseListUsersFilter>;
      try {
        filter = parseListUsersFilter(req.Filter);
      } catch (e) {
        throw err('InvalidParameterException', (e as Error).message);
      }
      const users = (await pool.listUsers(ctx)).filter((u) => matchesFilter(u, filter));
      return { Users: users.map((u) => userToResponseObject(u as never)) };
    };

  const deliverRecovery = async (pool: PoolService, user: StoredUser, kind: 'reset' | 'forgot', code: string) => {
    const delivery = recoveryDelivery(pool.options, user);
    if (!delivery)
      throw err(
        'InvalidParameterException',
        'Cannot reset password for the user as there is no registered/verified email or phone_number',
      );
    record({ poolId: pool.options.Id, username: user.Username, kind, medium: delivery.DeliveryMedium, code });
    return delivery;
  };

  const checkResettable = (user: StoredUser) => {
    if (
      user.UserStatus === 'FORCE_CHANGE_PASSWORD' ||
      user.UserStatus === 'EXTERNAL_PROVIDER' ||
      user.UserStatus === 'UNCONFIRMED'
    ) {
      throw err('NotAuthorizedException', 'User password cannot be reset in the current state.');
    }
  };

  T.ForgotPassword =
    ({ cognito, clock, otp }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPoolForClientId(ctx, req.ClientId);
      const user = await mustGetUser(pool, ctx, req.Username);
      checkResettable(user);
      const code = otp();
      const delivery = await deliverRecovery(pool, user, 'forgot', code);
      await pool.saveUser(ctx, { ...user, ConfirmationCode: code, UserLastModifiedDate: clock.get() });
      return { CodeDeliveryDetails: { ...delivery, Destination: maskDestination(delivery) } };
    };

  T.AdminResetUserPassword =
    ({ cognito, clock, otp }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      const user = await mustGetUser(pool, ctx, req.Username);
      checkResettable(user);
      const code = otp();
      await deliverRecovery(pool, user, 'reset', code);
      await pool.saveUser(ctx, {
        ...user,
        UserStatus: 'RESET_REQUIRED',
        ConfirmationCode: code,
        UserLastModifiedDate: clock.get(),
      });
      return {};
    };

  T.AdminSetUserMFAPreference =
    ({ cognito, clock }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      const user = await mustGetUser(pool, ctx, req.Username);
      const methods = new Set(user.UserMFASettingList ?? []);
      let preferred = user.PreferredMfaSetting;
      const settings: [string, { Enabled?: boolean; PreferredMfa?: boolean } | undefined][] = [
        ['SMS_MFA', req.SMSMfaSettings],
        ['SOFTWARE_TOKEN_MFA', req.SoftwareTokenMfaSettings],
        ['EMAIL_OTP', req.EmailMfaSettings],
      ];
      if (settings.filter(([, s]) => s?.PreferredMfa).length > 1)
        throw err('InvalidParameterException', 'Only one MFA method can be set as preferred.');
      for (const [method, s] of settings) {
        if (!s) continue;
        if (s.PreferredMfa && s.Enabled === false)
          throw err('InvalidParameterException', `Cannot set ${method} as preferred when it is not enabled.`);
        if (s.Enabled) {
          if (method === 'SMS_MFA' && !attr(user, 'phone_number'))
            throw err('InvalidParameterException', 'User does not have delivery config set to turn on SMS_MFA');
          if (method === 'EMAIL_OTP' && !attr(user, 'email'))
            throw err('InvalidParameterException', 'User does not have delivery config set to turn on EMAIL_OTP');
          // SOFTWARE_TOKEN_MFA: accepted without AssociateSoftwareToken/VerifySoftwareToken (local relaxation).
          methods.add(method);
        } else if (s.Enabled === false) {
          methods.delete(method);
          if (preferred === method) preferred = undefined;
        }
        if (s.PreferredMfa) preferred = method;
        else if (s.PreferredMfa === false && preferred === method) preferred = undefined;
      }
      const updated: StoredUser = { ...user, UserLastModifiedDate: clock.get() };
      const ordered = ['SMS_MFA', 'SOFTWARE_TOKEN_MFA', 'EMAIL_OTP'].filter((m) => methods.has(m));
      if (ordered.length) updated.UserMFASettingList = ordered;
      else delete updated.UserMFASettingList;
      if (preferred && methods.has(preferred)) updated.PreferredMfaSetting = preferred;
      else delete updated.PreferredMfaSetting;
      await pool.saveUser(ctx, updated);
      return {};
    };

  // Minimal: records the link in the destination user's `identities` attribute. The identity
  // provider is not checked (cognito-local has none).
  T.AdminLinkProviderForUser =
    ({ cognito, clock }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      const dest = req.DestinationUser ?? {};
      const src = req.SourceUser ?? {};
      if (dest.ProviderName !== 'Cognito')
        throw err('InvalidParameterException', 'DestinationUser.ProviderName must be Cognito');
      if (!src.ProviderName || !src.ProviderAttributeValue)
        throw err('InvalidParameterException', 'SourceUser is incomplete');
      const user = await mustGetUser(pool, ctx, dest.ProviderAttributeValue);
      const identities: any[] = JSON.parse(attr(user, 'identities') ?? '[]');
      if (!identities.some((i) => i.providerName === src.ProviderName && i.userId === src.ProviderAttributeValue)) {
        identities.push({
          userId: src.ProviderAttributeValue,
          providerName: src.ProviderName,
          providerType: src.ProviderName,
          issuer: null,
          primary: 'false',
          dateCreated: String(Date.now()),
        });
      }
      const others = user.Attributes.filter((a) => a.Name !== 'identities');
      await pool.saveUser(ctx, {
        ...user,
        Attributes: [...others, { Name: 'identities', Value: JSON.stringify(identities) }],
        UserLastModifiedDate: clock.get(),
      });
      return {};
    };

  /* ---- private operations, reachable only from the shim's control routes ---- */

  T.ShimSetUserStatus =
    ({ cognito, clock }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      const user = await mustGetUser(pool, ctx, req.Username);
      if (!(USER_STATUSES as readonly string[]).includes(req.UserStatus))
        throw err('InvalidParameterException', `Unknown UserStatus ${req.UserStatus}`);
      await pool.saveUser(ctx, { ...user, UserStatus: req.UserStatus, UserLastModifiedDate: clock.get() });
      return {};
    };

  // Writes a user record as given (federated users, TOTP users, bulk seeding). Adds `sub` if absent.
  T.ShimPutUser =
    ({ cognito, clock }) =>
    async (ctx, req) => {
      const pool = await cognito.getUserPool(ctx, req.UserPoolId);
      const u = req.User ?? {};
      if (!u.Username) throw err('InvalidParameterException', 'User.Username is required');
      const now = clock.get();
      const attributes: Attr[] = [...(u.Attributes ?? [])];
      if (!attributes.some((a) => a.Name === 'sub')) attributes.push({ Name: 'sub', Value: randomUUID() });
      const user: StoredUser = {
        Username: u.Username,
        Attributes: attributes.sort((a, b) => a.Name.localeCompare(b.Name)),
        Enabled: u.Enabled ?? true,
        UserStatus: u.UserStatus ?? 'CONFIRMED',
        Password: u.Password ?? randomUUID(),
        UserCreateDate: now,
        UserLastModifiedDate: now,
        RefreshTokens: [],
        ...(u.UserMFASettingList?.length ? { UserMFASettingList: u.UserMFASettingList } : {}),
        ...(u.PreferredMfaSetting ? { PreferredMfaSetting: u.PreferredMfaSetting } : {}),
      };
      await pool.saveUser(ctx, user);
      return { User: userToResponseObject(user as never) };
    };

  T.ShimOutbox = () => async (_ctx, req) => {
    const messages = [...outbox];
    if (req.Clear) outbox.length = 0;
    return { Messages: messages };
  };

  return record;
}

/** Maps a cognito-local message source to an outbox kind. */
export function outboxKind(source: string): OutboxEntry['kind'] {
  switch (source) {
    case 'SignUp':
      return 'signup';
    case 'ResendCode':
      return 'resend';
    case 'ForgotPassword':
      return 'forgot';
    case 'AdminCreateUser':
      return 'welcome';
    case 'Authentication':
      return 'mfa';
    default:
      return 'verify';
  }
}
