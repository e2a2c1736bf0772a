import type { Finding } from '../doctor/compare';
import type { PoolConfig } from '../core/types';
import { DOCTOR_RECORD_KIND, type DoctorRecord } from './types';

/**
 * The doctor's findings as the report reads them (`doctor-<time>.json` in a reports folder):
 * pool ids, plans and sign-in factors, and each finding's id, severity, title and fix. The
 * doctor reads pool settings only: there is no personal data in it.
 *
 * @example
 * const record = doctorFindingsRecord(source.config, target.config, findings, new Date());
 * writeFileSync(join('reports', doctorRecordName(record)), JSON.stringify(record, null, 2));
 */
export function doctorFindingsRecord(
  source: PoolConfig,
  target: PoolConfig,
  findings: Finding[],
  checkedAt: Date,
): DoctorRecord {
  const brief = (p: PoolConfig) => ({
    region: p.region,
    poolId: p.poolId,
    featurePlan: p.featurePlan,
    allowedFirstAuthFactors: p.allowedFirstAuthFactors,
  });
  return {
    kind: DOCTOR_RECORD_KIND,
    checkedAt: checkedAt.toISOString(),
    ok: !findings.some((f) => f.severity === 'blocker'),
    source: brief(source),
    target: brief(target),
    findings: findings.map((f) => ({ id: f.id, severity: f.severity, title: f.title, fix: f.fix })),
  };
}

/** The file name of a findings record: `doctor-20261130T044100Z.json`. */
export function doctorRecordName(record: DoctorRecord): string {
  return `doctor-${(record.checkedAt ?? '').replace(/[-:]|\.\d+/g, '')}.json`;
}
