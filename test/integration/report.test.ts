/**
 * `npm run report` as a user runs it: from a reports folder and from an S3 prefix (local S3),
 * and the old-to-new sub map read from the standby (the Cognito model over HTTP), mode 0600.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type CognitoEmulator, startCognitoEmulator } from '../../scripts/local/cognito';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import { runCli } from '../support/cli';
import { doctorRecord, drillRecord, PLANTED_EMAIL, reconcileReport } from '../unit/report/fixtures';

jest.setTimeout(120_000);

const run = reconcileReport({ finishedAt: '2026-11-29T01:00:00.000Z', inSync: 195, missing: 5 });

test('from a reports folder: the page is written, with the figures and no personal data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(join(dir, 'drill.json'), JSON.stringify(drillRecord()));
  writeFileSync(join(dir, 'doctor.json'), JSON.stringify(doctorRecord()));
  const out = join(dir, 'report.html');
  const r = await runCli('report', ['--from', dir, '--out', out]);
  expect(r.stderr).toMatch(/1 reconcile report\(s\), 1 drill record\(s\), 1 doctor finding file\(s\) read/);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`Report: ${out}\n`);
  const html = readFileSync(out, 'utf8');
  expect(html).toContain('data-figure="readiness-percent">97.5 %<');
  expect(html).toContain('data-figure="users-lost">0<');
  expect(html).not.toContain(PLANTED_EMAIL);
});

test('bad flags and unreadable sources exit 2 with one line', async () => {
  const missing = await runCli('report', ['--from', '/nonexistent/reports', '--out', join(tmpdir(), 'x.html')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^error: /);
  const noPool = await runCli('report', ['--from', tmpdir(), '--sub-map', join(tmpdir(), 'm.csv')]);
  expect(noPool.code).toBe(2);
  expect(noPool.stderr).toMatch(/--sub-map needs --standby-region and --standby-pool/);
});

describe('with emulators', () => {
  let s3: S3Emulator;
  let cognito: CognitoEmulator;
  beforeAll(async () => {
    s3 = await startS3Emulator();
    s3.createBucket('state');
    cognito = await startCognitoEmulator({ name: 'standby', region: 'us-west-2' });
  });
  afterAll(async () => {
    await s3.stop();
    await cognito.stop();
  });

  test('from an S3 prefix, with the sub map from the standby written 0600', async () => {
    const client = s3.client();
    await client.send(
      new PutObjectCommand({ Bucket: 'state', Key: 'reports/2026-11-29/a--b-run.json', Body: JSON.stringify(run) }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: 'state', Key: 'checkpoints/a--b/state.json', Body: '{"version":1}' }),
    );
    const pool = cognito.model.addPool({ id: 'us-west-2_Standby', customAttributes: ['source_sub', 'source_mfa'] });
    pool.put({ Username: 'ann', Attributes: { email: PLANTED_EMAIL, 'custom:source_sub': 'src-1' } });
    pool.put({ Username: 'bob', Attributes: { email: 'bob@example.com', 'custom:source_sub': 'src-2' } });
    pool.put({ Username: 'local-only', Attributes: { email: 'x@example.com' } });

    const dir = mkdtempSync(join(tmpdir(), 'report-s3-'));
    const out = join(dir, 'report.html');
    const map = join(dir, 'subs.csv');
    const r = await runCli('report', [
      '--from',
      's3://state/reports/',
      '--out',
      out,
      '--region',
      'us-east-1',
      '--s3-endpoint',
      s3.endpoint,
      '--sub-map',
      map,
      '--standby-region',
      'us-west-2',
      '--standby-pool',
      'us-west-2_Standby',
      '--standby-endpoint',
      cognito.endpoint,
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('data-figure="readiness-percent">97.5 %<');
    expect(statSync(map).mode & 0o777).toBe(0o600);
    const lines = readFileSync(map, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('source_sub,standby_sub');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['src-1', 'src-2']);
    expect(readFileSync(map, 'utf8')).not.toContain('@example.com');
    expect(r.stderr).not.toContain('@example.com');
  });
});
