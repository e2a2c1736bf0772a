/**
 * Backup snapshot bench: `npx tsx bench/backup-snapshot.ts [--users 50000] [--groups 10] [--scale 10]
 * [--latency-ms 40] [--json]`.
 *
 * A pool of N users (seven attributes each, like a production pool's) in `groups` groups (75% of
 * users in one group) in the quota-faithful Cognito model (scripts/local/cognito-model: AWS default
 * rates per category, TooManyRequestsException beyond them, `latency-ms` per call), on a clock
 * running `scale` times faster than real time (bench/reconcile.ts's ScaledClock). `takeSnapshot`
 * lists it with the suite's gateway (no headroom: the whole UserList quota) into a store that keeps
 * only the objects' sizes (so memory is the writer's own).
 *
 * Reported: the snapshot's time (Cognito seconds) against the UserList bound for the calls it made
 * (ListUsers + ListUsersInGroup pages at 30 per second: the ratio is bound / time, 1.0 = the quota
 * fully used), the other calls, throttles, bytes stored per user, chunks, peak RSS (and the RSS
 * before the snapshot: the seeded model holds the pool, so the writer's own memory is the rise).
 */
import { performance } from 'node:perf_hooks';
import { CognitoModel } from '../scripts/local/cognito-model';
import { takeSnapshot } from '../src/backup/snapshot';
import type { BackupStore } from '../src/backup/store';
import { DEFAULT_QUOTAS } from '../src/cognito/quotas';
import { cognitoGateway } from '../src/config/wiring';
import { ScaledClock } from './reconcile';

/** A store that keeps only what a bench needs: each object's size. */
class SizeOnlyStore implements BackupStore {
  readonly sizes = new Map<string, number>();
  location(key: string): string {
    return `bench://${key}`;
  }
  async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    if (this.sizes.has(key)) return 'exists';
    this.sizes.set(key, body.length);
    return 'written';
  }
  async get(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  async *list(): AsyncIterable<string> {}
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** One snapshot of a seeded pool of `users`; the measurements. */
export async function measure(users: number, groups: number, scale: number, latencyMs: number) {
  const clock = new ScaledClock(scale);
  const model = new CognitoModel({ clock, latencyMs, record: false });
  const poolId = 'us-east-1_BenchBackup';
  const pool = model.addPool({ id: poolId, customAttributes: ['tier'] });
  for (let i = 0; i < users; i++) {
    const u = pool.put({
      Username: `user${i}`,
      Attributes: {
        email: `user${i}@example.com`,
        email_verified: 'true',
        name: `User Number ${i}`,
        given_name: 'User',
        family_name: `Number${i}`,
        locale: 'en-US',
        'custom:tier': String(i % 3),
      },
      Created: new Date(1_600_000_000_000 + i * 1000),
    });
    // 75% of users in one group (as bench/reconcile-memory.ts).
    if (i % 4 !== 0) pool.group(`group-${i % groups}`).members.add(u.Username);
  }
  const gateway = cognitoGateway({ region: 'us-east-1', poolId }, { client: model.client, clock, headroom: 0 });
  const store = new SizeOnlyStore();
  // The seeded model holds the pool: what the snapshot adds is the peak above this.
  const rssBeforeMiB = Math.round(process.memoryUsage().rss / 1048576);
  const t0 = clock.now();
  const cpu0 = process.cpuUsage();
  const real0 = performance.now();
  const { manifest, bytes } = await takeSnapshot({ pool: gateway, store, prefix: 'bench', now: () => clock.now() });
  const seconds = (clock.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const listCalls = (gateway.calls.ListUsers ?? 0) + (gateway.calls.ListUsersInGroup ?? 0);
  const boundSeconds = listCalls / DEFAULT_QUOTAS.UserList;
  if (manifest.counts.users !== users) throw new Error(`snapshot holds ${manifest.counts.users} users, not ${users}`);
  return {
    users,
    groups,
    memberships: manifest.counts.memberships,
    scale,
    latencyMs,
    seconds: Math.round(seconds * 10) / 10,
    listCalls,
    userListBoundSeconds: Math.round(boundSeconds * 10) / 10,
    ratioOfBound: Math.round((boundSeconds / seconds) * 1000) / 1000,
    otherCalls: Object.fromEntries(
      Object.entries(gateway.calls).filter(([op]) => op !== 'ListUsers' && op !== 'ListUsersInGroup'),
    ),
    throttled: model.throttled,
    chunks: manifest.chunks.length,
    bytes,
    bytesPerUser: Math.round((bytes / users) * 10) / 10,
    realSeconds: Math.round((performance.now() - real0) / 100) / 10,
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforeMiB,
  };
}

async function main(): Promise<void> {
  const r = await measure(arg('users', 50_000), arg('groups', 10), arg('scale', 10), arg('latency-ms', 40));
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(
    `${[
      `snapshot of ${r.users.toLocaleString('en-US')} users, ${r.groups} groups (${r.memberships?.toLocaleString('en-US')} memberships), ${r.latencyMs} ms a call, time x${r.scale}`,
      `  time ${r.seconds} s; UserList bound for its ${r.listCalls} list calls ${r.userListBoundSeconds} s: ratio ${r.ratioOfBound}`,
      `  other calls ${JSON.stringify(r.otherCalls)}, throttled ${r.throttled}`,
      `  stored ${r.bytes.toLocaleString('en-US')} bytes in ${r.chunks} chunks: ${r.bytesPerUser} bytes per user`,
      `  real ${r.realSeconds} s, CPU ${r.cpuSeconds} s (the model's included), peak RSS ${r.peakRssMiB} MiB (${r.rssBeforeMiB} MiB before the snapshot, the seeded model)`,
    ].join('\n')}\n`,
  );
}

if (require.main === module)
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
