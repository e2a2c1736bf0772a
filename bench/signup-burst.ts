/**
 * Sign-up burst bench (issue 12): `npm run -s bench:signup-burst [-- --messages 100000] [--scale 2]
 * [--latency-ms 40] [--instances 5] [--json]`.
 *
 * A burst of sign-ups: `--messages` sync messages on the sync queue, each as the post confirmation
 * trigger enqueues it (`buildSyncMessage`, reason `PostConfirmation_ConfirmSignUp`) for a user
 * confirmed in the source pool, drained by the real sync worker (`createWorkerHandler`) at its
 * configured concurrency: `--instances` worker instances (WORKER_MAX_CONCURRENCY, serverless.yml's
 * default 5; the event source's maximum concurrency), each with its own gateways and its share of
 * the quotas less the headroom, as `replicationContext` builds them, each fed by an SQS poller that
 * does what the Lambda event source mapping does (batches of 10, ReportBatchItemFailures), over
 * the in-process SQS emulator (local-aws-sqs). Cognito is the quota-faithful model
 * (scripts/local/cognito-model, direct client): per-category token buckets at the AWS default
 * rates, TooManyRequestsException beyond them, `--latency-ms` per call.
 *
 * Measured: the time from the first receive to the last message handled (Cognito time), against
 * the bound of the binding quota category: for each Region and category, the calls the worker
 * actually made (accepted by the model; throttled ones not counted) divided by the rate the
 * limiters allow there (quota x (1 - headroom), all instances together); the largest wins. Goal:
 * ratio bound / time >= 0.9, nothing in the DLQ, every user replicated.
 *
 * Time is scaled (`--scale`: Cognito's clock, the limiters and the latency run that many times
 * faster than real time; same quotas and latency in Cognito time, so the same ratios). The SQS
 * emulator and the code's own CPU run in real time, so their cost is magnified by the scale: a
 * lower scale is more faithful (and slower). Not included: the change-capture replica index
 * (DynamoDB; its writes are not quota-bound here) and the Lambda's cold starts.
 */
import { loadavg } from 'node:os';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory } from '../src/cognito/quotas';
import { DEFAULT_QUOTA_HEADROOM } from '../src/core/constants';
import { buildSyncMessage } from '../src/core/message';
import { cognitoGateway } from '../src/config/wiring';
import { loadWorkerConfig, type WorkerConfig } from '../src/config/worker';
import { createWorkerHandler } from '../src/handlers/worker';
import { logger, metrics } from '../src/observability';
import type { ReplicationContext } from '../src/replication/replicate-user';
import { CognitoModel } from '../scripts/local/cognito-model';
import { startSqsPoller } from '../scripts/local/poller';
import { startSqsEmulator } from '../scripts/local/sqs';
import { ScaledClock } from './reconcile';

logger.setLogLevel('SILENT');
// The worker's metrics stay in memory as in Lambda, but are not printed (EMF lines on stdout).
Object.assign(metrics, { disabled: true });

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MESSAGES = arg('messages', 100_000);
const SCALE = arg('scale', 2);
const LATENCY_MS = arg('latency-ms', 40);
/** serverless.yml: `workerMaxConcurrency: 5`, the event source's maximumConcurrency and WORKER_MAX_CONCURRENCY. */
const INSTANCES = arg('instances', 5);
const JSON_OUT = process.argv.includes('--json');
const SOURCE_POOL = 'us-east-1_BurstSrc';
const STANDBY_POOL = 'us-west-2_BurstStb';

/** Counts the calls a model accepted (answered or refused by the operation, not throttled), by operation. */
function countAccepted(model: CognitoModel): Record<string, number> {
  const accepted: Record<string, number> = {};
  const call = model.call.bind(model);
  model.call = async (op, input, meta) => {
    try {
      const out = await call(op, input, meta);
      accepted[op] = (accepted[op] ?? 0) + 1;
      return out;
    } catch (err) {
      if ((err as { code?: string }).code !== 'TooManyRequestsException') accepted[op] = (accepted[op] ?? 0) + 1;
      throw err;
    }
  };
  return accepted;
}

/** One worker instance's replication context: `replicationContext`'s wiring, on the bench's clock and model clients. */
function instanceContext(config: WorkerConfig, east: CognitoModel, west: CognitoModel, clock: ScaledClock) {
  const budget = { headroom: config.quotaHeadroom, instances: config.maxConcurrency, clock };
  const replication: ReplicationContext = {
    source: cognitoGateway(
      { region: config.sourceRegion, poolId: config.sourcePoolId },
      { ...budget, client: east.client },
    ),
    standby: cognitoGateway(
      { region: config.standbyRegion, poolId: config.standbyPoolId },
      { ...budget, client: west.client },
    ),
    sourceSubAttribute: config.sourceSubAttribute,
    mfaMarkerAttribute: config.mfaMarkerAttribute,
    groupRoleMap: config.groupRoleMap,
    linkFederatedUsers: config.linkFederatedUsers,
  };
  return replication;
}

async function main(): Promise<void> {
  const clock = new ScaledClock(SCALE);
  const east = new CognitoModel({ clock, latencyMs: LATENCY_MS, record: false, region: 'us-east-1' });
  const west = new CognitoModel({ clock, latencyMs: LATENCY_MS, record: false, region: 'us-west-2' });
  const source = east.addPool({ id: SOURCE_POOL });
  const standby = west.addPool({ id: STANDBY_POOL, customAttributes: ['source_sub', 'source_mfa'] });
  const bodies: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const u = source.put({
      Username: `signup${i}`,
      Attributes: { email: `signup${i}@example.com`, email_verified: 'true', name: `Sign-up ${i}` },
      UserStatus: 'CONFIRMED',
    });
    const message = buildSyncMessage({
      sourceRegion: 'us-east-1',
      sourcePoolId: SOURCE_POOL,
      username: u.Username,
      sub: u.Attributes.sub,
      reason: 'PostConfirmation_ConfirmSignUp',
    });
    bodies.push(JSON.stringify(message));
  }
  const accepted = { east: countAccepted(east), west: countAccepted(west) };

  const emulator = await startSqsEmulator();
  const sqs = emulator.client();
  try {
    const [syncQueueUrl, dlqUrl] = await Promise.all(
      ['burst-sync', 'burst-sync-dlq'].map(
        async (QueueName) => (await sqs.send(new CreateQueueCommand({ QueueName }))).QueueUrl!,
      ),
    );
    // The burst: every message on the queue before the workers start (the trigger's SendMessage, batched here).
    for (let i = 0; i < bodies.length; i += 100) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => bodies.slice(i + j * 10, i + j * 10 + 10)).map((chunk) =>
          chunk.length
            ? sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: syncQueueUrl,
                  Entries: chunk.map((MessageBody, k) => ({ Id: String(k), MessageBody })),
                }),
              )
            : undefined,
        ),
      );
    }
    bodies.length = 0;

    const env = {
      SOURCE_POOL_ID: SOURCE_POOL,
      SOURCE_REGION: 'us-east-1',
      STANDBY_POOL_ID: STANDBY_POOL,
      STANDBY_REGION: 'us-west-2',
      SYNC_QUEUE_URL: syncQueueUrl,
      DLQ_URL: dlqUrl,
      QUOTA_HEADROOM: String(DEFAULT_QUOTA_HEADROOM),
      MAX_ATTEMPTS: '30',
      WORKER_MAX_CONCURRENCY: String(INSTANCES),
    };
    const config = loadWorkerConfig(env);
    let handled = 0;
    let failures = 0;
    let batches = 0;
    let lastDoneAt = 0;
    let done!: () => void;
    const allHandled = new Promise<void>((r) => {
      done = r;
    });
    const t0 = clock.now();
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    const pollers = Array.from({ length: INSTANCES }, (_, n) => {
      // One Lambda instance: its own gateways and limiters (module state), its share of the quotas.
      const worker = createWorkerHandler({ config, replication: instanceContext(config, east, west, clock), sqs });
      return startSqsPoller({
        client: sqs,
        queueUrl: syncQueueUrl,
        functionName: `sync-worker-${n}`,
        // The sync queue's visibility timeout: 6 x the worker's 60 s timeout (serverless.yml), in real seconds here.
        visibilityTimeout: Math.max(2, Math.ceil(360 / SCALE)),
        idleSleepMs: 5,
        handler: async (event: SQSEvent) => {
          const out = await worker(event);
          batches++;
          failures += out.batchItemFailures.length;
          handled += event.Records.length - out.batchItemFailures.length;
          lastDoneAt = clock.now();
          if (handled >= MESSAGES) done();
          return out;
        },
      });
    });
    const progress = setInterval(() => {
      if (!JSON_OUT) process.stderr.write(`\r${handled}/${MESSAGES} handled`);
    }, 2000);
    await allHandled;
    clearInterval(progress);
    const wallMs = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuStart);
    // The instrument's own share: this process's CPU over the drain, and the machine's load (other processes).
    const instrument = { cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10, loadAverage: loadavg()[0] };
    await Promise.all(pollers.map((p) => p.stop()));
    const elapsedMs = lastDoneAt - t0;

    const attrs = async (QueueUrl: string) =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    const dlq = await attrs(dlqUrl);
    const inDlq = Number(dlq.ApproximateNumberOfMessages ?? 0) + Number(dlq.ApproximateNumberOfMessagesNotVisible ?? 0);

    // The bound: per Region and category, calls made / (quota less the headroom); the largest binds.
    const byCategory: { region: string; category: QuotaCategory; calls: number; rate: number; seconds: number }[] = [];
    for (const [region, ops] of Object.entries(accepted)) {
      const calls: Partial<Record<QuotaCategory, number>> = {};
      for (const [op, n] of Object.entries(ops)) {
        const category = OPERATION_CATEGORY[op] ?? 'UserPoolRead';
        calls[category] = (calls[category] ?? 0) + n;
      }
      for (const [category, n] of Object.entries(calls) as [QuotaCategory, number][]) {
        const rate = DEFAULT_QUOTAS[category] * (1 - config.quotaHeadroom);
        byCategory.push({ region, category, calls: n, rate, seconds: n / rate });
      }
    }
    byCategory.sort((a, b) => b.seconds - a.seconds);
    const binding = byCategory[0];
    const boundMs = binding.seconds * 1000;
    const ratio = boundMs / elapsedMs;
    const result = {
      command: `npm run -s bench:signup-burst -- --messages ${MESSAGES} --scale ${SCALE} --latency-ms ${LATENCY_MS} --instances ${INSTANCES}`,
      messages: MESSAGES,
      instances: INSTANCES,
      scale: SCALE,
      latencyMs: LATENCY_MS,
      headroom: config.quotaHeadroom,
      elapsedSeconds: Math.round(elapsedMs / 100) / 10,
      wallSeconds: Math.round(wallMs / 100) / 10,
      instrument,
      binding: `${binding.region} ${binding.category}: ${binding.calls} calls at ${binding.rate}/s`,
      boundSeconds: Math.round(binding.seconds * 10) / 10,
      ratio: Math.round(ratio * 1000) / 1000,
      usersPerSecond: Math.round((MESSAGES / elapsedMs) * 10_000) / 10,
      replicated: standby.users.size,
      inDlq,
      retriedRecords: failures,
      batches,
      throttled: { east: east.throttled, west: west.throttled },
      categories: byCategory.map((c) => ({ ...c, seconds: Math.round(c.seconds * 10) / 10 })),
      calls: accepted,
    };
    if (JSON_OUT) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      process.stderr.write('\n');
      console.log(`command:   ${result.command}`);
      console.log(
        `sign-ups:  ${MESSAGES} messages, ${INSTANCES} worker instances (batches of 10), ${LATENCY_MS} ms per call, time x${SCALE}`,
      );
      console.log(
        `drained:   ${result.elapsedSeconds} s (Cognito time; ${result.wallSeconds} s wall), ${result.usersPerSecond} users/s`,
      );
      console.log(
        `instrument: ${instrument.cpuSeconds} s CPU in this process, machine load ${instrument.loadAverage.toFixed(1)} (1 min)`,
      );
      console.log(`bound:     ${result.boundSeconds} s (${result.binding})`);
      for (const c of result.categories.slice(1, 4))
        console.log(`           then ${c.region} ${c.category}: ${c.calls} calls at ${c.rate}/s = ${c.seconds} s`);
      console.log(`ratio:     ${result.ratio} (goal >= 0.9)`);
      console.log(
        `outcome:   ${result.replicated}/${MESSAGES} replicated, ${inDlq} in the DLQ, ${failures} records retried, throttled east ${east.throttled} west ${west.throttled}`,
      );
    }
    process.exitCode = ratio >= 0.9 && inDlq === 0 && standby.users.size === MESSAGES ? 0 : 1;
  } finally {
    await emulator.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(2);
});
