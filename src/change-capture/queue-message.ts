/**
 * What the worker reads from the sync queue: a v1 SyncMessage (trigger, reconciler, redrive) or,
 * from change capture, the EventBridge event itself ("AWS API Call via CloudTrail"), which the
 * rule's target delivers unchanged (src/change-capture/rule.ts: no input transformer, since
 * EventBridge does not escape the values it extracts). A captured event becomes a SyncMessage
 * here: only the fields the worker needs are read, each validated, and a missing, empty, masked
 * (`HIDDEN_...`) or placeholder value is absent. Pure.
 * @packageDocumentation
 */
import { z } from 'zod';
import {
  checkSyncMessage,
  MalformedMessageError,
  parseSyncMessage,
  presentValue,
  SYNC_MESSAGE_VERSION,
  type SyncMessage,
} from '../core/message';
import { COGNITO_EVENT_SOURCE, DETAIL_TYPE, EVENT_SOURCE } from './events';
import { UnlocatableEventError } from './errors';

/** What the worker knows that a captured event may not say (self-service events name no pool). */
export interface QueueContext {
  /** The pool this worker replicates from. */
  sourcePoolId: string;
  /** Its Region (used when the event names none). */
  sourceRegion: string;
}

export { UnlocatableEventError } from './errors';

const optionalObject = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape).nullish();

/**
 * The parts of the event the worker reads. Anything else in the event is ignored; values are
 * read through {@link presentValue}, so their types are not trusted either.
 */
const CapturedEventSchema = z.looseObject({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(DETAIL_TYPE),
  region: z.unknown().optional(),
  time: z.unknown().optional(),
  detail: z.looseObject({
    eventSource: z.literal(COGNITO_EVENT_SOURCE),
    eventName: z.string().min(1).max(128),
    eventTime: z.unknown().optional(),
    awsRegion: z.unknown().optional(),
    requestParameters: optionalObject({ userPoolId: z.unknown().optional(), username: z.unknown().optional() }),
    additionalEventData: optionalObject({ sub: z.unknown().optional() }),
    userIdentity: optionalObject({
      sessionContext: optionalObject({ sessionIssuer: optionalObject({ arn: z.unknown().optional() }) }),
    }),
  }),
});

/** Whether a parsed body is an EventBridge event rather than a SyncMessage. */
function isEventBridgeEvent(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'detail' in json && !('v' in json);
}

function isoTime(value: unknown): string | undefined {
  return z.iso.datetime().safeParse(value).success ? (value as string) : undefined;
}

/**
 * The SyncMessage a captured event asks for: the user by `sub` (`additionalEventData.sub`) and
 * by username (`requestParameters.username`, when Cognito shows it in clear), the event name as
 * reason, the caller's role (`sessionIssuer.arn`) for the echo check and the pool the event
 * named. The source pool is the worker's own (the rule only takes the local pool's admin
 * events; self-service events name none). Throws {@link UnlocatableEventError} for an event that
 * names no user, and {@link MalformedMessageError} naming the problem for anything else unusable.
 */
export function syncMessageFromCapturedEvent(event: unknown, context: QueueContext): SyncMessage {
  const parsed = CapturedEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ');
    throw new MalformedMessageError(`message is not a Cognito "${DETAIL_TYPE}" event (${problems})`);
  }
  const e = parsed.data;
  const d = e.detail;
  const sub = presentValue(d.additionalEventData?.sub);
  const username = presentValue(d.requestParameters?.username);
  if (!sub && !username) throw new UnlocatableEventError(d.eventName);
  return checkSyncMessage(
    {
      v: SYNC_MESSAGE_VERSION,
      sourceRegion: presentValue(e.region) ?? presentValue(d.awsRegion) ?? context.sourceRegion,
      sourcePoolId: context.sourcePoolId,
      username,
      sub,
      reason: d.eventName,
      // CloudTrail's eventTime; EventBridge's own `time` should it be unusable.
      at: isoTime(d.eventTime) ?? isoTime(e.time),
      actor: presentValue(d.userIdentity?.sessionContext?.sessionIssuer?.arn),
      eventPoolId: presentValue(d.requestParameters?.userPoolId),
    },
    `a usable ${d.eventName} event`,
  );
}

/**
 * Parses a queue message body, whichever producer sent it. Throws {@link MalformedMessageError}
 * naming what is wrong, or {@link UnlocatableEventError} (see there).
 */
export function parseQueueMessage(body: string, context: QueueContext): SyncMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  return isEventBridgeEvent(json) ? syncMessageFromCapturedEvent(json, context) : parseSyncMessage(body);
}

/** What a queue message body says of its user and cause, read without validation. */
export interface QueueMessagePeek {
  sub?: string;
  username?: string;
  /** The trigger source, the reconciler's reason or the CloudTrail event name. */
  reason?: string;
  /** The caller's role (change capture). */
  actor?: string;
}

/**
 * Reads a queue message body of either kind leniently (every value through
 * {@link presentValue}), for grouping, observation and tooling; `undefined` when it is not a JSON
 * object. Never a substitute for {@link parseQueueMessage}.
 */
export function peekQueueMessage(body: string): QueueMessagePeek | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const field = (obj: unknown, key: string): unknown =>
    typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
  if (!isEventBridgeEvent(json)) {
    return {
      sub: presentValue(field(json, 'sub')),
      username: presentValue(field(json, 'username')),
      reason: presentValue(field(json, 'reason')),
      actor: presentValue(field(json, 'actor')),
    };
  }
  const d = json.detail;
  return {
    sub: presentValue(field(field(d, 'additionalEventData'), 'sub')),
    username: presentValue(field(field(d, 'requestParameters'), 'username')),
    reason: presentValue(field(d, 'eventName')),
    actor: presentValue(field(field(field(field(d, 'userIdentity'), 'sessionContext'), 'sessionIssuer'), 'arn')),
  };
}

/**
 * The user a queue message is about (`sub:...` or `username:...`), so that messages about one
 * user are handled one after another; `undefined` when the body names nobody readable (it is then
 * handled, and dead-lettered, on its own).
 */
export function queueMessageUserKey(body: string): string | undefined {
  const m = peekQueueMessage(body);
  if (m?.sub) return `sub:${m.sub}`;
  return m?.username ? `username:${m.username}` : undefined;
}
