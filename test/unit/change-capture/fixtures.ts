/**
 * CloudTrail events in the shape Cognito records them, as EventBridge delivers them. Built from
 * the public samples cited in docs/CHANGE-CAPTURE.md (field names and masking as recorded there;
 * ids, ARNs and times are ours):
 * - self-service UpdateUserAttributes / DeleteUser: userIdentity Unknown/Anonymous, requestParameters
 *   with only the hidden access token (and attributes), additionalEventData.sub, no userPoolId;
 * - admin calls: requestParameters.userPoolId, username (hidden), additionalEventData.sub,
 *   userIdentity of the caller (assumed role with sessionContext.sessionIssuer, or IAM user).
 */
import type { CloudTrailEnvelope } from '../../../src/change-capture/events';

export const ACCOUNT = '123456789012';
export const LOCAL_POOL = 'us-east-1_AAAA1111';
export const OTHER_POOL = 'us-east-1_OTHER999';
export const SUB = '0c1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
export const PEER_WORKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/cognito-standby-sync-prod-us-west-2-worker`;
export const PEER_RECONCILE_ROLE = `arn:aws:iam::${ACCOUNT}:role/cognito-standby-sync-prod-us-west-2-reconcile`;
export const OWN_WORKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/cognito-standby-sync-prod-us-east-1-worker`;
export const APP_ROLE = `arn:aws:iam::${ACCOUNT}:role/support-backoffice`;

export function assumedRole(roleArn: string): Record<string, unknown> {
  const name = roleArn.split('/').pop();
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEID:${name}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${name}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEKEY',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: roleArn, accountId: ACCOUNT, userName: name },
      attributes: { creationDate: '2026-10-01T10:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

export const IAM_USER = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLE',
  arn: `arn:aws:iam::${ACCOUNT}:user/ops`,
  accountId: ACCOUNT,
  accessKeyId: 'AKIAEXAMPLE',
  userName: 'ops',
};
export const ANONYMOUS = { type: 'Unknown', principalId: 'Anonymous' };

export function envelope(detail: Record<string, unknown>): CloudTrailEnvelope {
  return {
    version: '0',
    id: 'c67ec280-799a-40d6-b398-2a2b31aefbbd',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.cognito-idp',
    account: ACCOUNT,
    time: '2026-10-01T10:15:31Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventTime: '2026-10-01T10:15:31Z',
      eventSource: 'cognito-idp.amazonaws.com',
      awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.10',
      userAgent: 'aws-sdk-js/3',
      responseElements: null,
      requestID: '85d12606-c0be-41e6-8d3f-eccc2c045f6a',
      eventID: 'ed240aa1-2404-4a40-ac48-0abd944ebd94',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      ...detail,
    },
  };
}

/** An admin call on a pool by a caller, naming the user by sub. */
export function adminEvent(
  eventName: string,
  o: { pool?: string; identity?: Record<string, unknown>; params?: Record<string, unknown>; sub?: string | null } = {},
): CloudTrailEnvelope {
  return envelope({
    eventName,
    userIdentity: o.identity ?? assumedRole(APP_ROLE),
    requestParameters: { userPoolId: o.pool ?? LOCAL_POOL, username: 'HIDDEN_DUE_TO_SECURITY_REASONS', ...o.params },
    ...(o.sub === null ? {} : { additionalEventData: { sub: o.sub ?? SUB } }),
  });
}

/** A self-service call (the user's access token): no pool, anonymous caller. */
export function selfServiceEvent(eventName: string, o: { sub?: string } = {}): CloudTrailEnvelope {
  return envelope({
    eventName,
    userIdentity: ANONYMOUS,
    requestParameters: {
      userAttributes: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      accessToken: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    },
    additionalEventData: { sub: o.sub ?? SUB },
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'cognito-idp.us-east-1.amazonaws.com',
    },
  });
}
