import type { UserLocator } from '../core/identity';
import type { MfaChange, ProviderLink } from '../core/plan';
import type { GroupInfo, PoolConfig, PoolMfaConfig, UserRecord } from '../core/types';
import type { GroupListings } from './group-listings';
import type { QuotaCategory } from './quotas';
import type {
  AppClientRequest,
  AppClientSettings,
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

/**
 * The port in front of one Cognito user pool: the operations replication, reconcile, failover,
 * doctor, change capture and the trigger attachment use, in the suite's own types. Every call is
 * paced by the side's quota limiter and retried (throttling, transient failures) by the adapter;
 * a call that still fails throws a `CognitoError` (src/cognito/errors.ts), and the caller only
 * decides whether to requeue or fail. `CognitoGateway` is the AWS SDK adapter.
 *
 * @example
 * ```ts
 * async function copyName(source: CognitoPool, standby: CognitoPool, username: string) {
 *   const user = await source.getUser(username);
 *   if (user?.attributes.name) await standby.updateAttributes(username, { name: user.attributes.name });
 * }
 * ```
 */
export interface CognitoPool {
  readonly region: string;
  readonly poolId: string;
  /** Requests sent, by operation (retries included; a view with `ownCalls` counts its own calls once each). */
  readonly calls: Record<string, number>;
  /** Write calls counted in {@link calls} (each bills the user it touches as active). */
  readonly writeCalls: number;
  /** Requests in flight now through this pool's client (all pools sharing it). */
  readonly inFlight: number;
  /** The latest listing of this pool's groups, shared by every view of this pool. */
  readonly groupListings: GroupListings;

  /**
   * Requests per second this side's quota limiter paces the category at now (the quota less the
   * headroom, slowed after throttling): callers size their worker pools with it.
   */
  rate(category: QuotaCategory): number;

  /** The pool's configuration (DescribeUserPool), cached for five minutes per adapter. */
  describePool(): Promise<PoolConfig>;
  /** The pool's whole configuration as reported, uncached (for a read-modify-write). */
  describePoolSettings(): Promise<PoolSettings>;
  /** UpdateUserPool: replaces every setting of the pool with the request's (see {@link PoolSettingsUpdate}). */
  updatePoolSettings(request: PoolSettingsUpdate): Promise<void>;
  /** The pool's MFA factors (GetUserPoolMfaConfig). */
  describeMfaConfig(): Promise<PoolMfaConfig>;
  /** The pool's MFA settings whole, as GetUserPoolMfaConfig reports them (the backup's configuration). */
  describeMfaSettings(): Promise<MfaSettings>;
  /** SetUserPoolMfaConfig: the pool's MFA mode and factors. */
  setMfaSettings(request: MfaSettingsUpdate): Promise<void>;

  /** Every app client of the pool, described (ListUserPoolClients, then DescribeUserPoolClient each). */
  listAppClients(): Promise<AppClientSettings[]>;
  /** Every identity provider of the pool, described (ListIdentityProviders, then DescribeIdentityProvider each). */
  listIdentityProviders(): Promise<IdentityProviderSettings[]>;
  /** Every resource server of the pool with its scopes (ListResourceServers). */
  listResourceServers(): Promise<ResourceServerSettings[]>;
  /** A domain of the pool (DescribeUserPoolDomain), or `undefined` when Cognito describes none. */
  describeDomain(domain: string): Promise<DomainSettings | undefined>;
  /** CreateUserPoolClient: the client as made (its new id, and its new secret if it has one). */
  createAppClient(request: AppClientRequest): Promise<AppClientSettings>;
  createIdentityProvider(request: IdentityProviderRequest): Promise<IdentityProviderSettings>;
  createResourceServer(request: ResourceServerRequest): Promise<ResourceServerSettings>;
  /** CreateUserPoolDomain: the CloudFront distribution a custom domain's DNS must point to. */
  createDomain(request: DomainRequest): Promise<{ cloudFrontDomain?: string }>;

  /**
   * One user with its MFA settings (AdminGetUser; bills the user as active), or `undefined` when
   * Cognito answers that no such user exists. The name may be a `sub` (AdminGetUser accepts it).
   */
  getUser(username: string): Promise<UserRecord | undefined>;
  /** The users whose locator attribute equals the value (ListUsers with a filter; not billed). */
  findUsers(locator: UserLocator): Promise<UserRecord[]>;
  /** The user whose `sub` is given (ListUsers filter on `sub`), or `undefined`. */
  findBySub(sub: string): Promise<UserRecord | undefined>;
  /** One page of ListUsers (60 users at most; a short page does not mean the end). */
  listUsersPage(options?: ListUsersOptions): Promise<UserPage>;
  /** Every group of the pool. */
  listGroups(): Promise<GroupInfo[]>;
  /** One page of a group's members (60 at most). */
  listUsersInGroupPage(group: string, nextToken?: string): Promise<UserPage>;
  /** The names of the groups one user belongs to, sorted. */
  listGroupsForUser(username: string): Promise<string[]>;

  /** Creates a user without sending any message; returns the user as Cognito made it. */
  createUser(username: string, attributes: Record<string, string>): Promise<UserRecord>;
  /** Sets a permanent password (the user ends CONFIRMED). */
  setPermanentPassword(username: string, password: string): Promise<void>;
  updateAttributes(username: string, attributes: Record<string, string>): Promise<void>;
  deleteAttributes(username: string, names: string[]): Promise<void>;
  setEnabled(username: string, enabled: boolean): Promise<void>;
  addUserToGroup(username: string, group: string): Promise<void>;
  removeUserFromGroup(username: string, group: string): Promise<void>;
  /** Creates a group; an existing group of that name is left as it is. */
  createGroup(group: GroupInfo): Promise<void>;
  setMfaPreference(username: string, change: MfaChange): Promise<void>;
  /** Deletes a user; a user already gone counts as deleted. */
  deleteUser(username: string): Promise<void>;
  /** Starts a password reset: Cognito sends the user a code. */
  resetPassword(username: string): Promise<void>;
  /**
   * Starts a password reset, running `beforeSend` once, after the limiter has admitted the call
   * and just before the request leaves; resent only when Cognito certainly did nothing with it.
   */
  resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void>;
  /** Links a federated identity to a local user. */
  linkProvider(username: string, link: ProviderLink): Promise<void>;

  /** The column names of the pool's user import CSV (GetCSVHeader). */
  getCsvHeader(): Promise<string[]>;
  createUserImportJob(jobName: string, cloudWatchLogsRoleArn: string): Promise<ImportJob>;
  startUserImportJob(jobId: string): Promise<ImportJob>;
  describeUserImportJob(jobId: string): Promise<ImportJob>;

  /**
   * A view of this pool that runs `interceptor` around each of its calls: same client, limiter,
   * caches and retries, one pipeline. Views of views nest (the newest view's `onCall` first).
   */
  intercept(interceptor: CallInterceptor, options?: InterceptOptions): this;
  /** Closes the connections of this pool's client (and of every pool sharing it). */
  destroy(): void;
}
