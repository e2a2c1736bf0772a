import { reportFigures } from './figures';
import { renderReport } from './html';
import type { ReportInputs } from './types';

/**
 * The report page for these inputs, generated at `at` (one call for the CLI, the scheduled
 * reconcile and the drill).
 *
 * @example
 * const html = reportPage(await readReportFolder('reports'), new Date());
 */
export function reportPage(inputs: ReportInputs, at: Date): string {
  return renderReport(reportFigures(inputs, at.toISOString()));
}
