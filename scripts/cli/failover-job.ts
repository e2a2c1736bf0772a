/**
 * The failover CLI's job mode (`--job start|status|pause|resume`): drives the failover job that
 * the standby Region's deployment runs, through its table (the job's state item) and its function.
 * Everything it calls is in the standby Region (`--region`): DynamoDB, Lambda, and with `start`
 * the standby pool's DescribeUserPool for the time estimate.
 * @packageDocumentation
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DynamoJobStore,
  type InvokeJob,
  type JobOptions,
  jobStatusOf,
  pauseJob,
  renderJobStatus,
  resumeJob,
  startJob,
} from '../../src/failover/job';
import { failoverLimiter } from '../../src/failover/run';
import { failoverTimeEstimate, formatDuration, sendDurationMs } from '../../src/failover/summary';
import { awsClientConfig, buildGateway, confirm, EXIT, note, UsageError } from './common';
import { type JobFlags, rulesOf, stageNames } from './failover-job-flags';

export { type JobFlags, jobOptions, rulesOf, stageNames } from './failover-job-flags';

/** Runs `--job <command>`; returns the exit code. */
export async function runJobCommand(f: JobFlags): Promise<number> {
  const names = f.stage ? stageNames(f.stage) : undefined;
  const table = f.table ?? names?.table;
  const functionName = f.function ?? names?.function;
  if (!table) throw new UsageError('--job needs --stage, or --table (and --function for start and resume)');
  const db = new DynamoDBClient(awsClientConfig(f.region, f.dynamodbEndpoint));
  const store = new DynamoJobStore(db, table);
  const invoke: InvokeJob = async (payload) => {
    if (!functionName) throw new UsageError('--job start and resume need --stage or --function');
    const lambda = new LambdaClient(awsClientConfig(f.region, f.lambdaEndpoint));
    await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    lambda.destroy();
  };
  try {
    switch (f.job) {
      case 'start':
        return await start(f, store, invoke);
      case 'status': {
        const status = await jobStatusOf(store, f.pool, Date.now());
        if (f.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        else process.stdout.write(`${renderJobStatus(status, Date.now()).join('\n')}\n`);
        return status.error || Object.keys(status.failedByReason).length ? EXIT.PROBLEMS : EXIT.OK;
      }
      case 'pause': {
        const state = await pauseJob(store, f.pool);
        note(`job ${state.jobId} paused: the session at work stops within seconds; resume with --job resume`);
        return EXIT.OK;
      }
      case 'resume': {
        const state = await resumeJob(store, invoke, f.pool);
        note(
          `job ${state.jobId} ${state.phase === 'done' ? 'is done: nothing to resume' : `resumed (${state.phase})`}`,
        );
        return EXIT.OK;
      }
      default:
        throw new UsageError(`--job ${f.job}: expected start, status, pause or resume`);
    }
  } finally {
    db.destroy();
  }
}

async function start(f: JobFlags, store: DynamoJobStore, invoke: InvokeJob): Promise<number> {
  if (f.send && !f.yes && !process.stdin.isTTY)
    throw new UsageError('--job start --send without --yes needs a terminal to confirm on; pass --yes');
  const { limiter, rate } = failoverLimiter({ rate: f.rate, headroom: f.headroom, quotas: f.quota });
  // The time up front (issue 12, item 4): from the standby pool's own estimate of its size.
  let users: number | undefined;
  try {
    const pool = await buildGateway({ region: f.region, poolId: f.pool, endpoint: f.endpoint, limiter }).describePool();
    users = pool.estimatedUsers;
    if (users !== undefined)
      for (const line of failoverTimeEstimate(users, { listRate: limiter.rate('UserList'), sendRate: rate }, pool))
        note(line);
  } catch (err) {
    note(`note: could not read the standby pool's size for the estimate (${(err as Error).message})`);
  }
  if (f.send) {
    const about =
      users !== undefined
        ? ` (about ${formatDuration(sendDurationMs(users, rate))} for ${users.toLocaleString('en-US')} users)`
        : '';
    const question =
      `Start a failover job that sends a password-reset code to every replica of ${f.pool} (${f.region}) at ${rate.toFixed(1)}/s${about}? ` +
      'Every user is notified by Cognito. Type "yes" to start: ';
    if (!(await confirm(question, { yes: f.yes }))) return EXIT.PROBLEMS;
  }
  const options: JobOptions = {
    ...rulesOf(f),
    rate: f.rate,
    headroom: f.headroom,
    quotas: f.quota,
  };
  const state = await startJob(store, invoke, { poolId: f.pool, options });
  note(
    `job ${state.jobId} started (${f.send ? 'send' : 'dry run'}): the function lists the standby and ${f.send ? 'sends' : 'counts'}, ` +
      'continuing itself; watch it with --job status, stop it with --job pause',
  );
  if (f.json) process.stdout.write(`${JSON.stringify({ jobId: state.jobId, poolId: state.poolId, send: f.send })}\n`);
  return EXIT.OK;
}
