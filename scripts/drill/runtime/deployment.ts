/**
 * One Region's deployment of the suite in the drill: the local deployment every local run shares
 * (scripts/local/deployment.ts: trigger on the Region's Lambda endpoint, worker on its SQS
 * poller, change capture through the CloudTrail stand-in, all built by the functions' own
 * configuration and wiring), with what the drill watches on top: every batch in the
 * {@link ReplicationTracker}, moves to the DLQ, change-capture counters, the event source's
 * errors, every gateway (call accounting), and the worker's retry delays compressed in time.
 * @packageDocumentation
 */
import type { CognitoPool } from '../../../src/cognito/pool';
import { DEFAULT_RETRY } from '../../../src/core/backoff';
import { LocalDeployment } from '../../local/deployment';
import type { SqsPoller } from '../../local/poller';
import { ACCOUNT_ID, REPLICA_INDEX_TABLE, SERVICE, type Side, STAGE } from './names';
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
  onGateway?: (gateway: CognitoPool, side: Side, who: string) => void;
  /** Environment over the drill's (e.g. the backup journal's `BACKUP_BUCKET`, `S3_ENDPOINT`). */
  env?: Record<string, string>;
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

export class Deployment extends LocalDeployment {
  readonly side: Side;
  readonly tracker: ReplicationTracker;
  readonly capture: CaptureStats;
  private readonly pollerErrors: string[] = [];

  constructor(o: DeploymentOptions) {
    const { local, peer } = o;
    const tracker = new ReplicationTracker();
    const capture: CaptureStats = { calls: 0, matched: 0, echoesFiltered: 0 };
    let echoRoles = new Set<string>();
    super({
      service: SERVICE,
      stage: STAGE,
      accountId: ACCOUNT_ID,
      local: {
        cognito: local.cognito,
        poolId: local.pool.poolId,
        sqs: local.sqs,
        dynamo: local.dynamo,
        queues: local.queues,
        replicaIndexTable: REPLICA_INDEX_TABLE,
        lambda: local.lambda,
      },
      peer: { cognito: peer.cognito, poolId: peer.pool.poolId },
      env: {
        WORKER_MAX_CONCURRENCY: '1',
        TRIGGER_SEND_BUDGET_MS: '1500',
        REPLICATE_FORGOT_PASSWORD: 'false',
        ...o.env,
      },
      // The gateway's in-call retry budget is compressed like the queue's back-off, so that a short
      // drill outage shows retries through the queue, as a long real one does.
      retry: { budgetMs: Math.max(250, DEFAULT_RETRY.budgetMs / o.retryTimeScale) },
      onBatch: (event, result) => {
        const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
        tracker.batch(
          event.Records.map((r) => ({
            messageId: r.messageId,
            body: r.body,
            attempt: Number(r.attributes.ApproximateReceiveCount) || 1,
          })),
          failed,
          Date.now(),
        );
      },
      platformSqs: local.sqsAdmin,
      onEvent: (event, matched) => {
        capture.calls++;
        if (matched) capture.matched++;
        else if (echoRoles.has(String(event.detail.userIdentity?.sessionContext?.sessionIssuer?.arn ?? '')))
          capture.echoesFiltered++;
      },
    });
    echoRoles = new Set(this.captureConfig.echoRoleArns);
    this.side = local.side;
    this.tracker = tracker;
    this.capture = capture;
    o.onGateway?.(this.replication.source, this.side, 'worker');
    o.onGateway?.(this.replication.standby, peer.side, 'worker');
    this.observeWorkerSqs(o.retryTimeScale);
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

  /** Starts the SQS event source (the worker runs for every batch); its errors are kept for {@link errors}. */
  override startWorker(): SqsPoller {
    return super.startWorker({
      onError: (e) => {
        this.pollerErrors.push((e as Error)?.message ?? String(e));
        if (this.pollerErrors.length > 50) this.pollerErrors.shift();
      },
    });
  }

  /** Recent errors the event source met (SQS unreachable, a handler that threw). */
  errors(): string[] {
    return [...this.pollerErrors];
  }
}
