/**
 * Peak resident size of a dry-run restore of N users:
 * `tsx bench/restore-memory.ts N [--journal M] [--rebuild-only]` (BENCHMARKS.md, "Restore memory";
 * `NODE_OPTIONS=--max-old-space-size=160` caps V8's old space, as the reconciler's memory bench).
 *
 * The backup is written to a folder on disk first, by a child process (so that writing it costs
 * this process nothing): one snapshot of N users in chunks of 10,000 as the snapshot writer makes
 * them (users without their groups; the groups as membership lines of 60 subs, one ListUsersInGroup
 * page each), 10 groups, every user in one group and every other user in a second one, and a
 * journal of M changed users after the snapshot (default 0). Then, in this process, `restore()`
 * rebuilds the state at T from that folder (a file-backed `BackupStore`, read object by object as
 * S3 would be) and the reconciler plans a dry run against an empty target of the Cognito model.
 * `--rebuild-only` stops after the rebuild (`stateAt()` into the `StateWriter`, the sort's files
 * in the bench's folder): the part of a restore whose memory grew with the pool.
 *
 * Prints one JSON line: { users, journalUsers, peakRssMiB (the process's maximum resident size),
 * rebuildPeakRssMiB (the maximum after the state rebuild, before planning), rebuildSeconds,
 * seconds, stateDiskBytesPerUser (the rebuilt state on disk), planned }.
 * `MEM_DEBUG=1` prints the resident size every second.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { CognitoModel } from '../scripts/local/cognito-model';
import { journalKey, manifestKey, poolRoot, snapshotRoot } from '../src/backup/keys';
import { restore } from '../src/backup/restore/run';
import { stateAt } from '../src/backup/restore/state-at';
import { StateWriter } from '../src/backup/restore/state-files';
import type { BackupStore } from '../src/backup/store';
import type { BackedUpUser, JournalRecord, SnapshotChunk, SnapshotManifest } from '../src/backup/types';
import { systemClock } from '../src/cognito/limiter';
import { cognitoGateway } from '../src/config/wiring';
import { MemoryCheckpointStore } from '../src/reconcile/checkpoint';

const POOL = 'eu-west-1_Primary1';
const GROUPS = Array.from({ length: 10 }, (_, i) => `group-${i}`);
const CHUNK_USERS = 10_000;
const AT = new Date('2026-11-30T09:41:00.000Z');
const MEMBERS_PER_LINE = 60;
const GROUP_LINES_PER_CHUNK = 1000;

/** A backup store on local disk: one file per key. */
class FileBackupStore implements BackupStore {
  constructor(private readonly dir: string) {}

  location(key: string): string {
    return `file://${join(this.dir, key)}`;
  }

  async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    const path = join(this.dir, key);
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, body, { flag: 'wx' });
      return 'written';
    } catch {
      return 'exists';
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return readFileSync(join(this.dir, key));
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    const keys: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else keys.push(relative(this.dir, p));
      }
    };
    walk(this.dir);
    for (const key of keys.sort()) if (key.startsWith(prefix) && (!startAfter || key > startAfter)) yield key;
  }
}

function subOf(i: number): string {
  const n = i.toString(16).padStart(11, '0');
  return `${(i % 16).toString(16)}${n.slice(0, 7)}-${n.slice(7, 11)}-4000-8000-${(i * 7919).toString(16).padStart(12, '0').slice(-12)}`;
}

function user(i: number, lastModifiedAt = '2026-11-01T00:00:00.000Z'): BackedUpUser {
  const sub = subOf(i);
  return {
    username: `user${i}`,
    sub,
    attributes: { sub, email: `user${i}@example.com`, email_verified: 'true', name: `User Number ${i}`, locale: 'en' },
    enabled: true,
    status: 'CONFIRMED',
    createdAt: '2026-11-01T00:00:00.000Z',
    lastModifiedAt,
  };
}

/** Every user in group i % 10; every other one also in group (i + 3) % 10. */
function inGroup(i: number, g: number): boolean {
  return i % 10 === g || (i % 2 === 0 && (i + 3) % 10 === g);
}

const jsonLines = (records: unknown[]) => gzipSync(Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join('')));

async function generate(dir: string, n: number, journalUsers: number): Promise<void> {
  const store = new FileBackupStore(dir);
  const root = poolRoot('bench', POOL);
  const folder = snapshotRoot(root, 'full');
  const chunks: SnapshotChunk[] = [];
  const put = async (name: string, kind: SnapshotChunk['kind'], body: Uint8Array, records: number) => {
    const key = `${folder}${name}`;
    await store.putNew(key, body);
    chunks.push({ key, kind, records, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  };
  for (let c = 0; c * CHUNK_USERS < n; c++) {
    const part: BackedUpUser[] = [];
    for (let i = c * CHUNK_USERS; i < Math.min(n, (c + 1) * CHUNK_USERS); i++) part.push(user(i));
    await put(`users-${c}.jsonl.gz`, 'users', jsonLines(part), part.length);
  }
  let lines: unknown[] = [];
  let groupChunk = 0;
  const flush = async () => {
    await put(`groups-${groupChunk++}.jsonl.gz`, 'groups', jsonLines(lines), lines.length);
    lines = [];
  };
  for (const [g, name] of GROUPS.entries()) {
    let members: string[] = [];
    let first = true;
    const line = async () => {
      lines.push({ group: name, ...(first ? { definition: { name, precedence: g } } : {}), members });
      first = false;
      members = [];
      if (lines.length >= GROUP_LINES_PER_CHUNK) await flush();
    };
    for (let i = 0; i < n; i++) {
      if (!inGroup(i, g)) continue;
      members.push(subOf(i));
      if (members.length === MEMBERS_PER_LINE) await line();
    }
    if (members.length || first) await line();
  }
  if (lines.length) await flush();
  const manifest: SnapshotManifest = {
    format: 1,
    poolId: POOL,
    region: 'eu-west-1',
    snapshotId: 'full',
    startedAt: '2026-11-30T00:00:00.000Z',
    finishedAt: '2026-11-30T00:10:00.000Z',
    counts: { users: n, groups: GROUPS.length },
    chunks,
  };
  // The journal: users changed after the snapshot (one state each, 500 a batch).
  for (let b = 0; b * 500 < journalUsers; b++) {
    const records: JournalRecord[] = [];
    for (let k = b * 500; k < Math.min(journalUsers, (b + 1) * 500); k++) {
      const i = (k * 7) % n;
      records.push({
        kind: 'user',
        at: '2026-11-30T01:00:00.000Z',
        user: { ...user(i, '2026-11-30T01:00:00.000Z'), enabled: false },
      });
    }
    await store.putNew(
      journalKey(root, new Date(Date.parse('2026-11-30T01:00:00.000Z') + b), 'bench', b + 1),
      jsonLines(records),
    );
  }
  await store.putNew(manifestKey(root, 'full'), Buffer.from(JSON.stringify(manifest)));
}

function duBytes(path: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, e.name);
      total += e.isDirectory() ? duBytes(p) : statSync(p).size;
    }
  } catch {
    /* gone */
  }
  return total;
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function measure(n: number, journalUsers: number, rebuildOnly: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'restore-memory-'));
  const backupDir = join(dir, 'backup');
  try {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1], '--generate', backupDir, String(n), String(journalUsers)],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) throw new Error(`generating the backup failed (${child.status})`);
    let maxDisk = 0;
    const stateDir = join(dir, 'state');
    const sampler = setInterval(() => {
      const disk = duBytes(stateDir) + duBytes(join(dir, 'work'));
      maxDisk = Math.max(maxDisk, disk);
      if (process.env.MEM_DEBUG)
        process.stderr.write(
          `rss ${mib(process.memoryUsage().rss)} MiB, heap ${mib(process.memoryUsage().heapUsed)} MiB, disk ${mib(disk)} MiB\n`,
        );
    }, 1000);
    const model = new CognitoModel({ clock: systemClock, latencyMs: 0, record: false });
    const pool = model.addPool({ id: 'us-west-2_BenchMem', customAttributes: ['source_sub', 'source_mfa'] });
    const target = cognitoGateway(
      { region: 'us-west-2', poolId: pool.options.id },
      { client: model.client, clock: systemClock, headroom: 0 },
    );
    const t0 = performance.now();
    if (rebuildOnly) {
      const writer = await StateWriter.create(stateDir);
      mkdirSync(join(dir, 'work'), { recursive: true });
      const stats = await stateAt(
        { store: new FileBackupStore(backupDir), root: poolRoot('bench', POOL), at: AT, workDir: join(dir, 'work') },
        writer,
      );
      await writer.finish(stats);
      clearInterval(sampler);
      const stateBytes = duBytes(stateDir);
      process.stdout.write(
        `${JSON.stringify({
          users: n,
          journalUsers,
          rebuildOnly,
          rebuildPeakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
          rebuildSeconds: Math.round(((performance.now() - t0) / 1000) * 10) / 10,
          stateDiskBytesPerUser: Math.round(stateBytes / n),
          peakDiskBytesPerUser: Math.round(Math.max(maxDisk, stateBytes) / n),
          stateUsers: stats.users,
        })}\n`,
      );
      return;
    }
    let rebuildSeconds = 0;
    let rebuildPeak = 0;
    let stateBytes = 0;
    const result = await restore({
      backup: new FileBackupStore(backupDir),
      root: poolRoot('bench', POOL),
      at: AT,
      target,
      checkpoint: new MemoryCheckpointStore(join(dir, 'cp')),
      stateDir,
      reconcile: {
        progress: {
          phase: () => {
            if (rebuildSeconds) return;
            rebuildSeconds = (performance.now() - t0) / 1000;
            rebuildPeak = process.resourceUsage().maxRSS * 1024;
            stateBytes = duBytes(stateDir);
          },
          update() {},
          log() {},
          end() {},
        },
      },
    });
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    const counts = result.run?.report.counts;
    process.stdout.write(
      `${JSON.stringify({
        users: n,
        journalUsers,
        peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
        rebuildPeakRssMiB: mib(rebuildPeak),
        rebuildSeconds: Math.round(rebuildSeconds * 10) / 10,
        seconds: Math.round(seconds * 10) / 10,
        stateDiskBytesPerUser: Math.round(stateBytes / n),
        peakDiskBytesPerUser: Math.round(Math.max(maxDisk, stateBytes) / n),
        stateUsers: result.state.users,
        planned: counts?.create,
        exitCode: result.exitCode,
      })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const g = process.argv.indexOf('--generate');
const run =
  g >= 0
    ? generate(process.argv[g + 1], Number(process.argv[g + 2]), Number(process.argv[g + 3]))
    : measure(
        Number(process.argv[2] ?? 100_000),
        Number(arg('--journal') ?? 0),
        process.argv.includes('--rebuild-only'),
      );
run.catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(2);
});
