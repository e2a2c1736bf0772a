/**
 * A quota-faithful in-process fake of the Cognito user pool API, for the reconciler's bench and
 * unit tests: one instance per Region (the quotas are per account and Region), per-category token
 * buckets that answer TooManyRequestsException beyond the rate, a configurable latency, real
 * pagination (60 a page, tokens that can be made to expire) and the parts of Cognito's behaviour
 * the reconciler depends on (FORCE_CHANGE_PASSWORD after AdminCreateUser, CONFIRMED after a
 * permanent password, e-mail as username, group membership, import jobs). Time comes from the
 * given clock, so the bench can scale it down and the tests can make it virtual.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../src/cognito/limiter';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory } from '../src/cognito/quotas';
import { ImportUploadError, UPLOAD_URL_LIFETIME_MS } from '../src/reconcile/import-job';

export interface FakeSchemaAttribute {
  Name: string;
  Mutable?: boolean;
  AttributeDataType?: string;
  Required?: boolean;
  StringAttributeConstraints?: { MaxLength?: string };
}

export interface FakeUser {
  Username: string;
  Attributes: Record<string, string>;
  Enabled: boolean;
  UserStatus: string;
  Mfa: string[];
  PreferredMfa?: string;
  Created: Date;
}

export interface FakeGroup {
  GroupName: string;
  Description?: string;
  Precedence?: number;
  RoleArn?: string;
  members: Set<string>;
}

export interface FakePoolOptions {
  id: string;
  usernameAttributes?: ('email' | 'phone_number')[];
  customAttributes?: string[];
  lambdaConfig?: Record<string, string>;
  /** The pool's MFA setting (DescribeUserPool `MfaConfiguration`). Default OFF. */
  mfaConfiguration?: 'OFF' | 'ON' | 'OPTIONAL';
  /** DescribeUserPool `AutoVerifiedAttributes`. Default `['email']`. */
  autoVerifiedAttributes?: string[];
}

/** One user import job of the fake. */
export interface FakeImportJob {
  status: string;
  csv?: string;
  roleArn: string;
  name: string;
  createdAt: number;
  imported: number;
  failed: number;
  skipped: number;
  message?: string;
  /** Per-row outcome, like the job's CloudWatch log (`FAILED line 3: ...`). */
  log: string[];
}

const STANDARD = [
  'sub',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'name',
  'given_name',
  'family_name',
  'locale',
  'preferred_username',
  'birthdate',
];
const DAY_MS = 24 * 3600_000;

export class FakePool {
  readonly users = new Map<string, FakeUser>();
  /** sub -> username (a sub never changes). */
  readonly bySub = new Map<string, string>();
  readonly groups = new Map<string, FakeGroup>();
  readonly schema: FakeSchemaAttribute[];
  readonly importJobs = new Map<string, FakeImportJob>();

  constructor(readonly options: FakePoolOptions) {
    this.schema = [
      ...STANDARD.map((Name) => ({
        Name,
        Mutable: Name !== 'sub',
        Required: Name === 'sub',
        AttributeDataType: Name.endsWith('_verified') ? 'Boolean' : 'String',
        StringAttributeConstraints: { MaxLength: '2048' },
      })),
      ...(options.customAttributes ?? []).map((n) => ({
        Name: n.startsWith('custom:') ? n : `custom:${n}`,
        Mutable: true,
        AttributeDataType: 'String',
        StringAttributeConstraints: { MaxLength: '256' },
      })),
    ];
  }

  get usernameAttributes(): ('email' | 'phone_number')[] {
    return this.options.usernameAttributes ?? [];
  }

  /** Adds a user directly (seeding; no quota). */
  put(user: Partial<FakeUser> & { Username?: string; Attributes?: Record<string, string> }): FakeUser {
    const attributes = { ...(user.Attributes ?? {}) };
    attributes.sub ??= randomUUID();
    const username = this.usernameAttributes.length ? attributes.sub : (user.Username ?? attributes.sub);
    const u: FakeUser = {
      Username: username,
      Attributes: attributes,
      Enabled: user.Enabled ?? true,
      UserStatus: user.UserStatus ?? 'CONFIRMED',
      Mfa: user.Mfa ?? [],
      PreferredMfa: user.PreferredMfa,
      Created: new Date(0),
    };
    this.users.set(username, u);
    this.bySub.set(attributes.sub, username);
    return u;
  }

  group(name: string, info: Partial<Omit<FakeGroup, 'members'>> = {}): FakeGroup {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { GroupName: name, ...info, members: new Set() }));
    return g;
  }

  /** Resolves a Username parameter: the username, or (pools with e-mail/phone as username) that attribute. */
  resolve(name: string): FakeUser | undefined {
    const direct = this.users.get(name);
    if (direct) return direct;
    for (const attr of this.usernameAttributes) {
      for (const u of this.users.values()) if (u.Attributes[attr] === name) return u;
    }
    return undefined;
  }
}

/** A call the fake answered (or refused). */
export interface FakeCall {
  t: number;
  op: string;
  category: QuotaCategory;
  result: 'ok' | 'throttled' | 'error';
  username?: string;
  /** The group, for group calls; the changed attribute names, for attribute calls. */
  detail?: string;
}

export interface FakeCognitoOptions {
  clock: Clock;
  /** Requests per second per category (default: the AWS defaults). */
  quotas?: Partial<Record<QuotaCategory, number>>;
  /** Burst allowed per category, in seconds of its rate. Default 1. */
  burstSeconds?: number;
  /** Latency of every call, ms (clock time). Default 0. */
  latencyMs?: number;
  /** Record every call in `log` (tests). Default true. */
  record?: boolean;
  /** Pagination tokens older than this (clock ms) are refused. Default: never. */
  tokenTtlMs?: number;
}

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

/**
 * One Region of Cognito. Use `client` as the gateway's `client` (`new CognitoGateway({ client })`).
 */
export class FakeCognito {
  readonly pools = new Map<string, FakePool>();
  readonly log: FakeCall[] = [];
  /** Answered calls by operation. */
  readonly counts: Record<string, number> = {};
  throttled = 0;
  private readonly buckets = new Map<QuotaCategory, { tokens: number; at: number }>();
  private readonly listings = new Map<string, { names: string[]; at: number }>();
  private listingSeq = 0;
  /** Tokens to refuse once (tests of the invalid-token restart). */
  readonly refuseTokens = new Set<string>();
  /** Makes the next calls of an operation fail (tests): returns the error to throw, or undefined. */
  failNext?: (op: string, input: Record<string, unknown>) => Error | undefined;

  readonly client = {
    send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => this.send(command),
  } as never;

  constructor(readonly options: FakeCognitoOptions) {}

  /** Switches to another clock (the buckets start full again). */
  useClock(clock: Clock): void {
    this.options.clock = clock;
    this.buckets.clear();
  }

  addPool(options: FakePoolOptions): FakePool {
    const pool = new FakePool(options);
    this.pools.set(options.id, pool);
    return pool;
  }

  rate(category: QuotaCategory): number {
    return this.options.quotas?.[category] ?? DEFAULT_QUOTAS[category];
  }

  private take(category: QuotaCategory): boolean {
    const now = this.options.clock.now();
    const rate = this.rate(category);
    const capacity = Math.max(1, rate * (this.options.burstSeconds ?? 1));
    const b = this.buckets.get(category) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(category, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    const category = OPERATION_CATEGORY[op] ?? 'UserPoolRead';
    const t = this.options.clock.now();
    const record = this.options.record ?? true;
    if (!this.take(category)) {
      this.throttled++;
      if (record) this.log.push({ t, op, category, result: 'throttled' });
      throw awsError('TooManyRequestsException', 'Too many requests', 429);
    }
    if (this.options.latencyMs) await this.options.clock.sleep(this.options.latencyMs);
    try {
      const injected = this.failNext?.(op, input);
      if (injected) throw injected;
      const result = this.dispatch(op, input);
      this.counts[op] = (this.counts[op] ?? 0) + 1;
      if (record)
        this.log.push({
          t,
          op,
          category,
          result: 'ok',
          username: input.Username as string | undefined,
          detail: detailOf(input),
        });
      return result;
    } catch (err) {
      if (record) this.log.push({ t, op, category, result: 'error', username: input.Username as string | undefined });
      throw err;
    }
  }

  /** Write calls answered successfully. */
  get writes(): number {
    const WRITES = [
      'AdminCreateUser',
      'AdminSetUserPassword',
      'AdminUpdateUserAttributes',
      'AdminDeleteUserAttributes',
      'AdminEnableUser',
      'AdminDisableUser',
      'AdminAddUserToGroup',
      'AdminRemoveUserFromGroup',
      'AdminSetUserMFAPreference',
      'AdminDeleteUser',
      'AdminLinkProviderForUser',
      'CreateGroup',
    ];
    return WRITES.reduce((n, op) => n + (this.counts[op] ?? 0), 0);
  }

  private pool(input: Record<string, unknown>): FakePool {
    const pool = this.pools.get(input.UserPoolId as string);
    if (!pool) throw awsError('ResourceNotFoundException', `User pool ${String(input.UserPoolId)} does not exist.`);
    return pool;
  }

  private user(pool: FakePool, input: Record<string, unknown>): FakeUser {
    const u = pool.resolve(input.Username as string);
    if (!u) throw awsError('UserNotFoundException', 'User does not exist.');
    return u;
  }

  private dispatch(op: string, input: Record<string, unknown>): unknown {
    const pool = this.pool(input);
    switch (op) {
      case 'DescribeUserPool':
        return {
          UserPool: {
            Id: pool.options.id,
            Name: pool.options.id,
            UsernameAttributes: pool.usernameAttributes,
            AliasAttributes: [],
            SchemaAttributes: pool.schema,
            Policies: {
              PasswordPolicy: {
                MinimumLength: 8,
                RequireUppercase: true,
                RequireLowercase: true,
                RequireNumbers: true,
                RequireSymbols: true,
              },
            },
            AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
            LambdaConfig: pool.options.lambdaConfig ?? {},
            MfaConfiguration: pool.options.mfaConfiguration ?? 'OFF',
            AutoVerifiedAttributes: pool.options.autoVerifiedAttributes ?? ['email'],
            EstimatedNumberOfUsers: pool.users.size,
          },
        };
      case 'ListUsers':
        return this.listUsers(pool, input);
      case 'ListGroups': {
        const all = [...pool.groups.values()].sort((a, b) => a.GroupName.localeCompare(b.GroupName));
        const start = Number(input.NextToken ?? 0);
        const page = all.slice(start, start + Number(input.Limit ?? 60));
        const next = start + page.length < all.length ? String(start + page.length) : undefined;
        return { Groups: page.map(({ members: _m, ...g }) => g), NextToken: next };
      }
      case 'ListUsersInGroup': {
        const g = pool.groups.get(input.GroupName as string);
        if (!g) throw awsError('ResourceNotFoundException', 'Group not found.');
        const members = [...g.members].sort();
        const start = Number(input.NextToken ?? 0);
        const page = members
          .slice(start, start + Math.min(60, Number(input.Limit ?? 60)))
          .map((n) => pool.users.get(n))
          .filter((u): u is FakeUser => !!u);
        const next = start + 60 < members.length ? String(start + 60) : undefined;
        return { Users: page.map(toUserType), NextToken: next };
      }
      case 'AdminGetUser': {
        const u = this.user(pool, input);
        return {
          ...toUserType(u),
          UserAttributes: toUserType(u).Attributes,
          UserMFASettingList: u.Mfa,
          PreferredMfaSetting: u.PreferredMfa,
        };
      }
      case 'AdminListGroupsForUser': {
        const u = this.user(pool, input);
        return {
          Groups: [...pool.groups.values()].filter((g) => g.members.has(u.Username)).map(({ members: _m, ...g }) => g),
        };
      }
      case 'AdminCreateUser': {
        const attrs: Record<string, string> = {};
        for (const a of (input.UserAttributes as { Name: string; Value: string }[]) ?? []) attrs[a.Name] = a.Value;
        const name = input.Username as string;
        this.checkSchema(pool, attrs);
        if (pool.usernameAttributes.length) {
          const attr =
            pool.usernameAttributes.find((a) => (a === 'email' ? name.includes('@') : name.startsWith('+'))) ??
            pool.usernameAttributes[0];
          attrs[attr] ??= name;
          if ([...pool.users.values()].some((u) => u.Attributes[attr] === attrs[attr]))
            throw awsError('UsernameExistsException', 'An account with the given email already exists.');
        } else if (pool.users.has(name)) throw awsError('UsernameExistsException', 'User account already exists');
        const u = pool.put({
          Username: name,
          Attributes: { ...attrs, sub: randomUUID() },
          UserStatus: 'FORCE_CHANGE_PASSWORD',
        });
        return { User: toUserType(u) };
      }
      case 'AdminSetUserPassword': {
        const u = this.user(pool, input);
        if (input.Permanent) u.UserStatus = 'CONFIRMED';
        return {};
      }
      case 'AdminUpdateUserAttributes': {
        const u = this.user(pool, input);
        const attrs: Record<string, string> = {};
        for (const a of input.UserAttributes as { Name: string; Value: string }[]) attrs[a.Name] = a.Value;
        this.checkSchema(pool, attrs);
        for (const [k, v] of Object.entries(attrs)) {
          u.Attributes[k] = v;
          if (k === 'email' && !('email_verified' in attrs)) u.Attributes.email_verified = 'false';
        }
        return {};
      }
      case 'AdminDeleteUserAttributes': {
        const u = this.user(pool, input);
        for (const n of input.UserAttributeNames as string[]) delete u.Attributes[n];
        return {};
      }
      case 'AdminEnableUser':
        this.user(pool, input).Enabled = true;
        return {};
      case 'AdminDisableUser':
        this.user(pool, input).Enabled = false;
        return {};
      case 'AdminAddUserToGroup': {
        const u = this.user(pool, input);
        const g = pool.groups.get(input.GroupName as string);
        if (!g) throw awsError('ResourceNotFoundException', 'Group not found.');
        g.members.add(u.Username);
        return {};
      }
      case 'AdminRemoveUserFromGroup': {
        const u = this.user(pool, input);
        pool.groups.get(input.GroupName as string)?.members.delete(u.Username);
        return {};
      }
      case 'CreateGroup': {
        if (pool.groups.has(input.GroupName as string))
          throw awsError('GroupExistsException', 'A group with the name already exists.');
        pool.group(input.GroupName as string, {
          Description: input.Description as string,
          Precedence: input.Precedence as number,
          RoleArn: input.RoleArn as string,
        });
        return {};
      }
      case 'AdminSetUserMFAPreference': {
        const u = this.user(pool, input);
        // SDK model (AdminSetUserMFAPreferenceCommand.d.ts): refused for a user who must reset its password.
        if (u.UserStatus === 'RESET_REQUIRED')
          throw awsError('PasswordResetRequiredException', 'Password reset required for the user');
        const apply = (factor: string, s?: { Enabled?: boolean; PreferredMfa?: boolean }) => {
          if (!s) return;
          u.Mfa = u.Mfa.filter((f) => f !== factor);
          if (s.Enabled) u.Mfa.push(factor);
          if (s.PreferredMfa) u.PreferredMfa = factor;
          else if (u.PreferredMfa === factor) u.PreferredMfa = undefined;
        };
        apply('SMS_MFA', input.SMSMfaSettings as never);
        apply('EMAIL_OTP', input.EmailMfaSettings as never);
        return {};
      }
      case 'AdminDeleteUser': {
        const u = this.user(pool, input);
        pool.users.delete(u.Username);
        for (const g of pool.groups.values()) g.members.delete(u.Username);
        return {};
      }
      case 'AdminLinkProviderForUser':
        return {};
      case 'GetCSVHeader':
        return {
          UserPoolId: pool.options.id,
          CSVHeader: [
            'cognito:username',
            ...pool.schema.filter((a) => a.Name !== 'sub').map((a) => a.Name),
            'cognito:mfa_enabled',
          ],
        };
      case 'CreateUserImportJob': {
        const jobId = `import-${randomUUID().slice(0, 8)}`;
        const job: FakeImportJob = {
          status: 'Created',
          roleArn: input.CloudWatchLogsRoleArn as string,
          name: input.JobName as string,
          createdAt: this.options.clock.now(),
          imported: 0,
          failed: 0,
          skipped: 0,
          log: [],
        };
        pool.importJobs.set(jobId, job);
        return { UserImportJob: this.importJobType(pool, jobId, job) };
      }
      case 'StartUserImportJob': {
        const job = this.importJob(pool, input.JobId as string);
        if (job.status !== 'Created') throw awsError('PreconditionNotMetException', `Import job is ${job.status}.`);
        if (!job.csv) throw awsError('PreconditionNotMetException', 'The CSV file was not uploaded.');
        job.status = 'InProgress';
        return { UserImportJob: this.importJobType(pool, input.JobId as string, job) };
      }
      case 'DescribeUserImportJob': {
        const job = this.importJob(pool, input.JobId as string);
        if (job.status === 'InProgress') this.runImport(pool, job);
        return { UserImportJob: this.importJobType(pool, input.JobId as string, job) };
      }
      default:
        throw awsError('InvalidParameterException', `fake: ${op} is not implemented`);
    }
  }

  /**
   * Receives an uploaded CSV (what the pre-signed URL PUT does). The URL lives 15 minutes (AWS
   * documentation, cognito-user-pools-creating-import-job.md); after that S3 answers 403
   * AccessDenied "Request has expired", thrown here as the reconciler's upload would.
   */
  upload(url: string, body: Buffer): void {
    const [, poolId, jobId] = /^fake:\/\/([^/]+)\/(.+)$/.exec(url) ?? [];
    const job = this.pools.get(poolId)?.importJobs.get(jobId);
    if (!job) throw new Error(`fake: no import job at ${url}`);
    if (this.options.clock.now() - job.createdAt >= UPLOAD_URL_LIFETIME_MS) {
      throw new ImportUploadError(
        403,
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      );
    }
    if (job.status !== 'Created')
      throw new ImportUploadError(403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    job.csv = body.toString('utf8');
  }

  private importJob(pool: FakePool, jobId: string): FakeImportJob {
    const job = pool.importJobs.get(jobId);
    if (!job) throw awsError('ResourceNotFoundException', 'Import job not found.');
    // A job not started within 24-48 hours expires (AWS documentation, status values).
    if (job.status === 'Created' && this.options.clock.now() - job.createdAt >= DAY_MS) job.status = 'Expired';
    return job;
  }

  /** A job as `UserImportJobType` answers it. */
  private importJobType(pool: FakePool, jobId: string, job: FakeImportJob) {
    return {
      JobId: jobId,
      JobName: job.name,
      UserPoolId: pool.options.id,
      Status: job.status,
      PreSignedUrl: `fake://${pool.options.id}/${jobId}`,
      CloudWatchLogsRoleArn: job.roleArn,
      CreationDate: new Date(job.createdAt),
      ImportedUsers: job.imported,
      FailedUsers: job.failed,
      SkippedUsers: job.skipped,
      CompletionMessage: job.message,
    };
  }

  /**
   * Runs a started job by the documented CSV rules (AWS documentation,
   * cognito-user-pools-using-import-tool-csv-header.md): a row fails when `cognito:mfa_enabled`
   * does not fit the pool's MFA setting, when none of the attributes the pool auto-verifies is
   * verified, when a verified e-mail or phone is empty, when `birthdate` is not `mm/dd/yyyy`, or
   * when the username is empty or holds white space; a row whose user exists is skipped. The job
   * still ends `Succeeded`. A pool that auto-verifies nothing does not run the job.
   */
  private runImport(pool: FakePool, job: FakeImportJob): void {
    const autoVerified = (pool.options.autoVerifiedAttributes ?? ['email']).filter(
      (a) => a === 'email' || a === 'phone_number',
    );
    if (autoVerified.length === 0) {
      Object.assign(job, { status: 'Failed', message: 'The user pool has no auto-verified attributes.' });
      return;
    }
    const mfaConfiguration = pool.options.mfaConfiguration ?? 'OFF';
    const lines = job.csv!.split('\n').filter(Boolean);
    const header = splitCsv(lines[0]);
    lines.slice(1).forEach((line, i) => {
      const cells = splitCsv(line);
      const row = new Map(header.map((h, k) => [h, (cells[k] ?? '').trim()]));
      const fail = (why: string) => {
        job.failed++;
        job.log.push(`FAILED line ${i + 2}: ${why}`);
      };
      if (cells.length !== header.length) return fail('the row does not have as many fields as the header');
      const username = row.get('cognito:username') ?? '';
      if (!username || /\s/.test(username)) return fail('cognito:username is empty or holds white space');
      const mfa = (row.get('cognito:mfa_enabled') ?? '').toLowerCase();
      if (mfa !== 'true' && mfa !== 'false') return fail('cognito:mfa_enabled must be true or false');
      if (mfaConfiguration === 'ON' && mfa !== 'true')
        return fail('cognito:mfa_enabled must be true: MFA is required in the pool');
      if (mfaConfiguration === 'OFF' && mfa !== 'false')
        return fail('cognito:mfa_enabled must be false: MFA is off in the pool');
      const verified = (a: string) => (row.get(`${a}_verified`) ?? '').toLowerCase() === 'true';
      if (!autoVerified.some(verified)) return fail('none of the auto-verified attributes is verified');
      for (const a of ['email', 'phone_number'])
        if (verified(a) && !row.get(a)) return fail(`${a} is required when ${a}_verified is true`);
      const birthdate = row.get('birthdate');
      if (birthdate && !/^\d{2}\/\d{2}\/\d{4}$/.test(birthdate)) return fail('birthdate must be mm/dd/yyyy');
      const attrs: Record<string, string> = {};
      for (const [h, v] of row)
        if (!h.startsWith('cognito:') && v !== '') attrs[h] = h.endsWith('_verified') ? v.toLowerCase() : v;
      if (pool.resolve(username)) {
        job.skipped++;
        job.log.push(`SKIPPED line ${i + 2}: the user already exists`);
        return;
      }
      if (pool.usernameAttributes.length) {
        const attr = pool.usernameAttributes[0];
        attrs[attr] ??= username;
      }
      pool.put({ Username: username, Attributes: attrs, UserStatus: 'RESET_REQUIRED' });
      job.imported++;
    });
    Object.assign(job, { status: 'Succeeded', message: 'Import Job Completed Successfully.' });
  }

  private checkSchema(pool: FakePool, attrs: Record<string, string>): void {
    for (const name of Object.keys(attrs)) {
      if (!pool.schema.some((a) => a.Name === name))
        throw awsError('InvalidParameterException', `Attribute does not exist in the schema: ${name}`);
    }
  }

  private listUsers(pool: FakePool, input: Record<string, unknown>): unknown {
    const limit = Math.min(60, Number(input.Limit ?? 60));
    const token = input.PaginationToken as string | undefined;
    let listing: { names: string[]; at: number };
    let offset = 0;
    if (token) {
      const [id, off] = token.split(':');
      const found = this.listings.get(id);
      const ttl = this.options.tokenTtlMs;
      if (
        !found ||
        this.refuseTokens.delete(token) ||
        (ttl !== undefined && this.options.clock.now() - found.at > ttl)
      ) {
        throw awsError('InvalidParameterException', 'Invalid pagination token');
      }
      listing = found;
      offset = Number(off);
    } else {
      const exactSub = /^\s*sub\s*=\s*"([^"\\]*)"\s*$/.exec((input.Filter as string | undefined) ?? '');
      if (exactSub) {
        const name = pool.bySub.get(exactSub[1]);
        const u = name ? pool.users.get(name) : undefined;
        return { Users: u && u.Attributes.sub === exactSub[1] ? [toUserType(u)] : [] };
      }
      const filter = parseFilter(input.Filter as string | undefined);
      const names = [...pool.users.values()]
        .filter((u) => filter(u))
        .sort((a, b) => (a.Attributes.sub < b.Attributes.sub ? -1 : 1))
        .map((u) => u.Username);
      listing = { names, at: this.options.clock.now() };
      this.listings.set(String(++this.listingSeq), listing);
      const id = String(this.listingSeq);
      return this.page(pool, listing, id, 0, limit);
    }
    return this.page(pool, listing, token.split(':')[0], offset, limit);
  }

  private page(pool: FakePool, listing: { names: string[] }, id: string, offset: number, limit: number): unknown {
    const names = listing.names.slice(offset, offset + limit);
    const users = names.map((n) => pool.users.get(n)).filter((u): u is FakeUser => !!u);
    const next = offset + limit < listing.names.length ? `${id}:${offset + limit}` : undefined;
    if (!next) this.listings.delete(id);
    return { Users: users.map(toUserType), PaginationToken: next };
  }
}

function detailOf(input: Record<string, unknown>): string | undefined {
  if (typeof input.GroupName === 'string') return input.GroupName;
  if (Array.isArray(input.UserAttributes))
    return (input.UserAttributes as { Name: string }[])
      .map((a) => a.Name)
      .sort()
      .join(',');
  if (Array.isArray(input.UserAttributeNames)) return (input.UserAttributeNames as string[]).join(',');
  return undefined;
}

function toUserType(u: FakeUser) {
  return {
    Username: u.Username,
    Attributes: Object.entries(u.Attributes).map(([Name, Value]) => ({ Name, Value })),
    Enabled: u.Enabled,
    UserStatus: u.UserStatus,
    UserCreateDate: u.Created,
  };
}

/** `attr = "v"` / `attr ^= "v"` (what the reconciler and the gateway send). */
function parseFilter(filter: string | undefined): (u: FakeUser) => boolean {
  if (!filter) return () => true;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw awsError('InvalidParameterException', `Invalid filter ${filter}`);
  const [, attr, op, raw] = m;
  const value = raw.replace(/\\(.)/g, '$1');
  const get = (u: FakeUser) => (attr === 'username' ? u.Username : u.Attributes[attr]);
  return op === '=' ? (u) => get(u) === value : (u) => (get(u) ?? '').startsWith(value);
}

/** Splits a row of Cognito's import CSV (commas escaped with a backslash). */
export function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (line[i] === ',') {
      cells.push(cur);
      cur = '';
    } else cur += line[i];
  }
  cells.push(cur);
  return cells;
}
