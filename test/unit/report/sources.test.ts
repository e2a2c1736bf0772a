import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackupStore } from '../../../src/backup/store';
import { journalKey, manifestKey, poolRoot } from '../../../src/backup/keys';
import {
  classifyDocument,
  DOCTOR_RECORD_KIND,
  doctorFindingsRecord,
  doctorRecordName,
  emptyInputs,
  newestBackup,
  reportsLocation,
  readReportFolder,
  subMapCsv,
  subMapLines,
} from '../../../src/report';
import { fromCompactTime } from '../../../src/report/backup';
import { doctorRecord, drillRecord, queueRecord, reconcileReport } from './fixtures';

test('documents are sorted by shape; anything else is skipped by name', () => {
  const inputs = emptyInputs();
  classifyDocument(
    inputs,
    'a.json',
    JSON.stringify(reconcileReport({ finishedAt: '2026-11-29T00:00:00Z', inSync: 1 })),
  );
  classifyDocument(inputs, 'drill.json', JSON.stringify(drillRecord()));
  classifyDocument(inputs, 'doctor.json', JSON.stringify(doctorRecord()));
  classifyDocument(inputs, 'queue.json', JSON.stringify(queueRecord()));
  classifyDocument(inputs, 'state.json', JSON.stringify({ version: 1, phase: 'scan' }));
  classifyDocument(inputs, 'broken.json', '{');
  classifyDocument(inputs, 'list.json', '[]');
  expect([inputs.reconcileRuns.length, inputs.drills.length, inputs.doctors.length, inputs.queues.length]).toEqual([
    1, 1, 1, 1,
  ]);
  expect(inputs.skipped).toEqual(['state.json', 'broken.json', 'list.json']);
  // The per-user entries are dropped as the report is read.
  expect(inputs.reconcileRuns[0].entries).toEqual({});
});

test('a reports folder is read recursively, .json files only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-src-'));
  mkdirSync(join(dir, 'reports', '2026-11-29'), { recursive: true });
  writeFileSync(
    join(dir, 'reports', '2026-11-29', 'run.json'),
    JSON.stringify(reconcileReport({ finishedAt: '2026-11-29T00:00:00Z', inSync: 1 })),
  );
  writeFileSync(join(dir, 'drill.json'), JSON.stringify(drillRecord()));
  writeFileSync(join(dir, 'notes.txt'), 'not read');
  const inputs = await readReportFolder(dir);
  expect(inputs.reconcileRuns).toHaveLength(1);
  expect(inputs.drills).toHaveLength(1);
  expect(inputs.skipped).toEqual([]);
});

test('s3 locations', () => {
  expect(reportsLocation('s3://bucket/reports/')).toEqual({ bucket: 'bucket', prefix: 'reports/' });
  expect(reportsLocation('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
  expect(reportsLocation('./reports')).toBeUndefined();
});

test('the newest backup journal record and snapshot of a pool', async () => {
  const store = new MemoryBackupStore();
  const root = poolRoot('backups', 'us-east-1_AAAA');
  const body = new Uint8Array([1]);
  await store.putNew(journalKey(root, new Date('2026-11-29T23:10:00.000Z'), 'w1', 1), body);
  await store.putNew(journalKey(root, new Date('2026-11-30T04:41:00.123Z'), 'w1', 2), body);
  await store.putNew(journalKey(root, new Date('2026-11-30T01:00:00.000Z'), 'w2', 1), body);
  await store.putNew(manifestKey(root, '20261129T000000000Z'), body);
  const b = await newestBackup(store, root, new Date('2026-11-30T05:00:00.000Z'));
  expect(b).toEqual({
    location: 'memory://backups/us-east-1_AAAA/',
    newestJournalAt: '2026-11-30T04:41:00.123Z',
    newestSnapshotAt: '2026-11-29T00:00:00.000Z',
  });
  expect(await newestBackup(new MemoryBackupStore(), root, new Date())).toEqual({
    location: 'memory://backups/us-east-1_AAAA/',
  });
  expect(fromCompactTime('nonsense')).toBeUndefined();
});

test('the sub map CSV: a header, one pair a line', () => {
  expect(subMapCsv([{ sourceSub: 'a', standbySub: 'b' }])).toBe('source_sub,standby_sub\r\na,b\r\n');
});

test("the doctor's findings record: pool settings and findings only, named by its time", () => {
  const pool = (poolId: string, factors?: string[]) =>
    ({ poolId, region: poolId.split('_')[0], featurePlan: 'ESSENTIALS', allowedFirstAuthFactors: factors }) as never;
  const record = doctorFindingsRecord(
    pool('us-east-1_AAAA'),
    pool('us-west-2_BBBB', ['PASSWORD', 'EMAIL_OTP']),
    [
      { id: 'a', severity: 'warning', area: 'mfa', title: 't', breaks: 'b', fix: 'f', command: 'aws ...' },
      { id: 'b', severity: 'blocker', area: 'schema', title: 't2', breaks: 'b2', fix: 'f2' },
    ],
    new Date('2026-11-30T04:41:00.123Z'),
  );
  expect(record).toEqual({
    kind: DOCTOR_RECORD_KIND,
    checkedAt: '2026-11-30T04:41:00.123Z',
    ok: false,
    source: {
      region: 'us-east-1',
      poolId: 'us-east-1_AAAA',
      featurePlan: 'ESSENTIALS',
      allowedFirstAuthFactors: undefined,
    },
    target: {
      region: 'us-west-2',
      poolId: 'us-west-2_BBBB',
      featurePlan: 'ESSENTIALS',
      allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'],
    },
    findings: [
      { id: 'a', severity: 'warning', title: 't', fix: 'f' },
      { id: 'b', severity: 'blocker', title: 't2', fix: 'f2' },
    ],
  });
  expect(doctorRecordName(record)).toBe('doctor-20261130T044100Z.json');
  // What it writes is what the report reads as doctor findings.
  const inputs = emptyInputs();
  classifyDocument(inputs, doctorRecordName(record), JSON.stringify(record));
  expect(inputs.doctors).toHaveLength(1);
});

test('the sub map lines come sorted by source sub, under their header, whatever the listing order', async () => {
  async function* rows() {
    for (const i of [5, 3, 9, 1, 7, 2, 8, 4, 6, 0]) yield { sourceSub: `src-${i}`, standbySub: `stb-${i}` };
  }
  const lines: string[] = [];
  for await (const line of subMapLines(rows())) lines.push(line);
  expect(lines).toEqual(['source_sub,standby_sub', ...Array.from({ length: 10 }, (_, i) => `src-${i},stb-${i}`)]);
});
