/**
 * A backup at a point in time as a read-only source behind the {@link CognitoPool} port: the
 * reconciler lists it, reads it and plans against the target exactly as it does with a live
 * source pool. Every read is answered from the rebuilt state on disk ({@link RestoredState});
 * every write throws {@link ReadOnlyBackupError}. Calls are counted and views (`intercept`) run
 * their hooks, as the gateway's do; nothing is paced (no quota applies to local files).
 */
import type { UserLocator } from '../../core/identity';
import type { GroupInfo, PoolConfig, PoolMfaConfig, UserRecord } from '../../core/types';
import { GroupListings } from '../../cognito/group-listings';
import type { CognitoPool } from '../../cognito/pool';
import type { MfaSettings } from '../../cognito/types';
import { OPERATION_CATEGORY, type QuotaCategory } from '../../cognito/quotas';
import type {
  CallInfo,
  CallInterceptor,
  InterceptOptions,
  ListUsersOptions,
  PoolSettings,
  UserPage,
} from '../../cognito/types';
import { ReadOnlyBackupError } from './errors';
import { type RestoredState, SHARDS, shardOf } from './state-files';

/** Users a listing page holds at most (ListUsers' own limit). */
const PAGE = 60;
/** What {@link CognitoPool.rate} reports: local files are not paced. */
const UNPACED = 1000;

const FILTER = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

/** A ListUsers filter (`name = "v"`, `name ^= "v"`) as a predicate. */
function parseFilter(filter: string): { name: string; prefix: boolean; value: string } {
  const m = FILTER.exec(filter);
  if (!m) throw new ReadOnlyBackupError(`a backup cannot answer the ListUsers filter ${filter}`);
  return { name: m[1], prefix: m[2] === '^=', value: m[3].replace(/\\(.)/g, '$1') };
}

function attributeOf(user: UserRecord, name: string): string | undefined {
  return name === 'username' ? user.username : user.attributes[name];
}

/** Shared by a pool and its views. */
interface Shared {
  state: RestoredState;
  config: PoolConfig;
  mfaConfig?: PoolMfaConfig;
  settings?: PoolSettings;
  erased: ReadonlySet<string>;
  groupListings: GroupListings;
}

/** What a {@link BackupPool} is made of. */
export interface BackupPoolOptions {
  /** The backed-up pool's Region and id (the id may be tagged with the restore point, see the restore). */
  region: string;
  poolId: string;
  state: RestoredState;
  /** The backed-up pool's configuration (the snapshot's, or the target's when the snapshot has none). */
  config: PoolConfig;
  mfaConfig?: PoolMfaConfig;
  settings?: PoolSettings;
  /** Subs in the erasure ledger: never answered, whatever the state holds. */
  erased?: ReadonlySet<string>;
}

/**
 * @example
 * ```ts
 * const state = await RestoredState.open('.restore/state');
 * const source = new BackupPool({ region: 'eu-west-1', poolId: 'eu-west-1_abc', state: state!, config });
 * const { report } = await reconcile({ source, target, store, apply: false });
 * ```
 */
export class BackupPool implements CognitoPool {
  readonly region: string;
  readonly poolId: string;
  readonly calls: Record<string, number>;
  readonly writeCalls = 0;
  readonly inFlight = 0;
  private readonly shared: Shared;
  private readonly hooks: CallInterceptor[];
  /** This view's counters and those of the pools it was made from (each call counted once in each). */
  private readonly counters: Record<string, number>[];

  constructor(options: BackupPoolOptions);
  constructor(
    options: BackupPoolOptions,
    view: { parent: BackupPool; interceptor: CallInterceptor; ownCalls: boolean },
  );
  constructor(
    options: BackupPoolOptions,
    view?: { parent: BackupPool; interceptor: CallInterceptor; ownCalls: boolean },
  ) {
    this.region = options.region;
    this.poolId = options.poolId;
    if (view) {
      this.shared = view.parent.shared;
      this.hooks = [view.interceptor, ...view.parent.hooks];
      this.calls = view.ownCalls ? {} : view.parent.calls;
      this.counters = view.ownCalls ? [this.calls, ...view.parent.counters] : view.parent.counters;
    } else {
      const { state, config, mfaConfig, settings } = options;
      const erased = options.erased ?? new Set<string>();
      this.shared = { state, config, mfaConfig, settings, erased, groupListings: new GroupListings() };
      this.hooks = [];
      this.calls = {};
      this.counters = [this.calls];
    }
  }

  get groupListings(): GroupListings {
    return this.shared.groupListings;
  }

  rate(_category: QuotaCategory): number {
    return UNPACED;
  }

  describePool(): Promise<PoolConfig> {
    return this.read('DescribeUserPool', async () => this.shared.config);
  }

  describePoolSettings(): Promise<PoolSettings> {
    return this.read('DescribeUserPool', async () => {
      if (!this.shared.settings) throw new ReadOnlyBackupError('this backup holds no DescribeUserPool settings');
      return this.shared.settings;
    });
  }

  describeMfaConfig(): Promise<PoolMfaConfig> {
    return this.read('GetUserPoolMfaConfig', async () => {
      const c = this.shared.config;
      return this.shared.mfaConfig ?? { mfaConfiguration: c.mfaConfiguration, sms: false, totp: false, email: false };
    });
  }

  /** Not held in this form (the snapshot's config chunk keeps it as JSON): a read the backup cannot answer. */
  describeMfaSettings(): Promise<MfaSettings> {
    return this.read('GetUserPoolMfaConfig', async () => {
      throw new ReadOnlyBackupError('this backup answers no GetUserPoolMfaConfig settings');
    });
  }

  getUser(username: string): Promise<UserRecord | undefined> {
    return this.read('AdminGetUser', async () => {
      const { state } = this.shared;
      // AdminGetUser accepts a sub as the name too.
      const named = await state.byUsername(username);
      if (named) return this.visible(named) ? named : undefined;
      return this.firstOf((u) => u.attributes.sub === username);
    });
  }

  findUsers(locator: UserLocator): Promise<UserRecord[]> {
    return this.read('ListUsers', async () => {
      const found: UserRecord[] = [];
      for await (const u of this.shared.state.scan(
        (u) => this.visible(u) && attributeOf(u, locator.attribute) === locator.value,
      ))
        found.push(u);
      return found;
    });
  }

  findBySub(sub: string): Promise<UserRecord | undefined> {
    return this.read('ListUsers', () => this.firstOf((u) => u.attributes.sub === sub, sub));
  }

  /**
   * One page of the users: unfiltered (every shard in turn), by `sub` prefix (one shard, the
   * reconciler's listing), or by any other `=`/`^=` filter (a scan, returned in one page).
   */
  listUsersPage(options: ListUsersOptions = {}): Promise<UserPage> {
    return this.read('ListUsers', async () => {
      const limit = Math.min(options.limit ?? PAGE, PAGE);
      const { state } = this.shared;
      const f = options.filter ? parseFilter(options.filter) : undefined;
      if (f && !(f.name === 'sub' && f.prefix && f.value.length === 1)) {
        const users: UserRecord[] = [];
        const match = (u: UserRecord) => {
          const v = attributeOf(u, f.name);
          return this.visible(u) && v !== undefined && (f.prefix ? v.startsWith(f.value) : v === f.value);
        };
        for await (const u of state.scan(match)) users.push(u);
        return { users };
      }
      const shards = f ? [SHARDS.includes(f.value.toLowerCase()) ? f.value.toLowerCase() : '_'] : SHARDS;
      const [at, offset] = options.nextToken ? options.nextToken.split(':') : [shards[0], '0'];
      for (let i = shards.indexOf(at), from = Number(offset); i >= 0 && i < shards.length; i++, from = 0) {
        const page = await state.usersPage(shards[i], from, limit);
        const users = page.users.filter((u) => this.visible(u));
        if (page.next !== undefined) return { users, nextToken: `${shards[i]}:${page.next}` };
        if (page.users.length || i === shards.length - 1) {
          const rest = shards[i + 1];
          return { users, nextToken: rest ? `${rest}:0` : undefined };
        }
      }
      return { users: [] };
    });
  }

  listGroups(): Promise<GroupInfo[]> {
    return this.read('ListGroups', async () => this.shared.state.groups.map((g) => ({ ...g })));
  }

  /** One page of a group's members (each a username only: what a listing of members is used for). */
  listUsersInGroupPage(group: string, nextToken?: string): Promise<UserPage> {
    return this.read('ListUsersInGroup', async () => {
      const page = await this.shared.state.membersPage(group, Number(nextToken ?? 0), PAGE);
      return {
        users: page.usernames.map((username) => ({ username, attributes: {}, enabled: true, status: 'UNKNOWN' })),
        nextToken: page.next === undefined ? undefined : String(page.next),
      };
    });
  }

  listGroupsForUser(username: string): Promise<string[]> {
    return this.read('AdminListGroupsForUser', async () => {
      const user = await this.shared.state.byUsername(username);
      return user && this.visible(user) ? (user.groups ?? []) : [];
    });
  }

  createUser(): Promise<UserRecord> {
    return this.refuse('AdminCreateUser');
  }
  setPermanentPassword(): Promise<void> {
    return this.refuse('AdminSetUserPassword');
  }
  updateAttributes(): Promise<void> {
    return this.refuse('AdminUpdateUserAttributes');
  }
  deleteAttributes(): Promise<void> {
    return this.refuse('AdminDeleteUserAttributes');
  }
  setEnabled(): Promise<void> {
    return this.refuse('AdminEnableUser');
  }
  addUserToGroup(): Promise<void> {
    return this.refuse('AdminAddUserToGroup');
  }
  removeUserFromGroup(): Promise<void> {
    return this.refuse('AdminRemoveUserFromGroup');
  }
  createGroup(): Promise<void> {
    return this.refuse('CreateGroup');
  }
  setMfaSettings(): Promise<void> {
    return this.refuse('SetUserPoolMfaConfig');
  }
  createAppClient(): Promise<never> {
    return this.refuse('CreateUserPoolClient');
  }
  createIdentityProvider(): Promise<never> {
    return this.refuse('CreateIdentityProvider');
  }
  createResourceServer(): Promise<never> {
    return this.refuse('CreateResourceServer');
  }
  createDomain(): Promise<never> {
    return this.refuse('CreateUserPoolDomain');
  }
  /** The pool's configuration beyond DescribeUserPool is the snapshot's config chunk, not a source the planner reads. */
  listAppClients(): Promise<never> {
    return this.read('ListUserPoolClients', () => this.refuseRead('ListUserPoolClients'));
  }
  listIdentityProviders(): Promise<never> {
    return this.read('ListIdentityProviders', () => this.refuseRead('ListIdentityProviders'));
  }
  listResourceServers(): Promise<never> {
    return this.read('ListResourceServers', () => this.refuseRead('ListResourceServers'));
  }
  describeDomain(): Promise<never> {
    return this.read('DescribeUserPoolDomain', () => this.refuseRead('DescribeUserPoolDomain'));
  }
  setMfaPreference(): Promise<void> {
    return this.refuse('AdminSetUserMFAPreference');
  }
  deleteUser(): Promise<void> {
    return this.refuse('AdminDeleteUser');
  }
  resetPassword(): Promise<void> {
    return this.refuse('AdminResetUserPassword');
  }
  resetPasswordAfter(): Promise<void> {
    return this.refuse('AdminResetUserPassword');
  }
  linkProvider(): Promise<void> {
    return this.refuse('AdminLinkProviderForUser');
  }
  updatePoolSettings(): Promise<void> {
    return this.refuse('UpdateUserPool');
  }
  getCsvHeader(): Promise<string[]> {
    return this.refuse('GetCSVHeader');
  }
  createUserImportJob(): Promise<never> {
    return this.refuse('CreateUserImportJob');
  }
  startUserImportJob(): Promise<never> {
    return this.refuse('StartUserImportJob');
  }
  describeUserImportJob(): Promise<never> {
    return this.refuse('DescribeUserImportJob');
  }

  intercept(interceptor: CallInterceptor, options: InterceptOptions = {}): this {
    return new BackupPool(
      { region: this.region, poolId: this.poolId, ...this.shared },
      { parent: this, interceptor, ownCalls: !!options.ownCalls },
    ) as this;
  }

  destroy(): void {}

  private async firstOf(match: (u: UserRecord) => boolean, sub?: string): Promise<UserRecord | undefined> {
    const shards = sub ? [shardOf(sub)] : undefined;
    for await (const u of this.shared.state.scan((u) => this.visible(u) && match(u), shards)) return u;
    return undefined;
  }

  private visible(user: UserRecord): boolean {
    return !this.shared.erased.has(user.attributes.sub);
  }

  /** Runs a read through the hooks of this view and its parents, counted once. */
  private async read<T>(operation: string, answer: () => Promise<T>): Promise<T> {
    const info: CallInfo = {
      operation,
      category: OPERATION_CATEGORY[operation] ?? 'UserPoolRead',
      poolId: this.poolId,
    };
    for (const h of this.hooks) h.onCall?.(info);
    for (const c of this.counters) c[operation] = (c[operation] ?? 0) + 1;
    for (const h of this.hooks) h.beforeSend?.(info);
    try {
      return await answer();
    } finally {
      for (const h of this.hooks) h.afterSend?.(info);
    }
  }

  private async refuseRead(operation: string): Promise<never> {
    throw new ReadOnlyBackupError(`this backup answers no ${operation} (the snapshot's config chunk holds it)`);
  }

  private async refuse(operation: string): Promise<never> {
    throw new ReadOnlyBackupError(`${operation} refused: a backup is a read-only source (pool ${this.poolId})`);
  }
}
