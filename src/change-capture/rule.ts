/**
 * The one definition of the change-capture EventBridge rule: its event pattern and its input
 * transformer. serverless.yml writes the same values out (test/deploy/package.test.ts renders the
 * packaged template and compares it with these functions), and the local emitter
 * (scripts/local/cloudtrail.ts) runs every emulated event through these very objects, so what a
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
 * The rule's event pattern: successful or not, every user-changing Cognito call that names a
 * user by `sub` and is
 * - an admin call on the local pool not made by an echo role (calls by IAM users, root or
 *   services have no `sessionIssuer` and are taken), or
 * - a self-service call (access token; such events name no pool).
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
      additionalEventData: { sub: [{ exists: true }] },
      $or: [...adminBranches, { eventName: [...SELF_SERVICE_USER_EVENTS], requestParameters: { userPoolId: [{ exists: false }] } }],
    },
  };
}

/** An EventBridge input transformer. */
export interface InputTransformer {
  InputPathsMap: Record<string, string>;
  InputTemplate: string;
}

/** The event fields the transformer reads. A path missing from an event yields an empty value. */
export const TRANSFORMER_PATHS: Readonly<Record<string, string>> = {
  eventName: '$.detail.eventName',
  eventTime: '$.detail.eventTime',
  sub: '$.detail.additionalEventData.sub',
  username: '$.detail.requestParameters.username',
  pool: '$.detail.requestParameters.userPoolId',
  actor: '$.detail.userIdentity.sessionContext.sessionIssuer.arn',
};

/**
 * The input transformer: a v1 SyncMessage (src/core/message.ts) built from the event, with the
 * deployment's own Region and pool as the source (the pattern only lets the local pool's admin
 * calls through; self-service calls name no pool, so `eventPoolId` tells the worker whether the
 * pool was stated). Every value sits inside quotes, so a missing one is an empty string; the
 * username is normally `HIDDEN_DUE_TO_SECURITY_REASONS`; both are read as absent.
 */
export function changeCaptureTransformer(opts: { region: string; localPoolId: string }): InputTransformer {
  return {
    InputPathsMap: { ...TRANSFORMER_PATHS },
    InputTemplate:
      `{"v":1,"sourceRegion":"${opts.region}","sourcePoolId":"${opts.localPoolId}",` +
      '"username":"<username>","sub":"<sub>","reason":"<eventName>","at":"<eventTime>","actor":"<actor>","eventPoolId":"<pool>"}',
  };
}

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
