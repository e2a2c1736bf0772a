/**
 * npm run reconcile -- --source-region R --source-pool ID --target-region R --target-pool ID [options]
 * Thin CLI: parses flags, runs src/reconcile, prints. Usage and billing: docs/RECONCILE.md.
 */
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { join } from 'node:path';
import { Command, Option, type OptionValues } from 'commander';
import { FileCheckpointStore } from '../src/reconcile/checkpoint';
import { checkReportWritable, formatSummary } from '../src/reconcile/summary';
import { isMain, note, runMain, runStandalone, UsageError } from './cli/command';
import {
  optFraction,
  optPoolId,
  optRegion,
  optRoleArn,
  optUrl,
  optWholeNumber,
  quotaOption,
  replicaAttributeOptions,
} from './cli/options';

/** The `reconcile` command: its flags, its help, and its action. */
export function reconcileCommand(): Command {
  const program = new Command('reconcile')
    .description(
      'Find every difference between a source and a target Cognito user pool and (with --apply) repair it at the speed ' +
        'the Cognito quotas allow. Dry run by default. Either pool can be the source: swap them for the reverse reconcile ' +
        'at failback. See docs/RECONCILE.md.',
    )
    .requiredOption('--source-region <region>', 'Region of the source pool', optRegion)
    .requiredOption('--source-pool <id>', 'source user pool id', optPoolId)
    .requiredOption(
      '--target-region <region>',
      'Region of the target pool (the standby; the primary in a reverse reconcile)',
      optRegion,
    )
    .requiredOption('--target-pool <id>', 'target user pool id', optPoolId)
    .option('--source-endpoint <url>', 'endpoint of the source side (emulator, VPC endpoint)', optUrl)
    .option('--target-endpoint <url>', 'endpoint of the target side', optUrl)
    .option('--apply', 'write the changes (default: dry run, nothing is written)', false)
    .option(
      '--deep',
      'also read every source user (AdminGetUser) to replicate SMS/e-mail MFA and record TOTP users: see Billing below',
      false,
    )
    .option(
      '--import',
      'seed missing users through a Cognito user import job when at least --import-threshold are missing (needs --import-role-arn)',
      false,
    )
    .option(
      '--import-role-arn <arn>',
      'IAM role Cognito uses to write the import job log to CloudWatch Logs',
      optRoleArn,
    )
    .option('--import-threshold <n>', 'missing users from which --import uses an import job', optWholeNumber(1), 1000)
    .option(
      '--delete-orphans',
      'delete replicas whose source user is gone (only with --apply; see the deletion rules)',
      false,
    )
    .option('--max-deletes <n>', 'most orphans deleted in one run', optWholeNumber(0), 10)
    .option('--report <file>', 'JSON report file (mode 0600; it names users)')
    .option('--json', 'print the JSON report on stdout instead of the summary', false)
    .option(
      '--headroom <fraction>',
      'share of every quota left to live traffic, each side',
      optFraction,
      DEFAULT_QUOTA_HEADROOM,
    )
    .option('--checkpoint <file>', 'checkpoint file (resume state); default .reconcile/<source>--<target>.json')
    .option('--restart', 'discard the checkpoint and start afresh', false)
    .option(
      '--link-federated-users',
      'replicate federated users as local users linked to the same provider (the provider must exist in the target)',
      false,
    )
    .addOption(
      new Option('--report-limit <n>', 'per-user entries kept per kind in the report')
        .argParser(optWholeNumber(0))
        .default(1000),
    )
    .addHelpText(
      'after',
      `
Billing:
  Listing both pools (ListUsers, ListUsersInGroup, ListGroups) is not billed: an in-sync pair costs
  only list calls. --apply writes only the users that differ, and each user written becomes a
  monthly active user (MAU) of the target pool.
  --deep: one AdminGetUser per source user, and EVERY source user becomes a billed MAU of the
  source pool, each run. Use it before a drill, not on a schedule.

Exit status: 0 done, 1 done but an operation failed (see the report), 2 could not run (bad flag,
unreachable endpoint, unwritable report, checkpoint in use; one line on stderr), 130 stopped (run
the same command again to resume from the checkpoint).`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  replicaAttributeOptions(program);
  quotaOption(program);
  // Exit 2 with one line for anything that stopped the run (unreachable endpoint, refused file, ...).
  return program.action(async () => {
    await runMain(() => main(program.opts()));
    process.exit();
  });
}

async function main(o: OptionValues): Promise<number> {
  if (o.import && !o.importRoleArn)
    throw new UsageError(
      '--import needs --import-role-arn (the CloudWatch Logs role of the import job; docs/RECONCILE.md)',
    );
  if (o.sourcePool === o.targetPool && o.sourceRegion === o.targetRegion && o.sourceEndpoint === o.targetEndpoint)
    throw new UsageError('the source and the target are the same pool');
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  const [
    { reconcile },
    { buildGateway },
    { CHECKPOINT_STOP_MESSAGE, noteLines, RunReportFile, runProgress, stopOnSignals },
  ] = await Promise.all([import('../src/reconcile/run'), import('./cli/common'), import('./cli/run-control')]);
  // Refuse a report path that cannot be written before anything is listed or written.
  await checkReportWritable(
    o.report ?? join('reports', 'reconcile-check.json'),
    o.report ? '--report' : 'the default report folder',
  );

  // Each side its own limiter (another Region, another budget); dummy credentials for a local emulator.
  const limits = { headroom: o.headroom as number, quotas: o.quota as Record<string, number> | undefined };
  const source = buildGateway({ region: o.sourceRegion, poolId: o.sourcePool, endpoint: o.sourceEndpoint, ...limits });
  const target = buildGateway({ region: o.targetRegion, poolId: o.targetPool, endpoint: o.targetEndpoint, ...limits });
  const store = new FileCheckpointStore(o.checkpoint ?? `.reconcile/${o.sourcePool}--${o.targetPool}.json`);
  const progress = runProgress(o.json);

  // One run per checkpoint: a second run (e.g. after `kill -9` of the tsx launcher left the real
  // process running) would resume the same checkpoint and repeat writes.
  const lock = await store.lock(note);
  process.once('exit', () => lock.releaseSync()); // also on a second Ctrl-C (process.exit)
  try {
    const stop = stopOnSignals(CHECKPOINT_STOP_MESSAGE);
    const report = new RunReportFile('reconcile', o.report);
    const result = await reconcile({
      source,
      target,
      store,
      apply: o.apply,
      deep: o.deep,
      import: o.import ? { roleArn: o.importRoleArn, threshold: o.importThreshold } : undefined,
      deleteOrphans: o.deleteOrphans,
      maxDeletes: o.maxDeletes,
      sourceSubAttribute: o.sourceSubAttribute,
      mfaMarkerAttribute: o.mfaMarkerAttribute,
      linkFederatedUsers: o.linkFederatedUsers,
      restart: o.restart,
      reportLimit: o.reportLimit,
      signal: stop,
      progress,
      // The quota-bound time, said before anything is listed (not for a resumed run).
      onEstimate: noteLines,
      // Written before the checkpoint is deleted: a late failure never loses the findings.
      saveReport: (r) => report.save(r),
    });
    if (o.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(`${formatSummary(result.report)}\nReport: ${report.path}\n`);
    return result.exitCode;
  } finally {
    await lock.release();
  }
}

if (isMain(import.meta.url)) void runStandalone(reconcileCommand);
