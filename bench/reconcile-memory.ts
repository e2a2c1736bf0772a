/**
 * Peak resident size of a reconcile over two in-sync pools of N users each (a dry run, the
 * daily case): `tsx bench/reconcile-memory.ts N`. The pools are synthetic: every page is
 * generated on demand from the user's index, so no model holds them and the figure is the
 * reconciler's own (listing spool, the on-disk sort of both listings, the merge join, planning).
 * Prints one JSON line: { users, peakRssMiB, seconds, secondsPerMillion, cpuSecondsPerMillion
 * (user + system CPU of the process: steadier than the wall clock on a shared machine), peakDiskMiB (the spool
 * directory at its largest, sampled every second), diskBytesPerUserPair, phases (seconds each) }.
 * `MEM_DEBUG=1` (with `node --expose-gc`) prints memory every second and at each phase.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cognitoGateway } from '../src/config/wiring';
import { MemoryCheckpointStore } from '../src/reconcile/checkpoint';
import { reconcile } from '../src/reconcile/run';

const GROUPS = 10;

function sub(side: number, i: number): string {
  // The first hex digit is the listing shard (sub ^= "h"): user i lives in shard i % 16.
  const h = (i % 16).toString(16);
  const n = i.toString(16).padStart(11, '0');
  return `${h}${side}${n.slice(0, 6)}-${n.slice(6, 10)}-4${n.slice(10)}00-8000-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
}

function attributes(side: number, i: number): { Name: string; Value: string }[] {
  const list = [
    { Name: 'sub', Value: sub(side, i) },
    { Name: 'email', Value: `user${i}@example.com` },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'name', Value: `User Number ${i}` },
    { Name: 'given_name', Value: 'User' },
    { Name: 'family_name', Value: `Number${i}` },
    { Name: 'locale', Value: 'en-US' },
  ];
  if (side === 1) list.push({ Name: 'custom:source_sub', Value: sub(0, i) });
  return list;
}

const user = (side: number, i: number) => ({
  Username: `user${i}`,
  Attributes: attributes(side, i),
  Enabled: true,
  UserStatus: 'CONFIRMED',
  UserCreateDate: new Date(0),
});

/** Members of group g: users i = g + 10j with j % 4 != 0 (75% of users are in one group). */
function member(g: number, k: number): number {
  const j = Math.floor(k / 3) * 4 + (k % 3) + 1;
  return g + GROUPS * j;
}

function membersOf(g: number, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (member(g, mid) < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function syntheticClient(side: number, n: number, poolId: string) {
  const schema = ['sub', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'locale'].map((Name) => ({
    Name,
    Mutable: Name !== 'sub',
    AttributeDataType: 'String',
  }));
  if (side === 1)
    schema.push(
      { Name: 'custom:source_sub', Mutable: true, AttributeDataType: 'String' },
      { Name: 'custom:source_mfa', Mutable: true, AttributeDataType: 'String' },
    );
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input;
      switch (command.constructor.name.replace(/Command$/, '')) {
        case 'DescribeUserPool':
          return {
            UserPool: { Id: poolId, UsernameAttributes: [], SchemaAttributes: schema, EstimatedNumberOfUsers: n },
          };
        case 'ListGroups':
          return { Groups: Array.from({ length: GROUPS }, (_, g) => ({ GroupName: `group-${g}` })) };
        case 'ListUsers': {
          const h = parseInt(/sub \^= "(.)"/.exec(input.Filter as string)![1], 16);
          const offset = Number(input.PaginationToken ?? 0);
          const users = [];
          for (let k = offset; k < offset + 60; k++) {
            const i = h + 16 * k;
            if (i >= n) break;
            users.push(user(side, i));
          }
          const next = h + 16 * (offset + 60) < n ? String(offset + 60) : undefined;
          return { Users: users, PaginationToken: next };
        }
        case 'ListUsersInGroup': {
          const g = Number(String(input.GroupName).split('-')[1]);
          const total = membersOf(g, n);
          const offset = Number(input.NextToken ?? 0);
          const users = [];
          for (let k = offset; k < Math.min(total, offset + 60); k++) users.push(user(side, member(g, k)));
          return { Users: users, NextToken: offset + 60 < total ? String(offset + 60) : undefined };
        }
        default:
          throw Object.assign(new Error(`synthetic pool: ${command.constructor.name} not expected`), {
            name: 'InvalidParameterException',
          });
      }
    },
  };
}

/** Bytes of the files under `dir` (the spool, its sort runs, the join's work files). */
function diskBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const info = statSync(path);
      total += info.isDirectory() ? diskBytes(path) : info.size;
    } catch {
      /* removed meanwhile */
    }
  }
  return total;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-mem-'));
  // A run stopped part-way (Ctrl-C, kill) leaves no gigabytes of spool behind in the temporary folder.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  const quotas = { UserList: 1_000_000, UserPoolRead: 1000, UserPoolResourceRead: 1000 };
  const gw = (side: number, region: string, poolId: string) =>
    cognitoGateway({ region, poolId }, { client: syntheticClient(side, n, poolId) as never, quotas, headroom: 0 });
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  let phaseStart = t0;
  let phaseName = 'start';
  const endPhase = (next: string) => {
    const now = Date.now();
    phases[phaseName] = Math.round((now - phaseStart) / 100) / 10;
    phaseStart = now;
    phaseName = next;
  };
  // The spool's peak size on disk (sampled): what the Lambda's ephemeral storage must hold.
  let peakDisk = 0;
  const sampler = setInterval(() => {
    peakDisk = Math.max(peakDisk, diskBytes(dir));
    if (!process.env.MEM_DEBUG) return;
    const m = process.memoryUsage();
    process.stderr.write(
      `  t=${Math.round((Date.now() - t0) / 1000)}s rss ${Math.round(m.rss / 1048576)} heap ${Math.round(m.heapUsed / 1048576)}/${Math.round(m.heapTotal / 1048576)} ext ${Math.round(m.external / 1048576)} ab ${Math.round(m.arrayBuffers / 1048576)} disk ${Math.round(peakDisk / 1048576)}\n`,
    );
  }, 1000);
  const result = await reconcile({
    source: gw(0, 'us-east-1', 'us-east-1_MemSrc'),
    target: gw(1, 'us-west-2', 'us-west-2_MemStb'),
    store: new MemoryCheckpointStore(dir),
    progress: {
      phase: (p) => {
        endPhase(p);
        if (!process.env.MEM_DEBUG) return;
        (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        process.stderr.write(
          `${p}: rss ${Math.round(m.rss / 1048576)} heap ${Math.round(m.heapUsed / 1048576)} ext ${Math.round(m.external / 1048576)} ab ${Math.round(m.arrayBuffers / 1048576)}\n`,
        );
      },
      update() {},
      log: (line) => {
        // The sort starts once both listings are complete.
        if (line.startsWith('sorting')) endPhase('sorting');
        if (process.env.MEM_DEBUG) process.stderr.write(`${line}\n`);
      },
      end() {},
    },
  });
  endPhase('end');
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  const c = result.report.counts;
  if (c.inSync !== n || c.sourceUsers !== n || c.standbyUsers !== n)
    throw new Error(
      `unexpected counts ${JSON.stringify({ inSync: c.inSync, source: c.sourceUsers, target: c.standbyUsers })}`,
    );
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  // CPU time of the process as well: on a shared machine it varies less than the wall clock.
  const cpu = process.cpuUsage();
  const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e5) / 10;
  const peakDiskMiB = Math.round(peakDisk / 1048576);
  process.stdout.write(
    `${JSON.stringify({ users: n, peakRssMiB, seconds, secondsPerMillion: Math.round((seconds / n) * 1e7) / 10, cpuSecondsPerMillion: Math.round((cpuSeconds / n) * 1e7) / 10, peakDiskMiB, diskBytesPerUserPair: Math.round(peakDisk / n), phases })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
