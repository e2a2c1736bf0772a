/**
 * The failover job on the emulators: the standby's Cognito model over HTTP, dynalite (the job's
 * state) and the local S3 (the manifest's parts). Started, stopped mid-wave, resumed by a second
 * engine instance (another "process": its own clients and stores), finished; then the whole path
 * through the CLI and the function (the local Lambda endpoint): start, status, pause, resume.
 * Every user gets exactly one code, counted at the model. No timing assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoEmulator, startDynamoEmulator } from '../../scripts/local/dynamodb';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import { cognitoGateway } from '../../src/config/wiring';
import {
  DynamoJobStore,
  type JobDeps,
  jobStatus,
  listingTotals,
  newJobState,
  runJobSession,
  S3ManifestStore,
} from '../../src/failover/job';
import { jobSendWiring } from '../../src/failover/job/send-wiring';
import { createFailoverHandler } from '../../src/handlers/failover';
import { runCli } from '../support/cli';
import { useEmulators } from '../support/emulators';
import { createFailoverTable } from '../support/failover-job';

jest.setTimeout(240_000);

const emu = useEmulators({ sqs: false, pools: { usernameMode: 'username' } });
const USERS = 130;
const BUCKET = 'standby-state';
const ATTRS = { sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' };

let dynamo: DynamoEmulator;
let s3: S3Emulator;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'failover-job-it-'));
  dynamo = await startDynamoEmulator({ region: 'us-west-2' });
  s3 = await startS3Emulator({ region: 'us-west-2' });
  s3.createBucket(BUCKET);
  const { standbyClient, pools } = emu();
  for (let i = 0; i < USERS; i++) {
    const name = `user${String(i).padStart(3, '0')}`;
    await standbyClient.send(
      new AdminCreateUserCommand({
        UserPoolId: pools.standby.poolId,
        Username: name,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${name}@example.com` },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:source_sub', Value: `src-${i}` },
          // A third have no MFA marker: the job reads their MFA in the standby.
          ...(i % 3 ? [{ Name: 'custom:source_mfa', Value: 'NONE' }] : []),
        ],
      }),
    );
    await standbyClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pools.standby.poolId,
        Username: name,
        Password: 'Local-Passw0rd!x',
        Permanent: true,
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await dynamo?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** One "process": its own DynamoDB, S3 and Cognito clients and stores over the shared emulators. */
function instance(table: string) {
  const { standby, pools } = emu();
  const db: DynamoDBClient = dynamo.client();
  const gateway = cognitoGateway(
    { region: standby.region, poolId: pools.standby.poolId },
    { client: standby.client(), quotas: { UserAccountRecovery: 200, UserList: 200, UserRead: 400 } },
  );
  const deps: JobDeps = {
    store: new DynamoJobStore(db, table),
    manifests: new S3ManifestStore(s3.client(), BUCKET, pools.standby.poolId),
    standby: gateway,
    ...jobSendWiring({ client: db, table, poolId: pools.standby.poolId, gateway }),
  };
  return { deps, gateway, db };
}

async function resetsByUser(): Promise<Map<string, number>> {
  const { standby, pools } = emu();
  const counts = new Map<string, number>();
  for (const e of await standby.shim.outbox()) {
    if (e.kind === 'reset' && e.poolId === pools.standby.poolId)
      counts.set(e.username, (counts.get(e.username) ?? 0) + 1);
  }
  return counts;
}

test('started, stopped mid-wave, resumed by another engine instance, finished: every user exactly one code', async () => {
  const { standby, pools } = emu();
  await standby.shim.outbox({ clear: true });
  const table = 'failover-engine';
  await createFailoverTable(dynamo.client(), table);
  const a = instance(table);
  await a.deps.store.create(newJobState({ poolId: pools.standby.poolId, options: { send: true, ...ATTRS } }));

  // Process A: stopped (SIGINT) after 40 codes.
  const stop = new AbortController();
  const sendA = a.deps.createSender!;
  let sentByA = 0;
  a.deps.createSender = (signal) => {
    const inner = sendA(signal);
    return {
      send: async (row) => {
        const outcome = await inner.send(row);
        if (outcome === 'sent' && ++sentByA === 40) stop.abort();
        return outcome;
      },
    };
  };
  const first = await runJobSession(a.deps, {
    poolId: pools.standby.poolId,
    owner: 'process-a',
    deadline: Date.now() + 600_000,
    signal: stop.signal,
  });
  expect(first.status).toBe('interrupted');
  const mid = (await a.deps.store.get(pools.standby.poolId))!;
  expect(mid.phase).toBe('sending');
  expect(mid.lease).toBeUndefined();
  const midCodes = await resetsByUser();
  expect(midCodes.size).toBeGreaterThanOrEqual(40);
  expect(midCodes.size).toBeLessThan(USERS);

  // Process B: another instance, its own clients; it reads the state and goes on.
  const b = instance(table);
  const second = await runJobSession(b.deps, {
    poolId: pools.standby.poolId,
    owner: 'process-b',
    deadline: Date.now() + 600_000,
  });
  expect(second.status).toBe('done');
  const end = (await b.deps.store.get(pools.standby.poolId))!;
  expect(listingTotals(end)).toMatchObject({ listed: USERS, toSend: USERS });
  expect(listingTotals(end).mfaRead).toBeGreaterThan(0);
  expect(jobStatus(end, Date.now())).toMatchObject({ phase: 'done', left: 0 });
  const codes = await resetsByUser();
  expect(codes.size).toBe(USERS);
  expect([...codes.values()].every((n) => n === 1)).toBe(true);
  // The manifest's parts are in the bucket, under failover/<pool>/<job>/.
  const keys = [...s3.objects(BUCKET).keys()].filter((k) =>
    k.startsWith(`failover/${pools.standby.poolId}/${end.jobId}/parts/`),
  );
  expect(keys.length).toBe(end.shards.reduce((n, s) => n + s.pages, 0));
});

test('through the CLI and the function: start, status, pause, resume, done, each user one code', async () => {
  const { standby, pools, lambda } = emu();
  await standby.shim.outbox({ clear: true });
  const table = 'failover-cli';
  await createFailoverTable(dynamo.client(), table);
  const fn = 'cognito-standby-sync-it-failover';
  const proc = instance(table);
  lambda.register(
    fn,
    createFailoverHandler({
      config: { poolId: pools.standby.poolId },
      store: proc.deps.store,
      manifests: proc.deps.manifests,
      session: () => ({ standby: proc.gateway, createSender: proc.deps.createSender }),
      continueJob: async (payload) => {
        // The function invoking itself, as in AWS: an asynchronous invocation through the endpoint.
        await fetch(`${lambda.endpoint}/2015-03-31/functions/${fn}/invocations`, {
          method: 'POST',
          headers: { 'X-Amz-Invocation-Type': 'Event' },
          body: JSON.stringify(payload),
        });
      },
    }),
  );
  const common = [
    '--region',
    standby.region,
    '--pool',
    pools.standby.poolId,
    '--endpoint',
    standby.endpoint,
    '--table',
    table,
    '--function',
    fn,
    '--dynamodb-endpoint',
    dynamo.endpoint,
    '--lambda-endpoint',
    lambda.endpoint,
  ];
  const cli = (args: string[]) =>
    runCli('failover', [...common, ...args], { timeoutMs: 60_000, home: work, cwd: work });

  // The first test left every user RESET_REQUIRED: this wave sends them a fresh code.
  const started = await cli(['--job', 'start', '--send', '--yes', '--resend-reset-required', '--json']);
  expect(started.stderr).toContain('started (send)');
  expect(started.code).toBe(0);
  const paused = await cli(['--job', 'pause']);
  expect(paused.code).toBe(0);
  // Wait for the session at work to notice the pause (or to finish first on a fast machine).
  const statusJson = async () =>
    JSON.parse((await cli(['--job', 'status', '--json'])).stdout) as ReturnType<typeof jobStatus>;
  let s = await statusJson();
  for (let i = 0; i < 60 && (await proc.deps.store.get(pools.standby.poolId))?.lease; i++)
    await new Promise((r) => setTimeout(r, 500));
  s = await statusJson();
  expect(s.desired).toBe('paused');
  const sentWhilePaused = (await resetsByUser()).size;
  await new Promise((r) => setTimeout(r, 1000));
  expect((await resetsByUser()).size).toBe(sentWhilePaused);

  const resumed = await cli(['--job', 'resume']);
  expect(resumed.code).toBe(0);
  s = await statusJson();
  for (let i = 0; i < 240 && s.phase !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    s = await statusJson();
  }
  expect(s).toMatchObject({ phase: 'done', desired: 'running', sent: expect.any(Number), left: 0, toSend: USERS });
  const text = await cli(['--job', 'status']);
  expect(text.stdout).toMatch(/job .*: done/);
  expect(text.stdout).not.toMatch(/@example\.com/);
  const codes = await resetsByUser();
  expect(codes.size).toBe(USERS);
  expect([...codes.values()].every((n) => n === 1)).toBe(true);
  expect(lambda.invocations.filter((i) => i.functionName === fn && i.error)).toEqual([]);
});
