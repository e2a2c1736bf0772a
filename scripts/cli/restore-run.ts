/**
 * The `restore` command's run (scripts/restore.ts defines its flags and help): loaded only when the
 * command runs, so that `--help` starts at once.
 * @packageDocumentation
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CognitoIdentityProviderClient, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { recordErasure } from '../../src/backup/erasure';
import { readConfig } from '../../src/backup/restore/chunks';
import type { BackedUpConfiguration } from '../../src/backup/restore/config-requests';
import { createPoolRequest, NOT_RECREATED } from '../../src/backup/restore/create-pool';
import { loadIdpSecrets } from '../../src/backup/restore/idp-secrets';
import { type RecreateOutcome, recreateConfiguration } from '../../src/backup/restore/recreate-config';
import { findSnapshot } from '../../src/backup/restore/snapshots';
import type { BackupStore } from '../../src/backup/store';
import { backupLocation, locatePool } from '../../src/backup/restore/locate';
import { type RestoreReport, restore } from '../../src/backup/restore/run';
import { S3BackupStore } from '../../src/backup/store';
import { FileCheckpointStore } from '../../src/reconcile/checkpoint';
import { checkReportWritable, formatSummary } from '../../src/reconcile/summary';
import type { ReconcileReport } from '../../src/reconcile/types';
import { awsClientConfig, buildGateway, EXIT, note, UsageError } from './common';
import { CHECKPOINT_STOP_MESSAGE, noteLines, RunReportFile, runProgress, stopOnSignals } from './run-control';

/** Runs the command with parsed options; returns the exit code. */
export async function runRestore(program: Command): Promise<number> {
  const o = program.opts();
  if (o.recreateConfig && !(o.apply && o.targetPool))
    throw new UsageError(
      '--recreate-config needs --apply and --target-pool (the pool a --create-pool run made, as it printed)',
    );
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

  if (o.idpSecrets && !(o.createPool || o.recreateConfig))
    throw new UsageError('--idp-secrets goes with --create-pool or --recreate-config');
  const idpSecrets = o.idpSecrets ? await loadIdpSecrets(o.idpSecrets) : undefined;
  const created = o.targetPool
    ? o.recreateConfig
      ? { poolId: o.targetPool as string, config: (await snapshotConfiguration(backup, root, o.at)).config }
      : undefined
    : await createPool(backup, root, o.at, o.targetRegion, o.targetEndpoint, o.createPool);
  const targetPool: string = o.targetPool ?? created!.poolId;
  const target = buildGateway({
    region: o.targetRegion,
    poolId: targetPool,
    endpoint: o.targetEndpoint,
    headroom: o.headroom,
    quotas: o.quota,
  });
  let configProblems = false;
  if (created) {
    const outcome = await recreateConfiguration({
      pool: target,
      config: created.config,
      idpSecrets,
      skipPresent: !!o.recreateConfig,
    });
    configProblems = reportRecreated(outcome) > 0;
    if (Object.keys(outcome.clientIds).length) {
      const file = o.report
        ? join(dirname(o.report), `${targetPool}-client-ids.json`)
        : `reports/restore-${targetPool}-client-ids.json`;
      await writeFile(file, `${JSON.stringify(outcome.clientIds, null, 1)}\n`);
      note(`old -> new app client ids written to ${file}`);
    }
  }
  const checkpointFile = o.checkpoint ?? `.restore/${targetPool}.json`;
  const checkpoint = new FileCheckpointStore(checkpointFile);
  const progress = runProgress(o.json);
  const lock = await checkpoint.lock(note);
  process.once('exit', () => lock.releaseSync());
  try {
    const stop = stopOnSignals(CHECKPOINT_STOP_MESSAGE);
    const report = new RunReportFile('restore', o.report);
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
        signal: stop,
        progress,
        onEstimate: noteLines,
      },
      saveReport: async (r) => {
        last = r;
        await report.save(r as unknown as ReconcileReport);
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
      process.stdout.write(`${summary}\nReport: ${report.path}\n`);
    }
    return configProblems && result.exitCode === EXIT.OK ? EXIT.PROBLEMS : result.exitCode;
  } finally {
    await lock.release();
  }
}

/** Prints what `--create-pool` recreated and what not (no secret is in either); the count of the latter. */
function reportRecreated(outcome: RecreateOutcome): number {
  for (const line of outcome.alreadyPresent) note(`already present: ${line}`);
  for (const line of outcome.recreated) note(`recreated: ${line}`);
  for (const [from, to] of Object.entries(outcome.clientIds)) note(`app client id ${from} -> ${to}`);
  for (const { domain, target } of outcome.dnsTargets) note(`DNS: point ${domain} at ${target}`);
  for (const line of outcome.notRecreated) note(`not recreated: ${line}`);
  return outcome.notRecreated.length;
}

/** `--create-pool`: CreateUserPool from the snapshot's configuration; the new pool's id and the configuration. */
async function createPool(
  backup: BackupStore,
  root: string,
  at: Date,
  region: string,
  endpoint: string | undefined,
  name: string | true,
): Promise<{ poolId: string; config: BackedUpConfiguration }> {
  const { manifest, doc, config } = await snapshotConfiguration(backup, root, at);
  const request = createPoolRequest(doc, name === true ? undefined : name);
  const client = new CognitoIdentityProviderClient(awsClientConfig(region, endpoint));
  try {
    const created = await client.send(new CreateUserPoolCommand(request));
    const poolId = created.UserPool?.Id;
    if (!poolId) throw new Error('CreateUserPool returned no pool id');
    note(
      `created pool ${poolId} (${request.PoolName}) from snapshot ${manifest.snapshotId}; to resume, run again with --target-pool ${poolId} --recreate-config instead of --create-pool`,
    );
    for (const line of NOT_RECREATED) note(`not recreated: ${line}`);
    return { poolId, config };
  } finally {
    client.destroy();
  }
}

/** The configuration of the snapshot a restore to `at` starts from (its DescribeUserPool form and the rest). */
async function snapshotConfiguration(backup: BackupStore, root: string, at: Date) {
  const manifest = await findSnapshot(backup, root, at);
  const doc = await readConfig(backup, root, manifest);
  return { manifest, doc, config: (doc ?? {}) as BackedUpConfiguration };
}
