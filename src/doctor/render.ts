import type { PoolConfig } from '../core/types';
import type { Finding, Severity } from './compare';

const LABEL: Record<Severity, string> = { blocker: 'BLOCKER', warning: 'WARNING', info: 'NOTE   ' };

/** The doctor's report as text lines: one block per finding, then the counts. */
export function renderFindings(source: PoolConfig, target: PoolConfig, findings: Finding[]): string[] {
  const lines = [
    `source ${source.region ?? '?'}/${source.poolId} (${source.name ?? 'unnamed'}, plan ${source.featurePlan ?? 'unreported'})` +
      `  ->  target ${target.region ?? '?'}/${target.poolId} (${target.name ?? 'unnamed'}, plan ${target.featurePlan ?? 'unreported'})`,
    '',
  ];
  for (const f of findings) {
    lines.push(`${LABEL[f.severity]} [${f.area}] ${f.title}`);
    lines.push(`  breaks: ${f.breaks}`);
    lines.push(`  fix:    ${f.fix}`);
    if (f.command) for (const c of f.command.split('\n')) lines.push(`    $ ${c}`);
    lines.push('');
  }
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  lines.push(
    `${n('blocker')} blocker(s), ${n('warning')} warning(s), ${n('info')} note(s)${n('blocker') ? ': fix the blockers before relying on the standby' : ''}`,
  );
  return lines;
}
