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
 * access token are self-service (anonymous, no pool named), as in CloudTrail. A deployment
 * (deployment.ts) starts one on its Region's pool.
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
import type { CognitoCallEvent, CognitoShim } from './cognito-shim';

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
