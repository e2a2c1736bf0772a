/**
 * Fault: the failover's password-reset send is interrupted and resumed, three ways:
 * - stopped by its abort signal (Ctrl-C) after the k-th reset, resumed in process;
 * - the standby's connections reset in the middle of the sends (outcome unknown: "maybe sent"),
 *   resumed, then resumed again with --resend-uncertain;
 * - the CLI killed with SIGKILL after the k-th reset, run again (twice, the second time with
 *   --resend-uncertain).
 * Counted in the emulator's outbox: no user is ever notified twice, and in the end every eligible
 * user has been notified exactly once.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrillPool, type DrillPool } from '../../scripts/local/pools';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { cognitoGateway } from '../../src/config/wiring';
import { failoverLimiter, type FailoverOptions, type FailoverReport, runFailover } from '../../src/failover/run';
import { useEmulators } from '../support/emulators';
import { putReplicas, seededRandom, withSteadyClients } from '../support/faults';

jest.setTimeout(180_000);

const emu = withSteadyClients(useEmulators({ sqs: false, pools: false, cognito: ['standby'] }));
const ROOT = join(__dirname, '..', '..');
const USERS = 24;
let work: string;
let serial = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faults-failover-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

afterEach(() => {
  emu().standby.shim.faults = {};
});

/** A standby pool of replicas (as replication leaves them): CONFIRMED, verified e-mail, source sub. */
async function standbyWithReplicas(): Promise<{ pool: DrillPool; names: string[] }> {
  const e = emu();
  const pool = await createDrillPool(e.standbyClient, {
    name: `failover-${++serial}`,
    usernameMode: 'username',
    replicaAttributes: true,
  });
  const names = Array.from({ length: USERS }, (_, i) => `replica${serial}x${String(i).padStart(2, '0')}`);
  await putReplicas(e.standby, pool.poolId, names);
  return { pool, names };
}

/** Resets "sent" to each user of the pool, per username. */
async function resetsPerUser(poolId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await emu().standby.shim.outbox()) {
    if (m.kind === 'reset' && m.poolId === poolId) counts.set(m.username, (counts.get(m.username) ?? 0) + 1);
  }
  return counts;
}

function expectNobodyTwice(counts: Map<string, number>): void {
  expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
}

/** One failover run in process, built as the CLI builds it. */
function failover(
  pool: DrillPool,
  journal: string,
  opts: { signal?: AbortSignal; resendUncertain?: boolean; sender?: (g: CognitoGateway) => CognitoGateway } = {},
): Promise<FailoverReport> {
  const e = emu();
  const { limiter, rate } = failoverLimiter({ rate: 50 });
  const client = e.standby.client({ requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 } });
  const standby = cognitoGateway({ region: e.standby.region, poolId: pool.poolId }, { client, limiter });
  const sender = cognitoGateway({ region: e.standby.region, poolId: pool.poolId }, { client, limiter });
  const options: FailoverOptions = {
    region: e.standby.region,
    poolId: pool.poolId,
    out: join(work, `${pool.poolId}.csv`),
    format: 'csv',
    send: true,
    journal,
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    resendUncertain: opts.resendUncertain,
    concurrency: 4,
  };
  return runFailover(options, {
    standby,
    sender: opts.sender ? opts.sender(sender) : sender,
    sendRate: rate,
    confirm: async () => true,
    signal: opts.signal,
  });
}

test.each([1, 2, 3])(
  'send stopped by its abort signal at a random reset (seed %i), resumed: nobody notified twice, everybody once',
  async (seed) => {
    const e = emu();
    const { pool, names } = await standbyWithReplicas();
    const k = 1 + Math.floor(seededRandom(seed)() * (USERS - 8)); // room for the sends in flight (concurrency 4)
    const journal = join(work, `abort-${seed}.jsonl`);
    const stop = new AbortController();
    let sent = 0;
    const off = e.standby.shim.onCall((c) => {
      if (c.operation === 'AdminResetUserPassword' && c.request.UserPoolId === pool.poolId && ++sent === k)
        stop.abort();
    });
    const first = await failover(pool, journal, { signal: stop.signal });
    off();
    expect(first.send?.stoppedBecause).toBe('interrupted');
    expect(first.exitCode).toBe(1);
    expectNobodyTwice(await resetsPerUser(pool.poolId));

    const second = await failover(pool, journal);
    expect(second.exitCode).toBe(0);
    expect(second.send?.maybeSent).toEqual([]);
    const counts = await resetsPerUser(pool.poolId);
    expectNobodyTwice(counts);
    expect([...counts.keys()].sort()).toEqual(names);
    expect((second.send?.sent ?? 0) + (second.send?.alreadySent ?? 0) + (second.send?.resolved ?? 0)).toBe(USERS);
  },
);

test('connections reset in the middle of the sends: maybe-sent users are never resent blindly; --resend-uncertain completes; nobody twice', async () => {
  const e = emu();
  const { pool, names } = await standbyWithReplicas();
  const journal = join(work, 'reset.jsonl');
  let sent = 0;
  const off = e.standby.shim.onCall((c) => {
    if (c.operation === 'AdminResetUserPassword' && c.request.UserPoolId === pool.poolId && ++sent === 8)
      e.standby.shim.faults = { unreachable: 'reset' };
  });
  const first = await failover(pool, journal);
  off();
  e.standby.shim.faults = {};
  expect(first.exitCode).toBe(1);
  const maybe = first.send?.maybeSent.length ?? 0;
  expect(maybe).toBeGreaterThan(0);
  expectNobodyTwice(await resetsPerUser(pool.poolId));

  // Resumed as is: the "maybe sent" users are left alone (listed), nobody is sent twice.
  const second = await failover(pool, journal);
  expect(second.exitCode).toBe(1);
  expect(second.send?.maybeSent.length).toBe(maybe);
  expectNobodyTwice(await resetsPerUser(pool.poolId));

  // The operator checked them: resend. Everyone has had exactly one code now.
  const third = await failover(pool, journal, { resendUncertain: true });
  expect(third.exitCode).toBe(0);
  const counts = await resetsPerUser(pool.poolId);
  expectNobodyTwice(counts);
  expect([...counts.keys()].sort()).toEqual(names);
});

test.each([5])(
  'the failover CLI killed with SIGKILL after a random reset (seed %i), run again: nobody notified twice',
  async (seed) => {
    const e = emu();
    const { pool, names } = await standbyWithReplicas();
    const k = 1 + Math.floor(seededRandom(seed)() * (USERS / 2)); // room for the sends in flight
    const journal = join(work, `sigkill-${seed}.jsonl`);
    const args = [
      join(ROOT, 'scripts', 'failover.ts'),
      '--region',
      e.standby.region,
      '--pool',
      pool.poolId,
      '--endpoint',
      e.standby.endpoint,
      '--out',
      join(work, `sigkill-${seed}.csv`),
      '--journal',
      journal,
      '--send',
      '--yes',
      '--rate',
      '20',
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work };
    for (const key of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
      'AWS_SESSION_TOKEN',
      'NODE_OPTIONS',
    ])
      delete env[key];
    // node --import tsx: the script runs in this process, so SIGKILL stops the sender itself. The
    // signal is sent from the emulator's own report of the k-th reset: no race with a timer.
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env,
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let sent = 0;
    const off = e.standby.shim.onCall((c) => {
      if (c.operation === 'AdminResetUserPassword' && c.request.UserPoolId === pool.poolId && ++sent === k)
        child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');
    expect(sent).toBeLessThan(USERS);
    expectNobodyTwice(await resetsPerUser(pool.poolId));

    const run = (extra: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', ...args, ...extra],
          { env, cwd: ROOT, timeout: 120_000 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const again = await run([]);
    expect(again.stderr).not.toMatch(/^error/m);
    expectNobodyTwice(await resetsPerUser(pool.poolId));
    // Whoever the journal shows as "maybe sent" and not RESET_REQUIRED is resent only on request.
    const last = again.code === 0 ? again : await run(['--resend-uncertain']);
    off();
    expect(last.code).toBe(0);
    const counts = await resetsPerUser(pool.poolId);
    expectNobodyTwice(counts);
    expect([...counts.keys()].sort()).toEqual(names);
  },
);
