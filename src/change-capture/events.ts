/**
 * The Cognito API calls that change a user, as CloudTrail names them (`detail.eventName`), and
 * the shape of the CloudTrail record EventBridge delivers as "AWS API Call via CloudTrail".
 *
 * Facts and sources: docs/CHANGE-CAPTURE.md. In short: user-specific Cognito events carry the
 * user's `sub` in `additionalEventData.sub` (documented; not confirmed for AdminCreateUser) and
 * mask the username (`HIDDEN_DUE_TO_SECURITY_REASONS`, any `HIDDEN_...` value is a mask: see
 * `isMaskedValue` in src/core/message.ts); admin calls name the pool in
 * `requestParameters.userPoolId`; self-service calls (made with the user's access token) name no
 * pool at all.
 * @packageDocumentation
 */

/** `source` of Cognito user pool events on the default event bus. */
export const EVENT_SOURCE = 'aws.cognito-idp';
/** `detail-type` of API calls recorded by CloudTrail. */
export const DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** `detail.eventSource` of Cognito user pool API calls. */
export const COGNITO_EVENT_SOURCE = 'cognito-idp.amazonaws.com';
/** What recorded Cognito events show instead of a sensitive value (the local emitter writes it). */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * Administrative calls that change one user. They carry `requestParameters.userPoolId`, so the
 * rule keeps only those of the local pool.
 *
 * Left out on purpose: AdminConfirmSignUp (the post confirmation trigger covers it),
 * AdminSetUserPassword / AdminResetUserPassword (passwords are never replicated), reads.
 */
export const ADMIN_USER_EVENTS = [
  'AdminCreateUser',
  'AdminUpdateUserAttributes',
  'AdminDeleteUserAttributes',
  'AdminEnableUser',
  'AdminDisableUser',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminSetUserMFAPreference',
  'AdminSetUserSettings',
  'AdminLinkProviderForUser',
  'AdminDisableProviderForUser',
  'AdminDeleteUser',
] as const;

/**
 * Self-service calls, made by the user with an access token. Their events carry no
 * `requestParameters.userPoolId` (only the hidden token), so the rule cannot keep them to the
 * local pool: it takes every pool's, and the worker tells them apart by reading the `sub` in the
 * local pool (a `sub` of another pool is simply not found there; see docs/CHANGE-CAPTURE.md).
 */
export const SELF_SERVICE_USER_EVENTS = [
  'UpdateUserAttributes',
  'DeleteUserAttributes',
  'VerifyUserAttribute',
  'SetUserMFAPreference',
  'SetUserSettings',
  'VerifySoftwareToken',
  'DeleteUser',
] as const;

/** Every event name the rule takes. */
export const USER_CHANGE_EVENTS: readonly string[] = [...ADMIN_USER_EVENTS, ...SELF_SERVICE_USER_EVENTS];

/** Events after which the source user no longer exists. */
export const USER_DELETION_EVENTS: readonly string[] = ['AdminDeleteUser', 'DeleteUser'];

/** The parts of a CloudTrail record (`detail`) this suite reads. Everything is optional: trust nothing. */
export interface CloudTrailDetail {
  eventVersion?: string;
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  awsRegion?: string;
  eventID?: string;
  readOnly?: boolean;
  errorCode?: string;
  userIdentity?: {
    type?: string;
    principalId?: string;
    arn?: string;
    accountId?: string;
    sessionContext?: { sessionIssuer?: { type?: string; arn?: string; userName?: string } };
  };
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: { sub?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** An EventBridge event carrying a CloudTrail record. */
export interface CloudTrailEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CloudTrailDetail;
}
