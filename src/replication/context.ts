import type { CognitoIdentityProviderClientConfig } from '@aws-sdk/client-cognito-identity-provider';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { RetryPolicy } from '../core/backoff';
import { CognitoGateway } from '../cognito/gateway';
import { QuotaLimiter } from '../cognito/limiter';
import { DEFAULT_QUOTAS } from '../cognito/quotas';
import type { WorkerConfig } from '../config/env';
import type { ReplicationContext } from './replicate-user';

/**
 * Builds the replication context of a deployment: a gateway on the source (local) pool and one on
 * the standby (peer) pool, each with its own Region's quota limiter. `clientConfig` adds SDK
 * settings to both clients (credentials of the function's own, e.g. in the local runtime);
 * `retry` overrides the gateways' retry policy (the local drill compresses time, as it does the
 * queue's back-off).
 */
export function replicationContextFromConfig(
  config: WorkerConfig,
  clientConfig: CognitoIdentityProviderClientConfig = {},
  retry?: Partial<RetryPolicy>,
): ReplicationContext {
  // Concurrent instances share one account-wide budget per side: each takes its share.
  const share = 1 / config.maxConcurrency;
  const quotas = Object.fromEntries(Object.entries(DEFAULT_QUOTAS).map(([category, rps]) => [category, rps * share]));
  const limiter = () => new QuotaLimiter({ headroom: config.quotaHeadroom, quotas });
  const standbyCredentials = config.standbyRoleArn
    ? fromTemporaryCredentials({ params: { RoleArn: config.standbyRoleArn, RoleSessionName: 'cognito-standby-sync' } })
    : undefined;
  return {
    source: new CognitoGateway({
      region: config.sourceRegion,
      poolId: config.sourcePoolId,
      endpoint: config.sourceEndpoint,
      limiter: limiter(),
      clientConfig,
      retry,
    }),
    standby: new CognitoGateway({
      region: config.standbyRegion,
      poolId: config.standbyPoolId,
      endpoint: config.standbyEndpoint,
      limiter: limiter(),
      clientConfig: standbyCredentials ? { ...clientConfig, credentials: standbyCredentials } : clientConfig,
      retry,
    }),
    sourceSubAttribute: config.sourceSubAttribute,
    mfaMarkerAttribute: config.mfaMarkerAttribute,
    groupRoleMap: config.groupRoleMap,
    linkFederatedUsers: config.linkFederatedUsers,
  };
}
