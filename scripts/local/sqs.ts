/**
 * In-process SQS emulator (local-aws-sqs 2.0, in memory) on a loopback port, with a fault switch
 * (unreachable / latency), per-operation call counters and queue helpers.
 *
 * local-aws-sqs counts a ChangeMessageVisibility as one more receive (ApproximateReceiveCount + 1,
 * which also brings the move to the DLQ forward). Real SQS does not. By default the module is
 * loaded with that line corrected (`quirks.receiveCountFixed` tells whether it worked).
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { localSqsClient } from './clients';
import { FaultGate, type NetworkFaults, checkNetworkFaults } from './internal/faults';
import { LOOPBACK, closeHard, createTrackedServer, listen, readBody, sendJson, tryParseJson } from './internal/http';

/** Settings of {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /** Region in queue ARNs. Default `us-east-1`. */
  region?: string;
  /** Account in queue URLs and ARNs. Default `000000000000`. */
  accountId?: string;
  /** Port (default: any free one). */
  port?: number;
  /** Correct the ChangeMessageVisibility receive-count quirk. Default true. */
  fixReceiveCountQuirk?: boolean;
}

/** A running SQS emulator. */
export interface SqsEmulator {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Faults, settable at run time (also `POST /_shim/faults` on the endpoint). `{}` clears. */
  faults: NetworkFaults;
  /** Requests received per operation (JSON protocol). */
  readonly calls: Record<string, number>;
  /** Which local-aws-sqs quirks were corrected. */
  readonly quirks: { receiveCountFixed: boolean };
  /** An SQS client for this endpoint. */
  client(config?: Partial<SQSClientConfig>): SQSClient;
  stop(): Promise<void>;
}

type LocalSqsModule = typeof import('local-aws-sqs');
let patchedModule: { mod: LocalSqsModule; fixed: boolean } | undefined;

const QUIRK = 'let n=Number(t.record.attributes.ApproximateReceiveCount)+1;';
const QUIRK_FIX = 'let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);';

/** Loads local-aws-sqs, with the receive-count line corrected when it is found exactly once. */
function loadLocalSqs(fix: boolean): { mod: LocalSqsModule; fixed: boolean } {
  if (!fix) return { mod: require('local-aws-sqs') as LocalSqsModule, fixed: false };
  if (patchedModule) return patchedModule;
  const file = require.resolve('local-aws-sqs');
  const source = readFileSync(file, 'utf8');
  if (source.split(QUIRK).length !== 2) {
    patchedModule = { mod: require('local-aws-sqs') as LocalSqsModule, fixed: false };
    return patchedModule;
  }
  const m = new Module(file) as Module & { _compile(code: string, filename: string): void };
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m._compile(source.replace(QUIRK, QUIRK_FIX), file);
  patchedModule = { mod: m.exports as LocalSqsModule, fixed: true };
  return patchedModule;
}

/** Starts local-aws-sqs in this process on a loopback port. */
export async function startSqsEmulator(opts: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';
  const { mod, fixed } = loadLocalSqs(opts.fixReceiveCountQuirk ?? true);
  const { service, requestHandler } = mod.createRequestHandler({
    port: opts.port ?? 0,
    hostname: LOOPBACK,
    region,
    accountId,
    emulateQueueCreationLifecycle: false,
    validateDlqDestination: true,
  });
  const gate = new FaultGate();
  const calls: Record<string, number> = {};
  let faults: NetworkFaults = {};

  const tracked = createTrackedServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      if (url.startsWith('/_shim/faults')) {
        const body = await readBody(req);
        if (req.method === 'POST') {
          try {
            emulator.faults = (tryParseJson(body) ?? {}) as NetworkFaults;
          } catch (e) {
            sendJson(res, 400, { message: (e as Error).message });
            return;
          }
        }
        sendJson(res, 200, faults);
        return;
      }
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const op = target.split('.').pop() ?? target;
        calls[op] = (calls[op] ?? 0) + 1;
      }
      if (await gate.apply(faults, req)) return;
      await requestHandler(req, res);
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error' });
    });
  });
  const port = await listen(tracked.server, opts.port ?? 0);
  service.PORT = port; // queue URLs carry the real port
  service.HOSTNAME = LOOPBACK;
  const endpoint = `http://${LOOPBACK}:${port}`;

  const emulator: SqsEmulator = {
    endpoint,
    region,
    accountId,
    get faults() {
      return faults;
    },
    set faults(f: NetworkFaults) {
      faults = checkNetworkFaults(f as Record<string, unknown>);
      if (faults.unreachable !== 'hang') gate.releaseHung();
    },
    calls,
    quirks: { receiveCountFixed: fixed },
    client: (config) => localSqsClient(endpoint, region, config),
    async stop() {
      gate.releaseHung();
      for (const q of service.Queues) q.clearRecords?.();
      await closeHard(tracked);
    },
  };
  return emulator;
}

/** Settings of {@link createQueuePair}. */
export interface QueuePairOptions {
  /** Receives before a message moves to the DLQ. Default 5. */
  maxReceiveCount?: number;
  /** Queue visibility timeout in seconds (keep it small in tests). Default 30. */
  visibilityTimeout?: number;
  /** DLQ name. Default `${name}-dlq`. */
  dlqName?: string;
}

/** URLs and ARNs of a queue and its dead-letter queue. */
export interface QueuePair {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** Creates `name` and its dead-letter queue, linked by a RedrivePolicy (supported by local-aws-sqs). */
export async function createQueuePair(
  client: SQSClient,
  name: string,
  opts: QueuePairOptions = {},
): Promise<QueuePair> {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: opts.dlqName ?? `${name}-dlq` }));
  const dlqArn = (
    await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  if (!dlq.QueueUrl || !dlqArn) throw new Error('could not create the dead-letter queue');
  const q = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: opts.maxReceiveCount ?? 5 }),
      },
    }),
  );
  const queueArn = (
    await client.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  if (!q.QueueUrl || !queueArn) throw new Error('could not create the queue');
  return { queueUrl: q.QueueUrl, queueArn, dlqUrl: dlq.QueueUrl, dlqArn };
}

/** Approximate message counts of a queue. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Reads the approximate counts of `queueUrl`. */
export async function queueDepth(client: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const r = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = r.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
