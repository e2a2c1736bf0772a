import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitCsv } from '../../../bench/reconcile-fake';
import { planReplication, type ReplicationPlan } from '../../../src/core/plan';
import { importedBy, importedReplica, importRow, type ImportState, runImportJobs, uploadCsv } from '../../../src/reconcile/import-job';
import { planContext, sourceUser } from '../helpers';
import { Pair } from './fixture';

const HEADER = ['cognito:username', 'name', 'given_name', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'updated_at', 'custom:tier', 'custom:source_sub', 'custom:source_mfa', 'cognito:mfa_enabled'];

function createPlan(attributes: Record<string, string>, extra: Partial<Parameters<typeof sourceUser>[0]> = {}): ReplicationPlan {
  const plan = planReplication(sourceUser({ attributes: { sub: '11111111-1111-4111-8111-111111111111', ...attributes }, ...extra }), undefined, planContext());
  expect(plan.kind).toBe('create');
  return plan;
}

describe('import CSV rows', () => {
  test('columns in the header order, verified flags as true/false, MFA off, the source sub, commas escaped', () => {
    const plan = createPlan({ email: 'ann@example.com', email_verified: 'true', name: 'Smith, Ann', 'custom:tier': 'gold' });
    const { row } = importRow(HEADER, plan);
    expect(splitCsv(row!)).toEqual(['alice', 'Smith, Ann', '', 'ann@example.com', 'true', '', 'false', '', 'gold', '11111111-1111-4111-8111-111111111111', 'NONE', 'false']);
    expect(row).toContain('Smith\\, Ann');
  });

  test('unicode is kept as it is (UTF-8)', () => {
    const plan = createPlan({ email: 'zoë@exämple.com', email_verified: 'true', name: 'Zoë Ünal 李' });
    const cells = splitCsv(importRow(HEADER, plan).row!);
    expect(cells[1]).toBe('Zoë Ünal 李');
    expect(cells[3]).toBe('zoë@exämple.com');
    expect(Buffer.from(importRow(HEADER, plan).row!, 'utf8').toString('utf8')).toContain('李');
  });

  test('a phone-verified user without a verified e-mail is importable; a user with neither is not', () => {
    const phone = createPlan({ email: 'p@example.com', email_verified: 'false', phone_number: '+15555550100', phone_number_verified: 'true' });
    const cells = splitCsv(importRow(HEADER, phone).row!);
    expect(cells[4]).toBe('false');
    expect(cells[6]).toBe('true');
    expect(importRow(HEADER, createPlan({ email: 'n@example.com', email_verified: 'false' }))).toEqual({ reason: 'no-verified-contact' });
  });

  test('values the CSV cannot carry unchanged are created one by one instead', () => {
    for (const name of ['say "hi"', 'back\\slash', 'two\nlines']) {
      expect(importRow(HEADER, createPlan({ email: 'x@example.com', email_verified: 'true', name }))).toEqual({ reason: 'unsafe-characters' });
    }
  });

  test('an MFA user: the marker is held back (set after the MFA call by the normal path)', () => {
    const plan = createPlan({ email: 'm@example.com', email_verified: 'true', phone_number: '+15555550100', phone_number_verified: 'true' }, { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } });
    const cells = splitCsv(importRow(HEADER, plan).row!);
    expect(cells[HEADER.indexOf('custom:source_mfa')]).toBe('');
    expect(cells[HEADER.indexOf('cognito:mfa_enabled')]).toBe('false');
    // What is left after the import: the MFA preference, then the marker; no create, no password.
    const after = planReplication(sourceUser({ attributes: { sub: '11111111-1111-4111-8111-111111111111', email: 'm@example.com', email_verified: 'true', phone_number: '+15555550100', phone_number_verified: 'true' }, mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } }), importedReplica(HEADER, plan), planContext());
    expect(after.kind).toBe('update');
    expect(after.setPassword).toBe(false);
    expect(after.mfa).toEqual({ sms: { enabled: true, preferred: true } });
    expect(after.afterMfaAttributes).toEqual({ 'custom:source_mfa': 'SMS_MFA;SMS_MFA' });
  });

  test('the imported replica: RESET_REQUIRED, enabled, in no group; a plain user has nothing left but groups', () => {
    const plan = createPlan({ email: 'g@example.com', email_verified: 'true' }, { groups: ['admins'], enabled: false });
    const replica = importedReplica(HEADER, plan);
    expect(replica).toMatchObject({ username: 'alice', status: 'RESET_REQUIRED', enabled: true, groups: [] });
    const after = planReplication(sourceUser({ attributes: { sub: '11111111-1111-4111-8111-111111111111', email: 'g@example.com', email_verified: 'true' }, groups: ['admins'], enabled: false }), replica, planContext());
    expect(after).toMatchObject({ kind: 'update', setPassword: false, addGroups: ['admins'], setEnabled: false, updateAttributes: {}, deleteAttributes: [] });
  });

  test('importedBy: only users of succeeded jobs', () => {
    const state: ImportState = { candidates: 3, notImportable: {}, used: true, done: true, jobs: [
      { chunk: 0, firstSeq: 0, lastSeq: 10, rows: 2, status: 'Succeeded' },
      { chunk: 1, firstSeq: 11, lastSeq: 20, rows: 1, status: 'Failed' },
    ] };
    expect([0, 10, 11, 21].map((s) => importedBy(state, s))).toEqual([true, true, false, false]);
    expect(importedBy({ ...state, used: false }, 0)).toBe(false);
  });
});

describe('import jobs', () => {
  test('create, upload, start, wait; resumed from Created the CSV is uploaded again', async () => {
    const pair = new Pair();
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-import-'));
    writeFileSync(join(dir, 'chunk-0.csv'), 'cognito:username,email,email_verified,cognito:mfa_enabled\nann,ann@example.com,true,false\n');
    writeFileSync(join(dir, 'chunk-1.csv'), 'cognito:username,email,email_verified,cognito:mfa_enabled\nbob,bob@example.com,true,false\n');
    const state: ImportState = { candidates: 2, notImportable: {}, used: true, done: false, jobs: [
      { chunk: 0, firstSeq: 0, lastSeq: 0, rows: 1, status: 'New' },
      { chunk: 1, firstSeq: 1, lastSeq: 1, rows: 1, status: 'New' },
    ] };
    const { target } = pair.gateways();
    // A job created by a run that stopped before uploading.
    const created = await pair.clock.run(target.createUserImportJob('earlier', 'arn:aws:iam::123456789012:role/import'));
    Object.assign(state.jobs[1], { jobId: created.jobId, status: 'Created' });
    const saves: string[] = [];
    const uploads: string[] = [];
    const ok = await pair.clock.run(
      runImportJobs({
        standby: target,
        state,
        chunkFile: (c) => join(dir, `chunk-${c}.csv`),
        jobName: (c) => `job-${c}`,
        cloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/import',
        clock: pair.clock,
        pollMs: 1000,
        save: async () => {
          saves.push(state.jobs.map((j) => j.status).join('/'));
        },
        upload: async (url, body) => {
          uploads.push(url);
          pair.west.upload(url, body);
        },
      }),
    );
    expect(ok).toBe(true);
    expect(state.jobs.map((j) => j.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(uploads).toHaveLength(2);
    expect(pair.west.counts.CreateUserImportJob).toBe(2); // the earlier one, and chunk 0's
    expect(pair.target.users.get('ann')?.UserStatus).toBe('RESET_REQUIRED');
    expect(pair.target.users.get('bob')?.UserStatus).toBe('RESET_REQUIRED');
    expect(saves.length).toBeGreaterThan(0);
  });

  test('the pre-signed URL is PUT with the KMS encryption header', async () => {
    let seen: { method?: string; sse?: string; body?: string } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, sse: req.headers['x-amz-server-side-encryption'] as string, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload?X-Amz-Signature=x`;
      await uploadCsv(url, Buffer.from('a,b\nzoë,1\n'));
      expect(seen).toEqual({ method: 'PUT', sse: 'aws:kms', body: 'a,b\nzoë,1\n' });
    } finally {
      server.close();
    }
  });
});

describe('--import in a run', () => {
  const role = 'arn:aws:iam::123456789012:role/cognito-import-logs';

  function seed(pair: Pair): void {
    pair.source.group('g1');
    pair.target.group('g1');
    for (let i = 0; i < 30; i++) pair.user(`new${i}`, { groups: i % 2 ? ['g1'] : [], enabled: i !== 3, attributes: i === 5 ? { name: 'quote " in name' } : { name: `Doe, N${i}` } });
    for (let i = 0; i < 5; i++) pair.user(`old${i}`, { replica: true });
  }

  test('seeds the missing users with an import job, then completes groups and state by the normal path', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({ apply: true, import: { roleArn: role, threshold: 10, pollMs: 1000, upload: async (url, body) => pair.west.upload(url, body) } });
    expect(r.exitCode).toBe(0);
    expect(r.report.import).toMatchObject({ used: true, candidates: 29, notImportable: { 'unsafe-characters': 1 } });
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 29 });
    // No AdminCreateUser / AdminSetUserPassword for imported users; the one unsafe user is created one by one.
    expect(pair.west.counts.AdminCreateUser).toBe(1);
    expect(pair.west.counts.AdminSetUserPassword).toBe(1);
    expect(pair.target.users.get('new0')).toMatchObject({ UserStatus: 'RESET_REQUIRED' });
    expect(pair.target.users.get('new0')!.Attributes.name).toBe('Doe, N0');
    expect(pair.target.users.get('new5')).toMatchObject({ UserStatus: 'CONFIRMED' });
    expect(pair.target.users.get('new3')!.Enabled).toBe(false);
    expect([...pair.target.groups.get('g1')!.members].filter((m) => m.startsWith('new'))).toHaveLength(15);
    expect(r.report.counts.imported).toBe(29);
    // And the next run has nothing to do.
    const again = await pair.run({ apply: true, import: { roleArn: role, threshold: 10 } });
    expect(again.report.counts.inSync).toBe(35);
    expect(again.report.import!.used).toBe(false);
    expect(again.report.writeCalls).toBe(0);
  });

  test('below the threshold, users are created one by one', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({ apply: true, import: { roleArn: role, threshold: 100, upload: async () => { throw new Error('no upload expected'); } } });
    expect(r.report.import).toMatchObject({ used: false, candidates: 29 });
    expect(pair.west.counts.AdminCreateUser).toBe(30);
    expect(pair.west.counts.CreateUserImportJob ?? 0).toBe(0);
  });

  test('a failed import job: its users are created one by one', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({ apply: true, import: { roleArn: role, threshold: 10, upload: async () => { throw new Error('HTTP 403'); } } });
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Failed' });
    expect(pair.west.counts.AdminCreateUser).toBe(30);
    expect(r.exitCode).toBe(0);
  });
});
