/**
 * npm run redrive -- --region R --queue NAME|URL [--endpoint URL] [--to NAME|URL] [--dry-run]
 *
 * Moves the sync DLQ's messages back to the sync queue (SQS message move task where the endpoint
 * has one, otherwise receive + send + delete, never deleting before the send succeeded) and
 * prints how many moved. --dry-run only counts them by reason.
 */
import { Command, Option } from 'commander';
import { isMain, note, runMain, runStandalone } from './cli/command';
import { EXIT } from './cli/exit-codes';
import { optPositive, optRegion, optUrl } from './cli/options';

/** The `redrive` command: its flags, its help, and its action. */
export function redriveCommand(): Command {
  const program = new Command('redrive')
    .description("Move the DLQ's messages back to the sync queue, and print how many moved.")
    .requiredOption('--region <region>', "the queues' Region", optRegion)
    .requiredOption('--queue <name|url>', 'the dead-letter queue')
    .option(
      '--to <name|url>',
      "the queue to move to (default: the DLQ's only source queue, from its redrive allow policy)",
    )
    .option('--endpoint <url>', 'SQS endpoint override (local emulator)', optUrl)
    .option('--dry-run', 'only count the messages, by reason (they are released at once)', false)
    .addOption(
      new Option('--method <method>', 'move task, copy, or the task when the endpoint has it')
        .choices(['auto', 'task', 'copy'])
        .default('auto'),
    )
    .option('--max <n>', 'move (or count) at most this many messages (copy and dry run)', optPositive)
    .option('--rate <n>', 'messages per second (move task)', optPositive)
    .option('--json', 'print the result as JSON', false);
  return program.action(() => runMain(() => main(program.opts<RedriveFlags>())));
}

interface RedriveFlags {
  region: string;
  queue: string;
  to?: string;
  endpoint?: string;
  dryRun: boolean;
  method: 'auto' | 'task' | 'copy';
  max?: number;
  rate?: number;
  json: boolean;
}

async function main(f: RedriveFlags): Promise<number> {
  // Loaded when the command runs, not when its flags or help are read: `--help` starts at once (issue 15).
  const [{ SQSClient }, { redrive }, { awsClientConfig, Progress }] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../src/redrive/redrive'),
    import('./cli/common'),
  ]);
  const sqs = new SQSClient(awsClientConfig(f.region, f.endpoint));
  const progress = new Progress({ label: 'moved' });
  const r = await redrive(sqs, {
    queue: f.queue,
    to: f.to,
    dryRun: f.dryRun,
    method: f.method,
    max: f.max,
    rate: f.rate,
    onProgress: (n) => progress.update(n),
  });
  progress.break();
  if (f.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else if (r.method === 'dry-run') {
    const counted = Object.values(r.reasons).reduce((a, b) => a + b, 0);
    const lines = [
      `DLQ ${r.dlqUrl}: about ${r.approximateCount} messages, ${counted} counted (dry run: nothing moved)`,
    ];
    for (const [reason, n] of Object.entries(r.reasons).sort((a, b) => b[1] - a[1]))
      lines.push(`  ${String(n).padStart(6)}  ${reason}`);
    lines.push(r.targetUrl ? `would move them to ${r.targetUrl}` : 'target queue unknown: pass --to');
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    if (r.fallbackReason) note(r.fallbackReason);
    const lines = [
      `moved ${r.moved} message(s) from ${r.dlqUrl} to ${r.targetUrl} (${r.method === 'task' ? `message move task, ${r.taskStatus}` : 'copy'})`,
    ];
    if (r.failed)
      lines.push(
        `${r.failed} message(s) left in the DLQ (send or delete failed; they are visible again after 2 minutes: run again)`,
      );
    if (r.taskFailure) lines.push(`move task failure: ${r.taskFailure}`);
    if (r.error) lines.push(`stopped: ${r.error}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  const problem = r.failed > 0 || (r.method === 'task' && r.taskStatus !== 'COMPLETED');
  return problem ? EXIT.PROBLEMS : EXIT.OK;
}

if (isMain(import.meta.url)) void runStandalone(redriveCommand);
