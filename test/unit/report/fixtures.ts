/**
 * Report fixtures: reconcile reports, a drill record and doctor findings as the suite writes
 * them, with personal data planted in the per-user entries (the page must never show it).
 */
import { readiness } from '../../../src/reconcile/readiness';
import { newReportState } from '../../../src/reconcile/report';
import type { ReconcileReport } from '../../../src/reconcile/types';
import {
  DOCTOR_RECORD_KIND,
  DRILL_RECORD_KIND,
  type DoctorRecord,
  type DrillRecord,
  QUEUE_RECORD_KIND,
  type QueueRecord,
} from '../../../src/report';

export const PLANTED_EMAIL = 'planted.person@example.com';
export const PLANTED_PHONE = '+15555550123';

/** A complete reconcile report with these buckets and counts. */
export function reconcileReport(o: {
  finishedAt: string;
  inSync: number;
  missing?: number;
  drifted?: number;
  failed?: number;
  totp?: number;
  federated?: number;
  gapUsers?: number;
  noVerifiedContact?: number;
  send?: number;
  recoveryRate?: number;
  calls?: ReconcileReport['calls'];
  status?: 'complete' | 'stopped';
}): ReconcileReport {
  const counts = newReportState().counts;
  counts.buckets.inSync = o.inSync;
  counts.buckets.missing = o.missing ?? 0;
  counts.buckets.drifted = o.drifted ?? 0;
  counts.buckets.failed = o.failed ?? 0;
  counts.buckets.notReplicable = o.federated ?? 0;
  counts.skipReasons.federated = o.federated ?? 0;
  counts.drift.missing = o.missing ?? 0;
  counts.drift.attributes = o.drifted ?? 0;
  counts.totp = o.totp ?? 0;
  counts.gapUsers = o.gapUsers ?? 0;
  if (o.gapUsers) counts.gapAttributes = { 'custom:tier': o.gapUsers };
  counts.failover = { send: o.send ?? o.inSync, notSent: { 'no-verified-contact': o.noVerifiedContact ?? 0 } };
  return {
    runId: `run-${o.finishedAt}`,
    status: o.status ?? 'complete',
    phase: 'done',
    startedAt: o.finishedAt,
    finishedAt: o.finishedAt,
    mode: 'dry-run',
    deep: true,
    source: { region: 'us-east-1', poolId: 'us-east-1_AAAA' },
    target: { region: 'us-west-2', poolId: 'us-west-2_BBBB' },
    resumed: false,
    sessions: 1,
    counts,
    groups: { missingInTarget: [], onlyInTarget: [] },
    deletion: { allowed: false, reason: 'not requested', requested: false, limit: 10 },
    estimatedApplySeconds: 0,
    calls: o.calls ?? { source: { ListUsers: 10 }, target: { ListUsers: 12, AdminCreateUser: o.missing ?? 0 } },
    listing: { source: { pages: 1, restarts: 0 }, target: { pages: 1, restarts: 0 } },
    billedReads: 0,
    writeCalls: 0,
    readiness: readiness(counts, { deep: true, totpKnown: true, recoveryRate: o.recoveryRate ?? 24 }),
    warnings: [],
    entries: {
      create: [{ sub: '11111111-1111-1111-1111-111111111111' }],
      failed: [{ sub: '2222', error: 'boom', standbyUsername: PLANTED_EMAIL }],
      ambiguous: [{ sub: '3333', identity: `phone_number=${PLANTED_PHONE}` }],
    },
    omitted: {},
    checkpoint: '.reconcile/x.json',
  } as unknown as ReconcileReport;
}

export function drillRecord(o: Partial<DrillRecord> = {}): DrillRecord {
  return {
    kind: DRILL_RECORD_KIND,
    version: 1,
    finishedAt: '2026-11-30T03:00:00.000Z',
    exitCode: 0,
    totalMs: 45_000,
    users: 200,
    acts: [
      { n: 1, title: 'Two Regions', status: 'ok', ms: 2_000 },
      { n: 2, title: 'Normal days', status: 'ok', ms: 21_000 },
      { n: 3, title: 'Drift', status: 'ok', ms: 9_000 },
      { n: 4, title: 'Outage', status: 'ok', ms: 6_000 },
      { n: 5, title: 'Failback', status: 'ok', ms: 4_000 },
      { n: 6, title: 'Tally', status: 'ok', ms: 3_000 },
    ],
    expected: 212,
    intact: 212,
    lost: 0,
    lags: [
      { kind: 'sign-up', path: 'trigger -> worker', samples: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000] },
      { kind: 'attribute edit', path: 'change capture', samples: [2_000, 4_000, 40_000] },
    ],
    dlq: { primary: 0, standby: 0 },
    failures: [],
    ...o,
  };
}

export function doctorRecord(o: Partial<DoctorRecord> = {}): DoctorRecord {
  return {
    kind: DOCTOR_RECORD_KIND,
    checkedAt: '2026-11-30T02:00:00.000Z',
    ok: false,
    source: { region: 'us-east-1', poolId: 'us-east-1_AAAA' },
    target: { region: 'us-west-2', poolId: 'us-west-2_BBBB', allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] },
    findings: [
      { id: 'plan.mrr-unavailable', severity: 'info', title: 'the source is on the LITE plan', fix: 'none needed' },
      { id: 'schema.source-sub.missing', severity: 'blocker', title: 'custom:source_sub is missing', fix: 'add it' },
      { id: 'mfa.totp', severity: 'warning', title: 'TOTP cannot be copied', fix: 'tell users' },
    ],
    ...o,
  };
}

export function queueRecord(o: Partial<QueueRecord> = {}): QueueRecord {
  return { kind: QUEUE_RECORD_KIND, at: '2026-11-30T04:00:00.000Z', oldestMessageAgeMs: 12_000, dlqDepth: 3, ...o };
}
