/**
 * Bad input, part 2: the command-line tools. Bad flags and values for the reconcile, failover,
 * doctor and redrive CLIs (each spawned as a user runs it), unreachable endpoints, and unreadable
 * or damaged journal, checkpoint, report and output files. Each must exit with the documented
 * status (docs/RUNBOOK.md: 2 = could not run: bad flag, unreachable endpoint, refused) and a
 * message naming the problem, and leave every file and pool as it was.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDrillPool, type DrillPool } from '../../scripts/local/pools';
import { readJournal } from '../../src/failover/journal';
import { useEmulators } from '../support/emulators';
import {
  adminCreateUsers,
  assertStandbyMatchesSource,
  gatewayFor,
  population,
  freshPools,
  putReplicas,
  withSteadyClients,
} from '../support/faults';

jest.setTimeout(180_000);

const emu = withSteadyClients(useEmulators({ sqs: false, pools: false }));
const ROOT = join(__dirname, '..', '..');
/** tsx's loader by absolute URL: the CLIs run from a temporary folder, as a user would from anywhere. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
let work: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI as `npm run <cli> -- args` would (node + tsx), no AWS credentials, stdin not a terminal. */
function cli(name: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, AWS_EC2_METADATA_DISABLED: 'true' };
  for (const k of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'NODE_OPTIONS',
    'AWS_REGION',
  ])
    delete env[k];
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX_LOADER, join(ROOT, 'scripts', `${name}.ts`), ...args],
      { env, cwd: work, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number | string }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr: stripNodeWarnings(stderr) });
      },
    );
    child.stdin?.end();
  });
}

function stripNodeWarnings(s: string): string {
  return s.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?trace-warnings[^\n]*\n/g, '');
}

/** Runs tasks with at most `n` at once (the spawned CLIs are CPU-bound at start-up). */
async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faults-cli-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// ----------------------------------------------------------------------------- flags and values

const SRC = ['--source-region', 'us-east-1', '--source-pool', 'us-east-1_Abc123'];
const TGT = ['--target-region', 'us-west-2', '--target-pool', 'us-west-2_Abc123'];
const FO = ['--region', 'us-west-2', '--pool', 'us-west-2_Abc123', '--out', 'manifest.csv'];
const DEAD = 'http://127.0.0.1:9'; // discard port: connection refused

/** [cli, what, args, exit status, the message must match]. */
const FLAG_ROWS: [string, string, string[], number, RegExp][] = [
  ['reconcile', 'no flags', [], 2, /required option '--source-region/],
  [
    'reconcile',
    'a Region that is not one',
    ['--source-region', 'nope', ...SRC.slice(2), ...TGT],
    2,
    /--source-region.*'nope'.*expected an AWS Region/,
  ],
  [
    'reconcile',
    'a pool id that is not one',
    [...SRC.slice(0, 2), '--source-pool', 'pool', ...TGT],
    2,
    /--source-pool.*'pool'.*expected a user pool id/,
  ],
  ['reconcile', 'a negative delete limit', [...SRC, ...TGT, '--max-deletes', '-1'], 2, /--max-deletes.*whole number/],
  ['reconcile', 'a headroom above 0.95', [...SRC, ...TGT, '--headroom', '2'], 2, /--headroom.*fraction/],
  ['reconcile', 'a quota of an unknown category', [...SRC, ...TGT, '--quota', 'Speed=1'], 2, /unknown category Speed/],
  ['reconcile', 'a quota of 0', [...SRC, ...TGT, '--quota', 'UserUpdate=0'], 2, /UserUpdate=0.*above 0/],
  ['reconcile', '--import without its role', [...SRC, ...TGT, '--import'], 2, /--import needs --import-role-arn/],
  [
    'reconcile',
    'the same pool on both sides',
    [...SRC, '--target-region', 'us-east-1', '--target-pool', 'us-east-1_Abc123'],
    2,
    /same pool/,
  ],
  ['reconcile', 'an unknown flag', [...SRC, ...TGT, '--frobnicate'], 2, /unknown option '--frobnicate'/],
  [
    'reconcile',
    'an endpoint that is not a URL',
    [...SRC, ...TGT, '--source-endpoint', 'localhost'],
    2,
    /--source-endpoint.*expected a URL/,
  ],
  [
    'reconcile',
    'unreachable endpoints',
    [...SRC, ...TGT, '--source-endpoint', DEAD, '--target-endpoint', DEAD],
    2,
    /^error: .*ECONNREFUSED/,
  ],
  ['failover', 'no flags', [], 2, /required option '--region/],
  [
    'failover',
    'a pool id that is not one',
    ['--region', 'us-west-2', '--pool', 'pool', '--out', 'm.csv'],
    2,
    /--pool.*expected a user pool id/,
  ],
  ['failover', 'a rate of 0', [...FO, '--rate', '0'], 2, /--rate.*greater than 0/],
  ['failover', 'a quota of an unknown category', [...FO, '--quota', 'Speed=1'], 2, /unknown category Speed/],
  ['failover', 'a quota of 0', [...FO, '--quota', 'UserList=0'], 2, /UserList=0.*above 0/],
  ['failover', 'a format it does not write', [...FO, '--format', 'xml'], 2, /--format.*xml.*csv, jsonl/],
  ['failover', 'a headroom of 1', [...FO, '--headroom', '1'], 2, /--headroom.*fraction/],
  ['failover', '--send without --yes and no terminal', [...FO, '--send'], 2, /--send without --yes.*--yes/],
  ['failover', 'an unreachable endpoint', [...FO, '--endpoint', DEAD], 2, /ECONNREFUSED/],
  ['doctor', 'no flags', [], 2, /required option '--source-region/],
  [
    'doctor',
    'a Region that is not one',
    [...SRC, '--target-region', 'x', '--target-pool', 'us-west-2_Abc123'],
    2,
    /--target-region.*'x'.*AWS Region/,
  ],
  [
    'doctor',
    'an endpoint that is not http(s)',
    [...SRC, ...TGT, '--source-endpoint', 'ftp://x'],
    2,
    /--source-endpoint.*expected a URL/,
  ],
  [
    'doctor',
    'unreachable endpoints',
    [...SRC, ...TGT, '--source-endpoint', DEAD, '--target-endpoint', DEAD],
    2,
    /ECONNREFUSED/,
  ],
  ['redrive', 'no flags', [], 2, /required option '--region/],
  [
    'redrive',
    'a method it does not know',
    ['--region', 'us-east-1', '--queue', 'q', '--method', 'teleport'],
    2,
    /--method.*teleport.*auto, task, copy/,
  ],
  ['redrive', 'a maximum of 0', ['--region', 'us-east-1', '--queue', 'q', '--max', '0'], 2, /--max.*greater than 0/],
  [
    'redrive',
    'an endpoint that is not a URL',
    ['--region', 'us-east-1', '--queue', 'q', '--endpoint', 'nope'],
    2,
    /--endpoint.*expected a URL/,
  ],
  [
    'redrive',
    'an unreachable endpoint',
    ['--region', 'us-east-1', '--queue', 'q', '--endpoint', DEAD],
    2,
    /ECONNREFUSED/,
  ],
];

describe('bad flags and values: exit 2 and a message naming the flag; nothing is contacted or written', () => {
  let results: Run[] = [];
  beforeAll(async () => {
    results = await pool(
      FLAG_ROWS.map(
        ([name, , args]) =>
          () =>
            cli(name, args),
      ),
      3,
    );
  }, 150_000);

  test.each(FLAG_ROWS.map((r, i) => [...r, i] as const))('%s: %s', (_cli, _what, _args, status, message, i) => {
    const r = results[i];
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // a message, not a stack trace
    expect(r.code).toBe(status);
  });
});

// ----------------------------------------------------------------------------- the failover journal

describe('failover journal and output files: refused with a message naming the file; the journal is left as it was; nobody is notified', () => {
  let standby: DrillPool;
  let base: string[];
  const replicas = ['ann', 'ben', 'cat'];

  beforeAll(async () => {
    const e = emu();
    standby = await createDrillPool(e.standbyClient, {
      name: 'cli-journal',
      usernameMode: 'username',
      replicaAttributes: true,
    });
    await putReplicas(e.standby, standby.poolId, replicas);
    base = [
      '--region',
      e.standby.region,
      '--pool',
      standby.poolId,
      '--endpoint',
      e.standby.endpoint,
      '--out',
      join(work, 'manifest.csv'),
    ];
  });

  const resets = async () =>
    (await emu().standby.shim.outbox()).filter((m) => m.kind === 'reset' && m.poolId === standby.poolId).length;
  const header = () =>
    JSON.stringify({
      type: 'header',
      v: 1,
      region: emu().standby.region,
      poolId: standby.poolId,
      at: new Date().toISOString(),
    });

  /**
   * Refusals, run three at a time: [what, journal content or 'folder' | 'missing-folder' | 'locked', extra flags, message].
   * None may notify anyone, and every journal must be left byte for byte as it was.
   */
  const REFUSALS: [string, () => string, () => string[], () => RegExp][] = [
    [
      'a line that is not JSON (send)',
      () => `${header()}\n{"type":"intent","sub":"x"\n{"type":"sent","sub":"y","at":"t"}\n`,
      () => ['--send', '--yes'],
      () => /journal line 2 is not JSON.*do not delete it/,
    ],
    [
      'a line that is not JSON (dry run)',
      () => `${header()}\nnot json\n`,
      () => [],
      () => /journal line 2 is not JSON/,
    ],
    [
      'the journal of another pool',
      () => `${JSON.stringify({ type: 'header', v: 1, region: 'eu-west-1', poolId: 'eu-west-1_Other1', at: 't' })}\n`,
      () => ['--send', '--yes'],
      () => /belongs to pool eu-west-1\/eu-west-1_Other1.*--journal with another file/,
    ],
    [
      'a journal version it does not know',
      () => `${JSON.stringify({ type: 'header', v: 9, region: 'x', poolId: 'y', at: 't' })}\n`,
      () => ['--send', '--yes'],
      () => /journal version 9 is not supported/,
    ],
    [
      'a folder in place of the journal',
      () => 'folder',
      () => ['--send', '--yes'],
      () => /cannot read the journal .*journal-a-folder-in-place-of-the-journal/,
    ],
    [
      'a journal in a folder that does not exist',
      () => 'missing-folder',
      () => ['--send', '--yes'],
      () => /cannot lock the journal.*no-such-folder/,
    ],
    [
      'a journal locked by another live run',
      () => 'locked',
      () => ['--send', '--yes'],
      () => new RegExp(`another failover run \\(pid ${process.pid}\\) is using this journal`),
    ],
    [
      'a manifest in a folder that does not exist',
      () => `${header()}\n`,
      () => ['--send', '--yes', '--out', join(work, 'missing', 'manifest.csv')],
      () => /error: .*ENOENT.*missing/,
    ],
  ];
  const refusals = new Map<string, { run: Run; journal: string; before?: string }>();

  beforeAll(async () => {
    const resetsBefore = await resets();
    const runs = await pool(
      REFUSALS.map(([label, content, extra]) => async () => {
        const slug = label.replace(/\W+/g, '-');
        let journal = join(work, `journal-${slug}.jsonl`);
        const kind = content();
        if (kind === 'folder') {
          journal = join(work, `journal-${slug}`);
          mkdirSync(journal);
        } else if (kind === 'missing-folder') {
          journal = join(work, 'no-such-folder', 'journal.jsonl');
        } else if (kind === 'locked') {
          writeFileSync(journal, `${header()}\n`);
          writeFileSync(`${journal}.lock`, String(process.pid)); // this test process: alive
        } else {
          writeFileSync(journal, kind);
        }
        const before = kind === 'folder' || kind === 'missing-folder' ? undefined : hash(journal);
        const run = await cli('failover', [...base, '--journal', journal, ...extra()]);
        refusals.set(label, { run, journal, before });
      }),
      3,
    );
    expect(runs).toHaveLength(REFUSALS.length);
    expect(await resets()).toBe(resetsBefore); // nobody notified by any of them
  }, 150_000);

  test.each(REFUSALS.map(([label, , , message]) => [label, message] as const))(
    '%s: exit 2, the problem named, the journal unchanged',
    (label, message) => {
      const { run, journal, before } = refusals.get(label)!;
      expect(run.stderr).toMatch(message());
      expect(run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(run.code).toBe(2);
      if (before) expect(hash(journal)).toBe(before);
    },
  );

  test('the lock of the other run is left in place', () => {
    const { journal } = refusals.get('a journal locked by another live run')!;
    expect(readFileSync(`${journal}.lock`, 'utf8')).toBe(String(process.pid));
  });

  test('journal whose last line was cut short (a write that never finished): the partial line is dropped, the run completes, the journal replays clean', async () => {
    const journal = join(work, 'journal-torn.jsonl');
    writeFileSync(journal, `${header()}\n{"type":"intent","sub":"src-a`);
    const r = await cli('failover', [...base, '--journal', journal, '--send', '--yes']);
    expect(r.code).toBe(0);
    const state = readJournal(journal);
    expect(state.tornTail).toBe(false);
    expect([...state.bySub.values()].every((e) => e.state === 'sent')).toBe(true);
    const perUser = new Map<string, number>();
    for (const m of await emu().standby.shim.outbox())
      if (m.kind === 'reset' && m.poolId === standby.poolId)
        perUser.set(m.username, (perUser.get(m.username) ?? 0) + 1);
    expect([...perUser.keys()].sort()).toEqual(replicas);
    expect([...perUser.values()].every((n) => n === 1)).toBe(true);
  });
});

// ----------------------------------------------------------------------------- reconcile checkpoint and report

describe('reconcile checkpoint and report files', () => {
  let pools: { primary: DrillPool; standby: DrillPool };
  let base: string[];

  beforeAll(async () => {
    const e = emu();
    pools = await freshPools(e, 'cli-files');
    await adminCreateUsers(e.primaryClient, pools.primary, population('clifiles', 5));
    base = [
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
    ];
  });

  test('checkpoint that is a folder: exit 2 naming it before anything is listed or written', async () => {
    const e = emu();
    const folder = join(work, 'checkpoint-folder');
    mkdirSync(folder);
    const writes = e.standby.shim.writeCalls();
    const r = await cli('reconcile', [...base, '--apply', '--checkpoint', folder, '--report', join(work, 'r1.json')]);
    expect(r.stderr).toMatch(new RegExp(`cannot read the checkpoint ${folder}`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(e.standby.shim.writeCalls()).toBe(writes);
  });

  test('checkpoint under a file: exit 2 naming it', async () => {
    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    const r = await cli('reconcile', [
      ...base,
      '--checkpoint',
      join(file, 'cp.json'),
      '--report',
      join(work, 'r2.json'),
    ]);
    expect(r.stderr).toMatch(/cannot (read|lock) the checkpoint .*plain-file\/cp\.json/);
    expect(r.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  test('checkpoint that is not JSON: discarded with a warning naming it, the run starts afresh and completes; the standby ends correct', async () => {
    const e = emu();
    const checkpoint = join(work, 'garbage.json');
    writeFileSync(checkpoint, '{ this is not json');
    const r = await cli('reconcile', [
      ...base,
      '--apply',
      '--deep',
      '--checkpoint',
      checkpoint,
      '--report',
      join(work, 'r3.json'),
    ]);
    expect(r.stderr).toContain(`warning: discarding the checkpoint ${checkpoint}: it is not valid JSON`);
    expect(r.code).toBe(0);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false); // released
    await assertStandbyMatchesSource({
      source: gatewayFor(e.primary, pools.primary.poolId),
      standby: gatewayFor(e.standby, pools.standby.poolId),
      expectUsers: 5,
    });
  });

  test('a report path that is a folder: exit 2 naming the flag and path before anything is listed; no checkpoint left', async () => {
    const e = emu();
    const folder = join(work, 'report-folder');
    mkdirSync(folder, { recursive: true });
    const checkpoint = join(work, 'cp-report.json');
    const calls = e.standby.shim.writeCalls();
    const r = await cli('reconcile', [...base, '--apply', '--checkpoint', checkpoint, '--report', folder]);
    expect(r.stderr).toMatch(new RegExp(`--report ${folder}: the report cannot be written there \\(it is a folder\\)`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(e.standby.shim.writeCalls()).toBe(calls);
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
  });

  test('a checkpoint locked by another live reconcile: exit 2 naming its pid and the checkpoint; its lock and checkpoint left alone', async () => {
    const e = emu();
    const checkpoint = join(work, 'cp-locked.json');
    writeFileSync(checkpoint, '{}');
    writeFileSync(`${checkpoint}.lock`, String(process.pid)); // this test process: alive
    const calls = e.standby.shim.writeCalls();
    const r = await cli('reconcile', [
      ...base,
      '--apply',
      '--checkpoint',
      checkpoint,
      '--report',
      join(work, 'r-locked.json'),
    ]);
    expect(r.stderr).toContain(`another reconcile (pid ${process.pid}) is using ${checkpoint}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(e.standby.shim.writeCalls()).toBe(calls);
    expect(readFileSync(`${checkpoint}.lock`, 'utf8')).toBe(String(process.pid));
    expect(readFileSync(checkpoint, 'utf8')).toBe('{}');
  });

  test('a lock left by a process that is gone: taken over with a note; the run completes and releases it', async () => {
    const checkpoint = join(work, 'cp-stale.json');
    writeFileSync(`${checkpoint}.lock`, '2147483646'); // no such process
    const r = await cli('reconcile', [...base, '--checkpoint', checkpoint, '--report', join(work, 'r-stale.json')]);
    expect(r.stderr).toMatch(
      /taking over the lock .*cp-stale\.json\.lock: its reconcile \(pid 2147483646\) is no longer running/,
    );
    expect(r.code).toBe(0);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
    expect(existsSync(join(work, 'r-stale.json'))).toBe(true);
  });
});
