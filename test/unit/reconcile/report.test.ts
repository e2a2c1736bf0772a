import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordResetRequiredException } from '@aws-sdk/client-cognito-identity-provider';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type CheckpointState, FileCheckpointStore } from '../../../src/reconcile/checkpoint';
import { duration, readiness } from '../../../src/reconcile/readiness';
import { newReportState } from '../../../src/reconcile/report';
import { S3CheckpointStore } from '../../../src/reconcile/s3-store';
import { newScanState } from '../../../src/reconcile/scan';
import { checkReportWritable, formatSummary, writeReportFile } from '../../../src/reconcile/summary';
import { fakeBucket, Pair } from './fixture';

const tmp = () => mkdtempSync(join(tmpdir(), 'reconcile-report-'));

function state(): CheckpointState {
  return {
    version: 1,
    key: 'k',
    runId: 'r',
    startedAt: new Date(0).toISOString(),
    savedAt: new Date(0).toISOString(),
    sessions: 1,
    phase: 'scan',
    scan: { source: newScanState(), target: newScanState() },
  };
}

describe('readiness', () => {
  test('share of expected users present and matching; what a failover would not carry; notification time', () => {
    const c = newReportState().counts;
    Object.assign(c, {
      examined: 1000,
      inSync: 900,
      create: 50,
      update: 30,
      skip: 20,
      skipReasons: { unconfirmed: 10, federated: 10 },
      totp: 7,
      gapUsers: 3,
      gapAttributes: { 'custom:x': 3 },
    });
    Object.assign(c.buckets, { inSync: 900, missing: 50, drifted: 30, unconfirmed: 10, notReplicable: 10 });
    c.failover.send = 900;
    const dry = readiness(c, { deep: false, totpKnown: true, recoveryRate: 24 });
    expect(dry.expected).toBe(990);
    expect(dry.matching).toBe(900);
    expect(dry.share).toBeCloseTo(900 / 990);
    expect(dry).toMatchObject({ missing: 50, drifted: 30 });
    expect(dry.notCarried).toMatchObject({ federated: 10, totp: 7, totpSource: 'markers', schemaGaps: { users: 3 } });
    expect(dry.notifications).toEqual({ users: 900, ratePerSecond: 24, seconds: 38, human: '38s', notSent: {} });
    // After an apply that repaired all but one drifted user.
    Object.assign(c.buckets, { inSync: 979, missing: 0, drifted: 1 });
    const applied = readiness(c, { deep: true, totpKnown: true, recoveryRate: 24 });
    expect(applied).toMatchObject({ matching: 979, missing: 0, drifted: 1 });
    expect(applied.notCarried.totpSource).toBe('deep');
    expect(readiness(c, { deep: false, totpKnown: false, recoveryRate: 24 }).notCarried.totp).toBeNull();
  });

  test('durations', () => {
    expect([0, 45, 750, 3 * 3600 + 300].map(duration)).toEqual(['0s', '45s', '12m 30s', '3h 05m']);
  });
});

describe('the report', () => {
  test('summary and JSON: counts, readiness, calls; written with mode 0600; personal data only where needed', async () => {
    const pair = new Pair();
    pair.source.group('g');
    pair.user('alice', { replica: true });
    pair.user('bob', { groups: ['g'] });
    const { replica } = pair.user('carol', { replica: true });
    replica!.Attributes.name = 'old';
    pair.target.put({
      Username: 'gone',
      Attributes: { email: 'gone@example.com', 'custom:source_sub': 'deadbeef-0000-4000-8000-000000000000' },
    });
    const r = await pair.run();
    const text = formatSummary(r.report);
    expect(text).toMatch(/dry run\): complete/);
    expect(text).toMatch(/Users: 1 in sync, 1 missing, 1 drifted/);
    expect(text).toMatch(/Orphans: 1/);
    expect(text).toMatch(/Readiness: 33\.3% of 3 expected users/);
    expect(text).toMatch(/To apply: .*UserCreation 1/);
    expect(text).toMatch(/Calls: source .*ListUsers/);
    const file = join(tmp(), 'sub', 'report.json');
    await writeReportFile(file, r.report);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.counts.create).toBe(1);
    // Drift entries name users by source sub and attribute names, never values or e-mails.
    const entries = JSON.stringify(json.entries.update) + JSON.stringify(json.entries.create);
    expect(entries).not.toMatch(/@example\.com/);
    expect(json.entries.update[0].changes).toEqual(['attributes', 'name']);
    expect(json.entries.orphan[0]).toEqual({ sub: 'deadbeef-0000-4000-8000-000000000000', standbyUsername: 'gone' });
  });

  test('entries are capped per kind; counts stay exact', async () => {
    const pair = new Pair();
    for (let i = 0; i < 12; i++) pair.user(`u${i}`);
    const r = await pair.run({ reportLimit: 5 });
    expect(r.report.counts.create).toBe(12);
    expect(r.report.entries.create).toHaveLength(5);
    expect(r.report.omitted.create).toBe(7);
  });
});

describe('the report is saved before the checkpoint is deleted', () => {
  test('saveReport runs while the checkpoint still exists; then the checkpoint is deleted', async () => {
    const pair = new Pair();
    pair.user('alice');
    let checkpointAtSave: unknown;
    const r = await pair.run({
      saveReport: async () => {
        checkpointAtSave = await pair.store.load();
      },
    });
    expect(r.status).toBe('complete');
    expect(checkpointAtSave).toBeDefined();
    expect(await pair.store.load()).toBeUndefined();
  });

  test('a report that cannot be written: the checkpoint is kept (phase done) and the next run rebuilds the report without writing again', async () => {
    const pair = new Pair();
    pair.user('alice');
    pair.user('bob');
    await expect(
      pair.run({
        apply: true,
        saveReport: async () => {
          throw new Error('EISDIR: illegal operation on a directory');
        },
      }),
    ).rejects.toThrow(/cannot write the report: EISDIR.*checkpoint memory is kept/);
    const kept = await pair.store.load();
    expect(kept?.phase).toBe('done');
    expect(kept?.report?.counts.created).toBe(2);
    let saved: { counts: { created: number } } | undefined;
    const again = await pair.run({
      apply: true,
      saveReport: async (report) => {
        saved = report;
      },
    });
    expect(again.exitCode).toBe(0);
    expect(saved?.counts.created).toBe(2);
    expect(again.report.writeCalls).toBe(0);
    expect(await pair.store.load()).toBeUndefined();
  });
});

describe('checkReportWritable', () => {
  test('a folder is refused, naming the flag and path; a file in a new folder is accepted (the folder is made)', async () => {
    const dir = tmp();
    await expect(checkReportWritable(dir)).rejects.toThrow(
      new RegExp(`^--report ${dir}: the report cannot be written there \\(it is a folder\\)`),
    );
    await expect(checkReportWritable(join(dir, 'new', 'r.json'))).resolves.toBeUndefined();
    expect(statSync(join(dir, 'new')).isDirectory()).toBe(true);
    writeFileSync(join(dir, 'file'), 'x');
    await expect(checkReportWritable(join(dir, 'file', 'r.json'))).rejects.toThrow(
      /--report .*file\/r\.json: the report cannot be written there/,
    );
  });
});

describe('checkpoint stores', () => {
  test('file: atomic save (mode 0600), load, clear with its spool', async () => {
    const dir = tmp();
    const warnings: string[] = [];
    const store = new FileCheckpointStore(join(dir, 'cp', 'run.json'), (m) => warnings.push(m));
    expect(await store.load()).toBeUndefined();
    await store.save(state());
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(await store.load()).toEqual(state());
    expect(warnings).toEqual([]);
    // Damaged: discarded (runs are idempotent), but the operator is told, with the file named.
    writeFileSync(store.file, '{ torn');
    expect(await store.load()).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^warning: discarding the checkpoint ${store.file}: it is not valid JSON`)),
    ]);
    writeFileSync(store.file, '{"version":7}');
    expect(await store.load()).toBeUndefined();
    expect(warnings[1]).toMatch(/discarding the checkpoint .*run\.json: unknown version 7/);
    await store.clear();
    expect(await store.load()).toBeUndefined();
  });

  test('S3: state object, spool uploaded once per change and restored on load, cleared under its prefix', async () => {
    const { objects, s3 } = fakeBucket();
    const local = tmp();
    const store = new S3CheckpointStore(new S3Client({ region: 'us-east-1' }), 'bucket', 'checkpoints/a--b/', local);
    expect(await store.load()).toBeUndefined();
    writeFileSync(join(local, 'source-users-0.gz'), 'spool bytes');
    await store.save(state());
    await store.persistSpool();
    await store.persistSpool(); // unchanged: not uploaded again
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'checkpoints/a--b/state.json',
      'checkpoints/a--b/spool/source-users-0.gz',
    ]);
    const other = new S3CheckpointStore(new S3Client({ region: 'us-east-1' }), 'bucket', 'checkpoints/a--b/', tmp());
    expect(await other.load()).toEqual(state());
    expect(readFileSync(join(other.dir, 'source-users-0.gz'), 'utf8')).toBe('spool bytes');
    await store.putObject('reports/x.json', '{}');
    await other.clear();
    expect([...objects.keys()]).toEqual(['reports/x.json']);
    s3.restore();
  });
});

describe('issue 10.5: pending MFA is counted', () => {
  /**
   * `ok` in sync; `pending` and `stale` (also a stale name) with SMS MFA in the source and a
   * RESET_REQUIRED replica whose marker predates it (after a failover --send); `refused` CONFIRMED
   * when listed, RESET_REQUIRED by the time of the MFA call.
   */
  function seed(pair: Pair): void {
    const phone = { phone_number: '+15555550100', phone_number_verified: 'true' };
    pair.user('ok', { replica: true });
    for (const name of ['pending', 'stale', 'refused']) {
      const { source } = pair.user(name, { replica: true, attributes: phone });
      source.Mfa = ['SMS_MFA'];
      source.PreferredMfa = 'SMS_MFA';
    }
    for (const u of pair.target.users.values()) u.Attributes['custom:source_mfa'] = 'NONE';
    pair.target.users.get('pending')!.UserStatus = 'RESET_REQUIRED';
    pair.target.users.get('stale')!.UserStatus = 'RESET_REQUIRED';
    pair.target.users.get('stale')!.Attributes.name = 'old';
    const refused = pair.target.users.get('refused')!.Username;
    // SDK model (AdminSetUserMFAPreferenceCommand.d.ts): refused for a user who must reset its password
    pair.west.failNext = (op, input) =>
      op === 'AdminSetUserMFAPreference' && input.Username === refused
        ? new PasswordResetRequiredException({
            message: 'Password reset required for the user',
            $metadata: { httpStatusCode: 400 },
          })
        : undefined;
  }
  const sumOf = (b: Record<string, number>) => Object.values(b).reduce((x, y) => x + y, 0);

  test('pending MFA is counted: dry run, a replica matching but for its pending MFA is not matching', async () => {
    const pair = new Pair();
    seed(pair);
    pair.target.users.get('refused')!.UserStatus = 'RESET_REQUIRED';
    const r = await pair.run({ deep: true });
    expect(r.exitCode).toBe(0);
    // Old code: pending counted in sync and matching (100 % ready but for the stale name).
    expect(r.report.counts.mfaPending).toBe(3);
    expect(r.report.readiness.buckets).toMatchObject({ inSync: 1, mfaPending: 2, drifted: 1 });
    expect(sumOf(r.report.readiness.buckets)).toBe(r.report.counts.sourceUsers);
    expect(r.report.readiness).toMatchObject({ expected: 4, matching: 1, mfaPending: 2, drifted: 1 });
    expect(r.report.readiness.share).toBeCloseTo(1 / 4);
    const text = formatSummary(r.report);
    expect(text).toMatch(
      /MFA pending: 3 replicas wait for their password reset before their SMS\/e-mail MFA can be set/,
    );
    expect(text).toMatch(
      /Readiness: 25\.0% of 4 expected users .*\(0 missing, 1 drifted, 2 matching but for MFA pending a password reset, 0 failed/,
    );
    expect(JSON.stringify(r.report.entries)).not.toMatch(/\+1555|@example\.com/);
  });

  test('pending MFA is counted: apply, the other drift is repaired, the MFA (planned or refused) stays pending, nothing fails', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({ apply: true, deep: true });
    expect(r.exitCode).toBe(0);
    expect(r.report.counts.failed).toBe(0);
    expect(r.report.counts.mfaPending).toBe(3);
    expect(r.report.readiness.buckets).toMatchObject({ inSync: 1, mfaPending: 3, drifted: 0, failed: 0 });
    expect(sumOf(r.report.readiness.buckets)).toBe(r.report.counts.sourceUsers);
    expect(r.report.readiness).toMatchObject({ expected: 4, matching: 1, mfaPending: 3 });
    expect(pair.target.users.get('stale')!.Attributes.name).toBe('STALE');
    // planned pending: no call; refused at the call: pending too, not failed
    expect(
      pair.west.log.filter((c) => c.op === 'AdminSetUserMFAPreference').map((c) => `${c.username} ${c.result}`),
    ).toEqual(['refused error']);
    // no marker written for a pending MFA: the run after the reset sets it
    for (const name of ['pending', 'stale', 'refused'])
      expect(pair.target.users.get(name)!.Attributes['custom:source_mfa']).toBe('NONE');
    expect(formatSummary(r.report)).toMatch(/MFA pending: 3 replicas wait/);
  });
});
