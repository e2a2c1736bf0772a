/**
 * npm run failover -- --region R --pool ID [--endpoint URL] --out FILE [--format csv|jsonl]
 *                     [--send] [--journal FILE] [--rate N] [--yes] [--no-read-unknown-mfa]
 * npm run failover -- --region R --pool ID --job start|status|pause|resume
 *                     (--stage S | --table T --function F) [--send] [--rate N] [--quota C=rps] [--json]
 *
 * Talks to the standby Region only. Local mode (no --job): reads the MFA of replicas without an
 * MFA marker there, writes the notification manifest; with --send, sends the password resets
 * (journaled, resumable, paced by the UserAccountRecovery quota). Job mode: drives the failover
 * job the standby's deployment runs (its function, its table): start, watch, pause, resume.
 */
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { Command, Option } from 'commander';
import { DEFAULT_QUOTAS } from '../src/cognito/quotas';
import type { FailoverOptions } from '../src/failover/run';
import { jobOptions, type JobFlags, rulesOf } from './cli/failover-job-flags';
import type { Progress as ProgressLine } from './cli/common';
import { isMain, note, runMain, runStandalone, UsageError } from './cli/command';
import {
  optFraction,
  optPoolId,
  optPositive,
  optRegion,
  optUrl,
  quotaOption,
  replicaAttributeOptions,
} from './cli/options';

/** The `failover` command (local mode and `--job` controls): its flags, its help, and its action. */
export function failoverCommand(): Command {
  const program = new Command('failover')
    .description(
      'Prepare (and with --send, send) the password-reset notifications of the standby pool. Talks to the standby Region only.',
    )
    .requiredOption('--region <region>', 'the standby Region', optRegion)
    .requiredOption('--pool <id>', 'the standby user pool id', optPoolId)
    .option('--endpoint <url>', 'Cognito endpoint override (VPC endpoint, local emulator)', optUrl)
    .option(
      '--out <file>',
      'the manifest to write (mode 0600); users listed apart go to <name>.excluded.<ext> (required without --job)',
    )
    .addOption(
      new Option('--format <format>', 'manifest format (default: from the --out extension, else csv)').choices([
        'csv',
        'jsonl',
      ]),
    )
    .option(
      '--send',
      'send the resets (AdminResetUserPassword: Cognito sends each user a code); default is a dry run',
      false,
    )
    .option(
      '--journal <file>',
      'send journal (append-only; resumes an interrupted run) (default: failover-<pool>.journal.jsonl)',
    )
    .option(
      '--rate <n>',
      'resets per second (default: the UserAccountRecovery quota, 30/s, less the headroom)',
      optPositive,
    )
    .option(
      '--headroom <fraction>',
      'share of each quota left for the live application',
      optFraction,
      DEFAULT_QUOTA_HEADROOM,
    )
    .option('--concurrency <n>', 'requests in flight at once (default: from the rate)', optPositive)
    .option('--yes', 'do not ask for confirmation (required with --send when stdin is not a terminal)', false)
    .option(
      '--include-unmarked',
      'treat users without the source-sub attribute as replicas (pools replicated before it existed)',
      false,
    )
    .option(
      '--resend-reset-required',
      'also send to users already in RESET_REQUIRED that this journal never sent to: users imported by a reconcile --import job were never sent a code; ' +
        'users reset by an administrator or by a failover with another journal get a second one',
      false,
    )
    .option(
      '--no-read-unknown-mfa',
      'do not read (AdminGetUser, standby only) the MFA of replicas without an MFA marker: list them apart, unnotified, instead. ' +
        'By default each is read, which bills it as a monthly active user of the standby, so that it can be sent a code on a channel that is not one of its factors',
    )
    .option(
      '--resend-uncertain',
      'resend users whose earlier send is "maybe sent" and who are not RESET_REQUIRED now (may notify them twice)',
      false,
    )
    .option('--json', 'print the report as JSON on stdout (counts and subs only)', false);
  replicaAttributeOptions(program);
  quotaOption(program);
  jobOptions(program);
  return program.action(() => runMain(() => main(program.opts<Flags>())));
}

/** The local mode's own flags; the rest (pool, send, rate, quotas, resend rules, ...) are the job's too. */
interface Flags extends JobFlags {
  out?: string;
  format?: 'csv' | 'jsonl';
  journal?: string;
  concurrency?: number;
}

async function main(f: Flags): Promise<number> {
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  if (f.job) return (await import('./cli/failover-job')).runJobCommand(f);
  if (!f.out) throw new UsageError('--out is required (the manifest to write), unless --job is given');
  if (f.send && !f.yes && !process.stdin.isTTY)
    throw new UsageError('--send without --yes needs a terminal to confirm on; pass --yes');
  const [{ failoverLimiter, runFailover }, { buildGateway, confirm, Progress }, { noteLines, stopOnSignals }] =
    await Promise.all([import('../src/failover/run'), import('./cli/common'), import('./cli/run-control')]);
  const format = f.format ?? (/\.jsonl?$/i.test(f.out!) ? 'jsonl' : 'csv');
  const { limiter, rate } = failoverLimiter({ rate: f.rate, headroom: f.headroom, quotas: f.quota });
  const recoveryQuota = f.quota?.UserAccountRecovery ?? DEFAULT_QUOTAS.UserAccountRecovery;
  if (rate > recoveryQuota)
    note(
      f.quota?.UserAccountRecovery
        ? `note: --rate ${rate} is above the UserAccountRecovery quota you gave (${recoveryQuota}/s): expect throttling`
        : `note: --rate ${rate} is above the default UserAccountRecovery quota (30/s, not adjustable): expect throttling`,
    );
  // One pool serves the reads and the sends; it never resends a reset after a timeout or a 5xx (the
  // code may have gone out: journaled "maybe sent").
  const standby = buildGateway({ region: f.region, poolId: f.pool, endpoint: f.endpoint, limiter });

  // Every send is journaled before it leaves: a second Ctrl-C quits at once and the run resumes safely.
  const stopped = stopOnSignals(
    'interrupted: finishing the sends in flight (Ctrl-C again to quit at once; the journal stays consistent)',
  );

  const scan = new Progress({ label: 'listing standby users' });
  let read: ProgressLine | undefined;
  let reads = { done: 0, total: 0 };
  let send: ProgressLine | undefined;
  let last = { done: 0, total: 0 };
  const options: FailoverOptions = {
    region: f.region,
    poolId: f.pool,
    out: f.out!,
    format,
    ...rulesOf(f),
    journal: f.journal ?? `failover-${f.pool}.journal.jsonl`,
    concurrency: f.concurrency ?? Math.min(32, Math.max(1, Math.ceil(rate / 2))),
  };
  const report = await runFailover(options, {
    standby,
    sender: standby,
    sendRate: rate,
    listRate: limiter.rate('UserList'),
    onEstimate: noteLines,
    confirm: (question) => {
      scan.break();
      read?.break();
      return confirm(question, { yes: f.yes });
    },
    onScan: (seen) => scan.update(seen),
    onRead: (done, total) => {
      if (!read) {
        scan.break();
        read = new Progress({ label: 'reading the MFA of replicas without a marker', total });
      }
      reads = { done, total };
      read.update(done, total);
    },
    onSendStart: (total) => {
      read?.done(reads.done, reads.total);
      read = undefined;
      send = new Progress({ label: 'sending resets', total, rate });
    },
    onSend: (p) => {
      last = p;
      send?.update(p.done, p.total, p.failed ? `failed ${p.failed}` : undefined);
    },
    signal: stopped,
  });
  scan.break();
  read?.done(reads.done, reads.total);
  send?.done(last.done, last.total);
  if (f.json) {
    const { manifest: _m, ...rest } = report;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
  } else {
    process.stdout.write(`${report.summary.join('\n')}\n`);
  }
  return report.exitCode;
}

if (isMain(import.meta.url)) void runStandalone(failoverCommand);
