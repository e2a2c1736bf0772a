/**
 * What every act receives: the options, the narration, the running world and the results the
 * acts leave for the final tally.
 * @packageDocumentation
 */
import { TaskPool } from '../../src/core/concurrency';
import type { DoctorRecord } from '../../src/report';
import type { Narrator } from './narrator';
import type { CallCounts } from './runtime/calls';
import type { Side } from './runtime/names';
import type { Verification } from './runtime/verify';
import type { World } from './runtime/world';

/** The drill's settings (the CLI flags). */
export interface DrillOptions {
  /** Users signed up on normal days. */
  users: number;
  /** Sign-ups per second on normal days. */
  rate: number;
  /** Leave everything running at the end, print the endpoints, stop on Ctrl-C. */
  keep: boolean;
  /** Show the Lambda functions' own JSON logs. */
  verbose: boolean;
  primaryRegion: string;
  standbyRegion: string;
  /** Where the readiness page and its inputs are written at the end (default `reports/drill-<time>`). */
  reportDir?: string;
}

export const DEFAULT_OPTIONS: DrillOptions = {
  users: 200,
  rate: 10,
  keep: false,
  verbose: false,
  primaryRegion: 'us-east-1',
  standbyRegion: 'us-west-2',
};

/** One kind of replication lag: samples in ms. */
export interface LagSeries {
  kind: string;
  path: string;
  samples: number[];
}

/** What the acts leave for the final tally. */
export interface DrillResults {
  lags: LagSeries[];
  /** Steps that went wrong (the drill exits non-zero). */
  failures: string[];
  /** Things worth a look that do not fail the drill. */
  warnings: string[];
  /** Failed replication attempts toward the primary during the outage (retried). */
  outageRetries: number;
  /** Act 6 (a bad day): users the script deleted, how many the standby lost too, how many came back where. */
  badDay?: {
    deleted: number;
    goneFromStandby: number;
    strippedMembers: number;
    backInPrimary: number;
    backInStandby: number;
    /** Of those back, users that signed up after the snapshot (the journal alone held them). */
    backFromJournal: number;
    /** Users in the state the restore rebuilt (the whole pool at the restore point: no `--sub`). */
    restoredState: number;
    /** Users the restore found already as they were (planned, nothing written). */
    restoredInSync: number;
  };
  /** Calls received by each side before the final read-back (the tally's own reads excluded). */
  calls?: { all: Record<Side, CallCounts>; suite: Record<Side, CallCounts> };
  verification?: Verification;
  /** The doctor's findings of act 3, for the readiness page. */
  doctor?: DoctorRecord;
  /** Messages in each Region's DLQ at the tally. */
  dlq?: Record<Side, number>;
}

export interface DrillContext {
  readonly options: DrillOptions;
  readonly narrator: Narrator;
  readonly world: World;
  readonly results: DrillResults;
  /** Aborted on Ctrl-C: acts stop at their next wait. */
  readonly signal: AbortSignal;
}

/** Adds a lag series (or samples to an existing one). */
export function addLag(results: DrillResults, kind: string, path: string, samples: number[]): void {
  const existing = results.lags.find((l) => l.kind === kind);
  if (existing) existing.samples.push(...samples);
  else results.lags.push({ kind, path, samples: [...samples] });
}

/** Throws when Ctrl-C was pressed. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DrillInterrupted();
}

export class DrillInterrupted extends Error {
  override readonly name = 'DrillInterrupted';
  constructor() {
    super('interrupted');
  }
}

/** Sleeps, waking early (and throwing) on Ctrl-C. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DrillInterrupted());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DrillInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` for each item, starting them at `ratePerSecond` with at most `maxInFlight` running.
 * Stops starting new ones on Ctrl-C. The first failure is rethrown once the others have ended.
 */
export async function paced<T>(
  items: T[],
  ratePerSecond: number,
  maxInFlight: number,
  signal: AbortSignal,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  const t0 = Date.now();
  // Without onError the pool keeps the first failure and starts nothing after it.
  const running = new TaskPool(maxInFlight);
  for (let i = 0; i < items.length && !running.failure; i++) {
    checkAborted(signal);
    const due = t0 + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await pause(due - Date.now(), signal);
    await running.add(() => fn(items[i], i));
  }
  await running.onIdle();
  if (running.failure) throw running.failure.error;
}
