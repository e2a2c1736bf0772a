/**
 * Restore bench: `npm run -s bench:restore -- [--json] [--users 50000] [--scale 5] [--latency-ms 40]`.
 *
 * A backup of N users (a snapshot in 10 groups: 80% in one group, 10% in two, every fifth user in
 * none, every seventh disabled) is restored with `--apply` into an empty pool of the Cognito
 * model (the pool was deleted and made again): every user is created, its groups joined, its
 * enabled state set. The code under test is the real one: `restore()` rebuilds the state from the
 * backup (in memory here: `MemoryBackupStore`), serves it as a read-only `BackupPool`, and the
 * reconciler plans and applies against the target's quota-faithful model (a token bucket per
 * category at the AWS default rates, 40 ms per call) on a clock running `scale` times faster than
 * real time. Reported: the apply's wall time in Cognito seconds against the theoretical minimum
 * (target calls per category divided by the rate; the largest wins), the state rebuild's real
 * time, failed operations and throttled answers. Goal: at least 0.9 of the bound, as the reconciler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CognitoModel } from '../scripts/local/cognito-model';
import { poolRoot } from '../src/backup/keys';
import { restore } from '../src/backup/restore/run';
import { MemoryBackupStore } from '../src/backup/store';
import type { BackedUpUser } from '../src/backup/types';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory } from '../src/cognito/quotas';
import { cognitoGateway } from '../src/config/wiring';
import { MemoryCheckpointStore } from '../src/reconcile/checkpoint';
import { POOL, writeSnapshot } from '../test/unit/backup/restore/fixtures';
import { ScaledClock } from './reconcile';

const GROUPS = Array.from({ length: 10 }, (_, i) => `group-${i}`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function users(n: number): BackedUpUser[] {
  return Array.from({ length: n }, (_, i) => {
    const sub = `${(i % 16).toString(16)}${String(i).padStart(7, '0')}-1111-4111-8111-${String(i).padStart(12, '0')}`;
    const groups = i % 5 === 0 ? [] : i % 10 === 1 ? [GROUPS[i % 10], GROUPS[(i + 3) % 10]] : [GROUPS[i % 10]];
    return {
      username: `user${i}`,
      sub,
      attributes: { sub, email: `user${i}@example.com`, email_verified: 'true', name: `User ${i}`, locale: 'en' },
      enabled: i % 7 !== 0,
      status: 'CONFIRMED',
      groups: groups.sort(),
      createdAt: '2026-11-01T00:00:00.000Z',
      lastModifiedAt: '2026-11-01T00:00:00.000Z',
    };
  });
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const n = Number(arg('--users') ?? 50_000);
  const scale = Number(arg('--scale') ?? 5);
  const latencyMs = Number(arg('--latency-ms') ?? 40);
  const log = (m: string) => {
    if (!json) process.stderr.write(`${m}\n`);
  };
  const store = new MemoryBackupStore();
  const root = poolRoot('bench', POOL);
  await writeSnapshot(store, root, {
    snapshotId: 'full',
    startedAt: '2026-11-30T00:00:00.000Z',
    users: users(n),
    groups: GROUPS.map((name, i) => ({ name, precedence: i, description: `bench ${name}` })),
    chunkUsers: 10_000,
  });
  const bytes = [...store.objects.values()].reduce((s, b) => s + b.length, 0);

  const clock = new ScaledClock(scale);
  const west = new CognitoModel({ clock, latencyMs });
  const pool = west.addPool({ id: 'us-west-2_BenchRst', customAttributes: ['source_sub', 'source_mfa'] });
  const target = cognitoGateway(
    { region: 'us-west-2', poolId: pool.options.id },
    { client: west.client, clock, headroom: 0 },
  );
  const dir = mkdtempSync(join(tmpdir(), 'restore-bench-'));
  let applyStart: number | undefined;
  let stateReal = 0;
  const real0 = performance.now();
  log(`restoring ${n} users into an empty pool (time scaled x${scale}, ${latencyMs} ms latency)...`);
  const result = await restore({
    backup: store,
    root,
    at: new Date('2026-11-30T09:41:00.000Z'),
    target,
    checkpoint: new MemoryCheckpointStore(join(dir, 'cp')),
    stateDir: join(dir, 'state'),
    apply: true,
    reconcile: {
      clock,
      saveIntervalMs: 30_000,
      progress: {
        phase: (name) => {
          if (applyStart === undefined) {
            applyStart = clock.now();
            stateReal = (performance.now() - real0) / 1000;
          }
          log(`  ${name} (${round((clock.now() - applyStart) / 1000)} s)`);
        },
        update() {},
        log() {},
        end() {},
      },
    },
  });
  const wall = (clock.now() - (applyStart ?? clock.now())) / 1000;
  const realSeconds = (performance.now() - real0) / 1000;
  rmSync(dir, { recursive: true, force: true });

  const per: Partial<Record<QuotaCategory, number>> = {};
  for (const [op, calls] of Object.entries(west.counts)) {
    const c = OPERATION_CATEGORY[op] ?? 'UserPoolRead';
    per[c] = (per[c] ?? 0) + calls;
  }
  let bound = { seconds: 0, category: '' };
  for (const [c, calls] of Object.entries(per)) {
    const seconds = calls / DEFAULT_QUOTAS[c as QuotaCategory];
    if (seconds > bound.seconds) bound = { seconds, category: `${c} (${calls} calls)` };
  }
  const c = result.run!.report.counts;
  const out = {
    command: 'npm run -s bench:restore -- --json',
    users: n,
    scale,
    latencyMs,
    backupBytes: bytes,
    bytesPerUser: round(bytes / n),
    stateRebuildRealSeconds: round(stateReal, 2),
    restored: { created: c.created, updated: c.updated, failed: c.failed },
    targetUsers: pool.users.size,
    throttled: west.throttled,
    calls: { ...west.counts },
    wallSeconds: round(wall),
    minimumSeconds: round(bound.seconds),
    bound: bound.category,
    efficiency: round(bound.seconds / wall, 3),
    realSeconds: round(realSeconds),
    exitCode: result.exitCode,
  };
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    log(
      `restored ${c.created} of ${n} (failed ${c.failed}, throttled ${west.throttled}) in ${out.wallSeconds} s of Cognito time; ` +
        `minimum ${out.minimumSeconds} s (${out.bound}): efficiency ${out.efficiency}`,
    );
    log(
      `state rebuilt in ${out.stateRebuildRealSeconds} s (real); backup ${out.bytesPerUser} bytes per user; real ${out.realSeconds} s`,
    );
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
