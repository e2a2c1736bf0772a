import { QuotaLimiter } from '../cognito/limiter';
import type { CognitoIdentityProviderClientConfig } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoGateway } from '../cognito/gateway';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../cognito/quotas';
import { ConfigError } from '../core/errors';

/** Parses `Category=rps` (repeatable `--quota`). Throws {@link ConfigError}. */
export function parseQuota(
  text: string,
  into: Partial<Record<QuotaCategory, number>> = {},
): Partial<Record<QuotaCategory, number>> {
  const m = /^\s*([A-Za-z]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
  if (!m) throw new ConfigError(`--quota ${text}: expected Category=requests-per-second, e.g. UserUpdate=25`);
  const category = m[1] as QuotaCategory;
  if (!(category in DEFAULT_QUOTAS))
    throw new ConfigError(
      `--quota ${text}: unknown category ${m[1]} (one of ${Object.keys(DEFAULT_QUOTAS).join(', ')})`,
    );
  const rate = Number(m[2]);
  if (!(rate > 0)) throw new ConfigError(`--quota ${text}: the rate must be above 0`);
  into[category] = rate;
  return into;
}

/** One side of a reconcile. */
export interface SideSettings {
  region: string;
  poolId: string;
  endpoint?: string;
  /** Credentials other than the standard AWS chain (an assumed role; dummy ones for a local emulator). */
  credentials?: CognitoIdentityProviderClientConfig['credentials'];
}

/**
 * A gateway for one side with its own quota limiter (each side is another Region, so another
 * budget), signed with `side.credentials` or else the standard AWS credential chain.
 */
export function sideGateway(
  side: SideSettings,
  limits: { headroom: number; quotas?: Partial<Record<QuotaCategory, number>> },
): CognitoGateway {
  return new CognitoGateway({
    region: side.region,
    poolId: side.poolId,
    endpoint: side.endpoint,
    limiter: new QuotaLimiter({ headroom: limits.headroom, quotas: limits.quotas }),
    clientConfig: side.credentials ? { credentials: side.credentials } : undefined,
  });
}
