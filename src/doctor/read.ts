import type { CognitoPool } from '../cognito/pool';
import type { PoolSnapshot } from './compare';

/**
 * Reads what the doctor compares of one pool: DescribeUserPool, ListGroups and, when the
 * endpoint answers it, GetUserPoolMfaConfig (its absence only drops the per-factor MFA checks).
 * Pool-level reads only: no user is read, nobody is billed.
 */
export async function readPoolSnapshot(
  gateway: Pick<CognitoPool, 'describePool' | 'listGroups' | 'describeMfaConfig'>,
): Promise<PoolSnapshot> {
  const [config, groups, mfa] = await Promise.all([
    gateway.describePool(),
    gateway.listGroups(),
    gateway.describeMfaConfig().catch(() => undefined),
  ]);
  return { config, groups, mfa };
}
