#!/usr/bin/env -S npx tsx
/**
 * npm run report -- --from <reports folder | s3://bucket/prefix> [--out report.html] [--sub-map out.csv ...]
 * Thin CLI: reads the kept reports, writes the readiness and drill page (src/report). See docs/REPORT.md.
 */
import { Command } from 'commander';
import { isMain, runMain, runStandalone, UsageError } from './cli/command';
import { EXIT } from './cli/exit-codes';
import { optPoolId, optRegion, optUrl, replicaAttributeOptions } from './cli/options';

interface ReportFlags {
  from: string;
  out: string;
  region: string;
  s3Endpoint?: string;
  backup?: string;
  backupPool?: string;
  subMap?: string;
  standbyRegion?: string;
  standbyPool?: string;
  standbyEndpoint?: string;
  sourceSubAttribute: string;
}

/** The `report` command (built by a function so that a bin of every CLI can mount it). */
export function reportCommand(): Command {
  const program = new Command('report')
    .description(
      'Write the readiness and drill report: one self-contained HTML page (no network when opened, printable) from the kept reconcile reports, drill records and doctor findings. No personal data in the page. See docs/REPORT.md.',
    )
    .requiredOption(
      '--from <folder|s3://bucket/prefix>',
      'where the reports are (a folder, searched recursively, or an S3 prefix)',
    )
    .option('--out <file>', 'the page to write', 'report.html')
    .option('--region <region>', 'Region of the S3 bucket(s)', optRegion, process.env.AWS_REGION ?? 'us-east-1')
    .option('--s3-endpoint <url>', 'S3 endpoint override (emulator)', optUrl)
    .option('--backup <s3://bucket/prefix>', 'the backup location (issue 13): the newest backup record is shown')
    .option(
      '--backup-pool <id>',
      'the pool whose backups are shown (default: the source of the newest reconcile run)',
      optPoolId,
    )
    .option(
      '--sub-map <file>',
      'also write the old-to-new sub map (source_sub,standby_sub) read from the standby, mode 0600',
    )
    .option('--standby-region <region>', 'with --sub-map: Region of the standby pool', optRegion)
    .option('--standby-pool <id>', 'with --sub-map: the standby pool id', optPoolId)
    .option('--standby-endpoint <url>', 'with --sub-map: Cognito endpoint override', optUrl)
    .addHelpText(
      'after',
      `
Exit status: 0 written, 2 could not (unreadable source, bad flag; one line on stderr).
The page holds counts, durations and pool ids only. The sub map links each standby user to its
source user (no username, e-mail or phone number): it is written only with --sub-map, mode 0600.`,
    );
  replicaAttributeOptions(program);
  return program.action(() => runMain(() => main(program.opts<ReportFlags>())));
}

async function main(o: ReportFlags): Promise<number> {
  if (o.subMap && !(o.standbyRegion && o.standbyPool))
    throw new UsageError('--sub-map needs --standby-region and --standby-pool (the map is read from the standby)');
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  const [
    { writeFile },
    { S3Client },
    { poolRoot },
    { parseS3Url },
    { S3BackupStore },
    { writePrivateLines },
    report,
    cli,
  ] = await Promise.all([
    import('node:fs/promises'),
    import('@aws-sdk/client-s3'),
    import('../src/backup/keys'),
    import('../src/core/s3-url'),
    import('../src/backup/store'),
    import('../src/failover/files'),
    import('../src/report'),
    import('./cli/common'),
  ]);
  const { newestBackup, readReportFolder, readReportPrefix, reportPage, reportsLocation, subMapLines, subMapRows } =
    report;
  const { awsClientConfig, buildGateway, note } = cli;
  const s3 = () => new S3Client({ ...awsClientConfig(o.region, o.s3Endpoint), forcePathStyle: !!o.s3Endpoint });
  const at = reportsLocation(o.from);
  const inputs = at ? await readReportPrefix(s3(), at.bucket, at.prefix) : await readReportFolder(o.from);
  if (o.backup) {
    const b = parseS3Url(o.backup);
    if (!b) throw new UsageError('--backup must be s3://bucket/prefix');
    const newestRun = [...inputs.reconcileRuns].sort((x, y) => x.finishedAt.localeCompare(y.finishedAt)).at(-1);
    const pool = o.backupPool ?? newestRun?.source.poolId;
    if (!pool) throw new UsageError('--backup needs --backup-pool (no reconcile report names the pool)');
    inputs.backup = await newestBackup(new S3BackupStore(s3(), b.bucket), poolRoot(b.prefix, pool), new Date());
  }
  await writeFile(o.out, reportPage(inputs, new Date()), { mode: 0o644 });
  note(
    `${inputs.reconcileRuns.length} reconcile report(s), ${inputs.drills.length} drill record(s), ${inputs.doctors.length} doctor finding file(s) read`,
  );
  if (o.subMap) {
    const standby = buildGateway({
      region: o.standbyRegion as string,
      poolId: o.standbyPool as string,
      endpoint: o.standbyEndpoint,
    });
    let rows: number;
    try {
      rows = (await writePrivateLines(o.subMap, subMapLines(subMapRows(standby, o.sourceSubAttribute)), true)) - 1;
    } finally {
      standby.destroy();
    }
    note(`sub map: ${rows} replica(s) -> ${o.subMap} (mode 0600)`);
  }
  process.stdout.write(`Report: ${o.out}\n`);
  return EXIT.OK;
}

if (isMain(import.meta.url)) void runStandalone(reportCommand);
