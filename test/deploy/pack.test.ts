/**
 * The installable command (issue 15): `npm pack` (whose prepack builds the bin), the tarball's file
 * list against an allow-list (no test, fixture, emulator, source or personal data), an install of
 * the tarball into an empty folder with production dependencies only and no network, and from
 * there `cognito-standby-sync --version` and `reconcile` and `failover` dry runs against the emulators.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { credentialFreeEnv } from '../support/cli';
import { useEmulators } from '../support/emulators';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Every file the package may ship: the built bin, its licences, the README and the operator docs. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^docs\/(RUNBOOK|RECONCILE|DEPLOY|LIMITATIONS|CHANGE-CAPTURE|BACKUP|REPORT)\.md$/,
  /^dist\/bin\/cognito-standby-sync\.mjs$/,
  /^dist\/bin\/THIRD-PARTY-LICENSES\.txt$/,
  /^dist\/bin\/chunks\/[\w-]+\.mjs$/,
];
/** What must never ship, whatever the allow-list says. */
const FORBIDDEN =
  /(^|\/)(test|tests|fixtures?|scripts|src|bench|node_modules|\.cognito|\.drill|reports|\.reconcile)\/|\.ts$|journal|manifest|\.env/i;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stripWarnings(stderr) }),
    );
  });
}

function stripWarnings(s: string): string {
  return s.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?trace-warnings[^\n]*\n/g, '');
}

/** `npm` from the same Node as this test. */
const NPM = join(dirname(process.execPath), 'npm');

let work: string;
let tarball: string;
let files: string[];
let install: string;
/** The installed bin, run as an operator would: through the link npm made, no AWS credentials. */
let bin: (args: string[]) => Promise<Run>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pack-test-'));
  const packed = await exec(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  tarball = join(work, info.filename);
  files = (info.files as { path: string }[]).map((f) => f.path).sort();

  install = join(work, 'operator');
  rmSync(install, { recursive: true, force: true });
  mkdirSync(install);
  writeFileSync(join(install, 'package.json'), JSON.stringify({ name: 'operator', version: '1.0.0', private: true }));
  const installed = await exec(
    NPM,
    ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
    { cwd: install },
  );
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stderr}`);
  const env = credentialFreeEnv({
    home: install,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  delete env.NODE_PATH;
  bin = (args) => exec(join(install, 'node_modules', '.bin', 'cognito-standby-sync'), args, { cwd: install, env });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the package', () => {
  test('ships only the allow-listed files: the built bin and its chunks, licences, README, operator docs', () => {
    const refused = files.filter((f) => !ALLOWED.some((re) => re.test(f)) || FORBIDDEN.test(f));
    expect(refused).toEqual([]);
    for (const needed of [
      'package.json',
      'README.md',
      'docs/RUNBOOK.md',
      'docs/BACKUP.md',
      'docs/REPORT.md',
      'dist/bin/cognito-standby-sync.mjs',
      'dist/bin/THIRD-PARTY-LICENSES.txt',
    ])
      expect(files).toContain(needed);
    // One chunk per tool of the registry, loaded when asked for.
    for (const tool of ['reconcile', 'failover', 'doctor', 'redrive', 'attach-trigger', 'backup', 'restore', 'report'])
      expect(files.some((f) => new RegExp(`^dist/bin/chunks/${tool}-[A-Z0-9]+\\.mjs$`).test(f))).toBe(true);
  });

  test('installs with production dependencies only: none at all, the bin linked and executable', () => {
    const packed = JSON.parse(
      readFileSync(join(install, 'node_modules', 'cognito-standby-sync', 'package.json'), 'utf8'),
    );
    expect(packed.dependencies ?? {}).toEqual({});
    expect(packed.bin).toEqual({ 'cognito-standby-sync': 'dist/bin/cognito-standby-sync.mjs' });
    expect(readdirSync(join(install, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual([
      'cognito-standby-sync',
    ]);
    const linked = join(install, 'node_modules', 'cognito-standby-sync', 'dist', 'bin', 'cognito-standby-sync.mjs');
    expect(statSync(linked).mode & 0o111).not.toBe(0);
    expect(readFileSync(linked, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  test('cognito-standby-sync --version and --help, from the installed package', async () => {
    const [version, help] = await Promise.all([bin(['--version']), bin(['--help'])]);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(help.code).toBe(0);
    for (const tool of ['reconcile', 'failover', 'doctor', 'redrive', 'attach-trigger', 'backup', 'restore', 'report'])
      expect(help.stdout).toMatch(new RegExp(`^  ${tool} `, 'm'));
  });
});

describe('the installed bin against the emulators', () => {
  const emu = useEmulators({ sqs: false, pools: { usernameMode: 'username' } });

  test('reconcile dry run: the missing user found, nothing written', async () => {
    const { primary, standby, pools } = emu();
    await primary.shim.putUser(pools.primary.poolId, {
      Username: 'packed-alice',
      Attributes: [
        { Name: 'email', Value: 'packed-alice@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    standby.shim.resetCalls();
    const r = await bin([
      'reconcile',
      '--source-region',
      primary.region,
      '--source-pool',
      pools.primary.poolId,
      '--source-endpoint',
      primary.endpoint,
      '--target-region',
      standby.region,
      '--target-pool',
      pools.standby.poolId,
      '--target-endpoint',
      standby.endpoint,
      '--json',
      '--report',
      join(install, 'reconcile.json'),
      '--checkpoint',
      join(install, 'reconcile-checkpoint.json'),
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ mode: 'dry-run', status: 'complete' });
    expect(report.counts.drift.missing).toBeGreaterThanOrEqual(1);
    expect(statSync(join(install, 'reconcile.json')).mode & 0o777).toBe(0o600);
    const found = await emu().standbyClient.send(
      new ListUsersCommand({ UserPoolId: pools.standby.poolId, Filter: 'username = "packed-alice"' }),
    );
    expect(found.Users).toEqual([]);
    expect(standby.shim.calls.AdminCreateUser ?? 0).toBe(0);
  });

  test('failover dry run: the manifest from the standby, no reset sent', async () => {
    const { standby, standbyClient, pools } = emu();
    const poolId = pools.standby.poolId;
    await standbyClient.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: 'packed-bob',
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'packed-bob@example.com' },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:source_sub', Value: 'src-packed-bob' },
          { Name: 'custom:source_mfa', Value: 'NONE' },
        ],
      }),
    );
    await standbyClient.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: 'packed-bob',
        Password: 'Local-Passw0rd!x',
        Permanent: true,
      }),
    );
    await standby.shim.outbox({ clear: true });
    const out = join(install, 'manifest.csv');
    const r = await bin([
      'failover',
      '--region',
      standby.region,
      '--pool',
      poolId,
      '--endpoint',
      standby.endpoint,
      '--out',
      out,
      '--journal',
      join(install, 'failover.journal.jsonl'),
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run: 1 resets to send/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^packed-bob,.*,src-packed-bob,/m);
    expect(await standby.shim.outbox()).toEqual([]);
  });
});
