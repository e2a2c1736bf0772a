#!/usr/bin/env -S npx tsx
/**
 * npm run restore -- --from s3://bucket/prefix --at <ISO time> --target-region R --target-pool ID [--apply]
 * npm run restore -- --from s3://bucket/prefix --forget <sub>
 * Thin CLI: parses flags, runs src/backup/restore, prints. See docs/BACKUP.md ("Restore").
 */
import { Command, Option } from 'commander';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { isMain, runMain, runStandalone, UsageError } from './cli/command';
import { optFraction, optPoolId, optRegion, optUrl, quotaOption, replicaAttributeOptions } from './cli/options';

function optTime(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(at.getTime()))
    throw new UsageError(`--at ${value}: expected an ISO time such as 2026-11-30T09:41:00Z`);
  return at;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The `restore` command (mountable by the suite's one bin). */
export function restoreCommand(): Command {
  const program = new Command('restore')
    .description(
      "Restore a Cognito user pool to a point in time from the suite's backup: the latest complete snapshot before " +
        'that time plus the journal up to it, planned against the target with the reconciler and applied at the pace ' +
        "of the target's quotas, resumably. Dry run by default. Nothing in the target is deleted. See docs/BACKUP.md.",
    )
    .requiredOption('--from <s3-url>', 'the backup: s3://bucket/prefix (the prefix the backup writers were given)')
    .option('--source-pool <id>', 'the backed-up pool (default: the only pool under the prefix)', optPoolId)
    .option('--at <iso-time>', 'the point in time to restore to, e.g. 2026-11-30T09:41:00Z', optTime)
    .option('--target-region <region>', 'Region of the pool restored into', optRegion)
    .option('--target-pool <id>', 'the pool restored into', optPoolId)
    .option('--target-endpoint <url>', 'endpoint of the target pool (emulator, VPC endpoint)', optUrl)
    .option('--s3-endpoint <url>', 'endpoint of S3 (emulator, VPC endpoint)', optUrl)
    .option('--backup-region <region>', "the backup bucket's Region (default: the target's)", optRegion)
    .option('--apply', 'write the changes (default: dry run, nothing is written)', false)
    .addOption(
      new Option('--only <which>', 'deleted: only users the target lacks; all: every user')
        .choices(['deleted', 'all'])
        .default('all'),
    )
    .option('--sub <sub>', 'restore only this source user (its sub), repeatable', collect)
    .option(
      '--create-pool [name]',
      "first recreate the deleted pool's configuration from the snapshot (CreateUserPool; needs --apply, not --target-pool), then restore into it",
    )
    .option(
      '--recreate-config',
      "with --target-pool and --apply: recreate what the pool lacks of the snapshot's configuration (app clients, identity providers, resource servers, domains, MFA), to finish a --create-pool run that stopped before the end",
      false,
    )
    .option(
      '--idp-secrets <file>',
      'with --create-pool or --recreate-config: JSON {"<provider>": {"client_secret": "..."}} (mode 0600) for the identity providers whose secret no backup holds',
    )
    .option(
      '--accept-gap',
      'apply even though the journal misses batches before the restore point (reported either way)',
      false,
    )
    .option(
      '--forget <sub>',
      'record an erasure in the backup (this user is never restored again) and exit; repeatable',
      collect,
    )
    .option('--report <file>', 'JSON report file (mode 0600; it names users)')
    .option('--json', 'print the JSON report on stdout instead of the summary', false)
    .option('--headroom <fraction>', 'share of every quota left to live traffic', optFraction, DEFAULT_QUOTA_HEADROOM)
    .option('--checkpoint <file>', 'checkpoint file (resume state); default .restore/<target pool>.json')
    .option('--restart', 'discard the checkpoint and the rebuilt state, and start afresh', false)
    .addHelpText(
      'after',
      `
What comes back: attributes and verified flags, enabled state, groups (created with their
definitions), MFA preferences as last known (SMS, e-mail). What cannot: passwords and TOTP
secrets (no backup holds them): restored users land as the replication leaves them, recoverable
by a password reset. Users in the erasure ledger are never restored.

Exit status: 0 done, 1 done but a problem (a failed user, a gap in the journal), 2 could not run
(bad flag, no snapshot, --apply refused over a journal gap, unreachable endpoint), 130 stopped
(run the same command again to resume).`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  replicaAttributeOptions(program);
  quotaOption(program);
  // The run is loaded when the command runs, not when its flags or help are read (issue 15).
  return program.action(async () => runMain(async () => (await import('./cli/restore-run')).runRestore(program)));
}

if (isMain(import.meta.url)) void runStandalone(restoreCommand);
