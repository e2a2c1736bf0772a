/**
 * How long the post confirmation trigger holds up a sign-up:
 *
 *   (a) queue     our trigger (`createTriggerHandler`): one SendMessage to the Region's own sync queue
 *   (b) sync      the pattern many guides show: replicate from inside the trigger, i.e. call
 *                 `replicateSourceUser` with the user built from the event (look-up, AdminCreateUser,
 *                 AdminSetUserPassword, AdminAddUserToGroup on the standby, in the other Region)
 *   (c) sync+read the same, re-reading the user from the source first (`replicateUser`)
 *
 * Every AWS call goes to a loopback HTTP server that speaks the Cognito (JSON 1.1) and SQS (JSON
 * 1.0) protocols and answers after an injected delay: the standby pool is in another Region
 * (`--cross-ms`, default 70 ms, about us-east-1 <-> us-west-2), the queue and the source pool are in
 * the trigger's own Region (`--local-ms`, default 5 ms). Variants are interleaved, one sign-up each
 * in turn, in one run, after a warm-up; the numbers to compare are the ratios.
 *
 *   npx tsx bench/trigger-latency.ts [--n 200] [--cross-ms 70] [--local-ms 5] [--json]
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { cognitoGateway, triggerQueueClient } from '../src/config/wiring';
import { DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_SOURCE_SUB_ATTRIBUTE } from '../src/core/constants';
import type { UserRecord } from '../src/core/types';
import { createTriggerHandler } from '../src/handlers/trigger';
import { logger } from '../src/observability';
import { type ReplicationContext, replicateSourceUser, replicateUser } from '../src/replication/replicate-user';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = option('n', 200);
const WARMUP = option('warmup', 10);
const CROSS_MS = option('cross-ms', 70);
const LOCAL_MS = option('local-ms', 5);
const JSON_OUT = args.includes('--json');

const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
const SOURCE_POOL = 'us-east-1_BenchSrc1';
const STANDBY_POOL = 'us-west-2_BenchStb1';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-sync';

/** Requests received, by endpoint and operation. */
const received: Record<string, number> = {};

type Answer = (input: Record<string, unknown>) => unknown;

/** A loopback server answering AWS JSON-protocol calls after `delayMs`. */
async function fakeAws(
  name: string,
  delayMs: number,
  answers: Record<string, Answer>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      received[`${name}.${operation}`] = (received[`${name}.${operation}`] ?? 0) + 1;
      const input = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
      const answer = answers[operation];
      setTimeout(() => {
        if (!answer) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'UnknownOperationException', message: operation }));
          return;
        }
        const body = JSON.stringify(answer(input));
        res.writeHead(200, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const pool = (id: string) => ({
  UserPool: {
    Id: id,
    Name: id,
    SchemaAttributes: [
      { Name: 'sub', AttributeDataType: 'String', Mutable: false, Required: true },
      { Name: 'email', AttributeDataType: 'String', Mutable: true },
      { Name: 'email_verified', AttributeDataType: 'Boolean', Mutable: true },
      { Name: 'name', AttributeDataType: 'String', Mutable: true },
      { Name: 'custom:source_sub', AttributeDataType: 'String', Mutable: true },
      { Name: 'custom:source_mfa', AttributeDataType: 'String', Mutable: true },
    ],
    Policies: {
      PasswordPolicy: {
        MinimumLength: 12,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    },
  },
});

/** Users signed up so far in the source pool (what AdminGetUser answers). */
const sourceUsers = new Map<string, Record<string, string>>();
const asAttributes = (m: Record<string, string>) => Object.entries(m).map(([Name, Value]) => ({ Name, Value }));

function signUp(i: number): PostConfirmationTriggerEvent {
  const sub = randomUUID();
  const userName = `bench-user-${i}-${sub.slice(0, 8)}`;
  const userAttributes = {
    sub,
    email: `${userName}@example.com`,
    email_verified: 'true',
    name: `Bench User ${i}`,
    'cognito:user_status': 'CONFIRMED',
  };
  sourceUsers.set(userName, userAttributes);
  return {
    version: '1',
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    region: 'us-east-1',
    userPoolId: SOURCE_POOL,
    userName,
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'bench' },
    request: { userAttributes },
    response: {},
  } as PostConfirmationTriggerEvent;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s[s.length - 1],
  };
}

async function main(): Promise<void> {
  logger.setLogLevel('SILENT');
  const standby = await fakeAws('standby', CROSS_MS, {
    DescribeUserPool: () => pool(STANDBY_POOL),
    ListUsers: () => ({ Users: [] }),
    AdminCreateUser: (input) => ({
      User: {
        Username: input.Username,
        Attributes: input.UserAttributes,
        Enabled: true,
        UserStatus: 'FORCE_CHANGE_PASSWORD',
        UserCreateDate: Date.now() / 1000,
      },
    }),
    AdminSetUserPassword: () => ({}),
    AdminAddUserToGroup: () => ({}),
    AdminUpdateUserAttributes: () => ({}),
    AdminSetUserMFAPreference: () => ({}),
  });
  const source = await fakeAws('source', LOCAL_MS, {
    DescribeUserPool: () => pool(SOURCE_POOL),
    AdminGetUser: (input) => ({
      Username: input.Username,
      UserAttributes: asAttributes(
        Object.fromEntries(
          Object.entries(sourceUsers.get(String(input.Username)) ?? {}).filter(([k]) => !k.startsWith('cognito:')),
        ),
      ),
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserMFASettingList: [],
    }),
    AdminListGroupsForUser: () => ({ Groups: [{ GroupName: 'users' }] }),
    ListGroups: () => ({ Groups: [{ GroupName: 'users', Description: 'Everyone' }] }),
  });
  const sqs = await fakeAws('sqs', LOCAL_MS, {
    SendMessage: (input) => ({
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(String(input.MessageBody)).digest('hex'),
    }),
  });

  // (a) our trigger, as deployed: one SendMessage within the budget.
  const triggerConfig = {
    sourcePoolId: SOURCE_POOL,
    sourceRegion: 'us-east-1',
    syncQueueUrl: QUEUE_URL,
    sqsEndpoint: sqs.url,
    sendBudgetMs: 1500,
    replicateForgotPassword: false,
  };
  const queueTrigger = createTriggerHandler({
    config: triggerConfig,
    sqs: triggerQueueClient(triggerConfig, credentials),
  });

  // (b), (c): the trigger replicating synchronously with the suite's own code.
  const ctx: ReplicationContext = {
    source: cognitoGateway({ region: 'us-east-1', poolId: SOURCE_POOL, endpoint: source.url, credentials }),
    standby: cognitoGateway({ region: 'us-west-2', poolId: STANDBY_POOL, endpoint: standby.url, credentials }),
    sourceSubAttribute: DEFAULT_SOURCE_SUB_ATTRIBUTE,
    mfaMarkerAttribute: DEFAULT_MFA_MARKER_ATTRIBUTE,
  };
  const syncTrigger = async (event: PostConfirmationTriggerEvent) => {
    const attributes = Object.fromEntries(
      Object.entries(event.request.userAttributes).filter(([k]) => !k.startsWith('cognito:')),
    );
    const user: UserRecord = {
      username: event.userName,
      attributes,
      enabled: true,
      status: 'CONFIRMED',
      groups: ['users'],
    };
    await replicateSourceUser(ctx, user);
    return event;
  };
  const syncReadTrigger = async (event: PostConfirmationTriggerEvent) => {
    await replicateUser(ctx, { username: event.userName, sub: event.request.userAttributes.sub });
    return event;
  };

  const variants = [
    {
      name: 'queue',
      label: '(a) queue: SendMessage to the same-Region sync queue',
      run: queueTrigger,
      samples: [] as number[],
    },
    {
      name: 'sync',
      label: '(b) sync: replicateSourceUser to the standby from the trigger',
      run: syncTrigger,
      samples: [] as number[],
    },
    {
      name: 'syncRead',
      label: '(c) sync + source re-read: replicateUser from the trigger',
      run: syncReadTrigger,
      samples: [] as number[],
    },
  ];

  let i = 0;
  for (let round = 0; round < WARMUP + N; round++) {
    for (const v of variants) {
      const event = signUp(i++);
      const t0 = performance.now();
      const result = await v.run(event);
      const ms = performance.now() - t0;
      if (result !== event) throw new Error(`${v.name} did not return the event`);
      if (round >= WARMUP) v.samples.push(ms);
    }
    if (round === WARMUP - 1) for (const k of Object.keys(received)) delete received[k];
  }

  const sendMessages = received['sqs.SendMessage'] ?? 0;
  const queueCallsPerSignUp = sendMessages / N;
  const standbyCalls = Object.entries(received)
    .filter(([k]) => k.startsWith('standby.'))
    .reduce((n, [, c]) => n + c, 0);
  const standbyByOp = Object.fromEntries(
    Object.entries(received)
      .filter(([k]) => k.startsWith('standby.'))
      .map(([k, c]) => [k.slice(8), c / (2 * N)]),
  );
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    settings: { n: N, warmup: WARMUP, crossRegionMs: CROSS_MS, sameRegionMs: LOCAL_MS },
    variants: Object.fromEntries(variants.map((v) => [v.name, { label: v.label, ...stats(v.samples) }])),
    ratios: {
      syncOverQueueP50: stats(variants[1].samples).p50 / stats(variants[0].samples).p50,
      syncOverQueueP99: stats(variants[1].samples).p99 / stats(variants[0].samples).p99,
      syncReadOverQueueP50: stats(variants[2].samples).p50 / stats(variants[0].samples).p50,
      syncReadOverQueueP99: stats(variants[2].samples).p99 / stats(variants[0].samples).p99,
      queueP50OverSameRegionDelay: stats(variants[0].samples).p50 / LOCAL_MS,
    },
    calls: {
      sqsSendMessagePerQueuedSignUp: queueCallsPerSignUp,
      standbyCallsPerSyncSignUp: standbyCalls / (2 * N),
      standbyByOperation: standbyByOp,
    },
  };

  for (const s of [standby.server, source.server, sqs.server]) s.close();
  ctx.source.destroy();
  ctx.standby.destroy();

  if (JSON_OUT) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const f = (x: number) => x.toFixed(1).padStart(7);
    console.log(
      `trigger latency: ${N} sign-ups per variant (after ${WARMUP} warm-up), cross-Region ${CROSS_MS} ms, same-Region ${LOCAL_MS} ms per call`,
    );
    console.log(`machine: ${result.machine.cpus} cores (${result.machine.model}), node ${result.machine.node}\n`);
    console.log('variant                                                          p50 ms   p99 ms  mean ms');
    for (const v of variants) {
      const s = stats(v.samples);
      console.log(`${v.label.padEnd(62)} ${f(s.p50)}  ${f(s.p99)}  ${f(s.mean)}`);
    }
    console.log(
      `\nsync / queue: p50 x${result.ratios.syncOverQueueP50.toFixed(1)}, p99 x${result.ratios.syncOverQueueP99.toFixed(1)}`,
    );
    console.log(
      `sync+read / queue: p50 x${result.ratios.syncReadOverQueueP50.toFixed(1)}, p99 x${result.ratios.syncReadOverQueueP99.toFixed(1)}`,
    );
    console.log(`SQS SendMessage calls per queued sign-up: ${queueCallsPerSignUp.toFixed(2)}`);
    console.log(
      `standby calls per synchronous sign-up: ${result.calls.standbyCallsPerSyncSignUp.toFixed(2)} ${JSON.stringify(standbyByOp)}`,
    );
  }
  if (sendMessages !== N) {
    console.error(
      `FAIL: the queue-based trigger made ${sendMessages} SQS calls for ${N} sign-ups (expected exactly one each)`,
    );
    process.exitCode = 1;
  } else if (!JSON_OUT) {
    console.log('OK: exactly one SQS call per queued sign-up');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
