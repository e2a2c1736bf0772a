import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors';
import { duration } from './readiness';
import type { ReconcileReport } from './types';

const n = (x: number) => x.toLocaleString('en-US');

/** The human summary of a report (what the CLI prints at the end, and the Lambda logs line by line). */
export function formatSummary(r: ReconcileReport): string {
  const lines = [...runLines(r), ...findingLines(r), ...workLines(r), ...readinessLines(r)];
  for (const w of r.warnings) lines.push(`Warning: ${w}`);
  if (r.status === 'stopped')
    lines.push(`Stopped; progress saved in ${r.checkpoint}. Run the same command again to resume.`);
  return lines.join('\n');
}

/** The pool pair, mode and outcome; what was listed; the users by finding. */
function runLines(r: ReconcileReport): string[] {
  const c = r.counts;
  const mode = r.mode === 'apply' ? 'apply' : 'dry run';
  const took = duration((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000);
  return [
    `Reconcile ${r.source.region}/${r.source.poolId} -> ${r.target.region}/${r.target.poolId} (${mode}${r.deep ? ', deep' : ''}): ${r.status}${r.status === 'complete' ? ` after ${took}` : ` in phase ${r.phase}`}${r.resumed ? `, resumed (session ${r.sessions})` : ''}`,
    `Listed: ${n(c.sourceUsers)} source users in ${n(c.sourceGroups)} groups; ${n(c.standbyUsers)} target users in ${n(c.standbyGroups)} groups`,
    `Users: ${n(c.inSync)} in sync, ${n(c.create)} missing, ${n(c.update)} drifted, ${n(c.skip)} not replicable, ${n(c.ambiguous)} ambiguous${c.vanished ? `, ${n(c.vanished)} gone since listed` : ''}`,
  ];
}

/** Drift, what cannot be replicated, groups, leftovers and the deletion decision. */
function findingLines(r: ReconcileReport): string[] {
  const c = r.counts;
  const lines: string[] = [];
  const drift = Object.entries(c.drift)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${n(v)}`);
  if (drift.length) lines.push(`Drift: ${drift.join(', ')}`);
  const skips = Object.entries(c.skipReasons).map(([k, v]) => `${k} ${n(v)}`);
  if (skips.length) lines.push(`Not replicable: ${skips.join(', ')}`);
  if (c.mfaPending) {
    lines.push(
      `MFA pending: ${n(c.mfaPending)} replicas wait for their password reset before their SMS/e-mail MFA can be set (RESET_REQUIRED; the first run after each reset sets it)`,
    );
  }
  if (r.groups.missingInTarget.length)
    lines.push(
      `Groups missing in the target: ${r.groups.missingInTarget.join(', ')}${r.mode === 'apply' ? ` (${c.groupsCreated} created)` : ''}`,
    );
  if (r.groups.onlyInTarget.length)
    lines.push(`Groups only in the target (left alone): ${r.groups.onlyInTarget.join(', ')}`);
  lines.push(
    `Orphans: ${n(c.orphans)} (replicas whose source user is gone); standby-only users: ${n(c.standbyOnly)} (never deleted; reverse-reconcile them at failback)`,
  );
  lines.push(
    `Deletion: ${r.deletion.allowed ? `${n(c.deleted)} deleted (limit ${r.deletion.limit})` : r.deletion.reason}`,
  );
  return lines;
}

/** The import, the writes (or what applying would take), and the calls sent. */
function workLines(r: ReconcileReport): string[] {
  const c = r.counts;
  const lines: string[] = [];
  if (r.import) {
    const jobs = r.import.jobs.map(
      (j) =>
        `${j.jobId ?? `chunk ${j.chunk}`} ${j.status} (${j.imported ?? 0} imported, ${j.failed ?? 0} failed, ${j.skipped ?? 0} skipped)`,
    );
    lines.push(
      `Import: ${n(r.import.candidates)} importable missing users${r.import.used ? `; ${jobs.join('; ')}` : ' (below the threshold: created one by one)'}`,
    );
  }
  if (r.mode === 'apply') {
    lines.push(
      `Applied: ${n(c.created)} created, ${n(c.updated)} updated, ${n(c.writes)} write calls, ${n(c.failed)} failed${c.imported ? `, ${n(c.imported)} completed after import` : ''}${c.rechecked ? `, ${n(c.rechecked)} re-read after an interruption` : ''}`,
    );
  } else if (c.create + c.update > 0) {
    const calls = Object.entries(c.plannedCalls)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
    lines.push(
      `To apply: ${calls}; about ${duration(r.estimatedApplySeconds)} at the target's quotas (run again with --apply)`,
    );
  }
  const calls = (side: Record<string, number>) =>
    Object.entries(side)
      .sort()
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ') || 'none';
  lines.push(`Calls: source ${calls(r.calls.source)}; target ${calls(r.calls.target)}`);
  if (r.billedReads) lines.push(`Billed per-user reads (AdminGetUser): ${n(r.billedReads)}`);
  return lines;
}

/** What a failover to the target would carry now, and how long its notifications would take. */
function readinessLines(r: ReconcileReport): string[] {
  const rd = r.readiness;
  const b = rd.buckets;
  const aside = [
    b.unconfirmed ? `${n(b.unconfirmed)} unconfirmed` : '',
    b.vanished ? `${n(b.vanished)} gone since listed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const nc = rd.notCarried;
  const gaps = Object.entries(nc.schemaGaps.attributes)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  const notSent = Object.entries(rd.notifications.notSent)
    .sort()
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  return [
    `Readiness: ${(rd.share * 100).toFixed(1)}% of ${n(rd.expected)} expected users present and matching in the target (${n(rd.missing)} missing, ${n(rd.drifted)} drifted, ${rd.mfaPending ? `${n(rd.mfaPending)} matching but for MFA pending a password reset, ` : ''}${n(rd.failed)} failed, ${n(b.notReplicable)} not replicable, ${n(b.ambiguous)} ambiguous${aside ? `; aside: ${aside}` : ''})`,
    `  not carried by a failover: federated ${n(nc.federated)}, TOTP ${nc.totp === null ? 'unknown (no --deep, no MFA marker attribute)' : `${n(nc.totp)} (${nc.totpSource === 'deep' ? 'read now' : 'from MFA markers'}; must enroll again)`}, schema gaps ${n(nc.schemaGaps.users)} users${gaps ? ` (${gaps})` : ''}, no identity ${n(nc.noIdentity)}, ambiguous ${n(nc.ambiguous)}`,
    `  failover notifications: ${n(rd.notifications.users)} users at ${rd.notifications.ratePerSecond}/s (target UserAccountRecovery quota less headroom): about ${rd.notifications.human}${notSent ? `; not sent: ${notSent}` : ''}`,
  ];
}

/** Writes the JSON report with mode 0600 (it names users). */
export async function writeReportFile(path: string, report: ReconcileReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * Checks, before a run, that a report can be written at `path` (creating its folder, as
 * {@link writeReportFile} would): not a folder, and a writable file or folder. Throws a
 * ConfigError naming `flag` and the path.
 */
export async function checkReportWritable(path: string, flag = '--report'): Promise<void> {
  const refuse = (why: string) =>
    new ConfigError(
      `${flag} ${path}: the report cannot be written there (${why}); pass ${flag} with a file in a writable folder`,
    );
  const existing = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw refuse(err.message);
  });
  if (existing?.isDirectory()) throw refuse('it is a folder');
  try {
    if (existing) await access(path, fsConstants.W_OK);
    else {
      await mkdir(dirname(path), { recursive: true });
      await access(dirname(path), fsConstants.W_OK | fsConstants.X_OK);
    }
  } catch (err) {
    throw refuse((err as Error).message);
  }
}
