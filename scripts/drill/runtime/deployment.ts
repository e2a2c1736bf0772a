/**
 * One Region's deployment of the suite, run locally the way Lambda runs it:
 * - the post confirmation trigger is registered on the Region's Lambda endpoint, which the
 *   Region's Cognito model invokes on every confirmation;
 * - the sync worker is driven by the SQS poller (the event source mapping: batches of 10,
 *   ReportBatchItemFailures, one instance);
 * - change capture: the local CloudTrail stand-in turns the pool's admin calls into events,
 *   filtered by the rule's own pattern, onto the sync queue.
 *
 * Configuration is what serverless.yml gives the functions: an environment validated by the
 * same loaders (loadTriggerConfig, loadWorkerConfig, loadChangeCaptureConfig). Each function
 * signs its requests with its own dummy access key, standing in for its IAM role, so that the
 * CloudTrail stand-in records the role (that is how echoes are told apart).
 * @packageDocumentation
 */
import {
  DEFAULT_MFA_MARKER_ATTRIBUTE,
  DEFAULT_QUOTA_HEADROOM,
  DEFAULT_SOURCE_SUB_ATTRIBUTE,
} from '../../../src/core/constants';
import type { Context, SQSEvent } from 'aws-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CognitoGateway } from '../../../src/cognito/gateway';
import { loadTriggerConfig, loadWorkerConfig, type TriggerConfig, type WorkerConfig } from '../../../src/config';
import { DEFAULT_RETRY } from '../../../src/core/backoff';
import { replicationContext } from '../../../src/config/wiring';
import { defaultEchoRoleArns } from '../../../src/change-capture';
import { type ChangeCaptureConfig, loadChangeCaptureConfig } from '../../../src/config';
import { createTriggerHandler } from '../../../src/handlers/trigger';
import { createWorkerHandler, type WorkerDeps } from '../../../src/handlers/worker';
import { ReplicaIndex } from '../../../src/replication/replica-index';
import type { ReplicationContext } from '../../../src/replication/replicate-user';
import { type CallerIdentity, type CloudTrailEmitter, startCloudTrailEmitter } from '../../local/cloudtrail';
import { type SqsPoller, startSqsPoller } from '../../local/poller';
import { queueDepth, type QueueDepth } from '../../local/sqs';
import {
  ACCOUNT_ID,
  accessKeyId,
  credentialsOf,
  type FunctionKind,
  functionName,
  OPERATOR_CREDENTIALS,
  REPLICA_INDEX_TABLE,
  roleArn,
  SERVICE,
  type Side,
  STAGE,
} from './names';
import type { Region } from './region';
import { ReplicationTracker } from './tracker';

/** Settings of a {@link Deployment}. */
export interface DeploymentOptions {
  local: Region;
  peer: Region;
  /**
   * Back-off compression: the worker's retry delays (30 s doubling to 1 h) are divided by this,
   * at least 1 s, so that an outage of a few seconds shows several retries. 1 = real time.
   */
  retryTimeScale: number;
  /** Every Cognito gateway made here is reported (call accounting per side). */
  onGateway?: (gateway: CognitoGateway, side: Side, who: string) => void;
}

/** Change-capture counters of one Region. */
export interface CaptureStats {
  /** Mutating calls the pool saw. */
  calls: number;
  /** Events the rule sent to the queue. */
  matched: number;
  /** Events the rule dropped because a peer deployment's role made them (replication echoes). */
  echoesFiltered: number;
}

/** Every function role of both Regions, by its access key: who the CloudTrail stand-in says made a call. */
export function knownIdentities(regions: string[]): Record<string, CallerIdentity> {
  const out: Record<string, CallerIdentity> = {};
  for (const region of regions) {
    for (const kind of ['trigger', 'worker', 'reconcile'] as FunctionKind[])
      out[accessKeyId(region, kind)] = { roleArn: roleArn(region, kind) };
  }
  return out;
}

export class Deployment {
  readonly side: Side;
  readonly region: string;
  /** The functions' environment, as serverless.yml would set it. */
  readonly env: Record<string, string>;
  readonly triggerConfig: TriggerConfig;
  readonly workerConfig: WorkerConfig;
  readonly captureConfig: ChangeCaptureConfig;
  readonly tracker = new ReplicationTracker();
  readonly capture: CaptureStats = { calls: 0, matched: 0, echoesFiltered: 0 };
  /** The worker's replication context (its two gateways). */
  readonly replication: ReplicationContext;
  private readonly local: Region;
  private readonly workerSqs: SQSClient;
  private readonly triggerSqs: SQSClient;
  private readonly captureSqs: SQSClient;
  private readonly replicaIndex: ReplicaIndex;
  private readonly handler: (
    event: SQSEvent,
    context: Context,
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  private poller?: SqsPoller;
  private emitter?: CloudTrailEmitter;
  private readonly pollerErrors: string[] = [];

  constructor(o: DeploymentOptions) {
    const { local, peer } = o;
    this.local = local;
    this.side = local.side;
    this.region = local.region;
    this.env = {
      SOURCE_POOL_ID: local.pool.poolId,
      SOURCE_REGION: local.region,
      STANDBY_POOL_ID: peer.pool.poolId,
      STANDBY_REGION: peer.region,
      SYNC_QUEUE_URL: local.queues.queueUrl,
      DLQ_URL: local.queues.dlqUrl,
      SQS_ENDPOINT: local.sqs.endpoint,
      SOURCE_ENDPOINT: local.cognito.endpoint,
      STANDBY_ENDPOINT: peer.cognito.endpoint,
      SOURCE_SUB_ATTRIBUTE: DEFAULT_SOURCE_SUB_ATTRIBUTE,
      MFA_MARKER_ATTRIBUTE: DEFAULT_MFA_MARKER_ATTRIBUTE,
      QUOTA_HEADROOM: String(DEFAULT_QUOTA_HEADROOM),
      MAX_ATTEMPTS: '30',
      WORKER_MAX_CONCURRENCY: '1',
      TRIGGER_SEND_BUDGET_MS: '1500',
      REPLICATE_FORGOT_PASSWORD: 'false',
      ECHO_ROLE_ARNS: defaultEchoRoleArns({
        accountId: ACCOUNT_ID,
        service: SERVICE,
        stage: STAGE,
        peerRegion: peer.region,
      }).join(','),
      REPLICA_INDEX_TABLE,
      DYNAMODB_ENDPOINT: local.dynamo.endpoint,
    };
    this.triggerConfig = loadTriggerConfig(this.env);
    this.workerConfig = loadWorkerConfig(this.env);
    this.captureConfig = loadChangeCaptureConfig(this.env);

    // The trigger, as Cognito invokes it (through the Region's Lambda endpoint).
    const triggerCredentials = credentialsOf(local.region, 'trigger');
    this.triggerSqs = new SQSClient({
      region: local.region,
      endpoint: this.triggerConfig.sqsEndpoint,
      credentials: triggerCredentials,
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: Math.min(500, this.triggerConfig.sendBudgetMs),
        requestTimeout: this.triggerConfig.sendBudgetMs,
      },
    });
    local.lambda.register(
      functionName('trigger'),
      createTriggerHandler({ config: this.triggerConfig, sqs: this.triggerSqs }),
    );

    // The worker's dependencies, as its Lambda handler builds them from the same configuration.
    const config = this.workerConfig;
    const workerCredentials = credentialsOf(local.region, 'worker');
    // The gateway's in-call retry budget is compressed like the queue's back-off, so that a short
    // drill outage shows retries through the queue, as a long real one does.
    const retry = { budgetMs: Math.max(250, DEFAULT_RETRY.budgetMs / o.retryTimeScale) };
    this.replication = replicationContext(config, { clientConfig: { credentials: workerCredentials }, retry });
    o.onGateway?.(this.replication.source, this.side, 'worker');
    o.onGateway?.(this.replication.standby, peer.side, 'worker');
    this.workerSqs = new SQSClient({
      region: config.sourceRegion,
      endpoint: config.sqsEndpoint,
      credentials: workerCredentials,
    });
    this.observeWorkerSqs(o.retryTimeScale);
    this.replicaIndex = new ReplicaIndex({
      tableName: this.captureConfig.replicaIndexTable!,
      sourcePoolId: config.sourcePoolId,
      standbyPoolId: config.standbyPoolId,
      clientConfig: {
        region: config.sourceRegion,
        endpoint: this.captureConfig.dynamodbEndpoint,
        credentials: workerCredentials,
      },
    });
    const deps: WorkerDeps = {
      config,
      replication: this.replication,
      sqs: this.workerSqs,
      echoRoleArns: this.captureConfig.echoRoleArns,
      replicaIndex: this.replicaIndex,
    };
    const worker = createWorkerHandler(deps);
    this.handler = async (event, context) => {
      const result = await worker(event, context);
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      this.tracker.batch(
        event.Records.map((r) => ({
          messageId: r.messageId,
          body: r.body,
          attempt: Number(r.attributes.ApproximateReceiveCount) || 1,
        })),
        failed,
        Date.now(),
      );
      return result;
    };
    this.captureSqs = local.sqs.client({ credentials: OPERATOR_CREDENTIALS, maxAttempts: 3 });
  }

  /**
   * Watches the worker's own SQS calls: a SendMessage to the DLQ (its reason is the worker's),
   * and ChangeMessageVisibility, whose back-off delay is divided by `scale` (see
   * {@link DeploymentOptions.retryTimeScale}).
   */
  private observeWorkerSqs(scale: number): void {
    this.workerSqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, any>;
        if (
          context.commandName === 'ChangeMessageVisibilityCommand' &&
          scale > 1 &&
          typeof input.VisibilityTimeout === 'number'
        ) {
          input.VisibilityTimeout = Math.max(1, Math.round(input.VisibilityTimeout / scale));
        }
        const result = await next(args);
        if (context.commandName === 'SendMessageCommand' && input.QueueUrl === this.workerConfig.dlqUrl) {
          const id = input.MessageAttributes?.sourceMessageId?.StringValue;
          if (id) this.tracker.movedToDlq(id);
        }
        return result;
      },
      { step: 'initialize', name: 'drillObserveWorkerSqs' },
    );
  }

  get workerRunning(): boolean {
    return !!this.poller;
  }

  get captureRunning(): boolean {
    return !!this.emitter;
  }

  /** Starts the SQS event source (the worker runs for every batch). */
  startWorker(): void {
    if (this.poller) return;
    this.poller = startSqsPoller({
      client: this.local.sqsAdmin,
      queueUrl: this.workerConfig.syncQueueUrl,
      handler: this.handler,
      batchSize: 10,
      region: this.region,
      functionName: functionName('worker'),
      onError: (e) => {
        this.pollerErrors.push((e as Error)?.message ?? String(e));
        if (this.pollerErrors.length > 50) this.pollerErrors.shift();
      },
    });
  }

  /** Stops the event source after the batch in flight (the Region's Lambda is "down" or paused). */
  async stopWorker(): Promise<void> {
    const p = this.poller;
    this.poller = undefined;
    await p?.stop();
  }

  /** Starts change capture: the pool's admin calls become events on the sync queue. */
  startCapture(peerRegion: string): void {
    if (this.emitter) return;
    const echo = new Set(this.captureConfig.echoRoleArns);
    this.emitter = startCloudTrailEmitter({
      emulator: this.local.cognito,
      accountId: ACCOUNT_ID,
      identities: knownIdentities([this.region, peerRegion]),
      rule: { localPoolId: this.workerConfig.sourcePoolId, echoRoleArns: this.captureConfig.echoRoleArns },
      sqs: this.captureSqs,
      queueUrl: this.workerConfig.syncQueueUrl,
      onEvent: (event, matched) => {
        this.capture.calls++;
        if (matched) this.capture.matched++;
        else if (echo.has(String(event.detail.userIdentity?.sessionContext?.sessionIssuer?.arn ?? '')))
          this.capture.echoesFiltered++;
      },
    });
  }

  /** Stops change capture (after sending what it had). */
  async stopCapture(): Promise<void> {
    const e = this.emitter;
    this.emitter = undefined;
    if (!e) return;
    await e.flush();
    e.stop();
  }

  /** Sends what change capture has seen so far. */
  async flushCapture(): Promise<void> {
    await this.emitter?.flush();
  }

  /** Resolves when the worker has nothing left: no visible, in-flight or delayed message. */
  async drained(timeoutMs = 60_000): Promise<void> {
    if (!this.poller) throw new Error(`the ${this.side} worker is not running`);
    await this.flushCapture();
    await this.poller.drained(150, timeoutMs);
  }

  depth(): Promise<QueueDepth> {
    return queueDepth(this.local.sqsAdmin, this.workerConfig.syncQueueUrl);
  }

  dlqDepth(): Promise<QueueDepth> {
    return queueDepth(this.local.sqsAdmin, this.workerConfig.dlqUrl);
  }

  /** Recent errors the event source met (SQS unreachable, a handler that threw). */
  errors(): string[] {
    return [...this.pollerErrors];
  }

  async stop(): Promise<void> {
    await this.stopCapture().catch(() => undefined);
    await this.stopWorker().catch(() => undefined);
    for (const c of [this.workerSqs, this.triggerSqs, this.captureSqs]) c.destroy();
    this.replicaIndex.client.destroy();
    this.replication.source.client.destroy();
    this.replication.standby.client.destroy();
  }
}
