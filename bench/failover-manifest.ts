/**
 * The failover job's listing phase over a synthetic standby of N users:
 * `tsx bench/failover-manifest.ts N [scale]` (one size per process: peak RSS is the process's).
 *
 * The standby is generated page by page from the user's index (as bench/reconcile-memory.ts), so
 * no model holds it and the figure is the job's own. Time is scaled: the UserList quota (30/s,
 * one ListUsers page of 60 users per call) runs `scale` times faster (default 20), and so do the
 * latencies of the job's storage (a DynamoDB save 10 ms, an S3 PUT 40 ms, divided by `scale`).
 * The list-bound minimum is pages / (30 × scale) seconds; the job's time is compared with it.
 * Every replica carries its MFA marker (no AdminGetUser reads). The parts are counted, not kept.
 * Prints one JSON line: { users, pages, parts, peakRssMiB, seconds, minimumSeconds, ratio,
 * cpuSeconds, coreAtQuota, largestStateKiB }: `ratio` is the list-bound minimum over the time
 * taken (wall clock, so a loaded machine lowers it); `coreAtQuota` the share of one core the
 * listing needs at the real, unscaled quota (CPU time over the unscaled minimum), which does not
 * depend on the load.
 */
import { cognitoGateway } from '../src/config/wiring';
import { FileJobStore, listingTotals, newJobState, runJobSession } from '../src/failover/job';
import type { JobStore, ManifestStore } from '../src/failover/job/ports';
import { encodePart } from '../src/failover/job/part-codec';
import type { JobState, ManifestPart, PartRef } from '../src/failover/job/types';

const USER_LIST_QUOTA = 30;
const PAGE = 60;
const POOL_ID = 'us-west-2_BenchFo';

function sub(i: number): string {
  // The first hex digit is the listing shard (sub ^= "h"): user i lives in shard i % 16.
  const h = (i % 16).toString(16);
  const n = i.toString(16).padStart(11, '0');
  return `${h}1${n.slice(0, 6)}-${n.slice(6, 10)}-4${n.slice(10)}00-8000-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
}

const user = (i: number) => ({
  Username: `user${i}`,
  Attributes: [
    { Name: 'sub', Value: sub(i) },
    { Name: 'email', Value: `user${i}@example.com` },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'name', Value: `User Number ${i}` },
    { Name: 'locale', Value: 'en-US' },
    { Name: 'custom:source_sub', Value: `src-${i}` },
    { Name: 'custom:source_mfa', Value: 'NONE' },
  ],
  Enabled: true,
  UserStatus: 'CONFIRMED',
  UserCreateDate: new Date(0),
});

function syntheticClient(n: number) {
  const schema = ['sub', 'email', 'email_verified', 'name', 'locale', 'custom:source_sub', 'custom:source_mfa'].map(
    (Name) => ({ Name, Mutable: Name !== 'sub', AttributeDataType: 'String' }),
  );
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input;
      switch (command.constructor.name.replace(/Command$/, '')) {
        case 'DescribeUserPool':
          return {
            UserPool: {
              Id: POOL_ID,
              UsernameAttributes: [],
              SchemaAttributes: schema,
              EstimatedNumberOfUsers: n,
              AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
            },
          };
        case 'ListUsers': {
          const h = parseInt(/sub \^= "(.)"/.exec(input.Filter as string)![1], 16);
          const offset = Number(input.PaginationToken ?? 0);
          const users = [];
          for (let k = offset; k < offset + PAGE; k++) {
            const i = h + 16 * k;
            if (i >= n) break;
            users.push(user(i));
          }
          const next = h + 16 * (offset + PAGE) < n ? String(offset + PAGE) : undefined;
          return { Users: users, PaginationToken: next };
        }
        default:
          throw Object.assign(new Error(`synthetic pool: ${command.constructor.name} not expected`), {
            name: 'InvalidParameterException',
          });
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** S3 as far as the job sees it: a PUT that takes its time; the part is encoded (its cost is the job's) and dropped. */
class CountingManifestStore implements ManifestStore {
  readonly location = 'bench';
  parts = 0;
  bytes = 0;
  constructor(private readonly latencyMs: number) {}
  async putPart(_jobId: string, _ref: PartRef, part: ManifestPart): Promise<void> {
    this.bytes += Buffer.byteLength(encodePart(part));
    await sleep(this.latencyMs);
    this.parts++;
  }
  async getPart(): Promise<ManifestPart | undefined> {
    return undefined;
  }
}

/** The largest state item saved (bytes of its JSON), for the cost of a save (one WRU per KB). */
let largestState = 0;

/** DynamoDB as far as the job sees it: saves that take their time. */
function slowStore(inner: FileJobStore, latencyMs: number): JobStore {
  return {
    location: inner.location,
    get: (p) => inner.get(p),
    create: (s) => inner.create(s),
    acquire: (...a) => inner.acquire(...a),
    save: async (s: JobState, until: number) => {
      largestState = Math.max(largestState, JSON.stringify(s).length);
      await sleep(latencyMs);
      return inner.save(s, until);
    },
    release: (...a) => inner.release(...a),
    setDesired: (...a) => inner.setDesired(...a),
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const scale = Number(process.argv[3] ?? 20);
  const rate = USER_LIST_QUOTA * scale;
  const standby = cognitoGateway(
    { region: 'us-west-2', poolId: POOL_ID },
    {
      client: syntheticClient(n) as never,
      quotas: { UserList: rate, UserPoolRead: 1000 },
      headroom: 0,
    },
  );
  const inner = new FileJobStore();
  const store = slowStore(inner, 10 / scale);
  const manifests = new CountingManifestStore(40 / scale);
  await inner.create(
    newJobState({
      poolId: POOL_ID,
      options: { send: false, sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' },
    }),
  );
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const r = await runJobSession(
    { store, manifests, standby },
    { poolId: POOL_ID, owner: 'bench', deadline: Date.now() + 24 * 3_600_000, leaseMs: 24 * 3_600_000 },
  );
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const state = (await inner.get(POOL_ID))!;
  const totals = listingTotals(state);
  if (r.status !== 'done' || totals.listed !== n || totals.toSend !== n)
    throw new Error(`unexpected end: ${r.status}, listed ${totals.listed}, to send ${totals.toSend}`);
  const pages = state.shards.reduce((sum, s) => sum + s.pages, 0);
  const minimumSeconds = pages / rate;
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(
    `${JSON.stringify({
      users: n,
      scale,
      pages,
      parts: manifests.parts,
      partMiB: Math.round(manifests.bytes / 1048576),
      peakRssMiB,
      seconds: Math.round(seconds * 10) / 10,
      minimumSeconds: Math.round(minimumSeconds * 10) / 10,
      ratio: Math.round((minimumSeconds / seconds) * 1000) / 1000,
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      // The share of one core the listing needs at the real quota (30 pages a second, unscaled).
      coreAtQuota: Math.round((cpuSeconds / (minimumSeconds * scale)) * 1000) / 1000,
      largestStateKiB: Math.round(largestState / 102.4) / 10,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
