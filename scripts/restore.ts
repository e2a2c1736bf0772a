#!/usr/bin/env -S npx tsx
/**
 * npm run restore -- --from s3://bucket/prefix --at <ISO time> --target-region R --target-pool ID [--apply]
 * npm run restore -- --from s3://bucket/prefix --forget <sub>
 * Thin CLI: parses flags, runs src/backup/restore, prints. See docs/BACKUP.md ("Restore").
 */
import { CognitoIdentityProviderClient, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { Command, Option } from 'commander';
import { recordErasure } from '../src/backup/erasure';
import { readConfig } from '../src/backup/restore/chunks';
import { createPoolRequest, NOT_RECREATED } from '../src/backup/restore/create-pool';
import { findSnapshot } from '../src/backup/restore/snapshots';
import type { BackupStore } from '../src/backup/store';
import { backupLocation, locatePool } from '../src/backup/restore/locate';
import { type RestoreReport, restore } from '../src/backup/restore/run';
import { S3BackupStore } from '../src/backup/store';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { FileCheckpointStore } from '../src/reconcile/checkpoint';
import { type ProgressSink, TerminalProgress } from '../src/reconcile/progress';
import { checkReportWritable, formatSummary, writeReportFile } from '../src/reconcile/summary';
import type { ReconcileReport } from '../src/reconcile/types';
import {
  awsClientConfig,
  buildGateway,
  EXIT,
  note,
  optFraction,
  optPoolId,
  optRegion,
  optUrl,
  parseArgs,
  quotaOption,
  replicaAttributeOptions,
  runMain,
  UsageError,
} from './cli/common';

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
  return program;
}

/** Runs the command with parsed options; returns the exit code. */
export async function runRestore(program: Command): Promise<number> {
  const o = program.opts();
  const { bucket, prefix } = backupLocation(o.from);
  const forget = (o.forget as string[] | undefined) ?? [];
  const backupRegion = (o.backupRegion ?? o.targetRegion) as string | undefined;
  if (!backupRegion) throw new UsageError('--backup-region (or --target-region) is needed to reach the backup bucket');
  const s3 = new S3Client({ ...awsClientConfig(backupRegion, o.s3Endpoint), forcePathStyle: !!o.s3Endpoint });
  const backup = new S3BackupStore(s3, bucket);
  const { root, poolId } = await locatePool(backup, prefix, o.sourcePool);

  if (forget.length) {
    for (const sub of forget) {
      const done = await recordErasure(backup, root, { sub, at: new Date().toISOString(), cause: 'operator' });
      note(
        `erasure of ${sub} ${done === 'written' ? 'recorded' : 'was already recorded'} in ${backup.location(root)}erasures/`,
      );
    }
    return EXIT.OK;
  }
  if (!o.at) throw new UsageError('--at is required (the point in time to restore to)');
  if (o.createPool && (!o.apply || o.targetPool))
    throw new UsageError('--create-pool needs --apply and no --target-pool (the pool it creates is the target)');
  if (!o.targetRegion || !(o.targetPool || o.createPool))
    throw new UsageError('--target-region and --target-pool are required');
  const reportCheck = o.report ?? 'reports/restore-check.json';
  await checkReportWritable(reportCheck, o.report ? '--report' : 'the default report folder');

  const targetPool: string =
    o.targetPool ?? (await createPool(backup, root, o.at, o.targetRegion, o.targetEndpoint, o.createPool));
  const target = buildGateway({
    region: o.targetRegion,
    poolId: targetPool,
    endpoint: o.targetEndpoint,
    headroom: o.headroom,
    quotas: o.quota,
  });
  const checkpointFile = o.checkpoint ?? `.restore/${targetPool}.json`;
  const checkpoint = new FileCheckpointStore(checkpointFile);
  const progress: ProgressSink = process.stderr.isTTY && !o.json ? new TerminalProgress() : lineProgress();
  const lock = await checkpoint.lock(note);
  process.once('exit', () => lock.releaseSync());
  try {
    const stop = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
      if (++interrupts > 1) process.exit(130);
      process.stderr.write(
        '\nstopping: waiting for requests in flight, then saving the checkpoint (Ctrl-C again to quit at once)\n',
      );
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let reportPath = o.report as string | undefined;
    let last: RestoreReport | undefined;
    const result = await restore({
      backup,
      root,
      at: o.at,
      target,
      checkpoint,
      stateDir: `${checkpointFile}.state`,
      apply: o.apply,
      acceptGap: o.acceptGap,
      onlyDeleted: o.only === 'deleted',
      subs: o.sub,
      restart: o.restart,
      reconcile: {
        sourceSubAttribute: o.sourceSubAttribute,
        mfaMarkerAttribute: o.mfaMarkerAttribute,
        restart: o.restart,
        signal: stop.signal,
        progress,
        onEstimate: (lines) => {
          for (const line of lines) note(line);
        },
      },
      saveReport: async (report) => {
        last = report;
        reportPath ??= `reports/restore-${report.startedAt.replace(/[:.]/g, '-')}.json`;
        await writeReportFile(reportPath, report as unknown as ReconcileReport);
      },
    });
    note(
      `restored state of ${poolId} at ${o.at.toISOString()}: snapshot ${result.state.snapshotId}, ${result.state.users} users`,
    );
    if (o.json) process.stdout.write(`${JSON.stringify(last ?? result.run?.report, null, 2)}\n`);
    else if (result.run) {
      const summary = formatSummary({
        ...result.run.report,
        warnings: [...result.warnings, ...result.run.report.warnings],
      });
      process.stdout.write(`${summary}\nReport: ${reportPath}\n`);
    }
    return result.exitCode;
  } finally {
    await lock.release();
  }
}

/** `--create-pool`: CreateUserPool from the snapshot's configuration; the new pool's id. */
async function createPool(
  backup: BackupStore,
  root: string,
  at: Date,
  region: string,
  endpoint: string | undefined,
  name: string | true,
): Promise<string> {
  const manifest = await findSnapshot(backup, root, at);
  const request = createPoolRequest(await readConfig(backup, root, manifest), name === true ? undefined : name);
  const client = new CognitoIdentityProviderClient(awsClientConfig(region, endpoint));
  try {
    const created = await client.send(new CreateUserPoolCommand(request));
    const poolId = created.UserPool?.Id;
    if (!poolId) throw new Error('CreateUserPool returned no pool id');
    note(
      `created pool ${poolId} (${request.PoolName}) from snapshot ${manifest.snapshotId}; to resume, run again with --target-pool ${poolId} instead of --create-pool`,
    );
    for (const line of NOT_RECREATED) note(`not recreated: ${line}`);
    return poolId;
  } finally {
    client.destroy();
  }
}

function lineProgress(): ProgressSink {
  return {
    phase: (name) => process.stderr.write(`${name}...\n`),
    update() {},
    log: (m) => note(m),
    end() {},
  };
}

if (require.main === module) {
  const program = restoreCommand();
  void runMain(async () => {
    parseArgs(program);
    return runRestore(program);
  }).then(() => process.exit());
}
