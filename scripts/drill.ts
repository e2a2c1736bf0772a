#!/usr/bin/env -S npx tsx
/**
 * npm start [-- --users N] [--rate R] [--keep] [--verbose] [--primary-region R] [--standby-region R]
 *
 * The local drill: two emulated AWS Regions on this machine live through normal days, drift,
 * an outage of the primary and the failback, then count every user in both pools.
 * No AWS account, no Docker. The acts are in scripts/drill/acts/, the local Region runtime in
 * scripts/drill/runtime/.
 */
import './drill/quiet';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DEFAULT_OPTIONS } from './drill/context';
import { MIN_USERS } from './drill/acts/act3-drift';
import { runDrill } from './drill/main';
import { optRegion } from './cli/common';

function whole(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0 && n <= 1000))
    throw new InvalidArgumentError('expected a number above 0 (at most 1000)');
  return n;
}

const ACTS = `
What it does (each act narrated, with its timings):
  1 Two Regions   a Cognito per Region (the suite's in-memory model on its own loopback port),
                  SQS with the sync queue and DLQ, a Lambda endpoint, DynamoDB for the
                  replica index; pools configured like production ones; the suite deployed in
                  both Regions, run as Lambda runs it (Cognito invokes the trigger, a poller
                  drives the worker, a CloudTrail stand-in feeds change capture)
  2 Normal days   --users sign up in the primary (some admin-confirmed, some in groups, some
                  with SMS MFA) and arrive in the standby (lag p50/p95); an admin disables one
  3 Drift         admin edits, group and MFA changes, admin-created users and a deletion reach
                  the standby by change capture (lag per kind); then drift it cannot see
                  (capture off, a lost queue message): the doctor, the reconciler's dry run,
                  --apply, the readiness summary
  4 Outage        the primary stops; the failover script runs against the standby only (its
                  manifest in a private temporary folder, mode 0600); users sign up in the
                  standby meanwhile: their replication toward the primary is retried, not lost
  5 Failback      the primary restarts on its data and port; the standby's queue drains into
                  it; a reverse reconcile closes the rest
  6 Tally         users in each pool, users lost (must be 0), messages in each DLQ, calls per
                  quota category and side, replication lag

Good to know:
  - No AWS account, no Docker: everything listens on 127.0.0.1 and stops at the end, on failure
    and on Ctrl-C (nothing outlives the drill: it all runs in one process).
  - The worker paces itself to the real Cognito quotas less 20% headroom (the emulators are not
    quota-limited); its retry back-off runs 60x faster than in production so that the outage
    fits in seconds.
  - Users are shown by sub and counted; e-mail addresses and phone numbers are never printed.
  - At the end the readiness and drill page (report.html: readiness, lag, recovery time, the
    acts and their timings, users lost) is written to --report-dir and its path printed.
  - Exit status: 0 when no user was lost and every step worked, 1 otherwise, 2 for a bad flag,
    130 on Ctrl-C.

Examples:
  npm start
  npm start -- --users 1000 --rate 20
  npm start -- --keep        # explore the Regions afterwards; Ctrl-C stops them
`;

const program = new Command('drill')
  .description(
    'The local drill: two emulated AWS Regions live through normal days, drift, an outage of the primary and the failback; then every user is counted in both pools.',
  )
  .option(
    '--users <n>',
    `users signed up on normal days (at least ${MIN_USERS})`,
    whole(MIN_USERS, 20_000),
    DEFAULT_OPTIONS.users,
  )
  .option('--rate <n>', 'sign-ups per second on normal days', positive, DEFAULT_OPTIONS.rate)
  .option(
    '--keep',
    'leave the emulators and the suite running at the end and print their endpoints; Ctrl-C stops them',
    false,
  )
  .option('--verbose', "also print the Lambda functions' own JSON logs (subs only, no contact data)", false)
  .option('--primary-region <region>', 'the primary Region', optRegion, DEFAULT_OPTIONS.primaryRegion)
  .option('--standby-region <region>', 'the standby Region', optRegion, DEFAULT_OPTIONS.standbyRegion)
  .option(
    '--report-dir <folder>',
    'where the readiness and drill page (report.html) and its inputs are written at the end (default reports/drill-<time>)',
  )
  .addHelpText('after', ACTS)
  .showHelpAfterError('(npm start -- --help for usage)')
  .exitOverride();

async function main(): Promise<void> {
  try {
    program.parse();
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    throw err;
  }
  const o = program.opts<{
    users: number;
    rate: number;
    keep: boolean;
    verbose: boolean;
    primaryRegion: string;
    standbyRegion: string;
    reportDir?: string;
  }>();
  if (o.primaryRegion === o.standbyRegion) {
    process.stderr.write('error: --primary-region and --standby-region must differ\n');
    process.exit(2);
  }
  const result = await runDrill(o, { signals: true });
  process.exit(result.exitCode);
}

main().catch((err) => {
  process.stderr.write(`drill: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
