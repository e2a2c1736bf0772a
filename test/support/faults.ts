/**
 * Helpers of the fault-injection suite (test/faults): a small "Region runtime" wiring the real
 * trigger, queue and worker to the emulators, sign-up helpers, bounded waits, and the one check
 * every case ends with: {@link assertStandbyMatchesSource}.
 *
 * Nothing here paces or times anything: waits are bounded loops with generous timeouts.
 * @packageDocumentation
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  ChangeMessageVisibilityCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { PostConfirmationTriggerEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../../src/cognito/quotas';
import type { WorkerConfig } from '../../src/config';
import { cognitoGateway } from '../../src/config/wiring';
import { DEFAULT_QUOTA_HEADROOM } from '../../src/core/constants';
import type { BackoffPolicy, RetryPolicy } from '../../src/core/backoff';
import { planReplication, type ReplicationPlan } from '../../src/core/plan';
import type { UserRecord } from '../../src/core/types';
import { type CheckpointStore, FileCheckpointStore } from '../../src/reconcile/checkpoint';
import { reconcile, type ReconcileOptions, type ReconcileResult } from '../../src/reconcile/run';
import { logger, metrics } from '../../src/observability';
import { planContextOf, readSourceUser, type ReplicationContext } from '../../src/replication/replicate-user';
import type { CognitoCallEvent } from '../../scripts/local/cognito-shim';
import type { CognitoEmulator } from '../../scripts/local/cognito';
import { LocalDeployment } from '../../scripts/local/deployment';
import type { SqsPoller } from '../../scripts/local/poller';
import { createDrillPools, type DrillPool } from '../../scripts/local/pools';
import { createQueuePair, type QueuePair, queueDepth } from '../../scripts/local/sqs';
import { type EmulatorSet, useEmulators } from './emulators';
import { makeRandom } from '../../scripts/local/internal/http';

// ----------------------------------------------------------------------------- environment

/**
 * Dummy credentials for the code under test that builds its own AWS clients (the trigger's SQS
 * client, the worker's gateways), as it would from a Lambda role. Jest gives each test file its
 * own `process.env`, so this never leaks between files.
 */
export function useLocalCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

/**
 * Silences the code's structured logs and metrics (thousands of lines otherwise). Returns the
 * logger spies, so a case can check what was logged (never printed: events carry contact data).
 */
export function quietObservability(): { error: jest.SpyInstance; warn: jest.SpyInstance } {
  logger.setLogLevel('SILENT');
  jest.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return { error: jest.spyOn(logger, 'error'), warn: jest.spyOn(logger, 'warn') };
}

// ----------------------------------------------------------------------------- steady set-up clients

const steadySets = new WeakMap<EmulatorSet, EmulatorSet>();

/**
 * The emulator set with set-up clients that retry. The helpers' clients make one attempt per call,
 * and the emulators close idle keep-alive connections after 5 s: a call that reuses one at that
 * moment fails with ECONNRESET before it reaches the emulator (seen under load on 2 cores). The
 * code under test has its own clients and retries; only the tests' own set-up and checks use these.
 */
export function withSteadyClients(accessor: () => EmulatorSet): () => EmulatorSet {
  return () => {
    const set = accessor();
    let steady = steadySets.get(set);
    if (!steady) {
      const made: { primary?: unknown; standby?: unknown; sqs?: unknown } = {};
      steady = new Proxy(set, {
        get(target, prop, receiver) {
          if (prop === 'primaryClient') return (made.primary ??= target.primary.client({ maxAttempts: 4 }));
          if (prop === 'standbyClient') return (made.standby ??= target.standby.client({ maxAttempts: 4 }));
          if (prop === 'sqsClient') return (made.sqs ??= target.sqs.client({ maxAttempts: 4 }));
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
      steadySets.set(set, steady);
    }
    return steady;
  };
}

// ----------------------------------------------------------------------------- waits and randomness

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `f` until it returns something other than `undefined`/`false`; throws after `timeoutMs`. */
export async function until<T>(
  f: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A small seeded PRNG (mulberry32): the same seed gives the same faults and orders. */
export function seededRandom(seed: number): () => number {
  return makeRandom(seed);
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ----------------------------------------------------------------------------- pools and users

let poolSerial = 0;

/** A fresh primary/standby pool pair for one case (the emulators are shared by a test file). */
export async function freshPools(emu: EmulatorSet, label: string): Promise<{ primary: DrillPool; standby: DrillPool }> {
  return createDrillPools(emu.primaryClient, emu.standbyClient, { prefix: `${label}-${++poolSerial}` });
}

export const PASSWORD = 'Fault-Passw0rd!';

/** What to give a signed-up user besides e-mail and tier. */
export interface UserShape {
  email: string;
  tier?: string;
  groups?: string[];
  phone?: string;
  smsMfa?: boolean;
  disabled?: boolean;
}

/** A varied population: some in groups, some with a phone and SMS MFA, one in ten disabled. */
export function population(prefix: string, n: number): UserShape[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `${prefix}.${String(i).padStart(3, '0')}@example.com`,
    tier: ['gold', 'silver', 'bronze'][i % 3],
    groups: i % 4 === 0 ? ['admins'] : i % 4 === 1 ? ['staff', 'admins'] : [],
    phone: i % 5 === 2 ? `+1555${String(1000000 + i).slice(-7)}` : undefined,
    smsMfa: i % 5 === 2,
    disabled: i % 10 === 7,
  }));
}

async function ensureGroups(client: CognitoIdentityProviderClient, poolId: string, users: UserShape[]): Promise<void> {
  const names = [...new Set(users.flatMap((u) => u.groups ?? []))];
  for (const name of names) {
    try {
      await client.send(
        new CreateGroupCommand({
          UserPoolId: poolId,
          GroupName: name,
          Description: `${name} group`,
          Precedence: name.length,
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'GroupExistsException') throw err;
    }
  }
}

/**
 * Signs users up through the app client and confirms them (AdminConfirmSignUp: the emulator runs
 * the PostConfirmation trigger, as Cognito does). Groups, MFA and the disabled state are set
 * before the confirmation, so whenever the worker reads the user it reads its final state.
 * Returns the source `sub` of each user, in order.
 */
export async function signUpUsers(
  client: CognitoIdentityProviderClient,
  pool: DrillPool,
  users: UserShape[],
): Promise<string[]> {
  await ensureGroups(client, pool.poolId, users);
  const subs: string[] = [];
  for (const u of users) {
    const attributes = [
      { Name: 'email', Value: u.email },
      { Name: 'custom:tier', Value: u.tier ?? 'none' },
    ];
    if (u.phone) attributes.push({ Name: 'phone_number', Value: u.phone });
    const r = await client.send(
      new SignUpCommand({ ClientId: pool.clientId, Username: u.email, Password: PASSWORD, UserAttributes: attributes }),
    );
    for (const g of u.groups ?? [])
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: u.email, GroupName: g }));
    if (u.smsMfa) {
      await client.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: pool.poolId,
          Username: u.email,
          SMSMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      );
    }
    await client.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.poolId, Username: u.email }));
    if (u.disabled) await client.send(new AdminDisableUserCommand({ UserPoolId: pool.poolId, Username: u.email }));
    subs.push(r.UserSub!);
  }
  return subs;
}

/**
 * Creates users the way an administrator does (AdminCreateUser, then a permanent password): no
 * trigger runs, so only the reconciler can bring them to the standby. Returns their subs.
 */
export async function adminCreateUsers(
  client: CognitoIdentityProviderClient,
  pool: DrillPool,
  users: UserShape[],
): Promise<string[]> {
  await ensureGroups(client, pool.poolId, users);
  const subs: string[] = [];
  for (const u of users) {
    const attributes = [
      { Name: 'email', Value: u.email },
      { Name: 'email_verified', Value: 'true' },
      { Name: 'custom:tier', Value: u.tier ?? 'none' },
    ];
    if (u.phone)
      attributes.push({ Name: 'phone_number', Value: u.phone }, { Name: 'phone_number_verified', Value: 'true' });
    const r = await client.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.poolId,
        Username: u.email,
        MessageAction: 'SUPPRESS',
        UserAttributes: attributes,
      }),
    );
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.poolId,
        Username: u.email,
        Password: PASSWORD,
        Permanent: true,
      }),
    );
    for (const g of u.groups ?? [])
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: u.email, GroupName: g }));
    if (u.smsMfa) {
      await client.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: pool.poolId,
          Username: u.email,
          SMSMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      );
    }
    if (u.disabled) await client.send(new AdminDisableUserCommand({ UserPoolId: pool.poolId, Username: u.email }));
    subs.push(r.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!);
  }
  return subs;
}

// ----------------------------------------------------------------------------- the Region runtime

const triggers = new Map<string, (event: PostConfirmationTriggerEvent) => Promise<PostConfirmationTriggerEvent>>();

/**
 * The Lambda function the primary emulator's PostConfirmation trigger calls (`sync-trigger`):
 * routes each event to the trigger of the runtime whose source pool it names. Put it in the
 * `registry` of `useEmulators`. An event of a pool without a runtime is returned untouched.
 */
export async function triggerDispatcher(event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  const handler = triggers.get(event?.userPoolId);
  return handler ? handler(event) : event;
}

export const TRIGGER_FUNCTION = 'sync-trigger';

/** Settings of {@link startRuntime}. */
export interface RuntimeOptions {
  /** Queue name prefix (unique per case). */
  name: string;
  /** MAX_ATTEMPTS. Default 50 (outages outlast nothing in a test). */
  maxAttempts?: number;
  /** Retry delays. Default 1 s doubling to 2 s (production: 30 s to 1 h). */
  backoff?: Pick<BackoffPolicy, 'baseSeconds' | 'capSeconds'>;
  /** Extra environment for the trigger and worker configuration. */
  env?: Record<string, string>;
  /** Records of a batch processed at once. Default 4 (the worker's default). */
  concurrency?: number;
  /** The worker's gateways' in-call retry policy. Default the production one (about 10 s per call). */
  retry?: Partial<RetryPolicy>;
}

/**
 * One deployment, as Lambda would run it in the primary Region: the local deployment the drill
 * and the benches run (scripts/local/deployment.ts: trigger and worker configured from their
 * environment and built by the functions' wiring, an SQS poller in place of the event source
 * mapping) on a sync queue and DLQ of the case's own, with no replica index.
 */
export interface SyncRuntime {
  readonly queue: QueuePair;
  readonly env: Record<string, string>;
  readonly workerConfig: WorkerConfig;
  readonly replication: ReplicationContext;
  readonly worker: (event: SQSEvent) => Promise<SQSBatchResponse>;
  readonly trigger: (event: PostConfirmationTriggerEvent) => Promise<PostConfirmationTriggerEvent>;
  /** The running poller, if started. */
  readonly poller?: SqsPoller;
  startWorker(opts?: { batchSize?: number }): SqsPoller;
  stopWorker(): Promise<void>;
  /** Waits until the queue is empty and nothing is in flight (bounded). */
  drain(timeoutMs?: number): Promise<void>;
  /** Sends raw bodies to the sync queue (in batches of 10, in the order given). */
  send(bodies: string[]): Promise<void>;
  /** Every message in the DLQ, with attributes (received, then made visible again: the DLQ is left as it was). */
  dlqMessages(): Promise<Message[]>;
  dlqDepth(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a {@link SyncRuntime} for the given pools (primary -> standby). */
export async function startRuntime(
  emu: EmulatorSet,
  pools: { primary: DrillPool; standby: DrillPool },
  opts: RuntimeOptions,
): Promise<SyncRuntime> {
  const maxAttempts = opts.maxAttempts ?? 50;
  const queue = await createQueuePair(emu.sqsClient, `${opts.name}-${++poolSerial}`, {
    maxReceiveCount: maxAttempts + 10,
    visibilityTimeout: 20,
  });
  const deployment = new LocalDeployment({
    local: { cognito: emu.primary, poolId: pools.primary.poolId, sqs: emu.sqs, queues: queue },
    peer: { cognito: emu.standby, poolId: pools.standby.poolId },
    env: { MAX_ATTEMPTS: String(maxAttempts), TRIGGER_SEND_BUDGET_MS: '1000', ...opts.env },
    retry: opts.retry,
    worker: { concurrency: opts.concurrency, backoff: opts.backoff ?? { baseSeconds: 1, capSeconds: 2 } },
    platformSqs: emu.sqsClient,
  });
  const { env, workerConfig, replication, trigger } = deployment;
  triggers.set(pools.primary.poolId, trigger);
  const worker = (event: SQSEvent) => deployment.worker(event);
  const runtime: SyncRuntime = {
    queue,
    env,
    workerConfig,
    replication,
    worker,
    trigger,
    get poller() {
      return deployment.poller;
    },
    startWorker(o = {}) {
      return deployment.startWorker(o);
    },
    async stopWorker() {
      await deployment.stopWorker();
    },
    async drain(timeoutMs = 90_000) {
      if (!deployment.workerRunning) throw new Error('the worker is not running');
      await deployment.drained(timeoutMs, 300);
    },
    async send(bodies) {
      for (let i = 0; i < bodies.length; i += 10) {
        const chunk = bodies.slice(i, i + 10);
        const r = await emu.sqsClient.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.queueUrl,
            Entries: chunk.map((b, j) => ({ Id: String(j), MessageBody: b })),
          }),
        );
        if (r.Failed?.length) throw new Error(`could not send ${r.Failed.length} message(s)`);
      }
    },
    async dlqMessages() {
      const out: Message[] = [];
      for (let round = 0; round < 100; round++) {
        const r = await emu.sqsClient.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.dlqUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 30,
            MessageAttributeNames: ['All'],
            AttributeNames: ['All'],
          }),
        );
        if (!r.Messages?.length) break;
        out.push(...r.Messages);
      }
      // Visible again at once: reading the DLQ leaves it as it was.
      for (const m of out)
        await emu.sqsClient.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queue.dlqUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      return out;
    },
    async dlqDepth() {
      const d = await queueDepth(emu.sqsClient, queue.dlqUrl);
      return d.visible + d.inFlight + d.delayed;
    },
    async stop() {
      await deployment.stop();
      if (triggers.get(pools.primary.poolId) === trigger) triggers.delete(pools.primary.poolId);
    },
  };
  return runtime;
}

// ----------------------------------------------------------------------------- gateways for checks and runs

/** Quotas high enough that checks are never paced (the emulators have no quotas). */
export const UNPACED: Partial<Record<QuotaCategory, number>> = Object.fromEntries(
  Object.keys(DEFAULT_QUOTAS).map((k) => [k, 10_000]),
);

/** A gateway on one emulated pool; `paced` keeps the production quotas. */
export function gatewayFor(emulator: CognitoEmulator, poolId: string, opts: { paced?: boolean } = {}): CognitoGateway {
  return cognitoGateway(
    { region: emulator.region, poolId },
    {
      client: emulator.client({ requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 } }), // the gateway retries resets itself
      ...(opts.paced ? {} : { quotas: UNPACED }),
    },
  );
}

/** Settings of {@link runReconcile}. */
export interface ReconcileRunOptions {
  /** Checkpoint store (default: a file checkpoint in `dir`). */
  store?: CheckpointStore;
  dir?: string;
  apply?: boolean;
  signal?: AbortSignal;
  /** Extra options of the run. */
  extra?: Partial<ReconcileOptions>;
  /** Quotas per category (the CLI's --quota), both sides. */
  quotas?: Partial<Record<QuotaCategory, number>>;
  /** Sees each side's gateway before the run (to count or interrupt its calls). */
  wrap?: (gateway: CognitoGateway, side: 'source' | 'target') => void;
}

/**
 * Runs the reconciler in process, built as its CLI builds it (`cognitoGateway` per side, production
 * quotas and headroom), primary -> standby.
 */
export async function runReconcile(
  emu: EmulatorSet,
  pools: { primary: DrillPool; standby: DrillPool },
  opts: ReconcileRunOptions,
): Promise<ReconcileResult> {
  const limits = { headroom: DEFAULT_QUOTA_HEADROOM, quotas: opts.quotas };
  const source = cognitoGateway(
    { region: emu.primary.region, poolId: pools.primary.poolId, endpoint: emu.primary.endpoint },
    limits,
  );
  const target = cognitoGateway(
    { region: emu.standby.region, poolId: pools.standby.poolId, endpoint: emu.standby.endpoint },
    limits,
  );
  opts.wrap?.(source, 'source');
  opts.wrap?.(target, 'target');
  const store =
    opts.store ??
    new FileCheckpointStore(join(opts.dir ?? mkdtempSync(join(tmpdir(), 'faults-reconcile-')), 'checkpoint.json'));
  return reconcile({ source, target, store, apply: opts.apply ?? true, signal: opts.signal, ...opts.extra });
}

// ----------------------------------------------------------------------------- the final check

/** What {@link checkStandby} found. Subs only: no contact data. */
export interface StandbyCheck {
  sourceUsers: number;
  /** Source users the planner would replicate (not federated, unconfirmed, ...). */
  replicable: number;
  /** Replicable source users with exactly one correct replica. */
  correct: number;
  /** Replicable source users with no replica carrying their sub. */
  lost: string[];
  /** Source subs with more than one replica. */
  duplicated: { sub: string; replicas: number }[];
  /** One replica, but the planner would still change it. */
  wrong: { sub: string; plan: Partial<ReplicationPlan> }[];
  /** Standby users whose source sub is not a replicable source user, or who carry none. */
  orphans: string[];
  standbyUsers: number;
}

async function listAll(gateway: CognitoGateway): Promise<UserRecord[]> {
  const users: UserRecord[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const r = await gateway.listUsersPage({ nextToken: token });
    users.push(...r.users);
    token = r.nextToken;
    if (!token) return users;
  }
  throw new Error('listing did not end');
}

function planSummary(plan: ReplicationPlan): Partial<ReplicationPlan> {
  const { sourceUsername: _u, createAttributes: _c, ...rest } = plan;
  const keys = Object.keys(plan.updateAttributes);
  return { ...rest, updateAttributes: Object.fromEntries(keys.map((k) => [k, '…'])) };
}

/**
 * Compares the standby with the source the way the replication itself judges a replica: a
 * replica is correct when `planReplication(source, replica)` says `in-sync` (attributes,
 * verified flags, source sub, groups, enabled state, MFA, password state). Duplicates are found
 * by counting standby users per source sub.
 */
export async function checkStandby(opts: {
  source: CognitoGateway;
  standby: CognitoGateway;
  sourceSubAttribute?: string;
  mfaMarkerAttribute?: string;
}): Promise<StandbyCheck> {
  const sourceSubAttribute = opts.sourceSubAttribute ?? 'custom:source_sub';
  const ctx = await planContextOf({
    source: opts.source,
    standby: opts.standby,
    sourceSubAttribute,
    mfaMarkerAttribute: opts.mfaMarkerAttribute ?? 'custom:source_mfa',
  });
  const [sourceListed, standbyListed] = await Promise.all([listAll(opts.source), listAll(opts.standby)]);
  const bySub = new Map<string, UserRecord[]>();
  for (const u of standbyListed) {
    const sub = u.attributes[sourceSubAttribute] ?? '';
    bySub.set(sub, [...(bySub.get(sub) ?? []), u]);
  }
  const check: StandbyCheck = {
    sourceUsers: sourceListed.length,
    replicable: 0,
    correct: 0,
    lost: [],
    duplicated: [],
    wrong: [],
    orphans: [],
    standbyUsers: standbyListed.length,
  };
  const replicableSubs = new Set<string>();
  for (const listed of sourceListed) {
    const source = await readSourceUser(opts.source, { username: listed.username });
    if (!source) continue; // deleted meanwhile
    const sub = source.attributes.sub;
    if (planReplication(source, undefined, ctx).kind === 'skip') continue;
    check.replicable++;
    replicableSubs.add(sub);
    const replicas = bySub.get(sub) ?? [];
    if (replicas.length === 0) {
      check.lost.push(sub);
      continue;
    }
    if (replicas.length > 1) {
      check.duplicated.push({ sub, replicas: replicas.length });
      continue;
    }
    const replica = await opts.standby.getUser(replicas[0].username);
    if (!replica) {
      check.lost.push(sub);
      continue;
    }
    replica.groups = await opts.standby.listGroupsForUser(replica.username);
    const plan = planReplication(source, replica, ctx);
    if (plan.kind === 'in-sync') check.correct++;
    else check.wrong.push({ sub, plan: planSummary(plan) });
  }
  for (const u of standbyListed) {
    const sub = u.attributes[sourceSubAttribute];
    if (!sub || !replicableSubs.has(sub)) check.orphans.push(sub ?? `(no source sub: ${u.username})`);
  }
  return check;
}

/**
 * The check every fault case ends with: every replicable source user has exactly one correct
 * replica in the standby (nothing lost, nothing duplicated, nothing left half-written), and the
 * standby holds nothing else unless `allowOrphans`. Throws with the findings otherwise. Returns
 * the check (for the figures in docs/RELIABILITY.md).
 */
export async function assertStandbyMatchesSource(opts: {
  source: CognitoGateway;
  standby: CognitoGateway;
  sourceSubAttribute?: string;
  mfaMarkerAttribute?: string;
  /** At least this many replicable source users (guards against a check of an empty pool). */
  expectUsers?: number;
  allowOrphans?: boolean;
}): Promise<StandbyCheck> {
  const check = await checkStandby(opts);
  const problems: string[] = [];
  if (check.lost.length) problems.push(`${check.lost.length} lost: ${check.lost.slice(0, 5).join(', ')}`);
  if (check.duplicated.length)
    problems.push(`${check.duplicated.length} duplicated: ${JSON.stringify(check.duplicated.slice(0, 5))}`);
  if (check.wrong.length)
    problems.push(`${check.wrong.length} not in sync: ${JSON.stringify(check.wrong.slice(0, 3))}`);
  if (!opts.allowOrphans && check.orphans.length)
    problems.push(
      `${check.orphans.length} standby users without a source user: ${check.orphans.slice(0, 5).join(', ')}`,
    );
  if (opts.expectUsers !== undefined && check.replicable < opts.expectUsers)
    problems.push(`only ${check.replicable} replicable source users, expected at least ${opts.expectUsers}`);
  if (problems.length)
    throw new Error(
      `the standby does not match the source (${check.correct}/${check.replicable} correct): ${problems.join('; ')}`,
    );
  recordFigure({ replicable: check.replicable, lost: check.lost.length });
  return check;
}

/** Writes counted on the standby, by a stable key (operation, user, content; passwords left out). */
export function writeKey(e: CognitoCallEvent): string {
  const r = e.request as Record<string, unknown>;
  const { UserPoolId: _p, Password: _pw, TemporaryPassword: _t, ...rest } = r;
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort()
              .map(([k, x]) => [k, canon(x)]),
          )
        : v;
  return `${e.operation} ${JSON.stringify(canon(rest))}`;
}

/** The keys seen more than once. */
export function repeated(keys: string[]): string[] {
  const seen = new Map<string, number>();
  for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${n}x ${k}`);
}

// ----------------------------------------------------------------------------- figures

const figures = { checks: 0, replicable: 0, lost: 0 };

function recordFigure(f: { replicable: number; lost: number }): void {
  figures.checks++;
  figures.replicable += f.replicable;
  figures.lost += f.lost;
}

/** Standby checks passed in this test file so far. */
export function checkFigures(): Readonly<typeof figures> {
  return figures;
}

/**
 * The emulators a fault case runs on: both Regions with the trigger wired into the primary,
 * clients that retry a dropped keep-alive connection, quiet logs, and faults cleared after each test.
 */
export function useFaultEmulators(): () => EmulatorSet {
  useLocalCredentials();
  const emu = withSteadyClients(
    useEmulators({
      triggers: { primary: { PostConfirmation: TRIGGER_FUNCTION } },
      registry: { [TRIGGER_FUNCTION]: triggerDispatcher },
      pools: false,
    }),
  );
  beforeAll(() => {
    quietObservability();
  });
  afterEach(() => {
    const e = emu();
    e.standby.shim.faults = {};
    e.primary.shim.faults = {};
  });
  return emu;
}

/**
 * Puts replicas straight into an emulated standby pool, as replication leaves them: CONFIRMED,
 * verified e-mail `<name>@example.com`, source sub `src-<name>`, MFA marker NONE. No call counted.
 */
export async function putReplicas(standby: CognitoEmulator, poolId: string, names: string[]): Promise<void> {
  for (const name of names) {
    await standby.shim.putUser(poolId, {
      Username: name,
      UserStatus: 'CONFIRMED',
      Attributes: [
        { Name: 'email', Value: `${name}@example.com` },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'custom:source_sub', Value: `src-${name}` },
        { Name: 'custom:source_mfa', Value: 'NONE' },
      ],
    });
  }
}
