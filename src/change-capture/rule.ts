/**
 * The one definition of the change-capture EventBridge rule: its event pattern and what its
 * target receives. serverless.yml writes the same values out (test/deploy/package.test.ts renders
 * the packaged template and compares it with these definitions), and the local emitter
 * (scripts/local/cloudtrail.ts) runs every emulated event through these very functions, so what a
 * drill puts on the queue is what production would.
 * @packageDocumentation
 */
import { ADMIN_USER_EVENTS, COGNITO_EVENT_SOURCE, DETAIL_TYPE, EVENT_SOURCE, SELF_SERVICE_USER_EVENTS } from './events';

/** An EventBridge event pattern (JSON). */
export type EventPattern = { [key: string]: EventPattern | unknown[] | EventPattern[] };

/** What the pattern depends on. */
export interface PatternOptions {
  /** The pool this deployment replicates from (its own Region's pool). */
  localPoolId: string;
  /**
   * Roles whose calls are echoes of replication into this pool: the peer deployment's worker and
   * reconciler (see {@link defaultEchoRoleArns}), plus any role a cross-account peer writes through.
   */
  echoRoleArns: readonly string[];
}

/**
 * The rule's event pattern: successful or not, every user-changing Cognito call that is
 * - an admin call on the local pool not made by an echo role (calls by IAM users, root or
 *   services have no `sessionIssuer` and are taken). Its user is named by `sub`
 *   (`additionalEventData.sub`) or, should the event carry none (not confirmed either way for
 *   AdminCreateUser), by a username shown in clear; an event with neither is counted by the
 *   worker (`UnlocatableEvents`) and left to the reconciler, rather than dropped unseen here; or
 * - a self-service call (access token; such events name no pool) naming the user by `sub`, its
 *   only locator.
 *
 * `anything-but` only matches a field that is present, hence the `exists: false` branch.
 */
export function changeCapturePattern(opts: PatternOptions): EventPattern {
  const admin = { eventName: [...ADMIN_USER_EVENTS], requestParameters: { userPoolId: [opts.localPoolId] } };
  const issuer = (arn: unknown[]) => ({ userIdentity: { sessionContext: { sessionIssuer: { arn } } } });
  const adminBranches = opts.echoRoleArns.length
    ? [
        { ...admin, ...issuer([{ 'anything-but': [...opts.echoRoleArns] }]) },
        { ...admin, ...issuer([{ exists: false }]) },
      ]
    : [admin];
  return {
    source: [EVENT_SOURCE],
    'detail-type': [DETAIL_TYPE],
    detail: {
      eventSource: [COGNITO_EVENT_SOURCE],
      $or: [
        ...adminBranches,
        {
          eventName: [...SELF_SERVICE_USER_EVENTS],
          requestParameters: { userPoolId: [{ exists: false }] },
          additionalEventData: { sub: [{ exists: true }] },
        },
      ],
    },
  };
}

/**
 * What the rule's target (the sync queue) receives for a matched event: the event itself, as
 * EventBridge delivers it when the target has no `Input`, `InputPath` or `InputTransformer`. No
 * value of the event can make that body invalid JSON, whereas an input transformer inserts the
 * values it extracts without escaping them (EventBridge User Guide, *Transforming target input*,
 * "Common issues"). The worker reads it with src/change-capture/queue-message.ts.
 */
export function targetBody(event: unknown): string {
  return JSON.stringify(event);
}

/** Target properties the rule must not set: with none of them the event is delivered as is. */
export const TARGET_INPUT_PROPERTIES = ['Input', 'InputPath', 'InputTransformer'] as const;

/** Names of the deployment whose roles write into this pool. */
export interface PeerDeployment {
  partition?: string;
  accountId: string;
  /** serverless service name, e.g. `cognito-standby-sync`. */
  service: string;
  stage: string;
  /** The peer deployment's Region (its roles carry it in their names). */
  peerRegion: string;
}

/**
 * The peer deployment's worker and reconciler role ARNs (serverless.yml names its roles
 * `<service>-<stage>-<region>-{worker,reconcile}`): their writes into this pool are replication,
 * never changes to capture.
 */
export function defaultEchoRoleArns(p: PeerDeployment): string[] {
  const prefix = `arn:${p.partition ?? 'aws'}:iam::${p.accountId}:role/${p.service}-${p.stage}-${p.peerRegion}`;
  return [`${prefix}-worker`, `${prefix}-reconcile`];
}
