import {
  CognitoIdentityProviderClient,
  CreateUserImportJobCommand,
  DescribeUserImportJobCommand,
  StartUserImportJobCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitCsv } from '../../../scripts/local/cognito-model';
import { cognitoGateway } from '../../../src/config/wiring';
import { planReplication, type ReplicationPlan } from '../../../src/core/plan';
import {
  importedReplica,
  importOutcome,
  importRow,
  type ImportState,
  runImportJobs,
  uploadCsv,
} from '../../../src/reconcile/import-job';
import { InstantClock, planContext, sourceUser } from '../helpers';
import { Pair, writeKeys } from './fixture';

/** A target pool that auto-verifies both contacts, MFA off: the rows are limited by nothing else. */
const POOL = { mfaConfiguration: 'OFF' as const, autoVerifiedAttributes: ['email', 'phone_number'] };

const HEADER = [
  'cognito:username',
  'name',
  'given_name',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'updated_at',
  'custom:tier',
  'custom:source_sub',
  'custom:source_mfa',
  'cognito:mfa_enabled',
];

function createPlan(
  attributes: Record<string, string>,
  extra: Partial<Parameters<typeof sourceUser>[0]> = {},
): ReplicationPlan {
  const plan = planReplication(
    sourceUser({ attributes: { sub: '11111111-1111-4111-8111-111111111111', ...attributes }, ...extra }),
    undefined,
    planContext(),
  );
  expect(plan.kind).toBe('create');
  return plan;
}

describe('import CSV rows', () => {
  test('columns in the header order, verified flags as true/false, MFA off, the source sub, commas escaped', () => {
    const plan = createPlan({
      email: 'ann@example.com',
      email_verified: 'true',
      name: 'Smith, Ann',
      'custom:tier': 'gold',
    });
    const { row } = importRow(HEADER, plan, POOL);
    expect(splitCsv(row!)).toEqual([
      'alice',
      'Smith, Ann',
      '',
      'ann@example.com',
      'true',
      '',
      'false',
      '',
      'gold',
      '11111111-1111-4111-8111-111111111111',
      'NONE',
      'false',
    ]);
    expect(row).toContain('Smith\\, Ann');
  });

  test('unicode is kept as it is (UTF-8)', () => {
    const plan = createPlan({ email: 'zoë@exämple.com', email_verified: 'true', name: 'Zoë Ünal 李' });
    const cells = splitCsv(importRow(HEADER, plan, POOL).row!);
    expect(cells[1]).toBe('Zoë Ünal 李');
    expect(cells[3]).toBe('zoë@exämple.com');
    expect(Buffer.from(importRow(HEADER, plan, POOL).row!, 'utf8').toString('utf8')).toContain('李');
  });

  test('a phone-verified user without a verified e-mail is importable; a user with neither is not', () => {
    const phone = createPlan({
      email: 'p@example.com',
      email_verified: 'false',
      phone_number: '+15555550100',
      phone_number_verified: 'true',
    });
    const cells = splitCsv(importRow(HEADER, phone, POOL).row!);
    expect(cells[4]).toBe('false');
    expect(cells[6]).toBe('true');
    expect(importRow(HEADER, createPlan({ email: 'n@example.com', email_verified: 'false' }), POOL)).toEqual({
      reason: 'no-verified-contact',
    });
  });

  test('values the CSV cannot carry unchanged are created one by one instead', () => {
    for (const name of ['say "hi"', 'back\\slash', 'two\nlines']) {
      expect(importRow(HEADER, createPlan({ email: 'x@example.com', email_verified: 'true', name }), POOL)).toEqual({
        reason: 'unsafe-characters',
      });
    }
  });

  test('the imported replica: RESET_REQUIRED, enabled, in no group; a plain user has nothing left but groups', () => {
    const plan = createPlan({ email: 'g@example.com', email_verified: 'true' }, { groups: ['admins'], enabled: false });
    const replica = importedReplica(HEADER, plan);
    expect(replica).toMatchObject({ username: 'alice', status: 'RESET_REQUIRED', enabled: true, groups: [] });
    const after = planReplication(
      sourceUser({
        attributes: { sub: '11111111-1111-4111-8111-111111111111', email: 'g@example.com', email_verified: 'true' },
        groups: ['admins'],
        enabled: false,
      }),
      replica,
      planContext(),
    );
    expect(after).toMatchObject({
      kind: 'update',
      setPassword: false,
      addGroups: ['admins'],
      setEnabled: false,
      updateAttributes: {},
      deleteAttributes: [],
    });
  });

  test('importOutcome: rows of a job that reported every row imported are trusted; rows of any other started job are checked', () => {
    const state: ImportState = {
      candidates: 3,
      notImportable: {},
      used: true,
      done: true,
      jobs: [
        {
          chunk: 0,
          firstSeq: 0,
          lastSeq: 10,
          rows: 2,
          status: 'Succeeded',
          started: true,
          imported: 2,
          failed: 0,
          skipped: 0,
        },
        { chunk: 1, firstSeq: 11, lastSeq: 20, rows: 1, status: 'Failed' },
        { chunk: 2, firstSeq: 21, lastSeq: 30, rows: 2, status: 'Failed', started: true },
      ],
    };
    expect([0, 10, 11, 21, 31].map((s) => importOutcome(state, s))).toEqual([
      'trusted',
      'trusted',
      undefined,
      'check',
      undefined,
    ]);
    expect(importOutcome({ ...state, used: false }, 0)).toBeUndefined();
  });
});

describe('import jobs', () => {
  test('create, upload, start, wait; resumed from Created the CSV is uploaded again', async () => {
    const pair = new Pair();
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-import-'));
    writeFileSync(
      join(dir, 'chunk-0.csv'),
      'cognito:username,email,email_verified,cognito:mfa_enabled\nann,ann@example.com,true,false\n',
    );
    writeFileSync(
      join(dir, 'chunk-1.csv'),
      'cognito:username,email,email_verified,cognito:mfa_enabled\nbob,bob@example.com,true,false\n',
    );
    const state: ImportState = {
      candidates: 2,
      notImportable: {},
      used: true,
      done: false,
      jobs: [
        { chunk: 0, firstSeq: 0, lastSeq: 0, rows: 1, status: 'New' },
        { chunk: 1, firstSeq: 1, lastSeq: 1, rows: 1, status: 'New' },
      ],
    };
    const { target } = pair.gateways();
    // A job created by a run that stopped before uploading.
    const created = await pair.clock.run(
      target.createUserImportJob('earlier', 'arn:aws:iam::123456789012:role/import'),
    );
    Object.assign(state.jobs[1], { jobId: created.jobId, status: 'Created' });
    const saves: string[] = [];
    const uploads: string[] = [];
    const ok = await pair.clock.run(
      runImportJobs({
        target,
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
        seen = {
          method: req.method,
          sse: req.headers['x-amz-server-side-encryption'] as string,
          body: Buffer.concat(chunks).toString('utf8'),
        };
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

/** 30 missing users (one the CSV cannot carry, every other one in a group, one disabled) and 5 in sync. */
function seed(pair: Pair): void {
  pair.source.group('g1');
  pair.target.group('g1');
  for (let i = 0; i < 30; i++)
    pair.user(`new${i}`, {
      groups: i % 2 ? ['g1'] : [],
      enabled: i !== 3,
      attributes: i === 5 ? { name: 'quote " in name' } : { name: `Doe, N${i}` },
    });
  for (let i = 0; i < 5; i++) pair.user(`old${i}`, { replica: true });
}

describe('--import in a run', () => {
  const role = 'arn:aws:iam::123456789012:role/cognito-import-logs';

  test('seeds the missing users with an import job, then completes groups and state by the normal path', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({
      apply: true,
      import: { roleArn: role, threshold: 10, pollMs: 1000, upload: async (url, body) => pair.west.upload(url, body) },
    });
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
    const r = await pair.run({
      apply: true,
      import: {
        roleArn: role,
        threshold: 100,
        upload: async () => {
          throw new Error('no upload expected');
        },
      },
    });
    expect(r.report.import).toMatchObject({ used: false, candidates: 29 });
    expect(pair.west.counts.AdminCreateUser).toBe(30);
    expect(pair.west.counts.CreateUserImportJob ?? 0).toBe(0);
  });

  test('a failed import job: its users are created one by one', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({
      apply: true,
      import: {
        roleArn: role,
        threshold: 10,
        upload: async () => {
          throw new Error('HTTP 403');
        },
      },
    });
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Failed' });
    expect(pair.west.counts.AdminCreateUser).toBe(30);
    expect(r.exitCode).toBe(0);
  });
});

describe('issue 10.1: import jobs report users that were never created', () => {
  const role = 'arn:aws:iam::123456789012:role/cognito-import-logs';

  test('the CSV follows the documented rules: cognito:mfa_enabled true when the pool MFA is ON, birthdate mm/dd/yyyy, commas escaped', () => {
    const plan = createPlan({
      email: 'b@example.com',
      email_verified: 'true',
      name: 'Roe, Jane',
      birthdate: '1985-02-01',
    });
    const header = [...HEADER, 'birthdate'];
    const on = splitCsv(importRow(header, plan, { ...POOL, mfaConfiguration: 'ON' }).row!);
    expect(on[header.indexOf('cognito:mfa_enabled')]).toBe('true');
    expect(on[header.indexOf('birthdate')]).toBe('02/01/1985');
    expect(importRow(header, plan, POOL).row).toContain('Roe\\, Jane');
    for (const mfaConfiguration of ['OFF', 'OPTIONAL'] as const) {
      expect(
        splitCsv(importRow(header, plan, { ...POOL, mfaConfiguration }).row!)[header.indexOf('cognito:mfa_enabled')],
      ).toBe('false');
    }
    // A birthdate Cognito holds in another OpenID Connect form cannot be written as mm/dd/yyyy: one by one.
    for (const birthdate of ['1985', '0000-02-01', '02/01/1985']) {
      expect(
        importRow(header, createPlan({ email: 'b@example.com', email_verified: 'true', birthdate }), POOL),
      ).toEqual({ reason: 'birthdate' });
    }
    // The imported replica leaves the birthdate to the normal path (its stored form is not documented).
    expect(importedReplica(header, plan).attributes.birthdate).toBeUndefined();
  });

  test('a pool that auto-verifies one attribute: users whose value of it is not verified are created one by one', () => {
    const phoneOnly = { mfaConfiguration: 'OFF' as const, autoVerifiedAttributes: ['phone_number'] };
    const emailUser = createPlan({ email: 'e@example.com', email_verified: 'true' });
    const phoneUser = createPlan({
      email: 'p@example.com',
      email_verified: 'false',
      phone_number: '+15555550100',
      phone_number_verified: 'true',
    });
    expect(importRow(HEADER, emailUser, phoneOnly)).toEqual({ reason: 'no-verified-contact' });
    expect(importRow(HEADER, phoneUser, phoneOnly).row).toBeDefined();
    expect(importRow(HEADER, phoneUser, { ...phoneOnly, autoVerifiedAttributes: ['email'] })).toEqual({
      reason: 'no-verified-contact',
    });
  });

  test('DescribeUserImportJob answering Succeeded with FailedUsers and SkippedUsers (real shape): the rows are checked, not trusted', async () => {
    const client = new CognitoIdentityProviderClient({ region: 'us-west-2' });
    const mock = mockClient(client);
    const clock = new InstantClock();
    const gateway = cognitoGateway({ region: 'us-west-2', poolId: 'us-west-2_Target1' }, { client, clock });
    const job = {
      JobName: 'job-0',
      JobId: 'import-AbCdEfGhIj',
      UserPoolId: 'us-west-2_Target1',
      PreSignedUrl: 'https://example.s3.amazonaws.com/x',
      CreationDate: new Date(),
      CloudWatchLogsRoleArn: role,
      ImportedUsers: 0,
      SkippedUsers: 0,
      FailedUsers: 0,
    };
    mock.on(CreateUserImportJobCommand).resolves({ UserImportJob: { ...job, Status: 'Created' } });
    mock
      .on(StartUserImportJobCommand)
      .resolves({ UserImportJob: { ...job, Status: 'Pending', StartDate: new Date() } });
    mock.on(DescribeUserImportJobCommand).resolves({
      UserImportJob: {
        ...job,
        Status: 'Succeeded',
        StartDate: new Date(),
        CompletionDate: new Date(),
        ImportedUsers: 2,
        SkippedUsers: 1,
        FailedUsers: 1,
        CompletionMessage: 'Import Job Completed Successfully.',
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-import-'));
    writeFileSync(
      join(dir, 'chunk-0.csv'),
      'cognito:username,email,email_verified,cognito:mfa_enabled\na,a@example.com,true,false\n',
    );
    const state: ImportState = {
      candidates: 4,
      notImportable: {},
      used: true,
      done: false,
      jobs: [{ chunk: 0, firstSeq: 0, lastSeq: 3, rows: 4, status: 'New' }],
    };
    const ok = await runImportJobs({
      target: gateway,
      state,
      chunkFile: (c) => join(dir, `chunk-${c}.csv`),
      jobName: (c) => `job-${c}`,
      cloudWatchLogsRoleArn: role,
      clock,
      pollMs: 1,
      save: async () => undefined,
      upload: async () => undefined,
    });
    expect(ok).toBe(true);
    expect(state.jobs[0]).toMatchObject({ status: 'Succeeded', started: true, imported: 2, failed: 1, skipped: 1 });
    expect([0, 1, 2, 3].map((s) => importOutcome(state, s))).toEqual(['check', 'check', 'check', 'check']);
    mock.restore();
  });

  test('a job that ends Succeeded with failed and skipped rows: every row is looked up, the missing users are created one by one', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({
      apply: true,
      import: {
        roleArn: role,
        threshold: 10,
        pollMs: 1000,
        upload: async (url, body) => {
          // Cognito fails new6's row (its auto-verified e-mail reads unverified), and new8 is made by
          // another writer (the worker) between the listing and the job: its row is skipped.
          const csv = body
            .toString('utf8')
            .replace(/^(.*?)new6@example\.com,true(.*,new6)$/m, '$1new6@example.com,false$2');
          const sub = pair.source.users.get('new8')!.Attributes.sub;
          const other = pair.target.put({
            Username: 'new8',
            Attributes: {
              email: 'new8@example.com',
              email_verified: 'true',
              name: 'Doe, N8',
              'custom:source_sub': sub,
            },
          });
          other.UserStatus = 'CONFIRMED';
          pair.west.upload(url, Buffer.from(csv));
        },
      },
    });
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 27, failed: 1, skipped: 1 });
    expect(r.exitCode).toBe(0);
    // new6 was never created by the job: it is created one by one (as is new5, whose name the CSV cannot carry).
    expect(pair.target.users.get('new6')).toMatchObject({ UserStatus: 'CONFIRMED', Enabled: true });
    expect(
      writeKeys(pair.west)
        .filter((k) => k.startsWith('AdminCreateUser'))
        .sort(),
    ).toEqual([
      'AdminCreateUser new5 custom:source_sub,email,email_verified,name',
      'AdminCreateUser new6 custom:source_sub,email,email_verified,name',
    ]);
    // Every row's user was looked up in the target (ListUsers with a filter), none read with AdminGetUser.
    const lookups = pair.west.log.filter((c) => c.op === 'ListUsers' && c.result === 'ok').length;
    expect(lookups).toBeGreaterThanOrEqual(29);
    expect(pair.west.counts.AdminGetUser ?? 0).toBe(0);
    expect(r.report.counts.imported).toBe(27);
    // Nothing is left for the next run.
    const again = await pair.run({ apply: true });
    expect(again.report.counts.inSync).toBe(35);
    expect(again.report.writeCalls).toBe(0);
  });

  test('rows built to the pool rules import cleanly: MFA ON, phone auto-verified only, birthdates', async () => {
    const pair = new Pair({ target: { mfaConfiguration: 'ON', autoVerifiedAttributes: ['phone_number'] } });
    for (let i = 0; i < 12; i++) {
      pair.user(`p${i}`, {
        attributes: {
          phone_number: `+1555000${String(i).padStart(4, '0')}`,
          phone_number_verified: 'true',
          birthdate: '1985-02-01',
        },
      });
    }
    pair.user('mailonly'); // e-mail verified, no phone: its row would fail in a phone-verifying pool
    pair.user('yearonly', {
      attributes: { phone_number: '+15550009999', phone_number_verified: 'true', birthdate: '1985' },
    });
    const r = await pair.run({
      apply: true,
      import: { roleArn: role, threshold: 10, pollMs: 1000, upload: async (url, body) => pair.west.upload(url, body) },
    });
    expect(r.exitCode).toBe(0);
    expect(r.report.import).toMatchObject({
      candidates: 12,
      notImportable: { 'no-verified-contact': 1, birthdate: 1 },
    });
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 12, failed: 0, skipped: 0 });
    expect(pair.west.counts.AdminCreateUser).toBe(2);
    expect(pair.target.users.get('p3')).toMatchObject({ UserStatus: 'RESET_REQUIRED' });
    // The birthdate is written in Cognito's own form after the import.
    expect(pair.target.users.get('p3')!.Attributes.birthdate).toBe('1985-02-01');
    const again = await pair.run({ apply: true });
    expect(again.report.writeCalls).toBe(0);
  });

  test('a job whose upload URL expired is replaced by a new job, not by one-by-one creation', async () => {
    const pair = new Pair();
    seed(pair);
    let uploads = 0;
    const r = await pair.run({
      apply: true,
      import: {
        roleArn: role,
        threshold: 10,
        pollMs: 1000,
        upload: async (url, body) => {
          // The first URL is used after its 15 minutes (a slow CSV build, a paused run): S3 refuses it.
          if (++uploads === 1) pair.clock.advance(16 * 60_000);
          pair.west.upload(url, body);
        },
      },
    });
    expect(r.exitCode).toBe(0);
    expect(pair.west.counts.CreateUserImportJob).toBe(2);
    expect(r.report.import!.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 29, replacements: 1 });
    expect(pair.west.counts.AdminCreateUser).toBe(1); // only the user the CSV cannot carry
  });

  test('resumed with a job created more than 15 minutes ago and never uploaded: a new job, the old URL not used', async () => {
    const pair = new Pair();
    const { target } = pair.gateways();
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-import-'));
    writeFileSync(
      join(dir, 'chunk-0.csv'),
      'cognito:username,email,email_verified,cognito:mfa_enabled\nann,ann@example.com,true,false\n',
    );
    const old = await pair.clock.run(target.createUserImportJob('earlier', role));
    const state: ImportState = {
      candidates: 1,
      notImportable: {},
      used: true,
      done: false,
      jobs: [
        {
          chunk: 0,
          firstSeq: 0,
          lastSeq: 0,
          rows: 1,
          status: 'Created',
          jobId: old.jobId,
          createdAt: pair.clock.now(),
        },
      ],
    };
    pair.clock.advance(20 * 60_000);
    const urls: string[] = [];
    await pair.clock.run(
      runImportJobs({
        target,
        state,
        chunkFile: (c) => join(dir, `chunk-${c}.csv`),
        jobName: (c) => `job-${c}`,
        cloudWatchLogsRoleArn: role,
        clock: pair.clock,
        pollMs: 1000,
        save: async () => undefined,
        upload: async (url, body) => {
          urls.push(url);
          pair.west.upload(url, body);
        },
      }),
    );
    expect(urls).toHaveLength(1);
    expect(urls[0]).not.toContain(old.jobId);
    expect(state.jobs[0]).toMatchObject({ status: 'Succeeded', imported: 1, replacements: 1 });
    expect(pair.target.users.get('ann')?.UserStatus).toBe('RESET_REQUIRED');
  });
});

describe('issue 10.5: MFA users are not imported', () => {
  const role = 'arn:aws:iam::123456789012:role/cognito-import-logs';

  test('a user with SMS or e-mail MFA to set is created one by one: AdminSetUserMFAPreference refuses RESET_REQUIRED users', () => {
    const contact = {
      email: 'm@example.com',
      email_verified: 'true',
      phone_number: '+15555550100',
      phone_number_verified: 'true',
    };
    expect(
      importRow(HEADER, createPlan(contact, { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } }), POOL),
    ).toEqual({ reason: 'mfa' });
    expect(importRow(HEADER, createPlan(contact, { mfa: { enabled: ['EMAIL_OTP'] } }), POOL)).toEqual({
      reason: 'mfa',
    });
    // TOTP cannot be replicated at all, and no MFA: imported (the marker records it).
    const totp = splitCsv(
      importRow(HEADER, createPlan(contact, { mfa: { enabled: ['SOFTWARE_TOKEN_MFA'] } }), POOL).row!,
    );
    expect(totp[HEADER.indexOf('custom:source_mfa')]).toBe('SOFTWARE_TOKEN_MFA');
    expect(importRow(HEADER, createPlan(contact, { mfa: { enabled: [] } }), POOL).row).toBeDefined();
  });

  test('--deep --import: SMS MFA users are read first and created one by one, with their MFA set; the others imported', async () => {
    const pair = new Pair();
    for (let i = 0; i < 12; i++) pair.user(`plain${i}`);
    for (let i = 0; i < 3; i++) {
      const { source } = pair.user(`sms${i}`, {
        attributes: { phone_number: `+1555000${String(i).padStart(4, '0')}`, phone_number_verified: 'true' },
      });
      source.Mfa = ['SMS_MFA'];
      source.PreferredMfa = 'SMS_MFA';
    }
    const r = await pair.run({
      apply: true,
      deep: true,
      import: { roleArn: role, threshold: 10, pollMs: 1000, upload: async (url, body) => pair.west.upload(url, body) },
    });
    expect(r.exitCode).toBe(0);
    expect(r.report.counts.failed).toBe(0);
    expect(r.report.import).toMatchObject({ candidates: 12, notImportable: { mfa: 3 } });
    expect(pair.target.users.get('sms1')).toMatchObject({
      UserStatus: 'CONFIRMED',
      Mfa: ['SMS_MFA'],
      PreferredMfa: 'SMS_MFA',
    });
    expect(pair.target.users.get('sms1')!.Attributes['custom:source_mfa']).toBe('SMS_MFA;SMS_MFA');
    expect(pair.target.users.get('plain1')).toMatchObject({ UserStatus: 'RESET_REQUIRED' });
    expect(pair.west.log.filter((c) => c.op === 'AdminSetUserMFAPreference' && c.result === 'error')).toHaveLength(0);
  });
});
