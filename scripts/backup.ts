#!/usr/bin/env -S npx tsx
/**
 * npm run backup -- --region R --pool P --to s3://bucket/prefix [--endpoint URL] [--s3-endpoint URL] [--verify | --resume ID]
 * Thin CLI: parses flags, runs src/backup (the same code as the scheduled functions), prints.
 * Format, bucket and policies: docs/BACKUP.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { S3BackupStore } from '../src/backup/store';
import type { CognitoGateway } from '../src/cognito/gateway';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { parseS3Url, type S3Location } from '../src/core/s3-url';
import { isMain, runMain, runStandalone } from './cli/command';
import { EXIT } from './cli/exit-codes';
import { optFraction, optPoolId, optRegion, optUrl, quotaOption } from './cli/options';

/** `--to`: `s3://bucket/prefix` -> its parts (the prefix may be empty). */
function optS3Url(value: string): S3Location {
  const at = parseS3Url(value);
  if (!at) throw new InvalidArgumentError('expected s3://bucket/prefix');
  return at;
}

/** `--resume`: a snapshot id as the writer makes them (`20261130T094100123Z-a1b2c3`). */
function optSnapshotId(value: string): string {
  if (!/^\d{8}T\d{9}Z-[0-9a-f]{1,16}$/.test(value))
    throw new InvalidArgumentError('expected a snapshot id like 20261130T094100123Z-a1b2c3');
  return value;
}

/** The `backup` command (its own program here; a subcommand of the suite's bin elsewhere). */
export function backupCommand(): Command {
  const program = new Command('backup')
    .description(
      'Take a full snapshot of a Cognito user pool now (list calls only: nothing is billed as an active user), ' +
        'or with --verify check the latest snapshot against its manifest and the live pool. See docs/BACKUP.md.',
    )
    .requiredOption('--region <region>', 'Region of the pool', optRegion)
    .requiredOption('--pool <id>', 'user pool id', optPoolId)
    .requiredOption('--to <s3://bucket/prefix>', 'the backup location (objects go under <prefix>/<pool id>/)', optS3Url)
    .option('--endpoint <url>', 'Cognito endpoint (emulator, VPC endpoint)', optUrl)
    .option('--s3-endpoint <url>', 'S3 endpoint (emulator, VPC endpoint)', optUrl)
    .option('--s3-region <region>', "the bucket's Region (default --region)", optRegion)
    .option('--verify', 'verify the latest snapshot instead of taking one', false)
    .option(
      '--resume <snapshotId>',
      'go on with a stopped snapshot from its newest checkpoint (one the scheduled function paused)',
      optSnapshotId,
    )
    .option('--json', 'print the result as JSON on stdout', false)
    .option('--headroom <fraction>', 'share of every quota left to live traffic', optFraction, DEFAULT_QUOTA_HEADROOM)
    .addHelpText(
      'after',
      `
Billing: ListUsers, ListGroups, ListUsersInGroup, DescribeUserPool and GetUserPoolMfaConfig only;
no user is read one by one, so no user becomes a monthly active user.

Exit status: 0 done (--verify: the backup is sound), 1 --verify found a problem (each on stderr),
2 could not run (bad flag, unreachable endpoint, a failure mid-snapshot: no manifest was written,
run it again; a snapshot with checkpoints can be continued with --resume <snapshotId>).`,
    );
  quotaOption(program);
  return program.action(() => runMain(() => main(program.opts())));
}

interface BackupFlags {
  region: string;
  pool: string;
  to: S3Location;
  endpoint?: string;
  s3Endpoint?: string;
  s3Region?: string;
  verify: boolean;
  resume?: string;
  json: boolean;
  headroom: number;
  quota?: Record<string, number>;
}

async function main(o: BackupFlags): Promise<number> {
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  const [{ S3Client }, { S3BackupStore }, { DEFAULT_QUOTAS }, { awsClientConfig, buildGateway, UsageError }] =
    await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../src/backup/store'),
      import('../src/cognito/quotas'),
      import('./cli/common'),
    ]);
  if (o.verify && o.resume) throw new UsageError('--verify and --resume cannot be used together');
  const { bucket, prefix } = o.to;
  const quotas = o.quota;
  const pool = buildGateway({ region: o.region, poolId: o.pool, endpoint: o.endpoint, headroom: o.headroom, quotas });
  const s3 = new S3Client({
    ...awsClientConfig(o.s3Region ?? o.region, o.s3Endpoint),
    forcePathStyle: !!o.s3Endpoint,
  });
  const store = new S3BackupStore(s3, bucket);
  const listRate = (quotas?.UserList ?? DEFAULT_QUOTAS.UserList) * (1 - o.headroom);
  try {
    return o.verify
      ? await verify(pool, store, prefix, o.json)
      : await snapshot(pool, store, prefix, listRate, o.json, o.resume);
  } finally {
    pool.destroy();
    s3.destroy();
  }
}

async function snapshot(
  pool: CognitoGateway,
  store: S3BackupStore,
  prefix: string,
  listRate: number,
  json: boolean,
  resume?: string,
): Promise<number> {
  const [
    { takeSnapshot, resumeSnapshot },
    { formatCount, formatDuration, LIST_PAGE_USERS, sendDurationMs },
    { note, Progress },
  ] = await Promise.all([
    import('../src/backup/snapshot'),
    import('../src/core/time-estimate'),
    import('./cli/common'),
  ]);
  const estimated = (await pool.describePool()).estimatedUsers;
  if (estimated)
    note(
      `about ${formatCount(estimated)} users (Cognito's estimate): listing them takes at least ` +
        `${formatDuration(sendDurationMs(Math.ceil(estimated / LIST_PAGE_USERS), listRate))} at the UserList quota ` +
        `(${listRate.toFixed(1)} calls/s after the headroom), group members on top`,
    );
  const progress = new Progress({ label: 'users listed', total: estimated, rate: listRate * LIST_PAGE_USERS });
  const options = {
    pool,
    store,
    prefix,
    onProgress: (p: { users: number; groups: number; chunks: number }) =>
      progress.update(p.users, undefined, `${p.groups} groups, ${p.chunks} chunks`),
  };
  const result = resume ? await resumeSnapshot(options, resume) : await takeSnapshot(options);
  const { manifest } = result;
  progress.done(manifest.counts.users, undefined, `${manifest.counts.groups} groups`);
  const listCalls = (pool.calls.ListUsers ?? 0) + (pool.calls.ListUsersInGroup ?? 0);
  const boundMs = sendDurationMs(listCalls, listRate);
  const summary = {
    snapshotId: manifest.snapshotId,
    manifest: store.location(result.manifestKey),
    users: manifest.counts.users,
    groups: manifest.counts.groups,
    memberships: manifest.counts.memberships,
    chunks: manifest.chunks.length,
    bytes: result.bytes,
    elapsedMs: Math.round(result.elapsedMs),
    listCalls,
    userListBoundMs: Math.round(boundMs),
  };
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else
    process.stdout.write(
      `${[
        `Snapshot ${manifest.snapshotId} complete: ${summary.manifest}`,
        `  users ${formatCount(summary.users)}, groups ${formatCount(summary.groups)}, memberships ${formatCount(summary.memberships ?? 0)}`,
        `  chunks ${summary.chunks}, ${formatCount(summary.bytes)} bytes (${(summary.bytes / Math.max(1, summary.users)).toFixed(0)} per user)`,
        `  time ${formatDuration(result.elapsedMs)}; the UserList quota bound for its ${formatCount(listCalls)} list calls is ${formatDuration(boundMs)}` +
          ` (${(boundMs / Math.max(1, result.elapsedMs)).toFixed(2)} of it reached)`,
      ].join('\n')}\n`,
    );
  return EXIT.OK;
}

async function verify(pool: CognitoGateway, store: S3BackupStore, prefix: string, json: boolean): Promise<number> {
  const [{ verifyBackup, formatVerify }, { note }] = await Promise.all([
    import('../src/backup/verify'),
    import('./cli/common'),
  ]);
  const report = await verifyBackup({ pool, store, prefix });
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatVerify(report)}\n`);
  for (const p of report.problems) note(`problem: ${p}`);
  return report.problems.length ? EXIT.PROBLEMS : EXIT.OK;
}

if (isMain(import.meta.url)) void runStandalone(backupCommand);
