/**
 * The local stand-in for CloudTrail + EventBridge (there is neither locally): turns the successful
 * mutating calls an emulated Cognito reports (`shim.onCall`) into CloudTrail-shaped "AWS API Call
 * via CloudTrail" events, runs each through the change-capture rule's own pattern
 * (src/change-capture/rule.ts, the definition serverless.yml is checked against) and sends what
 * matches to the local sync queue as the rule's SQS target does: the event itself (`targetBody`).
 *
 * Whether a real AdminCreateUser event carries `additionalEventData.sub` is unconfirmed
 * (docs/CHANGE-CAPTURE.md); `adminCreateUserShape` picks which of the possible shapes to emit.
 *
 * Who made a call is told by the access key its request was signed with: map each key to an
 * identity (`identities`), e.g. the peer worker's key to its role, so that its writes carry the
 * role ARN the rule filters out; any other signed call is an IAM user (the admin); calls with an
 * access token are self-service (anonymous, no pool named), as in CloudTrail.
 *
 * @example
 * const emitter = startCloudTrailEmitter({
 *   emulator: primary, sqs: sqsClient, queueUrl,
 *   rule: { localPoolId: pools.primary.poolId, echoRoleArns: defaultEchoRoleArns({...}) },
 *   identities: { 'west-worker': { roleArn: 'arn:aws:iam::000000000000:role/css-local-us-west-2-worker' } },
 * });
 * // ... admin changes on the primary ...
 * await emitter.flush();
 * emitter.stop();
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  COGNITO_EVENT_SOURCE,
  DETAIL_TYPE,
  EVENT_SOURCE,
  HIDDEN,
  type CloudTrailEnvelope,
} from '../../src/change-capture/events';
import { matchesPattern } from '../../src/change-capture/pattern-matcher';
import { changeCapturePattern, type PatternOptions, targetBody } from '../../src/change-capture/rule';
import { CognitoGateway } from '../../src/cognito/gateway';
import { loadWorkerConfig } from '../../src/config';
import { createWorkerHandler } from '../../src/handlers/worker';
import { ReplicaIndex } from '../../src/replication/replica-index';
import type { ReplicationContext } from '../../src/replication/replicate-user';
import type { CognitoEmulator } from './cognito';
import type { CognitoCallEvent, CognitoShim } from './cognito-shim';
import type { DynamoEmulator } from './dynamodb';
import { type SqsPoller, startSqsPoller } from './poller';
import { createQueuePair, type QueuePair, type SqsEmulator } from './sqs';

/** Who made a call, as CloudTrail would record it. */
export type CallerIdentity = { roleArn: string; sessionName?: string } | { userArn: string };

/**
 * How the emitted AdminCreateUser event names the new user (none is confirmed by a recorded
 * event): `sub` (in `additionalEventData`, as Cognito documents for user-specific requests, the
 * username masked), `username` (no sub, the username in clear) or `masked` (no sub, the username
 * masked: the rule cannot take it and the reconciler creates the replica).
 */
export type AdminCreateUserShape = 'sub' | 'username' | 'masked';

/** Options of {@link cloudTrailEventFor}. */
export interface EventShapeOptions {
  accountId?: string;
  /** Default `sub`. */
  adminCreateUserShape?: AdminCreateUserShape;
}

/** Settings of {@link startCloudTrailEmitter}. */
export interface CloudTrailEmitterOptions {
  /** The emulated Cognito whose calls are recorded (its shim and Region). */
  emulator: { shim: CognitoShim; region: string };
  /** Account in ARNs and events. Default `000000000000`. */
  accountId?: string;
  /** Access key id -> identity. Unlisted signed calls are made by {@link defaultIdentity}. */
  identities?: Record<string, CallerIdentity>;
  /** Default: the IAM user `arn:aws:iam::<account>:user/admin`. */
  defaultIdentity?: CallerIdentity;
  /** The rule's settings: the same function builds the production pattern. */
  rule: PatternOptions;
  sqs: SQSClient;
  queueUrl: string;
  /** Simulated CloudTrail -> EventBridge delay (ms). Default 0: local figures exclude it. */
  delayMs?: number;
  /** Default `sub`. */
  adminCreateUserShape?: AdminCreateUserShape;
  /** Called for every event built, matched or not (observability, tests). */
  onEvent?: (event: CloudTrailEnvelope, matched: boolean, body?: string) => void;
}

/** Counters of an emitter. */
export interface CloudTrailEmitterStats {
  /** Mutating calls reported by the emulator. */
  calls: number;
  /** Events that matched the rule. */
  matched: number;
  /** Messages sent to the queue. */
  sent: number;
  /** Sends that failed (the event is lost, as a failed EventBridge delivery would be). */
  failed: number;
}

/** A running emitter. */
export interface CloudTrailEmitter {
  readonly stats: CloudTrailEmitterStats;
  /** Resolves when every event seen so far has been sent (or failed). */
  flush(): Promise<void>;
  stop(): void;
}

/** The CloudTrail `userIdentity` of a caller. */
export function userIdentityFor(identity: CallerIdentity | 'anonymous', accountId: string): Record<string, unknown> {
  if (identity === 'anonymous') return { type: 'Unknown', principalId: 'Anonymous' };
  if ('userArn' in identity) {
    return {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLELOCAL',
      arn: identity.userArn,
      accountId,
      accessKeyId: 'AKIAEXAMPLELOCAL',
      userName: identity.userArn.split('/').pop(),
    };
  }
  const roleName = identity.roleArn.split('/').pop()!;
  const session = identity.sessionName ?? roleName;
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLELOCAL:${session}`,
    arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`,
    accountId,
    accessKeyId: 'ASIAEXAMPLELOCAL',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLELOCAL',
        arn: identity.roleArn,
        accountId,
        userName: roleName,
      },
      attributes: { creationDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), mfaAuthenticated: 'false' },
    },
  };
}

/** Request parameters as Cognito logs them: sensitive values hidden, self-service calls without a pool. */
function requestParametersFor(call: CognitoCallEvent, clearUsername: boolean): Record<string, unknown> {
  const r = call.request;
  if (typeof r.AccessToken === 'string') {
    const out: Record<string, unknown> = { accessToken: HIDDEN };
    if (r.UserAttributes) out.userAttributes = HIDDEN;
    if (r.UserAttributeNames) out.userAttributeNames = r.UserAttributeNames;
    if (r.AttributeName) out.attributeName = r.AttributeName;
    return out;
  }
  const out: Record<string, unknown> = {};
  if (typeof r.UserPoolId === 'string') out.userPoolId = r.UserPoolId;
  if (r.Username !== undefined) out.username = clearUsername ? r.Username : HIDDEN;
  if (typeof r.GroupName === 'string') out.groupName = r.GroupName;
  if (r.UserAttributes) out.userAttributes = HIDDEN;
  if (r.UserAttributeNames) out.userAttributeNames = r.UserAttributeNames;
  return out;
}

/** The `sub` the event carries: resolved before the call, or (AdminCreateUser, SignUp) from the answer. */
function subOf(call: CognitoCallEvent): string | undefined {
  if (call.subject?.sub) return call.subject.sub;
  const user = call.response.User as { Attributes?: { Name?: string; Value?: string }[] } | undefined;
  const fromUser = user?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (fromUser) return fromUser;
  return typeof call.response.UserSub === 'string' ? call.response.UserSub : undefined;
}

/** The EventBridge event CloudTrail would deliver for one Cognito call. */
export function cloudTrailEventFor(
  call: CognitoCallEvent,
  identity: CallerIdentity | 'anonymous',
  options: EventShapeOptions = {},
): CloudTrailEnvelope {
  const accountId = options.accountId ?? '000000000000';
  const time = call.at.toISOString().replace(/\.\d+Z$/, 'Z');
  const createShape = call.operation === 'AdminCreateUser' ? (options.adminCreateUserShape ?? 'sub') : undefined;
  const sub = createShape === 'username' || createShape === 'masked' ? undefined : subOf(call);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPE,
    source: EVENT_SOURCE,
    account: accountId,
    time,
    region: call.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: userIdentityFor(identity, accountId),
      eventTime: time,
      eventSource: COGNITO_EVENT_SOURCE,
      eventName: call.operation,
      awsRegion: call.region,
      sourceIPAddress: '127.0.0.1',
      userAgent: 'local-emulator',
      requestParameters: requestParametersFor(call, createShape === 'username'),
      responseElements: null,
      ...(sub ? { additionalEventData: { sub } } : {}),
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
    } as CloudTrailEnvelope['detail'],
  };
}

/** Starts recording `emulator`'s calls as CloudTrail events into the sync queue. */
export function startCloudTrailEmitter(opts: CloudTrailEmitterOptions): CloudTrailEmitter {
  const accountId = opts.accountId ?? '000000000000';
  const pattern = changeCapturePattern(opts.rule);
  const fallback: CallerIdentity = opts.defaultIdentity ?? { userArn: `arn:aws:iam::${accountId}:user/admin` };
  const stats: CloudTrailEmitterStats = { calls: 0, matched: 0, sent: 0, failed: 0 };
  const pending = new Set<Promise<void>>();

  const deliver = async (body: string) => {
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    try {
      await opts.sqs.send(new SendMessageCommand({ QueueUrl: opts.queueUrl, MessageBody: body }));
      stats.sent++;
    } catch {
      stats.failed++;
    }
  };

  const remove = opts.emulator.shim.onCall((call) => {
    stats.calls++;
    const selfService = typeof call.request.AccessToken === 'string';
    const identity = selfService ? 'anonymous' : (call.accessKeyId && opts.identities?.[call.accessKeyId]) || fallback;
    const event = cloudTrailEventFor(call, identity, { accountId, adminCreateUserShape: opts.adminCreateUserShape });
    const matched = matchesPattern(pattern, event);
    const body = matched ? targetBody(event) : undefined;
    opts.onEvent?.(event, matched, body);
    if (!body) return;
    stats.matched++;
    const p = deliver(body).finally(() => pending.delete(p));
    pending.add(p);
  });

  return {
    stats,
    async flush() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    stop: remove,
  };
}

// ----------------------------------------------------------------------------- a local deployment

/** Names a local deployment's roles and access keys are derived from (as serverless.yml names them). */
export interface LocalNames {
  service?: string;
  stage?: string;
  accountId?: string;
}

/** The role ARN of a deployment's function in `region` (serverless.yml: `<service>-<stage>-<region>-<fn>`). */
export function localRoleArn(region: string, fn: 'worker' | 'reconcile', n: LocalNames = {}): string {
  return `arn:aws:iam::${n.accountId ?? '000000000000'}:role/${n.service ?? 'cognito-standby-sync'}-${n.stage ?? 'local'}-${region}-${fn}`;
}

/** The access key id a deployment's function signs its local calls with (how the emitter recognises it). */
export function localAccessKey(region: string, fn: 'worker' | 'reconcile'): string {
  return `LOCAL${fn.toUpperCase()}${region.replace(/[^a-z0-9]/gi, '').toUpperCase()}`;
}

/** Settings of {@link startCaptureDeployment}. */
export interface CaptureDeploymentOptions extends LocalNames {
  /** This deployment's own Region: its pool is the source. */
  local: { emulator: CognitoEmulator; poolId: string };
  /** The peer Region: its pool is the standby. */
  peer: { emulator: CognitoEmulator; poolId: string };
  sqs: SqsEmulator;
  dynamo: DynamoEmulator;
  /** Queue visibility timeout (s). Default 30. */
  visibilityTimeout?: number;
  /** Simulated CloudTrail -> EventBridge delay (ms). Default 0. */
  eventDelayMs?: number;
  /** How the emitter shapes AdminCreateUser events. Default `sub`. */
  adminCreateUserShape?: AdminCreateUserShape;
  onEvent?: CloudTrailEmitterOptions['onEvent'];
}

/** One Region's deployment, emulated: sync queue + DLQ, replica index table, worker (polled), emitter. */
export interface CaptureDeployment {
  readonly region: string;
  readonly queue: QueuePair;
  readonly index: ReplicaIndex;
  readonly replication: ReplicationContext;
  readonly emitter: CloudTrailEmitter;
  readonly poller: SqsPoller;
  readonly workerRoleArn: string;
  /** Sends a message body straight to this deployment's queue (tests: duplicates, reordering). */
  send(body: string): Promise<void>;
  /** Resolves when every emitted event is on the queue and the queue is drained. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts one deployment the way serverless.yml wires it, on the emulators: the worker handler
 * (src/handlers/worker.ts) with the replica index on dynalite and the peer's roles as echo roles,
 * fed by an SQS poller, and the CloudTrail emitter on the local pool with the production rule.
 */
export async function startCaptureDeployment(o: CaptureDeploymentOptions): Promise<CaptureDeployment> {
  const region = o.local.emulator.region;
  const peerRegion = o.peer.emulator.region;
  const names: LocalNames = { service: o.service, stage: o.stage, accountId: o.accountId };
  const sqsClient = o.sqs.client();
  const tag = `${o.stage ?? 'local'}-${region}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = await createQueuePair(sqsClient, `sync-${tag}`, {
    visibilityTimeout: o.visibilityTimeout ?? 30,
    maxReceiveCount: 35,
  });
  const table = `replica-index-${tag}`;
  await o.dynamo.createReplicaIndexTable(table);
  const config = loadWorkerConfig({
    SOURCE_POOL_ID: o.local.poolId,
    SOURCE_REGION: region,
    STANDBY_POOL_ID: o.peer.poolId,
    STANDBY_REGION: peerRegion,
    SYNC_QUEUE_URL: queue.queueUrl,
    DLQ_URL: queue.dlqUrl,
    MAX_ATTEMPTS: '30',
  });
  const key = localAccessKey(region, 'worker');
  const credentials = { accessKeyId: key, secretAccessKey: 'local' };
  const replication: ReplicationContext = {
    source: new CognitoGateway({ region, poolId: o.local.poolId, client: o.local.emulator.client({ credentials }) }),
    standby: new CognitoGateway({
      region: peerRegion,
      poolId: o.peer.poolId,
      client: o.peer.emulator.client({ credentials }),
    }),
    sourceSubAttribute: config.sourceSubAttribute,
    mfaMarkerAttribute: config.mfaMarkerAttribute,
  };
  const index = new ReplicaIndex({
    tableName: table,
    sourcePoolId: o.local.poolId,
    standbyPoolId: o.peer.poolId,
    client: o.dynamo.client({ region }),
  });
  const echoRoleArns = [localRoleArn(peerRegion, 'worker', names), localRoleArn(peerRegion, 'reconcile', names)];
  const handler = createWorkerHandler({ config, replication, sqs: sqsClient, replicaIndex: index, echoRoleArns });
  const poller = startSqsPoller({
    client: sqsClient,
    queueUrl: queue.queueUrl,
    handler,
    region,
    functionName: `worker-${region}`,
  });
  const identities: Record<string, CallerIdentity> = {};
  for (const r of [region, peerRegion]) {
    for (const fn of ['worker', 'reconcile'] as const)
      identities[localAccessKey(r, fn)] = { roleArn: localRoleArn(r, fn, names) };
  }
  const emitter = startCloudTrailEmitter({
    emulator: o.local.emulator,
    accountId: o.accountId,
    identities,
    rule: { localPoolId: o.local.poolId, echoRoleArns },
    sqs: sqsClient,
    queueUrl: queue.queueUrl,
    delayMs: o.eventDelayMs,
    adminCreateUserShape: o.adminCreateUserShape,
    onEvent: o.onEvent,
  });
  return {
    region,
    queue,
    index,
    replication,
    emitter,
    poller,
    workerRoleArn: localRoleArn(region, 'worker', names),
    async send(body: string) {
      await sqsClient.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }));
    },
    async settle(timeoutMs = 30_000) {
      await emitter.flush();
      await poller.drained(150, timeoutMs);
    },
    async stop() {
      emitter.stop();
      await poller.stop();
    },
  };
}
