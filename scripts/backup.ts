#!/usr/bin/env -S npx tsx
/**
 * npm run backup -- --region R --pool P --to s3://bucket/prefix [--endpoint URL] [--s3-endpoint URL] [--verify]
 * Thin CLI: parses flags, runs src/backup (the same code as the scheduled functions), prints.
 * Format, bucket and policies: docs/BACKUP.md.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError } from 'commander';
import { takeSnapshot } from '../src/backup/snapshot';
import { S3BackupStore } from '../src/backup/store';
import { verifyBackup, type VerifyReport } from '../src/backup/verify';
import { DEFAULT_QUOTAS } from '../src/cognito/quotas';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { formatCount, formatDuration, LIST_PAGE_USERS, sendDurationMs } from '../src/core/time-estimate';
import {
  awsClientConfig,
  buildGateway,
  EXIT,
  note,
  optFraction,
  optPoolId,
  optRegion,
  optUrl,
  Progress,
  parseArgs,
  quotaOption,
  runMain,
} from './cli/common';

/** `s3://bucket/prefix` -> its parts (the prefix may be empty). */
export function parseS3Url(value: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected s3://bucket/prefix');
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/\/+$/, '') };
}

/** The `backup` command (its own program here; a subcommand of the suite's bin elsewhere). */
export function backupCommand(): Command {
  return new Command('backup')
    .description(
      'Take a full snapshot of a Cognito user pool now (list calls only: nothing is billed as an active user), ' +
        'or with --verify check the latest snapshot against its manifest and the live pool. See docs/BACKUP.md.',
    )
    .requiredOption('--region <region>', 'Region of the pool', optRegion)
    .requiredOption('--pool <id>', 'user pool id', optPoolId)
    .requiredOption(
      '--to <s3://bucket/prefix>',
      'the backup location (objects go under <prefix>/<pool id>/)',
      parseS3Url,
    )
    .option('--endpoint <url>', 'Cognito endpoint (emulator, VPC endpoint)', optUrl)
    .option('--s3-endpoint <url>', 'S3 endpoint (emulator, VPC endpoint)', optUrl)
    .option('--s3-region <region>', "the bucket's Region (default --region)", optRegion)
    .option('--verify', 'verify the latest snapshot instead of taking one', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .option('--headroom <fraction>', 'share of every quota left to live traffic', optFraction, DEFAULT_QUOTA_HEADROOM)
    .addHelpText(
      'after',
      `
Billing: ListUsers, ListGroups, ListUsersInGroup, DescribeUserPool and GetUserPoolMfaConfig only;
no user is read one by one, so no user becomes a monthly active user.

Exit status: 0 done (--verify: the backup is sound), 1 --verify found a problem (each on stderr),
2 could not run (bad flag, unreachable endpoint, a failure mid-snapshot: no manifest was written,
run it again).`,
    );
}

async function main(): Promise<number> {
  const program = backupCommand();
  quotaOption(program);
  parseArgs(program);
  const o = program.opts();
  const { bucket, prefix } = o.to as { bucket: string; prefix: string };
  const quotas = o.quota as Record<string, number> | undefined;
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
      : await snapshot(pool, store, prefix, listRate, o.json as boolean);
  } finally {
    pool.destroy();
    s3.destroy();
  }
}

async function snapshot(
  pool: ReturnType<typeof buildGateway>,
  store: S3BackupStore,
  prefix: string,
  listRate: number,
  json: boolean,
): Promise<number> {
  const estimated = (await pool.describePool()).estimatedUsers;
  if (estimated)
    note(
      `about ${formatCount(estimated)} users (Cognito's estimate): listing them takes at least ` +
        `${formatDuration(sendDurationMs(Math.ceil(estimated / LIST_PAGE_USERS), listRate))} at the UserList quota ` +
        `(${listRate.toFixed(1)} calls/s after the headroom), group members on top`,
    );
  const progress = new Progress({ label: 'users listed', total: estimated, rate: listRate * LIST_PAGE_USERS });
  const result = await takeSnapshot({
    pool,
    store,
    prefix,
    onProgress: (p) => progress.update(p.users, undefined, `${p.groups} groups, ${p.chunks} chunks`),
  });
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

async function verify(
  pool: ReturnType<typeof buildGateway>,
  store: S3BackupStore,
  prefix: string,
  json: boolean,
): Promise<number> {
  const report = await verifyBackup({ pool, store, prefix });
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatVerify(report)}\n`);
  for (const p of report.problems) note(`problem: ${p}`);
  return report.problems.length ? EXIT.PROBLEMS : EXIT.OK;
}

/** The verification as people read it. */
export function formatVerify(r: VerifyReport): string {
  const lines = [`Backup of ${r.poolId}: ${r.problems.length ? `${r.problems.length} problem(s)` : 'sound'}`];
  if (r.snapshot)
    lines.push(
      `  latest snapshot ${r.snapshot.id} (started ${r.snapshot.startedAt}, ${formatDuration(r.snapshot.ageMs)} ago): ` +
        `${formatCount(r.snapshot.counts.users)} users, ${formatCount(r.snapshot.counts.groups)} groups, ` +
        `${r.snapshot.chunks} chunks, ${formatCount(r.snapshot.bytes)} bytes`,
    );
  if (r.live)
    lines.push(
      `  live pool: ${formatCount(r.live.users)} users; since the snapshot ${r.live.newSince} new, ${r.live.goneSince} gone, ` +
        `${r.live.missing} missing from it; groups ${r.live.groups} (${r.live.groupsNewSince.length} new, ${r.live.groupsGoneSince.length} gone)`,
    );
  lines.push(
    r.journal
      ? `  recovery point (newest journal record): ${r.journal.newestAt ?? r.journal.key}` +
          (r.journal.lagMs !== undefined ? ` (${formatDuration(r.journal.lagMs)} ago)` : '')
      : '  journal: empty (the worker writes no backup stream here; restores go back to the snapshot only)',
  );
  return lines.join('\n');
}

if (require.main === module) void runMain(main).then(() => process.exit());
