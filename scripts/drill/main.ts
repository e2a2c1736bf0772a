/**
 * Runs the drill: the acts in order, the tally, cleanup. Every process and server it starts is
 * stopped at the end, on failure and on Ctrl-C (all of it runs in this process: nothing
 * outlives it). Returns the exit status: 0 when no user was lost and every step
 * worked, 1 otherwise, 130 when interrupted.
 * @packageDocumentation
 */
import './quiet';
import path from 'node:path';
import { logger } from '../../src/observability';
import { act1 } from './acts/act1-regions';
import { act2, ACT2 } from './acts/act2-normal-days';
import { act3, ACT3, MIN_USERS } from './acts/act3-drift';
import { act4, ACT4 } from './acts/act4-outage';
import { act5, ACT5 } from './acts/act5-failback';
import { act6, ACT6 } from './acts/act6-bad-day';
import { act7 } from './acts/act7-tally';
import { DEFAULT_OPTIONS, type DrillContext, DrillInterrupted, type DrillOptions, type DrillResults } from './context';
import { type ActRecord, formatMs, Narrator, type NarratorOptions } from './narrator';
import { defaultReportDir, writeDrillReport } from './report';
import { SIDES } from './runtime/names';
import type { Verification } from './runtime/verify';
import type { World } from './runtime/world';

/** How the drill talks to its surroundings. */
export interface DrillIo extends NarratorOptions {
  /** Handle SIGINT/SIGTERM (stop everything, exit 130). Default false (the CLI sets it). */
  signals?: boolean;
  /** With `keep`: resolves when the user wants everything stopped. Default: SIGINT/SIGTERM. */
  waitForStop?: () => Promise<void>;
}

export interface DrillResult {
  exitCode: 0 | 1 | 130;
  totalMs: number;
  acts: ActRecord[];
  results: DrillResults;
  verification?: Verification;
  /** The readiness page written at the end (issue 14). */
  page?: string;
}

/** The acts after the set-up, in order. Add one here (and a module under acts/) to extend the drill. */
const STORY: { n: number; title: string; run: (ctx: DrillContext) => Promise<void> }[] = [
  { ...ACT2, run: act2 },
  { ...ACT3, run: act3 },
  { ...ACT4, run: act4 },
  { ...ACT5, run: act5 },
  { ...ACT6, run: act6 },
];

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export async function runDrill(partial: Partial<DrillOptions> = {}, io: DrillIo = {}): Promise<DrillResult> {
  const options: DrillOptions = { ...DEFAULT_OPTIONS, ...partial };
  if (!(Number.isInteger(options.users) && options.users >= MIN_USERS))
    throw new RangeError(`users must be a whole number of at least ${MIN_USERS}`);
  const narrator = new Narrator(io);
  const results: DrillResults = { lags: [], failures: [], warnings: [], outageRetries: 0 };
  const abort = new AbortController();
  const t0 = Date.now();
  if (options.verbose) logger.setLogLevel('INFO');
  let world: World | undefined;
  let interrupted = false;

  let keeping = false;
  const onSignal = () => {
    if (keeping) return; // --keep: Ctrl-C is how the user ends it (waitForSignal)
    if (interrupted) {
      process.exit(130); // second Ctrl-C: at once (children die with us)
    }
    interrupted = true;
    narrator.line();
    narrator.warn('interrupted: stopping every emulator and worker (Ctrl-C again to quit at once)');
    abort.abort();
    void world?.stop();
    setTimeout(() => process.exit(130), 10_000).unref();
  };
  if (io.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  narrator.banner('cognito-standby-sync · local drill', [
    `${options.users} users, primary ${options.primaryRegion}, standby ${options.standbyRegion}; emulators on loopback ports, no AWS account`,
    'personal data is never printed: users are shown by sub, groups of users by count',
  ]);

  let verification: Verification | undefined;
  try {
    world = await act1(options, narrator, (w) => (world = w));
    const ctx: DrillContext = { options, narrator, world, results, signal: abort.signal };
    let broken: string | undefined;
    for (const act of STORY) {
      if (abort.signal.aborted) throw new DrillInterrupted();
      if (broken) {
        narrator.act(act.n, act.title);
        narrator.skip(`act ${broken} failed; the story cannot go on from there`);
        narrator.endAct('skipped', `after act ${broken}`);
        continue;
      }
      try {
        await act.run(ctx);
      } catch (err) {
        if (abort.signal.aborted || err instanceof DrillInterrupted) throw new DrillInterrupted();
        narrator.fail(`${(err as Error)?.stack ?? String(err)}`.split('\n').slice(0, 6).join('\n      '));
        results.failures.push(`act ${act.n} (${act.title}): ${(err as Error)?.message ?? String(err)}`);
        narrator.endAct('failed');
        broken = String(act.n);
      }
    }
    // The tally needs both Regions up, whatever happened.
    if (!world.regions.primary.cognito.running) await world.regions.primary.cognito.restart().catch(() => undefined);
    for (const side of SIDES) world.deployments[side].startWorker();
    verification = await act7(ctx);
  } catch (err) {
    if (abort.signal.aborted || err instanceof DrillInterrupted) {
      interrupted = true;
    } else {
      narrator.fail(`the drill could not go on: ${(err as Error)?.stack ?? String(err)}`);
      results.failures.push((err as Error)?.message ?? String(err));
    }
  }

  const totalMs = Date.now() - t0;
  const exitCode: 0 | 1 | 130 = interrupted
    ? 130
    : results.failures.length || !verification || verification.lost > 0
      ? 1
      : 0;
  if (!interrupted) {
    narrator.line();
    narrator.table(
      ['act', 'status', 'time'],
      narrator.acts.map((a) => [`${a.n} ${a.title}`, a.status, formatMs(a.ms)]),
      { align: ['l', 'l', 'r'] },
    );
    for (const w of results.warnings) narrator.warn(w);
    narrator.line();
    if (exitCode === 0)
      narrator.line(narrator.green(narrator.bold(`Drill passed in ${formatMs(totalMs)}: users lost 0.`)));
    else {
      narrator.line(narrator.red(narrator.bold(`Drill FAILED in ${formatMs(totalMs)}:`)));
      for (const f of results.failures) narrator.line(`- ${f}`, 2);
    }
  }

  let page: string | undefined;
  if (!interrupted && world) {
    // Before the world stops: its private folder holds the run's reconcile reports.
    const at = new Date();
    try {
      page = await writeDrillReport(
        options.reportDir ?? defaultReportDir(at),
        path.join(world.workDir, 'reconcile'),
        options,
        { exitCode, totalMs, acts: narrator.acts, results, verification },
        at,
      );
      narrator.line(`Readiness and drill report: ${page}`);
    } catch (err) {
      narrator.warn(`the readiness page could not be written: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  try {
    if (options.keep && world && !interrupted && !world.stopped) {
      printEndpoints(narrator, world);
      keeping = true;
      await (io.waitForStop ?? waitForSignal)();
      narrator.info('stopping...');
    }
  } finally {
    await world?.stop();
    if (io.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  return { exitCode, totalMs, acts: narrator.acts, results, verification, page };
}

function printEndpoints(narrator: Narrator, world: World): void {
  narrator.line();
  narrator.line(narrator.bold('Still running (--keep). Ctrl-C stops everything.'));
  for (const side of SIDES) {
    const r = world.regions[side];
    const d = world.deployments[side];
    narrator.line(`${side} ${r.region}`, 2);
    narrator.detail(
      [
        `Cognito      ${r.cognito.endpoint}   pool ${r.pool.poolId}   app client ${r.pool.clientId}`,
        `SQS          ${r.sqs.endpoint}   queue ${d.workerConfig.syncQueueUrl}   DLQ ${d.workerConfig.dlqUrl}`,
        `Lambda       ${r.lambda.endpoint}   DynamoDB ${r.dynamo.endpoint}`,
        `data folder  ${r.cognito.dataDir}`,
      ],
      4,
    );
  }
  const p = world.regions.primary;
  narrator.line('try (any credentials do):', 2);
  narrator.detail(
    [
      `AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws cognito-idp list-users --endpoint-url ${p.cognito.endpoint} --region ${p.region} --user-pool-id ${p.pool.poolId} --max-items 3`,
      `curl -s ${p.cognito.endpoint}/_shim/calls`,
    ],
    4,
  );
}
