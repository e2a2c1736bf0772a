#!/usr/bin/env -S npx tsx
/**
 * npm run report -- --from <reports folder | s3://bucket/prefix> [--out report.html] [--sub-map out.csv ...]
 * Thin CLI: reads the kept reports, writes the readiness and drill page (src/report). See docs/REPORT.md.
 */
import { writeFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { poolRoot } from '../src/backup/keys';
import { S3BackupStore } from '../src/backup/store';
import { writePrivateLines } from '../src/failover/files';
import {
  newestBackup,
  parseS3Url,
  readReportFolder,
  readReportPrefix,
  subMapLines,
  subMapRows,
  reportPage,
} from '../src/report';
import {
  awsClientConfig,
  buildGateway,
  EXIT,
  note,
  optPoolId,
  optRegion,
  optUrl,
  parseArgs,
  replicaAttributeOptions,
  runMain,
  UsageError,
} from './cli/common';

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
  return program;
}

/** Runs the command on `argv`. */
export async function runReport(program: Command, argv: string[] = process.argv): Promise<number> {
  parseArgs(program, argv);
  const o = program.opts<ReportFlags>();
  if (o.subMap && !(o.standbyRegion && o.standbyPool))
    throw new UsageError('--sub-map needs --standby-region and --standby-pool (the map is read from the standby)');
  const s3 = () => new S3Client({ ...awsClientConfig(o.region, o.s3Endpoint), forcePathStyle: !!o.s3Endpoint });
  const at = parseS3Url(o.from);
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

if (require.main === module) void runMain(() => runReport(reportCommand()));
