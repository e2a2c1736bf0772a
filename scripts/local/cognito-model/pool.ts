/**
 * One user pool: its configuration (what DescribeUserPool answers), users, groups and import
 * jobs. Seeding methods (`put`, `group`) write directly, with no quota and no trigger.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { buildSchema } from './schema';
import type { ImportJob, Json, ModelGroup, ModelUser, PoolOptions, SchemaAttribute } from './types';

/** The password policy of a pool created without one (CreateUserPool's documented default). */
export const DEFAULT_PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

export class ModelPool {
  readonly users = new Map<string, ModelUser>();
  /** sub -> username (a sub never changes). */
  readonly bySub = new Map<string, string>();
  readonly groups = new Map<string, ModelGroup>();
  readonly importJobs = new Map<string, ImportJob>();
  /** App clients: id -> settings. */
  readonly clients = new Map<string, Json>();
  /** Identity providers: name -> IdentityProviderType. */
  readonly identityProviders = new Map<string, Json>();
  /** Resource servers: identifier -> ResourceServerType. */
  readonly resourceServers = new Map<string, Json>();
  /** Domains of the pool (a prefix domain, a custom domain): domain -> DomainDescriptionType. */
  readonly domains = new Map<string, Json>();
  /** The pool as DescribeUserPool answers it (without the user count). */
  readonly config: Json;
  /** Users sorted by `sub` (ListUsers' order), kept until a user is added or removed. */
  private sorted?: ModelUser[];

  /** A seeded pool from `options`, or (CreateUserPool) the pool exactly as `config` describes it. */
  constructor(
    readonly options: PoolOptions,
    config?: Json,
  ) {
    this.config = config ?? {
      Id: options.id,
      Name: options.id,
      UsernameAttributes: options.usernameAttributes ?? [],
      AliasAttributes: [],
      Policies: { PasswordPolicy: DEFAULT_PASSWORD_POLICY },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      LambdaConfig: options.lambdaConfig ?? {},
      MfaConfiguration: options.mfaConfiguration ?? 'OFF',
      AutoVerifiedAttributes: options.autoVerifiedAttributes ?? ['email'],
      SchemaAttributes: buildSchema((options.customAttributes ?? []).map((Name) => ({ Name }))),
    };
  }

  get schema(): SchemaAttribute[] {
    return this.config.SchemaAttributes;
  }

  get usernameAttributes(): ('email' | 'phone_number')[] {
    return this.config.UsernameAttributes ?? [];
  }

  get autoVerified(): string[] {
    return this.config.AutoVerifiedAttributes ?? [];
  }

  get mfaConfiguration(): string {
    return this.config.MfaConfiguration ?? 'OFF';
  }

  /** Adds a user directly (seeding: no quota, no trigger). A pool with e-mail or phone as username names it by its sub. */
  put(user: Partial<ModelUser> & { Username?: string; Attributes?: Record<string, string> }): ModelUser {
    const attributes = { ...(user.Attributes ?? {}) };
    attributes.sub ??= randomUUID();
    const username = this.usernameAttributes.length ? attributes.sub : (user.Username ?? attributes.sub);
    const u: ModelUser = {
      ...user,
      Username: username,
      Attributes: attributes,
      Enabled: user.Enabled ?? true,
      UserStatus: user.UserStatus ?? 'CONFIRMED',
      Mfa: user.Mfa ?? [],
      Created: user.Created ?? new Date(0),
    };
    this.add(u);
    return u;
  }

  /** Adds a user (its username and sub index). */
  add(user: ModelUser): void {
    this.users.set(user.Username, user);
    this.bySub.set(user.Attributes.sub, user.Username);
    this.sorted = undefined;
  }

  /** Every user, in ListUsers' order (by `sub`); the same array until a user is added or removed. */
  usersBySub(): readonly ModelUser[] {
    this.sorted ??= [...this.users.values()].sort((a, b) => (a.Attributes.sub < b.Attributes.sub ? -1 : 1));
    return this.sorted;
  }

  /** Removes a user and its group memberships. */
  remove(user: ModelUser): void {
    this.users.delete(user.Username);
    this.bySub.delete(user.Attributes.sub);
    this.sorted = undefined;
    for (const g of this.groups.values()) g.members.delete(user.Username);
  }

  /** The group, created when absent (seeding). */
  group(name: string, info: Partial<Omit<ModelGroup, 'members'>> = {}): ModelGroup {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { GroupName: name, ...info, members: new Set() }));
    return g;
  }

  /** Resolves a Username parameter: the username, or (pools with e-mail/phone as username) that attribute. */
  resolve(name: string): ModelUser | undefined {
    const direct = this.users.get(name);
    if (direct) return direct;
    for (const attr of this.usernameAttributes) {
      for (const u of this.users.values()) if (u.Attributes[attr] === name) return u;
    }
    return undefined;
  }
}
