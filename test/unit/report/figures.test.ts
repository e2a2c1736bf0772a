import {
  callsByCategory,
  distribution,
  emptyInputs,
  histogram,
  percentile,
  type ReportInputs,
  reportFigures,
} from '../../../src/report';
import { doctorRecord, drillRecord, queueRecord, reconcileReport } from './fixtures';

const AT = '2026-11-30T05:00:00.000Z';

function inputs(partial: Partial<ReportInputs>): ReportInputs {
  return { ...emptyInputs(), ...partial };
}

describe('readiness now', () => {
  test('comes from the newest complete run: matching share, drift by kind, users a failover cannot carry', () => {
    const older = reconcileReport({ finishedAt: '2026-11-28T01:00:00.000Z', inSync: 50, missing: 50 });
    const newest = reconcileReport({
      finishedAt: '2026-11-29T01:00:00.000Z',
      inSync: 190,
      missing: 6,
      drifted: 4,
      totp: 7,
      federated: 3,
      gapUsers: 2,
      noVerifiedContact: 5,
    });
    const stopped = reconcileReport({ finishedAt: '2026-11-30T01:00:00.000Z', inSync: 1, status: 'stopped' });
    const f = reportFigures(inputs({ reconcileRuns: [newest, stopped, older] }), AT);
    const r = f.readiness!;
    expect(r.at).toBe('2026-11-29T01:00:00.000Z');
    // every bucket but unconfirmed and vanished is expected: 190 + 6 + 4 + 3 federated
    expect(r.expected).toBe(203);
    expect(r.matching).toBe(190);
    expect(r.percent).toBe(Math.round((190 / 203) * 10_000) / 100);
    expect(r.missing).toBe(6);
    expect(r.drifted).toBe(4);
    expect(r.drift.missing).toBe(6);
    expect(r.drift.attributes).toBe(4);
    expect(r.notCarried).toEqual({
      totp: 7,
      federated: 3,
      schemaGapUsers: 2,
      schemaGapAttributes: { 'custom:tier': 2 },
      noIdentity: 0,
      ambiguous: 0,
      noVerifiedContact: 5,
    });
    expect(r.source).toBe('us-east-1_AAAA (us-east-1)');
    expect(r.target).toBe('us-west-2_BBBB (us-west-2)');
    expect(f.notes).toContain('1 reconcile report(s) of runs that did not complete were left out');
  });

  test('without a complete run there is no readiness, recovery time or trend, and a note says so', () => {
    const f = reportFigures(inputs({ reconcileRuns: [] }), AT);
    expect(f.readiness).toBeUndefined();
    expect(f.recoveryTime).toBeUndefined();
    expect(f.trends).toEqual([]);
    expect(f.notes[0]).toMatch(/no complete reconcile report/);
  });
});

describe('recovery time', () => {
  test("is the failover wave's quota-bound duration of the newest run, with the passwordless route from the doctor", () => {
    const run = reconcileReport({ finishedAt: '2026-11-29T01:00:00.000Z', inSync: 24_000, recoveryRate: 24 });
    const withOtp = reportFigures(inputs({ reconcileRuns: [run], doctors: [doctorRecord()] }), AT).recoveryTime!;
    expect(withOtp.users).toBe(24_000);
    expect(withOtp.seconds).toBe(1_000);
    expect(withOtp.human).toBe('16m 40s');
    expect(withOtp.passwordless).toBe(true);

    const noOtp = doctorRecord({ target: { allowedFirstAuthFactors: ['PASSWORD'] } });
    expect(reportFigures(inputs({ reconcileRuns: [run], doctors: [noOtp] }), AT).recoveryTime!.passwordless).toBe(
      false,
    );
    expect(reportFigures(inputs({ reconcileRuns: [run] }), AT).recoveryTime!.passwordless).toBeNull();
  });

  test("a doctor's --json output without the standby's factors decides by its passwordless finding", () => {
    const run = reconcileReport({ finishedAt: '2026-11-29T01:00:00.000Z', inSync: 1 });
    const json = doctorRecord({
      kind: undefined,
      target: { poolId: 'us-west-2_BBBB' },
      findings: [{ id: 'passwordless.available', severity: 'info', title: 'EMAIL_OTP allowed' }],
    });
    expect(reportFigures(inputs({ reconcileRuns: [run], doctors: [json] }), AT).recoveryTime!.passwordless).toBe(true);
  });
});

describe('recovery point', () => {
  test('lag distribution per kind and overall, histogram bands, DLQ depth from the newest drill', () => {
    const p = reportFigures(inputs({ drills: [drillRecord()] }), AT).recoveryPoint;
    expect(p.lagSource).toBe('drill of 2026-11-30T03:00:00.000Z');
    expect(p.lagByKind).toEqual([
      { kind: 'sign-up', n: 10, p50: 500, p95: 1_000, max: 1_000 },
      { kind: 'attribute edit', n: 3, p50: 4_000, p95: 40_000, max: 40_000 },
    ]);
    expect(p.lag).toEqual({ n: 13, p50: 700, p95: 40_000, max: 40_000 });
    expect(p.lagHistogram.map((b) => b.count)).toEqual([9, 3, 0, 1, 0, 0]);
    expect(p.dlqDepth).toBe(0);
    expect(p.oldestMessageAgeMs).toBeUndefined();
  });

  test('a queue observation wins over the drill for lag, queue age and DLQ depth; the newest backup is passed on', () => {
    const q = queueRecord({ lags: [{ kind: 'sign-up', samples: [5, 15] }] });
    const backup = { location: 's3://b/p/us-east-1_AAAA/', newestJournalAt: '2026-11-30T04:59:00.000Z' };
    const p = reportFigures(inputs({ drills: [drillRecord()], queues: [q], backup }), AT).recoveryPoint;
    expect(p.lagSource).toBe('queue observation of 2026-11-30T04:00:00.000Z');
    expect(p.lag).toEqual({ n: 2, p50: 5, p95: 15, max: 15 });
    expect(p.oldestMessageAgeMs).toBe(12_000);
    expect(p.dlqDepth).toBe(3);
    expect(p.backup).toEqual(backup);
  });

  test("a queue observation with CloudWatch's percentiles (the scheduled reconcile's) wins over the drill's samples", () => {
    const q = queueRecord({
      from: '2026-11-29T04:00:00.000Z',
      lag: { n: 1_234, p50: 850, p95: 4_300, max: 61_000 },
    });
    const f = reportFigures(inputs({ drills: [drillRecord()], queues: [q] }), AT);
    const p = f.recoveryPoint;
    expect(p.lagSource).toBe('CloudWatch percentiles of 2026-11-29T04:00:00.000Z to 2026-11-30T04:00:00.000Z');
    expect(p.lag).toEqual({ n: 1_234, p50: 850, p95: 4_300, max: 61_000 });
    expect(p.lagByKind).toEqual([]);
    expect(p.lagHistogram).toEqual([]);
    expect(p.oldestMessageAgeMs).toBe(12_000);
    expect(p.notObserved).toEqual([]);
    expect(f.lagTrend).toEqual([
      { at: '2026-11-30T03:00:00.000Z', p50: 700, p95: 40_000 },
      { at: '2026-11-30T04:00:00.000Z', p50: 850, p95: 4_300 },
    ]);
  });

  test('figures the newest queue observation could not read are "not observed", with a note; lag falls back to the drill', () => {
    const q = queueRecord({
      oldestMessageAgeMs: undefined,
      notObserved: [
        { figure: 'lag', reason: 'CloudWatch GetMetricData failed: AccessDenied: no' },
        { figure: 'oldestMessage', reason: 'CloudWatch GetMetricData failed: AccessDenied: no' },
      ],
    });
    const f = reportFigures(inputs({ drills: [drillRecord()], queues: [q] }), AT);
    expect(f.recoveryPoint.notObserved).toEqual(q.notObserved);
    expect(f.recoveryPoint.oldestMessageAgeMs).toBeUndefined();
    expect(f.recoveryPoint.lagSource).toBe('drill of 2026-11-30T03:00:00.000Z');
    expect(f.notes).toEqual(
      expect.arrayContaining([
        'queue observation of 2026-11-30T04:00:00.000Z: replication lag not observed (CloudWatch GetMetricData failed: AccessDenied: no)',
        'queue observation of 2026-11-30T04:00:00.000Z: oldest message waiting not observed (CloudWatch GetMetricData failed: AccessDenied: no)',
      ]),
    );
  });

  test('no samples: no distribution and no histogram', () => {
    const p = reportFigures(inputs({}), AT).recoveryPoint;
    expect(p.lag).toBeUndefined();
    expect(p.lagHistogram).toEqual([]);
  });
});

describe('trends', () => {
  test('every complete run in time order: readiness, drift after the run, calls per quota category', () => {
    const a = reconcileReport({ finishedAt: '2026-11-28T01:00:00.000Z', inSync: 50, missing: 50 });
    const b = reconcileReport({
      finishedAt: '2026-11-29T01:00:00.000Z',
      inSync: 99,
      drifted: 1,
      calls: {
        source: { ListUsers: 2, AdminGetUser: 100 },
        target: { ListUsers: 2, AdminUpdateUserAttributes: 1, Odd: 1 },
      },
    });
    const t = reportFigures(inputs({ reconcileRuns: [b, a] }), AT).trends;
    expect(t.map((p) => [p.at, p.readinessPercent, p.drift])).toEqual([
      ['2026-11-28T01:00:00.000Z', 50, 50],
      ['2026-11-29T01:00:00.000Z', 99, 1],
    ]);
    expect(t[0].calls).toEqual({ UserList: 22, UserCreation: 50 });
    expect(t[1].calls).toEqual({ UserList: 4, UserRead: 100, UserUpdate: 1, other: 1 });
    expect(t[1].direction).toBe('us-east-1_AAAA -> us-west-2_BBBB');
  });
});

test('lag over the kept drills and queue observations, oldest first, those without samples left out', () => {
  const d = drillRecord({ finishedAt: '2026-11-29T00:00:00.000Z' });
  const q = queueRecord({ at: '2026-11-28T00:00:00.000Z', lags: [{ kind: 'sign-up', samples: [10, 20, 30] }] });
  const bare = queueRecord({ at: '2026-11-30T00:00:00.000Z' });
  expect(reportFigures(inputs({ drills: [d], queues: [bare, q] }), AT).lagTrend).toEqual([
    { at: '2026-11-28T00:00:00.000Z', p50: 20, p95: 30 },
    { at: '2026-11-29T00:00:00.000Z', p50: 700, p95: 40_000 },
  ]);
});

describe('the last drill and the doctor', () => {
  test("the newest drill's acts, timings and users lost", () => {
    const old = drillRecord({ finishedAt: '2026-11-01T00:00:00.000Z', lost: 3, exitCode: 1 });
    const d = reportFigures(inputs({ drills: [drillRecord(), old] }), AT).drill!;
    expect(d.passed).toBe(true);
    expect(d.lost).toBe(0);
    expect(d.acts.map((a) => [a.n, a.status, a.ms])).toEqual([
      [1, 'ok', 2_000],
      [2, 'ok', 21_000],
      [3, 'ok', 9_000],
      [4, 'ok', 6_000],
      [5, 'ok', 4_000],
      [6, 'ok', 3_000],
    ]);
    const failed = reportFigures(inputs({ drills: [old] }), AT).drill!;
    expect(failed.passed).toBe(false);
    expect(failed.lost).toBe(3);
  });

  test("the newest doctor's findings, blockers first, with counts per severity", () => {
    const d = reportFigures(inputs({ doctors: [doctorRecord()] }), AT).doctor!;
    expect(d.counts).toEqual({ blocker: 1, warning: 1, info: 1 });
    expect(d.findings.map((x) => x.severity)).toEqual(['blocker', 'warning', 'info']);
    expect(d.ok).toBe(false);
  });
});

describe('helpers', () => {
  test('nearest-rank percentiles and distributions', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(distribution([10])).toEqual({ n: 1, p50: 10, p95: 10, max: 10 });
  });

  test('histogram bands are closed below, open above', () => {
    expect(histogram([999, 1_000, 900_000]).map((b) => b.count)).toEqual([1, 1, 0, 0, 0, 1]);
  });

  test('calls per category: both sides summed, unknown operations as other', () => {
    expect(callsByCategory({ calls: { source: { ListUsers: 1 }, target: { ListUsers: 1, Zzz: 2 } } })).toEqual({
      UserList: 2,
      other: 2,
    });
  });
});
