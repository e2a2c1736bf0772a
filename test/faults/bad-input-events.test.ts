/**
 * Bad input, part 1: what the Lambda functions receive. Malformed post confirmation events,
 * malformed queue messages, and missing or invalid environment configuration, each run through
 * the real handlers (the exported Lambda handlers where the environment is the input). Each must
 * give a clear message naming the problem and its documented outcome, and lose nothing:
 * - trigger: always returns the event (the sign-up goes on), queues nothing for a bad event;
 * - worker: a malformed message goes to the DLQ with a reason naming the problem, nothing is
 *   written; a bad configuration throws a ConfigError naming the variable and the message stays
 *   on the queue until a well-configured worker replicates it;
 * - scheduled reconcile: a bad configuration throws a ConfigError naming the variable.
 */
import type { PostConfirmationTriggerEvent, SQSEvent } from 'aws-lambda';
import { makeLambdaContext } from '../../scripts/local/lambda-endpoint';
import { toSqsRecord } from '../../scripts/local/poller';
import { queueDepth } from '../../scripts/local/sqs';
import { buildSyncMessage } from '../../src/core/message';
import { useEmulators } from '../support/emulators';
import {
  assertStandbyMatchesSource,
  freshPools,
  gatewayFor,
  population,
  quietObservability,
  signUpUsers,
  startRuntime,
  type SyncRuntime,
  TRIGGER_FUNCTION,
  triggerDispatcher,
  until,
  useLocalCredentials,
  withSteadyClients,
} from '../support/faults';

jest.setTimeout(180_000);
useLocalCredentials();

const emu = withSteadyClients(
  useEmulators({
    triggers: { primary: { PostConfirmation: TRIGGER_FUNCTION } },
    registry: { [TRIGGER_FUNCTION]: triggerDispatcher },
    pools: false,
  }),
);
let logs: ReturnType<typeof quietObservability>;
let runtime: SyncRuntime;
let pools: Awaited<ReturnType<typeof freshPools>>;

beforeAll(async () => {
  logs = quietObservability();
  pools = await freshPools(emu(), 'bad-input');
  runtime = await startRuntime(emu(), pools, { name: 'bad-input' });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

async function queued(): Promise<number> {
  const d = await queueDepth(emu().sqsClient, runtime.queue.queueUrl);
  return d.visible + d.inFlight + d.delayed;
}

/** Silences stdout/stderr around code that builds its own logger (isolated modules). */
async function silently<T>(f: () => Promise<T>): Promise<T> {
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await f();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

// ----------------------------------------------------------------------------- trigger events

describe('malformed post confirmation events: the trigger returns the event, queues nothing, names the problem', () => {
  const good = (): PostConfirmationTriggerEvent =>
    ({
      version: '1',
      region: 'us-east-1',
      userPoolId: pools.primary.poolId,
      userName: 'someone',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      callerContext: { awsSdkVersion: 'x', clientId: 'CLIENT_ID_NOT_APPLICABLE' },
      request: { userAttributes: { sub: '00000000-0000-4000-8000-000000000000', email: 'someone@example.com' } },
      response: {},
    }) as PostConfirmationTriggerEvent;
  const rows: [string, () => unknown, RegExp | null][] = [
    ['null', () => null, /^: /],
    ['undefined', () => undefined, /^: /],
    ['a string', () => 'PostConfirmation_ConfirmSignUp', /^: /],
    ['an empty object', () => ({}), /userName/],
    ['no userName', () => ({ ...good(), userName: undefined }), /^userName: /],
    ['empty userName', () => ({ ...good(), userName: '' }), /^userName: /],
    ['no userPoolId', () => ({ ...good(), userPoolId: undefined }), /^userPoolId: /],
    ['no region', () => ({ ...good(), region: '' }), /^region: /],
    ['no request', () => ({ ...good(), request: undefined }), /^request: /],
    [
      'userAttributes not strings',
      () => ({ ...good(), request: { userAttributes: { sub: 42 } } }),
      /^request\.userAttributes\.sub: /,
    ],
    ['another trigger source (ignored)', () => ({ ...good(), triggerSource: 'PreSignUp_SignUp' }), null],
    [
      'forgot-password confirmation, not replicated by default (ignored)',
      () => ({ ...good(), triggerSource: 'PostConfirmation_ConfirmForgotPassword' }),
      null,
    ],
    ['another pool (ignored)', () => ({ ...good(), userPoolId: 'us-east-1_SomeOther1' }), null],
  ];

  test.each(rows)('%s', async (_label, make, problem) => {
    const event = make();
    logs.error.mockClear();
    const before = await queued();
    const returned = await runtime.trigger(event as PostConfirmationTriggerEvent);
    expect(returned).toBe(event);
    expect(await queued()).toBe(before);
    if (problem) {
      const call = logs.error.mock.calls.find(([m]) => String(m).includes('malformed post confirmation event'));
      expect(call).toBeDefined();
      const problems = (call![1] as { problems: string[] }).problems;
      expect(problems.some((p) => problem.test(p))).toBe(true);
    }
  });

  test('a good event after all that is queued once', async () => {
    const before = await queued();
    const event = good();
    expect(await runtime.trigger(event)).toBe(event);
    expect(await queued()).toBe(before + 1);
    // Leave the queue as found.
    await runtime.startWorker();
    await runtime.drain();
    await runtime.stopWorker();
  });
});

// ----------------------------------------------------------------------------- queue messages

describe('malformed queue messages: straight to the DLQ with a reason naming the problem; nothing written', () => {
  const AT = new Date().toISOString();
  const base = () => ({
    v: 1,
    sourceRegion: 'us-east-1',
    sourcePoolId: pools.primary.poolId,
    sub: 'a-sub',
    reason: 'PostConfirmation_ConfirmSignUp',
    at: AT,
  });
  /** What the change-capture rule delivers for an admin call on the primary (src/change-capture/rule.ts). */
  const capturedEvent = (
    requestParameters: Record<string, unknown> = {},
    sub: string | undefined = '00000000-0000-4000-8000-00000000beef',
  ) => ({
    version: '0',
    id: 'c67ec280-799a-40d6-b398-2a2b31aefbbd',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.cognito-idp',
    account: '000000000000',
    time: AT.replace(/\.\d+Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: 'cognito-idp.amazonaws.com',
      eventName: 'AdminUpdateUserAttributes',
      eventTime: AT.replace(/\.\d+Z$/, 'Z'),
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::000000000000:user/admin' },
      requestParameters: {
        userPoolId: pools.primary.poolId,
        username: 'HIDDEN_DUE_TO_SECURITY_REASONS',
        ...requestParameters,
      },
      ...(sub ? { additionalEventData: { sub } } : {}),
    },
  });
  const rows: [string, () => string, RegExp][] = [
    ['not JSON', () => '{"v":1,', /not JSON/],
    ['JSON null', () => 'null', /not a v1 sync message/],
    ['a JSON array', () => '[1,2]', /not a v1 sync message/],
    ['a JSON string', () => '"hello"', /not a v1 sync message/],
    ['version 2', () => JSON.stringify({ ...base(), v: 2 }), /\bv: /],
    ['version as a string', () => JSON.stringify({ ...base(), v: '1' }), /\bv: /],
    ['no sourceRegion', () => JSON.stringify({ ...base(), sourceRegion: undefined }), /sourceRegion: /],
    ['a malformed pool id', () => JSON.stringify({ ...base(), sourcePoolId: 'pool' }), /sourcePoolId: /],
    [
      'another pool',
      () => JSON.stringify({ ...base(), sourcePoolId: 'us-east-1_SomeOther1' }),
      /for pool us-east-1_SomeOther1/,
    ],
    ['neither username nor sub', () => JSON.stringify({ ...base(), sub: undefined }), /needs a username or a sub/],
    ['an empty sub and no username', () => JSON.stringify({ ...base(), sub: '' }), /needs a username or a sub/],
    ['a numeric username', () => JSON.stringify({ ...base(), username: 5 }), /username: /],
    ['a username of 300 characters', () => JSON.stringify({ ...base(), username: 'u'.repeat(300) }), /username: /],
    ['no reason', () => JSON.stringify({ ...base(), reason: undefined }), /reason: /],
    ['a date that is not ISO 8601', () => JSON.stringify({ ...base(), at: '27/11/2026' }), /\bat: /],
    ['100 kB of junk', () => JSON.stringify({ junk: 'x'.repeat(100_000) }), /not a v1 sync message/],
    // Change capture delivers the EventBridge event itself (issue 10.7).
    [
      'an EventBridge event of another service',
      () => JSON.stringify({ ...capturedEvent(), source: 'aws.s3' }),
      /not a Cognito "AWS API Call via CloudTrail" event \(source: /,
    ],
    [
      'a Cognito event without an event name',
      () => JSON.stringify({ ...capturedEvent(), detail: { ...capturedEvent().detail, eventName: undefined } }),
      /detail\.eventName: /,
    ],
  ];
  let dlq: { body: string; reason: string }[] = [];
  let writesBefore = 0;

  beforeAll(async () => {
    const e = emu();
    writesBefore = e.standby.shim.writeCalls();
    const bodies = rows.map(([, make]) => make());
    await runtime.send(bodies);
    runtime.startWorker();
    await runtime.drain();
    await runtime.stopWorker();
    dlq = (await runtime.dlqMessages()).map((m) => ({
      body: m.Body ?? '',
      reason: m.MessageAttributes?.reason?.StringValue ?? '',
    }));
  }, 120_000);

  test.each(rows)('%s', (_label, make, problem) => {
    const body = make();
    const entries = dlq.filter((d) => d.body === body || (body.length > 1000 && d.body.length === body.length));
    expect(entries).toHaveLength(1);
    expect(entries[0].reason).toMatch(/^malformed: MalformedMessageError: /);
    expect(entries[0].reason).toMatch(problem);
  });

  test('nothing was written to the standby, and the DLQ holds exactly these', () => {
    expect(emu().standby.shim.writeCalls()).toBe(writesBefore);
    expect(dlq).toHaveLength(rows.length);
  });

  test('a well-formed message naming nobody is acknowledged, not dead-lettered, and writes nothing', async () => {
    const e = emu();
    const before = e.standby.shim.writeCalls();
    const body = JSON.stringify(
      buildSyncMessage({
        sourceRegion: 'us-east-1',
        sourcePoolId: pools.primary.poolId,
        sub: '00000000-0000-4000-8000-00000000dead',
        reason: 'AdminUpdateUserAttributes',
      }),
    );
    const record = toSqsRecord(
      { MessageId: 'm-nobody', ReceiptHandle: 'r', Body: body, Attributes: { ApproximateReceiveCount: '1' } },
      runtime.queue.queueArn,
      'us-east-1',
    );
    const dlqBefore = await runtime.dlqDepth();
    expect(await runtime.worker({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await runtime.dlqDepth()).toBe(dlqBefore);
    expect(e.standby.shim.writeCalls()).toBe(before);
  });

  test.each([
    ['a username with a quote and a backslash', { username: 'o"brien\\admin' }, '00000000-0000-4000-8000-00000000beef'],
    ['an empty username and pool', { username: '', userPoolId: '' }, '00000000-0000-4000-8000-00000000beef'],
    ['no username and no sub (an AdminCreateUser event of issue 10.9)', { username: undefined }, undefined],
  ])(
    'issue 10.7: a captured event with %s naming nobody is acknowledged, not dead-lettered, and writes nothing',
    async (_label, params, sub) => {
      const e = emu();
      const before = e.standby.shim.writeCalls();
      const body = JSON.stringify(capturedEvent(params, sub));
      const record = toSqsRecord(
        { MessageId: 'm-captured', ReceiptHandle: 'r', Body: body, Attributes: { ApproximateReceiveCount: '1' } },
        runtime.queue.queueArn,
        'us-east-1',
      );
      const dlqBefore = await runtime.dlqDepth();
      expect(await runtime.worker({ Records: [record] })).toEqual({ batchItemFailures: [] });
      expect(await runtime.dlqDepth()).toBe(dlqBefore);
      expect(e.standby.shim.writeCalls()).toBe(before);
    },
  );

  test.each([
    ['no Records', {}],
    ['Records not a list', { Records: 'x' }],
    ['null', null],
  ])('an SQS event with %s: no failure reported, nothing written', async (_label, event) => {
    expect(await runtime.worker(event as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
  });
});

// ----------------------------------------------------------------------------- environment

const GOOD_WORKER_ENV = () => ({ ...runtime.env });

describe('invalid trigger configuration: the exported trigger returns the event, logs the variable, queues nothing', () => {
  const rows: [string, Record<string, string | undefined>, RegExp][] = [
    [
      'nothing set',
      { SOURCE_POOL_ID: undefined, SYNC_QUEUE_URL: undefined, SOURCE_REGION: undefined, AWS_REGION: undefined },
      /SOURCE_POOL_ID: is not set.*SYNC_QUEUE_URL: is not set/,
    ],
    ['a malformed pool id', { SOURCE_POOL_ID: 'my-pool' }, /SOURCE_POOL_ID: expected a user pool id/],
    ['a queue URL that is not a URL', { SYNC_QUEUE_URL: 'sync-queue' }, /SYNC_QUEUE_URL: expected a URL/],
    ['a send budget that is not a number', { TRIGGER_SEND_BUDGET_MS: 'fast' }, /TRIGGER_SEND_BUDGET_MS: /],
    ["a send budget above Cognito's 5 s", { TRIGGER_SEND_BUDGET_MS: '9000' }, /TRIGGER_SEND_BUDGET_MS: /],
    ['a yes/no that is neither', { REPLICATE_FORGOT_PASSWORD: 'maybe' }, /REPLICATE_FORGOT_PASSWORD: /],
    ['no Region at all', { SOURCE_REGION: undefined, AWS_REGION: undefined }, /SOURCE_REGION: is not set/],
  ];

  test.each(rows)('%s', async (_label, change, problem) => {
    const event = {
      version: '1',
      region: 'us-east-1',
      userPoolId: pools.primary.poolId,
      userName: 'u',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      callerContext: { awsSdkVersion: 'x', clientId: 'c' },
      request: { userAttributes: { sub: 's' } },
      response: {},
    };
    const env = { ...GOOD_WORKER_ENV(), AWS_REGION: undefined, ...change };
    const before = await queued();
    const { returned, logged } = await withEnv(env, () =>
      silently(async () => {
        let handler!: (e: unknown, c: unknown) => Promise<unknown>;
        let log!: jest.SpyInstance;
        jest.isolateModules(() => {
          log = jest.spyOn(require('../../src/observability').logger, 'error');
          handler = require('../../src/handlers/trigger').handler;
        });
        const r = await handler(event, makeLambdaContext('sync-trigger'));
        return { returned: r, logged: log.mock.calls.map((c) => JSON.stringify(c)).join('\n') };
      }),
    );
    expect(returned).toEqual(event);
    expect(logged).toMatch(/trigger configuration is invalid/);
    expect(logged).toMatch(problem);
    expect(await queued()).toBe(before);
  });
});

describe('invalid worker configuration: the exported worker throws a ConfigError naming the variable; the message waits', () => {
  const rows: [string, Record<string, string | undefined>, RegExp][] = [
    ['no standby pool', { STANDBY_POOL_ID: undefined }, /STANDBY_POOL_ID: is not set/],
    ['a malformed standby Region', { STANDBY_REGION: 'west' }, /STANDBY_REGION: expected an AWS Region/],
    ['a DLQ that is not a URL', { DLQ_URL: 'dlq' }, /DLQ_URL: expected a URL/],
    ['MAX_ATTEMPTS 0', { MAX_ATTEMPTS: '0' }, /MAX_ATTEMPTS: /],
    ['QUOTA_HEADROOM 1', { QUOTA_HEADROOM: '1' }, /QUOTA_HEADROOM: /],
    [
      'GROUP_ROLE_MAP not JSON',
      { GROUP_ROLE_MAP: '{role-a: role-b}' },
      /GROUP_ROLE_MAP: expected a JSON object of strings/,
    ],
    [
      'a source-sub attribute that is not custom',
      { SOURCE_SUB_ATTRIBUTE: 'source_sub' },
      /SOURCE_SUB_ATTRIBUTE: expected a custom attribute/,
    ],
    ['WORKER_MAX_CONCURRENCY 0', { WORKER_MAX_CONCURRENCY: '0' }, /WORKER_MAX_CONCURRENCY: /],
    [
      'a standby role that is not a role ARN',
      { STANDBY_ROLE_ARN: 'admin' },
      /STANDBY_ROLE_ARN: expected an IAM role ARN/,
    ],
    ['an echo role that is not a role ARN', { ECHO_ROLE_ARNS: 'arn:aws:iam::123:user/x' }, /ECHO_ROLE_ARNS: /],
    [
      'everything missing',
      {
        SOURCE_POOL_ID: undefined,
        STANDBY_POOL_ID: undefined,
        STANDBY_REGION: undefined,
        SYNC_QUEUE_URL: undefined,
        DLQ_URL: undefined,
      },
      /SOURCE_POOL_ID: is not set.*STANDBY_POOL_ID: is not set.*DLQ_URL: is not set/,
    ],
  ];
  const event = (): SQSEvent => ({
    Records: [
      toSqsRecord(
        {
          MessageId: 'm1',
          ReceiptHandle: 'r1',
          Body: JSON.stringify(
            buildSyncMessage({ sourceRegion: 'us-east-1', sourcePoolId: pools.primary.poolId, sub: 's', reason: 'r' }),
          ),
        },
        runtime.queue.queueArn,
        'us-east-1',
      ),
    ],
  });

  test.each(rows)('%s', async (_label, change, problem) => {
    const env = { ...GOOD_WORKER_ENV(), ...change };
    const error = await withEnv(env, () =>
      silently(async () => {
        let handler!: (e: unknown, c: unknown) => Promise<unknown>;
        jest.isolateModules(() => {
          handler = require('../../src/handlers/worker').handler;
        });
        return handler(event(), makeLambdaContext('sync-worker')).then(
          () => undefined,
          (err: Error) => err,
        );
      }),
    );
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(/^worker configuration is invalid: /);
    expect(error?.message).toMatch(problem);
  });

  test('a sign-up seen by a misconfigured worker stays on the queue and is replicated once the configuration is fixed', async () => {
    const e = emu();
    const broken = { ...GOOD_WORKER_ENV(), STANDBY_REGION: 'west' };
    const dlqBefore = await runtime.dlqDepth();
    const [u] = population('misconfigured', 1);
    await signUpUsers(e.primaryClient, pools.primary, [u]);
    const { startSqsPoller } = await import('../../scripts/local/poller');
    let failures = 0;
    await withEnv(broken, () =>
      silently(async () => {
        let handler!: (e: SQSEvent, c: unknown) => Promise<unknown>;
        jest.isolateModules(() => {
          handler = require('../../src/handlers/worker').handler;
        });
        const poller = startSqsPoller({
          client: e.sqsClient,
          queueUrl: runtime.queue.queueUrl,
          handler: handler as never,
          visibilityTimeout: 1,
          onError: () => failures++,
        });
        await until(() => poller.stats.handlerErrors >= 2, 'two failed invocations', 60_000);
        await poller.stop();
      }),
    );
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(await runtime.dlqDepth()).toBe(dlqBefore);
    await until(async () => (await queued()) === 1, 'the message back on the queue', 60_000, 100);
    runtime.startWorker();
    await runtime.drain();
    await runtime.stopWorker();
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: 1,
      allowOrphans: false,
    });
  });
});

describe('invalid scheduled-reconcile configuration: a ConfigError naming the variable', () => {
  const good = () => ({
    SOURCE_POOL_ID: pools.primary.poolId,
    SOURCE_REGION: 'us-east-1',
    STANDBY_POOL_ID: pools.standby.poolId,
    STANDBY_REGION: 'us-west-2',
    STATE_BUCKET: 'reconcile-state',
  });
  const rows: [string, Record<string, string | undefined>, RegExp][] = [
    ['no state bucket', { STATE_BUCKET: undefined }, /STATE_BUCKET: is not set/],
    ['a bucket name S3 refuses', { STATE_BUCKET: 'Not_A_Bucket' }, /STATE_BUCKET: expected an S3 bucket name/],
    ['a mode that is neither', { RECONCILE_MODE: 'fix' }, /RECONCILE_MODE: /],
    ['a negative delete limit', { RECONCILE_MAX_DELETES: '-3' }, /RECONCILE_MAX_DELETES: /],
    ['a deep flag that is not a yes/no', { RECONCILE_DEEP: 'very' }, /RECONCILE_DEEP: /],
    ['no Region', { SOURCE_REGION: undefined, AWS_REGION: undefined }, /SOURCE_REGION: is not set/],
  ];
  test.each(rows)('%s', async (_label, change, problem) => {
    const env = { ...good(), AWS_REGION: undefined, ...change };
    const error = await withEnv(env, () =>
      silently(async () => {
        let handler!: (e: unknown, c: unknown) => Promise<unknown>;
        jest.isolateModules(() => {
          handler = require('../../src/handlers/reconcile').handler;
        });
        return handler({ source: 'aws.events' }, makeLambdaContext('reconcile')).then(
          () => undefined,
          (err: Error) => err,
        );
      }),
    );
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(/^reconcile configuration is invalid: /);
    expect(error?.message).toMatch(problem);
  });
});

/** Runs `f` with exactly the given variables of the configuration set (others of the suite kept). */
async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const keys = new Set([
    ...Object.keys(vars),
    ...Object.keys(GOOD_WORKER_ENV()),
    'AWS_REGION',
    'ECHO_ROLE_ARNS',
    'STATE_BUCKET',
  ]);
  const saved = new Map([...keys].map((k) => [k, process.env[k]]));
  for (const k of keys) {
    if (vars[k] === undefined) delete process.env[k];
    else process.env[k] = vars[k];
  }
  try {
    return await f();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
