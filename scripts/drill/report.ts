/**
 * The drill's readiness page (issue 14): at the end, the drill's record (acts, timings, users
 * lost, lags, DLQs, calls), the doctor's findings and the reconcile reports of the run go into a
 * reports folder, and the page is made from that folder as `npm run report -- --from <folder>`
 * would. The reconcile reports are copied without their per-user entries: nothing in the folder
 * or the page names a user.
 * @packageDocumentation
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DRILL_RECORD_KIND, type DrillRecord, readReportFolder, reportPage } from '../../src/report';
import type { DrillOptions, DrillResults } from './context';
import type { ActRecord } from './narrator';
import { byCategory } from './runtime/calls';
import type { Verification } from './runtime/verify';

/** What the drill ended with. */
export interface DrillOutcome {
  exitCode: number;
  totalMs: number;
  acts: ActRecord[];
  results: DrillResults;
  verification?: Verification;
}

/** The default folder: `reports/drill-20261130T044100Z` under the current directory. */
export function defaultReportDir(at: Date): string {
  return path.join('reports', `drill-${at.toISOString().replace(/[-:]|\.\d+/g, '')}`);
}

/** The drill's record for the page. */
export function drillRecord(options: DrillOptions, outcome: DrillOutcome, finishedAt: Date): DrillRecord {
  const v = outcome.verification;
  const suite = outcome.results.calls?.suite;
  return {
    kind: DRILL_RECORD_KIND,
    version: 1,
    finishedAt: finishedAt.toISOString(),
    exitCode: outcome.exitCode,
    totalMs: outcome.totalMs,
    users: options.users,
    acts: outcome.acts.map((a) => ({ n: a.n, title: a.title, status: a.status, ms: a.ms })),
    expected: v?.expected ?? 0,
    intact: v?.intact ?? 0,
    lost: v ? v.lost : -1,
    lags: outcome.results.lags.map((l) => ({ kind: l.kind, path: l.path, samples: [...l.samples] })),
    dlq: { ...(outcome.results.dlq ?? {}) },
    callsByCategory: suite ? { primary: byCategory(suite.primary), standby: byCategory(suite.standby) } : undefined,
    failures: [...outcome.results.failures],
  };
}

/**
 * Writes the folder (drill.json, doctor findings, the run's reconcile reports without entries)
 * and `report.html` in it; returns the page's path. `reconcileDir` is where the run's reconcile
 * reports are (the drill's private folder, removed at the end).
 */
export async function writeDrillReport(
  dir: string,
  reconcileDir: string,
  options: DrillOptions,
  outcome: DrillOutcome,
  at: Date,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const json = (name: string, value: unknown) =>
    writeFileSync(path.join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  json('drill.json', drillRecord(options, outcome, at));
  if (outcome.results.doctor) json('doctor.json', outcome.results.doctor);
  let names: string[] = [];
  try {
    names = readdirSync(reconcileDir).filter((n) => n.endsWith('.report.json'));
  } catch {
    // no reconcile ran (an early act failed)
  }
  for (const name of names) {
    const report = JSON.parse(readFileSync(path.join(reconcileDir, name), 'utf8')) as Record<string, unknown>;
    json(name, { ...report, entries: {}, omitted: {} });
  }
  const page = path.join(dir, 'report.html');
  writeFileSync(page, reportPage(await readReportFolder(dir), at));
  return page;
}
