/**
 * What the readiness and drill report is made of: its inputs (files found in a reports folder or
 * under an S3 prefix) and the figures the page shows. Figures are counts, durations and pool
 * ids only: never a username, e-mail, phone number or other personal data.
 * @packageDocumentation
 */
import type { DriftKind } from '../reconcile/planner';
import type { ReconcileReport } from '../reconcile/types';

/** The `kind` of the drill's record file (`drill.json`). */
export const DRILL_RECORD_KIND = 'cognito-standby-sync/drill-record';
/** The `kind` of a findings file the doctor writes (`--report-dir`). */
export const DOCTOR_RECORD_KIND = 'cognito-standby-sync/doctor-findings';
/** The `kind` of a queue observation (replication lag samples, queue age, DLQ depth). */
export const QUEUE_RECORD_KIND = 'cognito-standby-sync/queue-observation';

/** One act of a drill, as the drill's narration timed it. */
export interface DrillAct {
  n: number;
  title: string;
  status: string;
  ms: number;
}

/** Replication lag samples of one kind of change, in ms. */
export interface LagSamples {
  kind: string;
  path?: string;
  samples: number[];
}

/** What the local drill leaves for the report (`drill.json`, no personal data). */
export interface DrillRecord {
  kind: typeof DRILL_RECORD_KIND;
  version: 1;
  finishedAt: string;
  exitCode: number;
  totalMs: number;
  users: number;
  acts: DrillAct[];
  /** Users expected in both pools, present and matching in both, and lost (must be 0). */
  expected: number;
  intact: number;
  lost: number;
  lags: LagSamples[];
  /** Messages in each Region's DLQ at the tally. */
  dlq: Record<string, number>;
  /** Calls the suite sent per quota category, by side. */
  callsByCategory?: Record<string, Record<string, number>>;
  failures: string[];
}

/** One doctor finding, as the page shows it (no personal data: the doctor reads pool settings only). */
export interface DoctorFindingBrief {
  id: string;
  severity: 'blocker' | 'warning' | 'info';
  title: string;
  fix?: string;
}

/** The doctor's findings file (`npm run doctor -- --report-dir <folder>`), or its `--json` output. */
export interface DoctorRecord {
  kind?: typeof DOCTOR_RECORD_KIND;
  checkedAt?: string;
  ok: boolean;
  source?: { region?: string; poolId?: string; allowedFirstAuthFactors?: string[]; featurePlan?: string };
  target?: { region?: string; poolId?: string; allowedFirstAuthFactors?: string[]; featurePlan?: string };
  findings: DoctorFindingBrief[];
}

/** A figure of a queue observation that could not be read, and why (the page shows "not observed"). */
export interface NotObserved {
  figure: 'lag' | 'oldestMessage' | 'dlqDepth';
  reason: string;
}

/** Replication lag and queue state observed at one time (e.g. exported from CloudWatch). */
export interface QueueRecord {
  kind: typeof QUEUE_RECORD_KIND;
  at: string;
  /** Start of the window the lag figures cover (the scheduled reconcile's observations). */
  from?: string;
  lags?: LagSamples[];
  /** Lag percentiles over the window, as CloudWatch computed them (when the samples are not kept). */
  lag?: Distribution;
  /** Age of the oldest message waiting in the sync queue, ms. */
  oldestMessageAgeMs?: number;
  dlqDepth?: number;
  notObserved?: NotObserved[];
}

/** The newest backup objects found (issue 13's backup layout), when backups exist. */
export interface BackupState {
  location: string;
  newestJournalAt?: string;
  newestSnapshotAt?: string;
}

/** Everything the report is made from. */
export interface ReportInputs {
  reconcileRuns: ReconcileReport[];
  drills: DrillRecord[];
  doctors: DoctorRecord[];
  queues: QueueRecord[];
  backup?: BackupState;
  /** Files read but not understood (their names only). */
  skipped: string[];
}

/** p50/p95/max of a series, in ms. */
export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** One run of the trend charts. */
export interface TrendPoint {
  at: string;
  direction: string;
  readinessPercent: number;
  drift: number;
  /** Requests sent to both pools by the run, per quota category. */
  calls: Record<string, number>;
}

/** The figures the page shows, computed from {@link ReportInputs} by `reportFigures` (pure). */
export interface ReportFigures {
  generatedAt: string;
  readiness?: {
    at: string;
    runId: string;
    mode: 'dry-run' | 'apply';
    source: string;
    target: string;
    expected: number;
    matching: number;
    percent: number;
    missing: number;
    drifted: number;
    mfaPending: number;
    failed: number;
    drift: Record<DriftKind, number>;
    notCarried: {
      totp: number | null;
      federated: number;
      schemaGapUsers: number;
      schemaGapAttributes: Record<string, number>;
      noIdentity: number;
      ambiguous: number;
      noVerifiedContact: number;
    };
  };
  recoveryPoint: {
    /** Where the samples came from (`drill 2026-...`, `queue observation ...`), or none. */
    lagSource?: string;
    lagByKind: (Distribution & { kind: string })[];
    lag?: Distribution;
    /** Samples per lag band (for the histogram). */
    lagHistogram: { label: string; count: number }[];
    oldestMessageAgeMs?: number;
    dlqDepth?: number;
    /** Figures the newest queue observation could not read, and why. */
    notObserved?: NotObserved[];
    backup?: BackupState;
  };
  recoveryTime?: {
    users: number;
    ratePerSecond: number;
    seconds: number;
    human: string;
    /** `true`: the standby allows EMAIL_OTP first; `false`: it does not; `null`: unknown (no doctor findings). */
    passwordless: boolean | null;
  };
  trends: TrendPoint[];
  /** Replication lag over the kept drill records and queue observations with samples, oldest first. */
  lagTrend: { at: string; p50: number; p95: number }[];
  drill?: {
    finishedAt: string;
    passed: boolean;
    totalMs: number;
    users: number;
    acts: DrillAct[];
    expected: number;
    intact: number;
    lost: number;
    dlq: Record<string, number>;
    failures: number;
  };
  doctor?: {
    checkedAt?: string;
    ok: boolean;
    counts: Record<'blocker' | 'warning' | 'info', number>;
    findings: DoctorFindingBrief[];
  };
  notes: string[];
}
