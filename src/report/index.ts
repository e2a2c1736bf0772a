/**
 * The readiness and drill report (issue 14): pure figures from the kept reports, one
 * self-contained HTML page, the sources it is read from, and the `sub` map written on request.
 * @packageDocumentation
 */
export { newestBackup } from './backup';
export { doctorFindingsRecord, doctorRecordName } from './doctor-record';
export { classifyDocument, emptyInputs } from './classify';
export { callsByCategory, distribution, histogram, percentile, reportFigures } from './figures';
export { formatMs, renderReport } from './html';
export { reportPage } from './page';
export { observationWindow, observeQueues, type QueueMetricsTarget } from './queue-observation';
export { readReportFolder, readReportPrefix, reportsLocation } from './sources';
export { type SubMapRow, subMapCsv, subMapLines, subMapRows } from './sub-map';
export * from './types';
