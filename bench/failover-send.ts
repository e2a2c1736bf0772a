/**
 * Failover send bench: `npm run -s bench:failover-send [-- --users 3000] [--stops 3] [--latency-ms 40]
 * [--concurrency N] [--json]` (concurrency: sends in flight per process, default the CLI's: 12 at 24/s).
 *
 * A wave of N password resets through a quota-faithful standby (the Cognito model behind its
 * HTTP transport: per-category token buckets at the AWS defaults, UserAccountRecovery 30/s,
 * TooManyRequestsException beyond them, every call taking 40 ms as in bench/reconcile.ts), with
 * the gateway and limiter the failover CLI builds (`failoverLimiter`: 30 x (1 - 20 % headroom) =
 * 24/s), the CLI's concurrency, and the DynamoDB send journal on dynalite. The standby and
 * dynalite live in this process; the wave runs in child processes: stopped (SIGTERM, the pause
 * of a job: sends in flight finish and are journaled) `--stops` times at even points of the wave
 * and resumed each time by a FRESH process with a new journal owner. Before the wave, one child
 * sends 300 resets on a scratch pool and table, so that the emulators' own warm-up (their JIT, in
 * this process) is not counted against the first process of the wave.
 *
 * Reported: codes per user counted at the standby (zero sent twice, none skipped), and the rate
 * = codes sent / time the children spent in their send loops (the resumed ones re-read the
 * journal of the users already sent: that time counts), against 30 x (1 - headroom) measured in
 * the same run's settings (goal >= 0.95). Wall time with the process restarts is shown apart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoEmulator } from '../scripts/local/dynamodb';
import { LOCAL_CREDENTIALS } from '../scripts/local/clients';
import { CognitoModel } from '../scripts/local/cognito-model';
import { CognitoShim } from '../scripts/local/cognito-shim';
import { cognitoGateway } from '../src/config/wiring';
import { createJournalTable, DynamoSendJournal } from '../src/failover/journal';
import type { ManifestRow } from '../src/failover/manifest';
import { failoverLimiter } from '../src/failover/run';
import { sendResets } from '../src/failover/send';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { DEFAULT_QUOTAS } from '../src/cognito/quotas';

const REGION = 'us-west-2';
const POOL_ID = 'us-west-2_BenchSend';
/** A scratch pool and table: the emulators' own warm-up (their JIT), before the measured wave. */
const WARM_POOL_ID = 'us-west-2_BenchWarm';
const WARM_USERS = 300;
const TABLE = 'failover-send-bench';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** The manifest of the seeded standby: user i, sub i, every one to be sent a code. */
function rows(users: number): ManifestRow[] {
  return Array.from({ length: users }, (_, i) => ({
    username: `user${i}`,
    sub: `sub-${i}`,
    action: 'reset-password',
    mfa: 'NONE',
    status: 'CONFIRMED',
    emailOtp: false,
    send: true,
    channel: 'email',
  }));
}

/** What a child reports on its last stdout line. */
interface ChildReport {
  sent: number;
  alreadySent: number;
  maybeSent: number;
  failed: number;
  notAttempted: number;
  loopSeconds: number;
  startupSeconds: number;
  stoppedBecause?: string;
}

/** One process of the wave: sends until done or SIGTERM, as the CLI's send would. */
async function child(): Promise<void> {
  const t0 = performance.now();
  const users = Number(arg('--users'));
  const poolId = arg('--pool') ?? POOL_ID;
  const { limiter, rate } = failoverLimiter({});
  const gateway = cognitoGateway(
    { region: REGION, poolId, endpoint: arg('--endpoint'), credentials: LOCAL_CREDENTIALS },
    { limiter },
  );
  const client = new DynamoDBClient({ endpoint: arg('--dynamo'), region: REGION, credentials: LOCAL_CREDENTIALS });
  const journal = new DynamoSendJournal({ client, table: arg('--table') ?? TABLE, poolId });
  const abort = new AbortController();
  process.on('SIGTERM', () => abort.abort());
  const manifest = rows(users);
  process.stdout.write('ready\n');
  const started = performance.now();
  const result = await sendResets({
    rows: manifest,
    journal,
    gateway,
    signal: abort.signal,
    concurrency: Number(arg('--concurrency') ?? 0) || Math.min(32, Math.max(1, Math.ceil(rate / 2))), // default: the CLI's
  });
  const loopSeconds = (performance.now() - started) / 1000;
  await journal.close();
  client.destroy();
  gateway.destroy();
  const report: ChildReport = {
    sent: result.sent,
    alreadySent: result.alreadySent,
    maybeSent: result.maybeSent.length,
    failed: result.failed.length,
    notAttempted: result.notAttempted,
    loopSeconds,
    startupSeconds: (started - t0) / 1000,
    stoppedBecause: result.stoppedBecause,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(args: string[], onReady: (p: ChildProcess) => void): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, '--child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes('ready\n') && out.includes('ready\n')) onReady(p);
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`child exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last) as ChildReport);
    });
  });
}

async function main(): Promise<void> {
  const users = Number(arg('--users') ?? 3000);
  const stops = Number(arg('--stops') ?? 3);
  const latencyMs = Number(arg('--latency-ms') ?? 40);
  const json = process.argv.includes('--json');
  const log = (s: string) => !json && process.stderr.write(`${s}\n`);

  const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const model = new CognitoModel({ clock, region: REGION, quotas: {}, latencyMs, record: false });
  for (const [id, n] of [
    [POOL_ID, users],
    [WARM_POOL_ID, WARM_USERS],
  ] as const) {
    const pool = model.addPool({ id });
    for (let i = 0; i < n; i++)
      pool.put({
        Username: `user${i}`,
        Attributes: { sub: `sub-${i}`, email: `user${i}@example.com`, email_verified: 'true' },
        UserStatus: 'CONFIRMED',
      });
  }
  const shim = new CognitoShim(model);
  await shim.start();
  const dynamo = await startDynamoEmulator({ region: REGION });
  const admin = dynamo.client();
  await createJournalTable(admin, TABLE);
  await createJournalTable(admin, `${TABLE}-warm`);
  admin.destroy();

  const endpoints = ['--endpoint', shim.endpoint, '--dynamo', dynamo.endpoint];
  log(`warming the emulators up (${WARM_USERS} resets on a scratch pool)...`);
  await runChild(
    ['--users', String(WARM_USERS), '--pool', WARM_POOL_ID, '--table', `${TABLE}-warm`, ...endpoints],
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, 1500)); // the standby's quota bucket refills
  const concurrency = arg('--concurrency');
  const args = ['--users', String(users), ...endpoints, ...(concurrency ? ['--concurrency', concurrency] : [])];
  const ours = () => model.outbox.filter((o) => o.kind === 'reset' && o.poolId === POOL_ID);
  const codes = () => ours().length;
  const reports: ChildReport[] = [];
  const t0 = performance.now();
  for (let run = 0; run <= stops; run++) {
    const stopAt = run < stops ? Math.round((users * (run + 1)) / (stops + 1)) : undefined;
    let timer: NodeJS.Timeout | undefined;
    const report = await runChild(args, (p) => {
      if (stopAt === undefined) return;
      timer = setInterval(() => {
        if (codes() >= stopAt) {
          clearInterval(timer);
          p.kill('SIGTERM');
        }
      }, 50);
    });
    if (timer) clearInterval(timer);
    reports.push(report);
    log(
      `process ${run + 1}: sent ${report.sent}, already sent ${report.alreadySent}, ${round(report.loopSeconds)} s in the send loop` +
        `${report.stoppedBecause ? ` (stopped: ${report.stoppedBecause})` : ''}; codes so far ${codes()}`,
    );
  }
  const wallSeconds = (performance.now() - t0) / 1000;

  const perUser = new Map<string, number>();
  for (const o of ours()) perUser.set(o.username, (perUser.get(o.username) ?? 0) + 1);
  const sentTwice = [...perUser.values()].filter((n) => n > 1).length;
  const skipped = users - perUser.size;
  const sent = reports.reduce((n, r) => n + r.sent, 0);
  const loopSeconds = reports.reduce((n, r) => n + r.loopSeconds, 0);
  const target = DEFAULT_QUOTAS.UserAccountRecovery * (1 - DEFAULT_QUOTA_HEADROOM);
  const rate = sent / loopSeconds;
  const result = {
    users,
    processes: reports.length,
    latencyMs,
    codesSent: [...perUser.values()].reduce((a, b) => a + b, 0),
    sentTwice,
    skipped,
    maybeSentLeft: reports[reports.length - 1].maybeSent,
    failed: reports.reduce((n, r) => n + r.failed, 0),
    throttledByStandby: model.throttled,
    sendLoopSeconds: round(loopSeconds),
    ratePerSecond: round(rate),
    targetPerSecond: target,
    efficiency: round(rate / target, 3),
    wallSeconds: round(wallSeconds),
    wallRatePerSecond: round(sent / wallSeconds),
    children: reports.map((r) => ({
      ...r,
      loopSeconds: round(r.loopSeconds),
      startupSeconds: round(r.startupSeconds),
    })),
  };
  await shim.stop();
  await dynamo.stop();
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    log(
      `\n${users} users, ${reports.length} processes: ${result.codesSent} codes, ${sentTwice} users sent twice, ${skipped} skipped, ${result.failed} failed`,
    );
    log(
      `rate ${result.ratePerSecond}/s over ${result.sendLoopSeconds} s of send loops = ${result.efficiency} of ${target}/s ` +
        `(wall ${result.wallSeconds} s with restarts: ${result.wallRatePerSecond}/s); standby throttled ${model.throttled} requests`,
    );
  }
  if (sentTwice > 0 || skipped > 0) process.exitCode = 1;
}

(process.argv.includes('--child') ? child() : main()).catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
