/**
 * What the long-running CLIs (reconcile, restore, failover) share around a run: stopping cleanly
 * on Ctrl-C, their progress on stderr, and the JSON report file they write as they go.
 * @packageDocumentation
 */
import { type ProgressSink, silentProgress, TerminalProgress } from '../../src/reconcile/progress';
import { writeReportFile } from '../../src/reconcile/summary';
import type { ReconcileReport } from '../../src/reconcile/types';
import { note } from './command';

/**
 * A signal that aborts at the first SIGINT or SIGTERM (after printing `message`, what the run does
 * to stop cleanly); a second one exits at once with status 130.
 */
export function stopOnSignals(message: string): AbortSignal {
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${message}\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop.signal;
}

/** The message of a run that stops by saving its checkpoint (reconcile, restore). */
export const CHECKPOINT_STOP_MESSAGE =
  'stopping: waiting for requests in flight, then saving the checkpoint (Ctrl-C again to quit at once)';

/**
 * A run's progress on stderr: redrawn on a terminal; otherwise a line per phase and note, and with
 * `--json` (stdout is the report) the notes only.
 */
export function runProgress(json: boolean): ProgressSink {
  if (process.stderr.isTTY && !json) return new TerminalProgress();
  if (json) return { ...silentProgress, log: note };
  return {
    phase: (name) => process.stderr.write(`${name}...\n`),
    update() {},
    log: note,
    end() {},
  };
}

/** Prints each line of a quota-bound estimate as a note. */
export function noteLines(lines: string[]): void {
  for (const line of lines) note(line);
}

/**
 * The report file of a run: `given` (`--report`), or `reports/<kind>-<start time>.json`, named when
 * the run first saves its report (written before the checkpoint goes: a late failure never loses
 * the findings).
 */
export class RunReportFile {
  constructor(
    private readonly kind: string,
    private given?: string,
  ) {}

  /** Where the report is (or will be) written; `undefined` before the first save without `--report`. */
  get path(): string | undefined {
    return this.given;
  }

  /** Writes the report (mode 0600: it names users). */
  async save(report: ReconcileReport): Promise<void> {
    this.given ??= `reports/${this.kind}-${report.startedAt.replace(/[:.]/g, '-')}.json`;
    await writeReportFile(this.given, report);
  }
}
