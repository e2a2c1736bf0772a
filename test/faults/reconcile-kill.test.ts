/**
 * Fault: the reconciler is stopped at random points (several seeds) and run again. Three ways:
 * - stopped: its abort signal fires at the k-th Cognito call (Ctrl-C, a Lambda nearing its timeout);
 * - crashed: at the k-th call its checkpoint store stops recording (what a crash leaves behind)
 *   and the run is cut off there;
 * - killed: the CLI is sent SIGKILL after its k-th write to the standby.
 * The resumed run must complete from the checkpoint, and no write may ever be repeated: every
 * (operation, user, content) reaches the standby once over both runs, and the runs together make
 * exactly the writes of one uninterrupted run.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CognitoCallEvent } from '../../scripts/local/cognito-shim';
import { createDrillPool, type DrillPool } from '../../scripts/local/pools';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { type CheckpointState, FileCheckpointStore } from '../../src/reconcile/checkpoint';
import { useEmulators } from '../support/emulators';
import {
  adminCreateUsers,
  assertStandbyMatchesSource,
  gatewayFor,
  population,
  quietObservability,
  repeated,
  runReconcile,
  seededRandom,
  useLocalCredentials,
  writeKey,
  withSteadyClients,
} from '../support/faults';

jest.setTimeout(180_000);
useLocalCredentials();

const emu = withSteadyClients(useEmulators({ sqs: false, pools: false }));
const ROOT = join(__dirname, '..', '..');
const USERS = 20;

let work: string;
let source: DrillPool;
/** Calls and writes of one uninterrupted run. */
let baseline: { calls: number; writes: number };
let standbySerial = 0;

beforeAll(async () => {
  quietObservability();
  work = mkdtempSync(join(tmpdir(), 'faults-kill-'));
  const e = emu();
  source = await createDrillPool(e.primaryClient, { name: 'kill-source', replicaAttributes: true });
  await adminCreateUsers(e.primaryClient, source, population('kill', USERS));
  // One uninterrupted run: the calls and writes a whole run makes (kill points are drawn below it).
  const pools = await newStandby();
  const writes = recordWrites(pools.standby.poolId);
  const result = await runReconcile(e, pools, {
    dir: join(work, 'baseline'),
    extra: { deep: true },
    wrap: countCalls(0, () => undefined),
  });
  writes.stop();
  const calls = callCount;
  if (result.exitCode !== 0 || repeated(writes.keys).length)
    throw new Error(`baseline run failed: ${JSON.stringify(result.report.counts)}`);
  await finalCheck(pools);
  baseline = { calls, writes: writes.keys.length };
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function newStandby(): Promise<{ primary: DrillPool; standby: DrillPool }> {
  const standby = await createDrillPool(emu().standbyClient, {
    name: `kill-standby-${++standbySerial}`,
    replicaAttributes: true,
  });
  return { primary: source, standby };
}

/** Records every successful write to one standby pool (`onWrite` gets the running count). */
function recordWrites(poolId: string, onWrite?: (n: number) => void): { keys: string[]; stop(): void } {
  const keys: string[] = [];
  const stop = emu().standby.shim.onCall((e: CognitoCallEvent) => {
    if (e.request.UserPoolId !== poolId) return;
    keys.push(writeKey(e));
    onWrite?.(keys.length);
  });
  return { keys, stop };
}

let callCount = 0;

/** Counts the calls of both sides (in `callCount`); runs `at` when the k-th is about to be sent. */
function countCalls(k: number, at: () => void) {
  callCount = 0;
  return (gateway: CognitoGateway) => {
    const original = gateway.call.bind(gateway);
    gateway.call = <T>(operation: string, send: () => Promise<T>) => {
      if (++callCount === k) at();
      return original(operation, send);
    };
  };
}

async function finalCheck(pools: { primary: DrillPool; standby: DrillPool }) {
  const e = emu();
  await assertStandbyMatchesSource({
    source: gatewayFor(e.primary, pools.primary.poolId),
    standby: gatewayFor(e.standby, pools.standby.poolId),
    expectUsers: USERS,
  });
}

describe.each([1, 2, 3])('seed %i', (seed) => {
  test('stopped by its abort signal at a random call, then resumed: complete, no write repeated', async () => {
    const random = seededRandom(seed);
    const k = 1 + Math.floor(random() * (baseline.calls - 1));
    const pools = await newStandby();
    const writes = recordWrites(pools.standby.poolId);
    const dir = join(work, `stop-${seed}`);
    const stop = new AbortController();
    const first = await runReconcile(emu(), pools, {
      dir,
      signal: stop.signal,
      extra: { deep: true },
      wrap: countCalls(k, () => stop.abort()),
    });
    expect(first.status).toBe('stopped');
    expect(first.exitCode).toBe(130);
    const second = await runReconcile(emu(), pools, { dir, extra: { deep: true } });
    writes.stop();
    expect(second.status).toBe('complete');
    expect(second.report.resumed).toBe(true);
    expect(second.report.counts.failed).toBe(0);
    expect(second.exitCode).toBe(0);
    expect(repeated(writes.keys)).toEqual([]);
    expect(writes.keys).toHaveLength(baseline.writes);
    await finalCheck(pools);
  });

  test('crashed at a random call (checkpoint as last recorded), then resumed: complete, no write repeated', async () => {
    const random = seededRandom(seed + 1000);
    const k = 1 + Math.floor(random() * (baseline.calls - 1));
    const pools = await newStandby();
    const writes = recordWrites(pools.standby.poolId);
    const file = join(work, `crash-${seed}`, 'checkpoint.json');
    const frozen = new FrozenAfterCrash(file);
    const stop = new AbortController();
    const first = await runReconcile(emu(), pools, {
      store: frozen,
      signal: stop.signal,
      extra: { deep: true },
      wrap: countCalls(k, () => {
        frozen.crashed = true;
        stop.abort();
      }),
    });
    expect(first.status).toBe('stopped');
    const second = await runReconcile(emu(), pools, { store: new FileCheckpointStore(file), extra: { deep: true } });
    writes.stop();
    expect(second.status).toBe('complete');
    expect(second.report.counts.failed).toBe(0);
    expect(second.exitCode).toBe(0);
    expect(repeated(writes.keys)).toEqual([]);
    expect(writes.keys).toHaveLength(baseline.writes);
    await finalCheck(pools);
  });
});

/** A file checkpoint that stops recording anything once `crashed` is set. */
class FrozenAfterCrash extends FileCheckpointStore {
  crashed = false;
  override async save(state: CheckpointState): Promise<void> {
    if (!this.crashed) await super.save(state);
  }
  override async clear(): Promise<void> {
    if (!this.crashed) await super.clear();
  }
}

test.each([7, 12])(
  'the CLI killed with SIGKILL after a random write (seed %i), then run again: complete, no write repeated',
  async (seed) => {
    const e = emu();
    const random = seededRandom(seed);
    const k = 1 + Math.floor(random() * (baseline.writes - 1));
    const pools = await newStandby();
    const dir = join(work, `sigkill-${seed}`);
    const args = [
      join(ROOT, 'scripts', 'reconcile.ts'),
      '--source-region',
      e.primary.region,
      '--source-pool',
      pools.primary.poolId,
      '--source-endpoint',
      e.primary.endpoint,
      '--target-region',
      e.standby.region,
      '--target-pool',
      pools.standby.poolId,
      '--target-endpoint',
      e.standby.endpoint,
      '--apply',
      '--deep',
      '--checkpoint',
      join(dir, 'checkpoint.json'),
      '--report',
      join(dir, 'report.json'),
      '--json',
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
    for (const key of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
      'AWS_SESSION_TOKEN',
      'NODE_OPTIONS',
    ])
      delete env[key];

    // The script runs in this very process (node --import tsx): SIGKILL kills the reconciler itself,
    // not a launcher whose child would live on. The signal is sent from the emulator's own report
    // of the k-th write, so the kill point does not depend on how fast anything runs.
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env,
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    const writes = recordWrites(pools.standby.poolId, (n) => {
      if (n === k) child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');
    const writesOfKilledRun = writes.keys.length;
    expect(writesOfKilledRun).toBeGreaterThanOrEqual(k);
    expect(writesOfKilledRun).toBeLessThan(baseline.writes);

    const rerun = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', ...args],
        { env, cwd: ROOT, timeout: 120_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    writes.stop();
    expect({ code: rerun.code, stderr: rerun.stderr.slice(-3000) }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/error/i),
    });
    const report = JSON.parse(rerun.stdout) as { status: string; resumed: boolean; counts: { failed: number } };
    expect(report.status).toBe('complete');
    expect(report.counts.failed).toBe(0);
    expect(repeated(writes.keys)).toEqual([]);
    await finalCheck(pools);
  },
);
