/**
 * What the worker decides about a message before replicating: drop an echo (a change made by the
 * peer deployment's own replication), drop an event of another pool, and know whether the pool
 * was stated at all (self-service events name none). Pure.
 * @packageDocumentation
 */
import { MalformedMessageError, type SyncMessage } from '../core/message';
import { SELF_SERVICE_USER_EVENTS } from './events';
import { parseQueueMessage, type QueueContext } from './queue-message';
import { targetBody } from './rule';

/** The verdict on one message. */
export type Screening =
  | { action: 'drop'; why: 'echo' | 'other-pool' }
  | {
      action: 'replicate';
      /**
       * False for a self-service event: it names no pool, so its user may belong to another pool
       * of the account. Such a message must not be reported as a deferred deletion when its `sub`
       * is found neither in the source nor in the replica index.
       */
      poolStated: boolean;
    };

const SELF_SERVICE: ReadonlySet<string> = new Set(SELF_SERVICE_USER_EVENTS);

/** Screens a parsed message against the configured echo roles. */
export function screenMessage(message: SyncMessage, echoRoleArns: ReadonlySet<string> | readonly string[]): Screening {
  const echoes = echoRoleArns instanceof Set ? echoRoleArns : new Set(echoRoleArns);
  if (message.actor && echoes.has(message.actor)) return { action: 'drop', why: 'echo' };
  if (message.eventPoolId && message.eventPoolId !== message.sourcePoolId) return { action: 'drop', why: 'other-pool' };
  const poolStated = !(SELF_SERVICE.has(message.reason) && !message.eventPoolId);
  return { action: 'replicate', poolStated };
}

/**
 * The sync message a CloudTrail event becomes for the worker (the body the rule's target
 * delivers, parsed as the worker parses it). Throws {@link MalformedMessageError} when the event
 * cannot locate a user.
 */
export function syncMessageFromEvent(event: unknown, context: QueueContext): SyncMessage {
  return parseQueueMessage(targetBody(event), context);
}

export { MalformedMessageError };
