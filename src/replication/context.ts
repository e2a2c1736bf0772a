import type { CognitoIdentityProviderClientConfig } from '@aws-sdk/client-cognito-identity-provider';
import type { RetryPolicy } from '../core/backoff';
import type { WorkerConfig } from '../config/worker';
import { replicationContext } from '../config/wiring';
import type { ReplicationContext } from './replicate-user';

/**
 * The replication context of a deployment, as {@link replicationContext} (src/config/wiring.ts)
 * builds it; kept under this name for its callers (the drill's deployment, the fault tests).
 */
export function replicationContextFromConfig(
  config: WorkerConfig,
  clientConfig: CognitoIdentityProviderClientConfig = {},
  retry?: Partial<RetryPolicy>,
): ReplicationContext {
  return replicationContext(config, { clientConfig, retry });
}
