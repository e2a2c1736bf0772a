import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminLinkProviderForUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  CreateGroupCommand,
  CreateIdentityProviderCommand,
  CreateResourceServerCommand,
  CreateUserImportJobCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolDomainCommand,
  DescribeIdentityProviderCommand,
  DescribeUserImportJobCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  GetCSVHeaderCommand,
  GetUserPoolMfaConfigCommand,
  ListGroupsCommand,
  ListIdentityProvidersCommand,
  ListResourceServersCommand,
  ListUserPoolClientsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  SetUserPoolMfaConfigCommand,
  StartUserImportJobCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DEFAULT_RETRY, nextRetryDelayMs, type RetryPolicy } from '../core/backoff';
import type { Semaphore } from '../core/concurrency';
import { certainlyNotDelivered, classifyError } from '../core/errors';
import type { UserLocator } from '../core/identity';
import type { MfaChange, ProviderLink } from '../core/plan';
import type { GroupInfo, PoolConfig, PoolMfaConfig, UserRecord } from '../core/types';
import { createCognitoClient, gateFor, stateOf } from './client';
import {
  toAttributeList,
  toAttributeMap,
  toGroupInfo,
  toImportJob,
  toMfaState,
  toPoolConfig,
  toUserRecord,
} from './conversions';
import {
  type CognitoError,
  GroupExistsError,
  type LimitExceededError,
  toCognitoError,
  UserNotFoundError,
} from './errors';
import { GroupListings } from './group-listings';
import { type Clock, QuotaLimiter, systemClock } from './limiter';
import type { CognitoPool } from './pool';
import { AT_MOST_ONCE_OPERATIONS, OPERATION_CATEGORY, type QuotaCategory, WRITE_OPERATIONS } from './quotas';
import type {
  AppClientRequest,
  AppClientSettings,
  CallInfo,
  CallInterceptor,
  DomainRequest,
  DomainSettings,
  IdentityProviderRequest,
  IdentityProviderSettings,
  ImportJob,
  InterceptOptions,
  ListUsersOptions,
  MfaSettings,
  MfaSettingsUpdate,
  PoolSettings,
  PoolSettingsUpdate,
  ResourceServerRequest,
  ResourceServerSettings,
  UserPage,
} from './types';

export { type CognitoClientOptions, createCognitoClient, DEFAULT_MAX_SOCKETS } from './client';
export { toAttributeMap, toPoolConfig, toUserRecord } from './conversions';
export type { ImportJob, UserPage } from './types';

/** Where one pool is and how to reach it. */
export interface PoolTarget {
  region: string;
  poolId: string;
  /** Endpoint override (VPC endpoint, local emulator). */
  endpoint?: string;
  /** Extra SDK client settings (credentials of an assumed role, ...). */
  clientConfig?: CognitoIdentityProviderClientConfig;
}

/** Settings of a {@link CognitoGateway}. */
export interface GatewayOptions extends PoolTarget {
  /** The quota limiter of this side (one per account and Region); a fresh default one if omitted. */
  limiter?: QuotaLimiter;
  /**
   * An existing client (shared, or a test's); otherwise one is built with
   * {@link createCognitoClient} from region/endpoint/clientConfig and `maxInFlight` sockets.
   */
  client?: CognitoIdentityProviderClient;
  /**
   * How every call is retried: throttling and transient failures alike, reads and writes alike.
   * Missing fields take {@link DEFAULT_RETRY} (about 10 s of capped, jittered back-off per call).
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Requests in flight at once through this gateway's client, equal to its HTTP agent's
   * `maxSockets`. Gateways that share a client share this limit (the first one to use the client
   * sets it). Default {@link DEFAULT_MAX_SOCKETS}.
   */
  maxInFlight?: number;
  clock?: Clock;
  /** Random source of the back-off jitter (tests). */
  random?: () => number;
}

const POOL_CONFIG_TTL_MS = 5 * 60_000;

/** Marks the constructor argument of a view (module-private: views are made by `intercept` only). */
const VIEW = Symbol('cognito-standby-sync.view');
interface ViewOf {
  [VIEW]: { parent: CognitoGateway; interceptor: CallInterceptor; ownCalls: boolean };
}

/**
 * The AWS SDK adapter of the {@link CognitoPool} port, and the only code that sends Cognito
 * commands: typed calls on one pool, each paced by the side's {@link QuotaLimiter}, users
 * converted to {@link UserRecord}. Counts every call it sends by operation (`calls`), for reports
 * and tests.
 *
 * One pipeline per call: interceptors of views ({@link intercept}), a place at the limiter, a
 * free socket, the request; retries are the adapter's alone, one {@link RetryPolicy} for reads
 * and writes: throttling (which also slows the category down) and transient failures (5xx,
 * network) are retried with capped, jittered back-off for up to `retry.budgetMs`; a call that
 * still fails is thrown, and the caller only decides whether to requeue the user or report it
 * failed. A per-user or per-resource limit (`LimitExceededException`) is thrown at once as a
 * {@link LimitExceededError} and never slows anything down. Operations that notify a person
 * ({@link AT_MOST_ONCE_OPERATIONS}) are resent only when Cognito certainly did nothing with the
 * failed attempt.
 *
 * @example
 * ```ts
 * const standby: CognitoPool = new CognitoGateway({ region: 'us-west-2', poolId: 'us-west-2_abc' });
 * const user = await standby.getUser('alice');
 * standby.destroy();
 * ```
 */
export class CognitoGateway implements CognitoPool {
  readonly region: string;
  readonly poolId: string;
  readonly limiter: QuotaLimiter;
  /**
   * The SDK client, for the adapter's own tests and wiring only: features get a
   * {@link CognitoPool}, which has no client (close it with {@link destroy}).
   */
  readonly client: CognitoIdentityProviderClient;
  /** Requests sent, by operation (retries included). */
  readonly calls: Record<string, number>;
  /** The retry policy of every call. */
  readonly retry: RetryPolicy;
  readonly groupListings: GroupListings;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly gate: Semaphore;
  /** A view's pool and hooks (undefined for the adapter itself). */
  private readonly view?: ViewOf[typeof VIEW];

  constructor(options: GatewayOptions | ViewOf) {
    if (VIEW in options) {
      const view = options[VIEW];
      const parent = view.parent;
      this.view = view;
      this.region = parent.region;
      this.poolId = parent.poolId;
      this.clock = parent.clock;
      this.random = parent.random;
      this.limiter = parent.limiter;
      this.retry = parent.retry;
      this.client = parent.client;
      this.gate = parent.gate;
      this.groupListings = parent.groupListings;
      this.calls = view.ownCalls ? {} : parent.calls;
      return;
    }
    this.region = options.region;
    this.poolId = options.poolId;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.limiter = options.limiter ?? new QuotaLimiter({ clock: this.clock });
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.client =
      options.client ??
      createCognitoClient({
        region: options.region,
        endpoint: options.endpoint,
        maxSockets: options.maxInFlight,
        clientConfig: options.clientConfig,
      });
    this.gate = gateFor(this.client, options.maxInFlight);
    this.groupListings = new GroupListings();
    this.calls = {};
  }

  /** Requests in flight now through this gateway's client (all gateways sharing it). */
  rate(category: QuotaCategory): number {
    return this.limiter.rate(category);
  }

  get inFlight(): number {
    return this.gate.inUse;
  }

  /** Calls admitted by the limiter and waiting for a free socket. */
  get waitingForSocket(): number {
    return this.gate.waiting;
  }

  /** Write calls sent so far (each bills the user it touches as active). */
  get writeCalls(): number {
    return Object.entries(this.calls).reduce((n, [op, c]) => n + (WRITE_OPERATIONS.has(op) ? c : 0), 0);
  }

  intercept(interceptor: CallInterceptor, options: InterceptOptions = {}): this {
    return new CognitoGateway({ [VIEW]: { parent: this, interceptor, ownCalls: !!options.ownCalls } }) as this;
  }

  destroy(): void {
    this.client.destroy();
  }

  /**
   * The pool's configuration, read once and cached for five minutes for every gateway on this
   * client (see {@link ClientState}); a warm Lambda container keeps its gateways, so the cache
   * serves its later invocations too. A failed read is not cached.
   */
  describePool(): Promise<PoolConfig> {
    const cache = stateOf(this.client).poolConfigs;
    const cached = cache.get(this.poolId);
    if (cached && this.clock.now() - cached.at < POOL_CONFIG_TTL_MS) return cached.config;
    const config = this.call('DescribeUserPool', () =>
      this.sdk(this.client.send(new DescribeUserPoolCommand({ UserPoolId: this.poolId }))),
    ).then((r) => toPoolConfig(r.UserPool ?? {}, this.region));
    const entry = { at: this.clock.now(), config };
    cache.set(this.poolId, entry);
    config.catch(() => {
      if (cache.get(this.poolId) === entry) cache.delete(this.poolId);
    });
    return config;
  }

  async describePoolSettings(): Promise<PoolSettings> {
    const r = await this.call('DescribeUserPool', () =>
      this.sdk(this.client.send(new DescribeUserPoolCommand({ UserPoolId: this.poolId }))),
    );
    return r.UserPool ?? {};
  }

  async updatePoolSettings(request: PoolSettingsUpdate): Promise<void> {
    await this.call('UpdateUserPool', () => this.sdk(this.client.send(new UpdateUserPoolCommand(request))));
  }

  /** One user with its MFA settings (AdminGetUser; bills the user as active), or `undefined`. */
  async getUser(username: string): Promise<UserRecord | undefined> {
    try {
      const r = await this.call('AdminGetUser', () =>
        this.sdk(this.client.send(new AdminGetUserCommand({ UserPoolId: this.poolId, Username: username }))),
      );
      return {
        username: r.Username ?? username,
        attributes: toAttributeMap(r.UserAttributes),
        enabled: r.Enabled ?? true,
        status: r.UserStatus ?? 'UNKNOWN',
        mfa: toMfaState(r.UserMFASettingList, r.PreferredMfaSetting, r.MFAOptions),
        createdAt: r.UserCreateDate,
        lastModifiedAt: r.UserLastModifiedDate,
      };
    } catch (err) {
      // Only a missing user is absent: a missing pool is a PoolNotFoundError, thrown.
      if (err instanceof UserNotFoundError) return undefined;
      throw err;
    }
  }

  /** The users whose locator attribute equals the value (ListUsers with a filter; not billed). */
  async findUsers(locator: UserLocator): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.listUsersPage({ filter: `${locator.attribute} = ${quote(locator.value)}`, nextToken });
      users.push(...page.users);
      nextToken = page.nextToken;
    } while (nextToken);
    return users;
  }

  /** The user whose `sub` is given (ListUsers filter on `sub`), or `undefined`. */
  async findBySub(sub: string): Promise<UserRecord | undefined> {
    // A filtered page may come back empty with a token while the match is on a later page.
    let nextToken: string | undefined;
    do {
      const page = await this.listUsersPage({ filter: `sub = ${quote(sub)}`, nextToken });
      const found = page.users.find((u) => u.attributes.sub === sub);
      if (found) return found;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  /** One page of ListUsers (60 users at most; a short page does not mean the end). */
  async listUsersPage(options: ListUsersOptions = {}): Promise<UserPage> {
    const r = await this.call('ListUsers', () =>
      this.sdk(
        this.client.send(
          new ListUsersCommand({
            UserPoolId: this.poolId,
            Limit: options.limit ?? 60,
            Filter: options.filter,
            PaginationToken: options.nextToken,
          }),
        ),
      ),
    );
    return { users: (r.Users ?? []).map(toUserRecord), nextToken: r.PaginationToken || undefined };
  }

  /** Every group of the pool. */
  async listGroups(): Promise<GroupInfo[]> {
    return allPages(async (token) => {
      const r = await this.call('ListGroups', () =>
        this.sdk(this.client.send(new ListGroupsCommand({ UserPoolId: this.poolId, Limit: 60, NextToken: token }))),
      );
      return { items: (r.Groups ?? []).map(toGroupInfo), next: r.NextToken };
    });
  }

  /** One page of a group's members (60 at most). */
  async listUsersInGroupPage(group: string, nextToken?: string): Promise<UserPage> {
    const r = await this.call('ListUsersInGroup', () =>
      this.sdk(
        this.client.send(
          new ListUsersInGroupCommand({ UserPoolId: this.poolId, GroupName: group, Limit: 60, NextToken: nextToken }),
        ),
      ),
    );
    return { users: (r.Users ?? []).map(toUserRecord), nextToken: r.NextToken || undefined };
  }

  /** The names of the groups one user belongs to. */
  async listGroupsForUser(username: string): Promise<string[]> {
    const names = await allPages(async (token) => {
      const r = await this.call('AdminListGroupsForUser', () =>
        this.sdk(
          this.client.send(
            new AdminListGroupsForUserCommand({
              UserPoolId: this.poolId,
              Username: username,
              Limit: 60,
              NextToken: token,
            }),
          ),
        ),
      );
      return { items: (r.Groups ?? []).map((g) => g.GroupName!).filter(Boolean), next: r.NextToken };
    });
    return names.sort();
  }

  /** Creates a user without sending any message; returns the username Cognito gave it. */
  async createUser(username: string, attributes: Record<string, string>): Promise<UserRecord> {
    const r = await this.call('AdminCreateUser', () =>
      this.sdk(
        this.client.send(
          new AdminCreateUserCommand({
            UserPoolId: this.poolId,
            Username: username,
            MessageAction: 'SUPPRESS',
            UserAttributes: toAttributeList(attributes),
          }),
        ),
      ),
    );
    return r.User ? toUserRecord(r.User) : { username, attributes, enabled: true, status: 'FORCE_CHANGE_PASSWORD' };
  }

  /** Sets a permanent password (the user ends CONFIRMED). The password is never logged. */
  async setPermanentPassword(username: string, password: string): Promise<void> {
    await this.call('AdminSetUserPassword', () =>
      this.sdk(
        this.client.send(
          new AdminSetUserPasswordCommand({
            UserPoolId: this.poolId,
            Username: username,
            Password: password,
            Permanent: true,
          }),
        ),
      ),
    );
  }

  async updateAttributes(username: string, attributes: Record<string, string>): Promise<void> {
    await this.call('AdminUpdateUserAttributes', () =>
      this.sdk(
        this.client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: this.poolId,
            Username: username,
            UserAttributes: toAttributeList(attributes),
          }),
        ),
      ),
    );
  }

  async deleteAttributes(username: string, names: string[]): Promise<void> {
    await this.call('AdminDeleteUserAttributes', () =>
      this.sdk(
        this.client.send(
          new AdminDeleteUserAttributesCommand({
            UserPoolId: this.poolId,
            Username: username,
            UserAttributeNames: names,
          }),
        ),
      ),
    );
  }

  async setEnabled(username: string, enabled: boolean): Promise<void> {
    if (enabled)
      await this.call('AdminEnableUser', () =>
        this.sdk(this.client.send(new AdminEnableUserCommand({ UserPoolId: this.poolId, Username: username }))),
      );
    else
      await this.call('AdminDisableUser', () =>
        this.sdk(this.client.send(new AdminDisableUserCommand({ UserPoolId: this.poolId, Username: username }))),
      );
  }

  async addUserToGroup(username: string, group: string): Promise<void> {
    await this.call('AdminAddUserToGroup', () =>
      this.sdk(
        this.client.send(
          new AdminAddUserToGroupCommand({ UserPoolId: this.poolId, Username: username, GroupName: group }),
        ),
      ),
    );
  }

  async removeUserFromGroup(username: string, group: string): Promise<void> {
    await this.call('AdminRemoveUserFromGroup', () =>
      this.sdk(
        this.client.send(
          new AdminRemoveUserFromGroupCommand({ UserPoolId: this.poolId, Username: username, GroupName: group }),
        ),
      ),
    );
  }

  /** Creates a group; an existing group of that name is left as it is. */
  async createGroup(group: GroupInfo): Promise<void> {
    try {
      await this.call('CreateGroup', () =>
        this.sdk(
          this.client.send(
            new CreateGroupCommand({
              UserPoolId: this.poolId,
              GroupName: group.name,
              Description: group.description,
              Precedence: group.precedence,
              RoleArn: group.roleArn,
            }),
          ),
        ),
      );
    } catch (err) {
      if (!(err instanceof GroupExistsError)) throw err;
    }
  }

  async setMfaPreference(username: string, change: MfaChange): Promise<void> {
    const setting = (s: MfaChange['sms']) => (s ? { Enabled: s.enabled, PreferredMfa: s.preferred } : undefined);
    await this.call('AdminSetUserMFAPreference', () =>
      this.sdk(
        this.client.send(
          new AdminSetUserMFAPreferenceCommand({
            UserPoolId: this.poolId,
            Username: username,
            SMSMfaSettings: setting(change.sms),
            EmailMfaSettings: setting(change.email),
          }),
        ),
      ),
    );
  }

  /** Deletes a user; a user already gone counts as deleted (a missing pool is thrown). */
  async deleteUser(username: string): Promise<void> {
    try {
      await this.call('AdminDeleteUser', () =>
        this.sdk(this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.poolId, Username: username }))),
      );
    } catch (err) {
      if (!(err instanceof UserNotFoundError)) throw err;
    }
  }

  /** Starts a password reset: Cognito sends the user a code (AdminResetUserPassword; not billed). */
  async resetPassword(username: string): Promise<void> {
    await this.call('AdminResetUserPassword', () =>
      this.sdk(this.client.send(new AdminResetUserPasswordCommand({ UserPoolId: this.poolId, Username: username }))),
    );
  }

  /**
   * Starts a password reset like {@link resetPassword}, running `beforeSend` once, after the
   * limiter has admitted the call and just before the request leaves (the failover journal writes
   * its intent there, so a run stopped while waiting for its turn leaves no false "maybe sent").
   * A failed attempt is sent again only when Cognito certainly did nothing with it (throttled,
   * connection refused); after a timeout, reset or 5xx the error is thrown ("maybe sent").
   */
  async resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void> {
    let first = true;
    await this.call('AdminResetUserPassword', async () => {
      if (first) {
        first = false;
        await beforeSend();
      }
      return this.sdk(
        this.client.send(new AdminResetUserPasswordCommand({ UserPoolId: this.poolId, Username: username })),
      );
    });
  }

  /** The pool's MFA factors (GetUserPoolMfaConfig): which of SMS, TOTP and e-mail users can use. */
  async describeMfaConfig(): Promise<PoolMfaConfig> {
    const r = await this.call('GetUserPoolMfaConfig', () =>
      this.sdk(this.client.send(new GetUserPoolMfaConfigCommand({ UserPoolId: this.poolId }))),
    );
    return {
      mfaConfiguration: r.MfaConfiguration as PoolMfaConfig['mfaConfiguration'],
      sms: !!r.SmsMfaConfiguration?.SmsConfiguration?.SnsCallerArn,
      totp: !!r.SoftwareTokenMfaConfiguration?.Enabled,
      email: !!r.EmailMfaConfiguration,
    };
  }

  async describeMfaSettings(): Promise<MfaSettings> {
    const { $metadata: _, ...settings } = await this.call('GetUserPoolMfaConfig', () =>
      this.sdk(this.client.send(new GetUserPoolMfaConfigCommand({ UserPoolId: this.poolId }))),
    );
    return settings;
  }

  async setMfaSettings(request: MfaSettingsUpdate): Promise<void> {
    await this.call('SetUserPoolMfaConfig', () =>
      this.sdk(this.client.send(new SetUserPoolMfaConfigCommand({ ...request, UserPoolId: this.poolId }))),
    );
  }

  async listAppClients(): Promise<AppClientSettings[]> {
    const ids = await allPages(async (token) => {
      const page = await this.call('ListUserPoolClients', () =>
        this.sdk(
          this.client.send(
            new ListUserPoolClientsCommand({ UserPoolId: this.poolId, MaxResults: 60, NextToken: token }),
          ),
        ),
      );
      return {
        items: (page.UserPoolClients ?? []).flatMap((c) => (c.ClientId ? [c.ClientId] : [])),
        next: page.NextToken,
      };
    });
    const clients: AppClientSettings[] = [];
    for (const id of ids) {
      const r = await this.call('DescribeUserPoolClient', () =>
        this.sdk(this.client.send(new DescribeUserPoolClientCommand({ UserPoolId: this.poolId, ClientId: id }))),
      );
      if (r.UserPoolClient) clients.push(r.UserPoolClient);
    }
    return clients;
  }

  async listIdentityProviders(): Promise<IdentityProviderSettings[]> {
    const names = await allPages(async (token) => {
      const page = await this.call('ListIdentityProviders', () =>
        this.sdk(
          this.client.send(
            new ListIdentityProvidersCommand({ UserPoolId: this.poolId, MaxResults: 60, NextToken: token }),
          ),
        ),
      );
      return {
        items: (page.Providers ?? []).flatMap((p) => (p.ProviderName ? [p.ProviderName] : [])),
        next: page.NextToken,
      };
    });
    const providers: IdentityProviderSettings[] = [];
    for (const name of names) {
      const r = await this.call('DescribeIdentityProvider', () =>
        this.sdk(
          this.client.send(new DescribeIdentityProviderCommand({ UserPoolId: this.poolId, ProviderName: name })),
        ),
      );
      if (r.IdentityProvider) providers.push(r.IdentityProvider);
    }
    return providers;
  }

  async listResourceServers(): Promise<ResourceServerSettings[]> {
    return allPages(async (token) => {
      const page = await this.call('ListResourceServers', () =>
        this.sdk(
          this.client.send(
            new ListResourceServersCommand({ UserPoolId: this.poolId, MaxResults: 50, NextToken: token }),
          ),
        ),
      );
      return { items: page.ResourceServers ?? [], next: page.NextToken };
    });
  }

  async describeDomain(domain: string): Promise<DomainSettings | undefined> {
    const r = await this.call('DescribeUserPoolDomain', () =>
      this.sdk(this.client.send(new DescribeUserPoolDomainCommand({ Domain: domain }))),
    );
    // A domain Cognito does not know is answered with an empty description.
    return r.DomainDescription?.Domain ? r.DomainDescription : undefined;
  }

  async createAppClient(request: AppClientRequest): Promise<AppClientSettings> {
    const r = await this.call('CreateUserPoolClient', () =>
      this.sdk(this.client.send(new CreateUserPoolClientCommand({ ...request, UserPoolId: this.poolId }))),
    );
    return r.UserPoolClient ?? {};
  }

  async createIdentityProvider(request: IdentityProviderRequest): Promise<IdentityProviderSettings> {
    const r = await this.call('CreateIdentityProvider', () =>
      this.sdk(this.client.send(new CreateIdentityProviderCommand({ ...request, UserPoolId: this.poolId }))),
    );
    return r.IdentityProvider ?? {};
  }

  async createResourceServer(request: ResourceServerRequest): Promise<ResourceServerSettings> {
    const r = await this.call('CreateResourceServer', () =>
      this.sdk(this.client.send(new CreateResourceServerCommand({ ...request, UserPoolId: this.poolId }))),
    );
    return r.ResourceServer ?? {};
  }

  async createDomain(request: DomainRequest): Promise<{ cloudFrontDomain?: string }> {
    const r = await this.call('CreateUserPoolDomain', () =>
      this.sdk(this.client.send(new CreateUserPoolDomainCommand({ ...request, UserPoolId: this.poolId }))),
    );
    return { cloudFrontDomain: r.CloudFrontDomain };
  }

  /** Links a federated identity to a local user, so the provider sign-in lands on that user. */
  async linkProvider(username: string, link: ProviderLink): Promise<void> {
    await this.call('AdminLinkProviderForUser', () =>
      this.sdk(
        this.client.send(
          new AdminLinkProviderForUserCommand({
            UserPoolId: this.poolId,
            DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: username },
            SourceUser: {
              ProviderName: link.providerName,
              ProviderAttributeName: 'Cognito_Subject',
              ProviderAttributeValue: link.providerUserId,
            },
          }),
        ),
      ),
    );
  }

  /** The column names of the pool's user import CSV (GetCSVHeader). */
  async getCsvHeader(): Promise<string[]> {
    const r = await this.call('GetCSVHeader', () =>
      this.sdk(this.client.send(new GetCSVHeaderCommand({ UserPoolId: this.poolId }))),
    );
    return r.CSVHeader ?? [];
  }

  /** Creates a user import job; Cognito writes its log with `cloudWatchLogsRoleArn`. */
  async createUserImportJob(jobName: string, cloudWatchLogsRoleArn: string): Promise<ImportJob> {
    const r = await this.call('CreateUserImportJob', () =>
      this.sdk(
        this.client.send(
          new CreateUserImportJobCommand({
            UserPoolId: this.poolId,
            JobName: jobName,
            CloudWatchLogsRoleArn: cloudWatchLogsRoleArn,
          }),
        ),
      ),
    );
    return toImportJob(r.UserImportJob);
  }

  async startUserImportJob(jobId: string): Promise<ImportJob> {
    const r = await this.call('StartUserImportJob', () =>
      this.sdk(this.client.send(new StartUserImportJobCommand({ UserPoolId: this.poolId, JobId: jobId }))),
    );
    return toImportJob(r.UserImportJob);
  }

  async describeUserImportJob(jobId: string): Promise<ImportJob> {
    const r = await this.call('DescribeUserImportJob', () =>
      this.sdk(this.client.send(new DescribeUserImportJobCommand({ UserPoolId: this.poolId, JobId: jobId }))),
    );
    return toImportJob(r.UserImportJob);
  }

  /**
   * Sends one call. A view runs its interceptor's hooks and hands the call to the pool it was made
   * from; the adapter takes a place at the limiter (its category, and its pool and operation
   * where Cognito caps those), then a free socket, then sends. A failure is typed at once
   * ({@link toCognitoError}); throttling (which slows the category down) and transient failures
   * are retried under the adapter's {@link RetryPolicy}, and what still fails is thrown as a
   * {@link CognitoError} (a `LimitExceededException` at once, as a {@link LimitExceededError}).
   * An error raised by a view's hook, or by `send` itself before the request (a journal write),
   * is thrown as it is.
   */
  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    const category: QuotaCategory = OPERATION_CATEGORY[operation] ?? 'UserPoolRead';
    if (this.view) return this.callThroughView({ operation, category, poolId: this.poolId }, this.view, send);
    const atMostOnce = AT_MOST_ONCE_OPERATIONS.has(operation);
    let spent = 0;
    for (let failures = 0; ; ) {
      await this.limiter.take(category, { poolId: this.poolId, operation });
      const release = await this.gate.acquire();
      const started = this.clock.now();
      this.calls[operation] = (this.calls[operation] ?? 0) + 1;
      let error: unknown;
      try {
        return await send();
      } catch (err) {
        error = err instanceof SdkFailure ? toCognitoError(operation, this.poolId, err.error) : err;
      } finally {
        release();
      }
      const kind = classifyError(error);
      if (kind === 'throttle') this.limiter.throttled(category);
      const retryable = (kind === 'throttle' || kind === 'transient') && (!atMostOnce || certainlyNotDelivered(error));
      if (!retryable) throw error;
      failures++;
      spent += this.clock.now() - started;
      const delay = nextRetryDelayMs(failures, spent, this.retry, this.random);
      if (delay === undefined) throw error;
      spent += delay;
      await this.clock.sleep(delay);
    }
  }

  /** Sends a command on the client; its failure is marked as Cognito's (or the network's), to be typed by {@link call}. */
  private async sdk<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (err) {
      throw new SdkFailure(err);
    }
  }

  private async callThroughView<T>(info: CallInfo, view: ViewOf[typeof VIEW], send: () => Promise<T>): Promise<T> {
    view.interceptor.onCall?.(info);
    if (view.ownCalls) this.calls[info.operation] = (this.calls[info.operation] ?? 0) + 1;
    return view.parent.call(info.operation, async () => {
      view.interceptor.beforeSend?.(info);
      try {
        return await send();
      } finally {
        view.interceptor.afterSend?.(info);
      }
    });
  }
}

/** A failure of the SDK's `send`, as opposed to one of a view's hook or of the caller's code around it. */
class SdkFailure {
  constructor(readonly error: unknown) {}
}

/** Quotes a value for a ListUsers filter. */
/** Every item of a paged listing: `page(token)` gives one page's items and the next token (empty or absent: the end). */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    items.push(...p.items);
    token = p.next || undefined;
  } while (token);
  return items;
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
