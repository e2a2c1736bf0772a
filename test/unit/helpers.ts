import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import type { Clock } from '../../src/cognito/limiter';
import type { PlanContext } from '../../src/core/plan';
import type { PasswordPolicy, PoolConfig, SchemaAttribute, UserRecord } from '../../src/core/types';
import { loadWorkerConfig } from '../../src/config/worker';

export const STRICT_POLICY: PasswordPolicy = {
  minimumLength: 12,
  requireUppercase: true,
  requireLowercase: true,
  requireNumbers: true,
  requireSymbols: true,
};

/** The standard attributes of a pool as DescribeUserPool lists them (a subset). */
export const STANDARD_SCHEMA: SchemaAttribute[] = [
  { name: 'sub', mutable: false, required: true, dataType: 'String', maxLength: 2048 },
  { name: 'email', mutable: true, dataType: 'String', maxLength: 2048 },
  { name: 'email_verified', mutable: true, dataType: 'Boolean' },
  { name: 'phone_number', mutable: true, dataType: 'String', maxLength: 2048 },
  { name: 'phone_number_verified', mutable: true, dataType: 'Boolean' },
  { name: 'name', mutable: true, dataType: 'String', maxLength: 2048 },
  { name: 'given_name', mutable: true, dataType: 'String', maxLength: 2048 },
  { name: 'family_name', mutable: true, dataType: 'String', maxLength: 2048 },
  { name: 'locale', mutable: true, dataType: 'String', maxLength: 2048 },
];

/** The suite's own custom attributes, present in a well-prepared standby. */
export const MANAGED_SCHEMA: SchemaAttribute[] = [
  { name: 'custom:source_sub', mutable: true, dataType: 'String', maxLength: 64 },
  { name: 'custom:source_mfa', mutable: true, dataType: 'String', maxLength: 128 },
];

export function pool(overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    poolId: 'us-east-1_Source1',
    usernameAttributes: [],
    aliasAttributes: [],
    schema: [...STANDARD_SCHEMA, { name: 'custom:tier', mutable: true, dataType: 'String', maxLength: 16 }],
    passwordPolicy: STRICT_POLICY,
    accountRecovery: ['verified_email'],
    lambdaTriggers: {},
    ...overrides,
  };
}

export function standbyPool(overrides: Partial<PoolConfig> = {}): PoolConfig {
  return pool({
    poolId: 'us-west-2_Standby1',
    schema: [
      ...STANDARD_SCHEMA,
      { name: 'custom:tier', mutable: true, dataType: 'String', maxLength: 16 },
      ...MANAGED_SCHEMA,
    ],
    ...overrides,
  });
}

export function planContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    sourcePool: pool(),
    standbyPool: standbyPool(),
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    ...overrides,
  };
}

export function sourceUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    username: 'alice',
    attributes: {
      sub: '11111111-1111-4111-8111-111111111111',
      email: 'alice@example.com',
      email_verified: 'true',
      name: 'Alice',
    },
    enabled: true,
    status: 'CONFIRMED',
    mfa: { enabled: [] },
    groups: [],
    ...overrides,
  };
}

/** A schema attribute list as DescribeUserPool answers it. */
export function describeUserPoolAnswer(config: Partial<PoolConfig> & { poolId: string }): UserPoolType {
  const p = pool(config);
  return {
    Id: p.poolId,
    Name: p.name ?? p.poolId,
    UsernameAttributes: p.usernameAttributes,
    AliasAttributes: p.aliasAttributes as UserPoolType['AliasAttributes'],
    SchemaAttributes: p.schema.map((a) => ({
      Name: a.name,
      Mutable: a.mutable,
      AttributeDataType: (a.dataType ?? 'String') as 'String',
      Required: a.required,
      StringAttributeConstraints: a.maxLength ? { MaxLength: String(a.maxLength) } : undefined,
    })),
    Policies: {
      PasswordPolicy: {
        MinimumLength: p.passwordPolicy.minimumLength,
        RequireUppercase: p.passwordPolicy.requireUppercase,
        RequireLowercase: p.passwordPolicy.requireLowercase,
        RequireNumbers: p.passwordPolicy.requireNumbers,
        RequireSymbols: p.passwordPolicy.requireSymbols,
      },
    },
  };
}

let poolCounter = 0;
/** A pool id never used before in this process (the gateway caches pool configurations by id). */
export function uniquePoolId(region = 'us-east-1'): string {
  poolCounter += 1;
  return `${region}_T${Date.now().toString(36)}${poolCounter}`;
}

/** The characters Cognito accepts as password symbols. */
export const COGNITO_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-';

/** Checks a password against a policy the way Cognito does (character classes and length). */
export function meetsPolicy(password: string, policy: PasswordPolicy): boolean {
  if (password.length < policy.minimumLength || password.length > 256) return false;
  if (policy.requireUppercase && !/[A-Z]/.test(password)) return false;
  if (policy.requireLowercase && !/[a-z]/.test(password)) return false;
  if (policy.requireNumbers && !/[0-9]/.test(password)) return false;
  if (policy.requireSymbols && ![...password].some((c) => COGNITO_SYMBOLS.includes(c))) return false;
  return [...password].every((c) => /[A-Za-z0-9]/.test(c) || COGNITO_SYMBOLS.includes(c));
}

/**
 * Virtual time: `sleep` parks a timer, `run` advances the clock from timer to timer until the
 * given promise settles. Concurrent sleepers see one shared timeline, as with a real clock.
 */
export class VirtualClock implements Clock {
  private t: number;
  private timers: { due: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ due: this.t + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Moves time forward without firing anything scheduled later than the new time. */
  advance(ms: number): void {
    this.t += ms;
  }

  /** Drives the timers until `promise` settles; returns its value. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (settled) return tracked;
      if (this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = Math.max(this.t, next.due);
      next.resolve();
    }
  }
}

/** A clock whose sleeps return at once and move time forward (sequential code only). */
export class InstantClock implements Clock {
  t = 1_700_000_000_000;
  slept: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.t += ms;
  }
}

/** Captures everything written to stdout and stderr (Powertools writes its JSON logs there). */
export function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const grab = (stream: NodeJS.WriteStream) =>
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as never);
  const out = grab(process.stdout);
  const err = grab(process.stderr);
  return {
    text: () => chunks.join(''),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/**
 * A worker's configuration between two fresh pools (us-east-1 -> us-west-2) with the test queues,
 * as the worker handler tests build it; `env` adds or overrides variables.
 */
export function workerTestConfig(env: Record<string, string> = {}) {
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  const config = loadWorkerConfig({
    SOURCE_POOL_ID: sourcePoolId,
    AWS_REGION: 'us-east-1',
    STANDBY_POOL_ID: standbyPoolId,
    STANDBY_REGION: 'us-west-2',
    SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
    DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
    ...env,
  });
  return { config, sourcePoolId, standbyPoolId };
}
