/**
 * One Region's deployment of the suite, run locally the way Lambda runs it, the one wiring the
 * drill, the benches and the tests share:
 * - configuration is what serverless.yml gives the functions: an environment
 *   ({@link localEnvironment}) validated by the functions' own loaders (src/config);
 * - what talks to AWS is built by the functions' own wiring (src/config/wiring.ts): the worker's
 *   replication context, its replica index and its SQS client, the trigger's SQS client;
 * - the post confirmation trigger is registered on the Region's Lambda endpoint when it has one
 *   (the Cognito model invokes it on every confirmation), else offered as {@link LocalDeployment.trigger};
 * - the sync worker is driven by an SQS poller (the event source mapping: batches of 10,
 *   ReportBatchItemFailures, one instance);
 * - change capture: the CloudTrail stand-in (cloudtrail.ts) turns the pool's admin calls into
 *   events, filtered by the rule's own pattern, onto the sync queue.
 *
 * Each function signs its requests with its own dummy access key ({@link localAccessKey}),
 * standing in for its IAM role, so that the CloudTrail stand-in records the role (that is how
 * echoes are told apart).
 *
 * @example
 * const east = await startCaptureDeployment({
 *   local: { emulator: primary, poolId: pools.primary.poolId },
 *   peer: { emulator: standby, poolId: pools.standby.poolId },
 *   sqs, dynamo,
 * });
 * // ... admin changes on the primary ...
 * await east.settle();
 * await east.stop();
 * @packageDocumentation
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, PostConfirmationTriggerEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { defaultEchoRoleArns } from '../../src/change-capture/rule';
import {
  type ChangeCaptureConfig,
  loadChangeCaptureConfig,
  loadTriggerConfig,
  loadWorkerConfig,
  type TriggerConfig,
  type WorkerConfig,
} from '../../src/config';
import {
  backupJournalOf,
  type Credentials,
  replicaIndexOf,
  replicationContext,
  triggerQueueClient,
  workerQueueClient,
} from '../../src/config/wiring';
import type { RetryPolicy } from '../../src/core/backoff';
import {
  DEFAULT_MFA_MARKER_ATTRIBUTE,
  DEFAULT_QUOTA_HEADROOM,
  DEFAULT_SOURCE_SUB_ATTRIBUTE,
} from '../../src/core/constants';
import { createTriggerHandler } from '../../src/handlers/trigger';
import { createWorkerHandler, type WorkerDeps } from '../../src/handlers/worker';
import type { ReplicaIndex } from '../../src/replication/replica-index';
import type { ReplicationContext } from '../../src/replication/replicate-user';
import {
  type AdminCreateUserShape,
  type CallerIdentity,
  type CloudTrailEmitter,
  type CloudTrailEmitterOptions,
  startCloudTrailEmitter,
} from './cloudtrail';
import type { CognitoEmulator } from './cognito';
import type { DynamoEmulator } from './dynamodb';
import type { LambdaEndpoint } from './lambda-endpoint';
import { type SqsPoller, startSqsPoller } from './poller';
import { createQueuePair, type QueueDepth, type QueuePair, queueDepth, type SqsEmulator } from './sqs';

// ----------------------------------------------------------------------------- names

/** Names a local deployment's functions, roles and access keys are derived from (as serverless.yml names them). */
export interface LocalNames {
  /** Default `cognito-standby-sync`. */
  service?: string;
  /** Default `local`. */
  stage?: string;
  /** Default `000000000000`. */
  accountId?: string;
}

/** The functions of one deployment (each has its own IAM role in serverless.yml). */
export type FunctionKind = 'trigger' | 'worker' | 'reconcile';

const namesOf = (n: LocalNames) => ({
  service: n.service ?? 'cognito-standby-sync',
  stage: n.stage ?? 'local',
  accountId: n.accountId ?? '000000000000',
});

/** `<service>-<stage>-<function>`: the same name in every Region, as serverless names it. */
export function localFunctionName(fn: FunctionKind, n: LocalNames = {}): string {
  const { service, stage } = namesOf(n);
  return `${service}-${stage}-${fn}`;
}

/** The role ARN of a deployment's function in `region` (serverless.yml: `<service>-<stage>-<region>-<fn>`). */
export function localRoleArn(region: string, fn: FunctionKind, n: LocalNames = {}): string {
  const { service, stage, accountId } = namesOf(n);
  return `arn:aws:iam::${accountId}:role/${service}-${stage}-${region}-${fn}`;
}

/** The dummy access key a function signs its local calls with (how the CloudTrail stand-in recognises it). */
export function localAccessKey(region: string, fn: FunctionKind, n: LocalNames = {}): string {
  return `${namesOf(n).stage}-${region}-${fn}`.toUpperCase();
}

/** The dummy credentials of a function (what its role's session would sign with). */
export function localCredentials(
  region: string,
  fn: FunctionKind,
  n: LocalNames = {},
): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: localAccessKey(region, fn, n), secretAccessKey: 'local' };
}

/** Every function role of the Regions, by its access key: who the CloudTrail stand-in says made a call. */
export function knownIdentities(regions: string[], n: LocalNames = {}): Record<string, CallerIdentity> {
  const out: Record<string, CallerIdentity> = {};
  for (const region of regions) {
    for (const fn of ['trigger', 'worker', 'reconcile'] as FunctionKind[])
      out[localAccessKey(region, fn, n)] = { roleArn: localRoleArn(region, fn, n) };
  }
  return out;
}

// ----------------------------------------------------------------------------- the deployment

/** The emulated Region a deployment runs in: its pool is the source. */
export interface LocalRegion {
  cognito: CognitoEmulator;
  poolId: string;
  sqs: SqsEmulator;
  /** The sync queue and its DLQ. */
  queues: QueuePair;
  /** The replica index's DynamoDB and its table (created); none: no replica index. */
  dynamo?: DynamoEmulator;
  replicaIndexTable?: string;
  /** Where Cognito sends the trigger; none: the trigger is only offered as {@link LocalDeployment.trigger}. */
  lambda?: LambdaEndpoint;
}

/** The peer Region: its pool is the target (the standby, in the primary's deployment). */
export interface LocalPeer {
  cognito: CognitoEmulator;
  poolId: string;
}

/** Settings of a {@link LocalDeployment}. */
export interface LocalDeploymentOptions extends LocalNames {
  local: LocalRegion;
  peer: LocalPeer;
  /** Environment variables over {@link localEnvironment}'s (as a stage's serverless.yml would set them). */
  env?: Record<string, string>;
  /** The worker's gateways' in-call retry policy where it differs from the default. */
  retry?: Partial<RetryPolicy>;
  /** Worker settings that are not configuration (concurrency of a batch, retry delays). */
  worker?: Pick<WorkerDeps, 'concurrency' | 'backoff'>;
  /** Sees every batch the worker handled and its answer (observability, the drill's tracker). */
  onBatch?: (event: SQSEvent, result: SQSBatchResponse) => void;
  /**
   * The platform's SQS client: the event source mapping's and EventBridge's (signed as the
   * operator). Default: one built here on the Region's SQS, three attempts per call.
   */
  platformSqs?: SQSClient;
  /** Simulated CloudTrail -> EventBridge delay (ms). Default 0. */
  eventDelayMs?: number;
  /** How the CloudTrail stand-in shapes AdminCreateUser events. Default `sub`. */
  adminCreateUserShape?: AdminCreateUserShape;
  /** Called for every event the CloudTrail stand-in builds, matched or not. */
  onEvent?: CloudTrailEmitterOptions['onEvent'];
}

/** The functions' environment as serverless.yml sets it for a deployment on `local` replicating to `peer`. */
export function localEnvironment(local: LocalRegion, peer: LocalPeer, names: LocalNames = {}): Record<string, string> {
  const n = namesOf(names);
  return {
    SOURCE_POOL_ID: local.poolId,
    SOURCE_REGION: local.cognito.region,
    STANDBY_POOL_ID: peer.poolId,
    STANDBY_REGION: peer.cognito.region,
    SYNC_QUEUE_URL: local.queues.queueUrl,
    DLQ_URL: local.queues.dlqUrl,
    SQS_ENDPOINT: local.sqs.endpoint,
    SOURCE_ENDPOINT: local.cognito.endpoint,
    STANDBY_ENDPOINT: peer.cognito.endpoint,
    SOURCE_SUB_ATTRIBUTE: DEFAULT_SOURCE_SUB_ATTRIBUTE,
    MFA_MARKER_ATTRIBUTE: DEFAULT_MFA_MARKER_ATTRIBUTE,
    QUOTA_HEADROOM: String(DEFAULT_QUOTA_HEADROOM),
    MAX_ATTEMPTS: '30',
    ECHO_ROLE_ARNS: defaultEchoRoleArns({ ...n, peerRegion: peer.cognito.region }).join(','),
    ...(local.dynamo && local.replicaIndexTable
      ? { REPLICA_INDEX_TABLE: local.replicaIndexTable, DYNAMODB_ENDPOINT: local.dynamo.endpoint }
      : {}),
  };
}

type WorkerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** One Region's deployment: trigger, worker (started by {@link startWorker}), change capture ({@link startCapture}). */
export class LocalDeployment {
  readonly region: string;
  /** The functions' environment. */
  readonly env: Record<string, string>;
  readonly triggerConfig: TriggerConfig;
  readonly workerConfig: WorkerConfig;
  readonly captureConfig: ChangeCaptureConfig;
  /** The worker's replication context (its two gateways). */
  readonly replication: ReplicationContext;
  /** The worker's replica index (none without a table). */
  readonly index: ReplicaIndex | undefined;
  /** The worker's own SQS client (retry delays, moves to the DLQ). */
  readonly workerSqs: SQSClient;
  /** The worker handler, as the event source mapping calls it. */
  readonly worker: WorkerHandler;
  /** The trigger handler, as Cognito invokes it. */
  readonly trigger: (event: PostConfirmationTriggerEvent) => Promise<PostConfirmationTriggerEvent>;
  /** The role the worker's writes are recorded with. */
  readonly workerRoleArn: string;
  private readonly o: LocalDeploymentOptions;
  private readonly triggerSqs: SQSClient;
  private readonly platformSqs: SQSClient;
  private readonly ownsPlatformSqs: boolean;
  private currentPoller?: SqsPoller;
  private currentEmitter?: CloudTrailEmitter;

  constructor(o: LocalDeploymentOptions) {
    this.o = o;
    const { local } = o;
    this.region = local.cognito.region;
    this.env = { ...localEnvironment(local, o.peer, o), ...o.env };
    this.triggerConfig = loadTriggerConfig(this.env);
    this.workerConfig = loadWorkerConfig(this.env);
    this.captureConfig = loadChangeCaptureConfig(this.env);
    this.workerRoleArn = localRoleArn(this.region, 'worker', o);

    this.triggerSqs = triggerQueueClient(this.triggerConfig, localCredentials(this.region, 'trigger', o));
    this.trigger = createTriggerHandler({ config: this.triggerConfig, sqs: this.triggerSqs });
    local.lambda?.register(localFunctionName('trigger', o), this.trigger);

    const credentials: Credentials = localCredentials(this.region, 'worker', o);
    this.replication = replicationContext(this.workerConfig, { clientConfig: { credentials }, retry: o.retry });
    this.workerSqs = workerQueueClient(this.workerConfig, credentials);
    this.index = replicaIndexOf(this.workerConfig, this.captureConfig, credentials);
    const worker = createWorkerHandler({
      config: this.workerConfig,
      replication: this.replication,
      sqs: this.workerSqs,
      echoRoleArns: this.captureConfig.echoRoleArns,
      replicaIndex: this.index,
      journal: backupJournalOf(this.workerConfig, credentials),
      ...o.worker,
    });
    this.worker = async (event, context) => {
      const result = await worker(event, context);
      o.onBatch?.(event, result);
      return result;
    };
    this.ownsPlatformSqs = !o.platformSqs;
    this.platformSqs = o.platformSqs ?? local.sqs.client({ maxAttempts: 3 });
  }

  /** The running event source, if started. */
  get poller(): SqsPoller | undefined {
    return this.currentPoller;
  }

  /** The running CloudTrail stand-in, if started. */
  get emitter(): CloudTrailEmitter | undefined {
    return this.currentEmitter;
  }

  get workerRunning(): boolean {
    return !!this.currentPoller?.running;
  }

  get captureRunning(): boolean {
    return !!this.currentEmitter;
  }

  /** Starts the SQS event source (the worker runs for every batch). */
  startWorker(opts: { batchSize?: number; onError?: (error: unknown) => void } = {}): SqsPoller {
    if (this.currentPoller?.running) return this.currentPoller;
    this.currentPoller = startSqsPoller({
      client: this.platformSqs,
      queueUrl: this.workerConfig.syncQueueUrl,
      handler: this.worker,
      batchSize: opts.batchSize ?? 10,
      region: this.region,
      functionName: localFunctionName('worker', this.o),
      onError: opts.onError,
    });
    return this.currentPoller;
  }

  /** Stops the event source after the batch in flight (the Region's Lambda is "down" or paused). */
  async stopWorker(): Promise<void> {
    const p = this.currentPoller;
    this.currentPoller = undefined;
    await p?.stop();
  }

  /** Starts change capture: the pool's admin calls become events on the sync queue. */
  startCapture(): CloudTrailEmitter {
    if (this.currentEmitter) return this.currentEmitter;
    this.currentEmitter = startCloudTrailEmitter({
      emulator: this.o.local.cognito,
      accountId: namesOf(this.o).accountId,
      identities: knownIdentities([this.region, this.o.peer.cognito.region], this.o),
      rule: { localPoolId: this.workerConfig.sourcePoolId, echoRoleArns: this.captureConfig.echoRoleArns },
      sqs: this.platformSqs,
      queueUrl: this.workerConfig.syncQueueUrl,
      delayMs: this.o.eventDelayMs,
      adminCreateUserShape: this.o.adminCreateUserShape,
      onEvent: this.o.onEvent,
    });
    return this.currentEmitter;
  }

  /** Stops change capture (after sending what it had). */
  async stopCapture(): Promise<void> {
    const e = this.currentEmitter;
    this.currentEmitter = undefined;
    if (!e) return;
    await e.flush();
    e.stop();
  }

  /** Sends what change capture has seen so far. */
  async flushCapture(): Promise<void> {
    await this.currentEmitter?.flush();
  }

  /** Resolves when every emitted event is on the queue and the worker has nothing left (visible, in flight or delayed). */
  async drained(timeoutMs = 60_000, quietMs = 150): Promise<void> {
    if (!this.currentPoller) throw new Error(`the ${this.region} worker is not running`);
    await this.flushCapture();
    await this.currentPoller.drained(quietMs, timeoutMs);
  }

  /** Sends a message body straight to the sync queue (tests: duplicates, reordering). */
  async send(body: string): Promise<void> {
    await this.platformSqs.send(
      new SendMessageCommand({ QueueUrl: this.workerConfig.syncQueueUrl, MessageBody: body }),
    );
  }

  depth(): Promise<QueueDepth> {
    return queueDepth(this.platformSqs, this.workerConfig.syncQueueUrl);
  }

  dlqDepth(): Promise<QueueDepth> {
    return queueDepth(this.platformSqs, this.workerConfig.dlqUrl);
  }

  /** Stops capture and the worker, and closes the deployment's clients. */
  async stop(): Promise<void> {
    await this.stopCapture().catch(() => undefined);
    await this.stopWorker().catch(() => undefined);
    this.workerSqs.destroy();
    this.triggerSqs.destroy();
    if (this.ownsPlatformSqs) this.platformSqs.destroy();
    this.index?.client.destroy();
    this.replication.source.destroy();
    this.replication.standby.destroy();
  }
}

// ----------------------------------------------------------------------------- change capture on its own

/** Settings of {@link startCaptureDeployment}. */
export interface CaptureDeploymentOptions
  extends LocalNames,
    Pick<LocalDeploymentOptions, 'eventDelayMs' | 'adminCreateUserShape' | 'onEvent' | 'env' | 'retry'> {
  /** This deployment's own Region: its pool is the source. */
  local: { emulator: CognitoEmulator; poolId: string };
  /** The peer Region: its pool is the standby. */
  peer: { emulator: CognitoEmulator; poolId: string };
  sqs: SqsEmulator;
  dynamo: DynamoEmulator;
  /** Queue visibility timeout (s). Default 30. */
  visibilityTimeout?: number;
}

/** A {@link LocalDeployment} with its worker and change capture running. */
export interface CaptureDeployment extends LocalDeployment {
  readonly index: ReplicaIndex;
  readonly poller: SqsPoller;
  readonly emitter: CloudTrailEmitter;
  readonly queue: QueuePair;
  /** Resolves when every emitted event is on the queue and the queue is drained. */
  settle(timeoutMs?: number): Promise<void>;
}

/**
 * Creates a queue pair and a replica index table of their own on the emulators, and starts a
 * {@link LocalDeployment} on them with its worker and change capture running (no trigger
 * endpoint).
 */
export async function startCaptureDeployment(o: CaptureDeploymentOptions): Promise<CaptureDeployment> {
  const region = o.local.emulator.region;
  const admin = o.sqs.client();
  const tag = `${o.stage ?? 'local'}-${region}-${Math.random().toString(36).slice(2, 8)}`;
  const queues = await createQueuePair(admin, `sync-${tag}`, {
    visibilityTimeout: o.visibilityTimeout ?? 30,
    maxReceiveCount: 35,
  }).finally(() => admin.destroy());
  const replicaIndexTable = `replica-index-${tag}`;
  await o.dynamo.createReplicaIndexTable(replicaIndexTable);
  const deployment = new LocalDeployment({
    ...o,
    local: {
      cognito: o.local.emulator,
      poolId: o.local.poolId,
      sqs: o.sqs,
      dynamo: o.dynamo,
      queues,
      replicaIndexTable,
    },
    peer: { cognito: o.peer.emulator, poolId: o.peer.poolId },
  });
  deployment.startWorker();
  deployment.startCapture();
  return Object.assign(deployment, {
    queue: queues,
    settle: (timeoutMs = 30_000) => deployment.drained(timeoutMs),
  }) as CaptureDeployment;
}
