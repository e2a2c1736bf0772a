import { QuotaLimiter } from '../cognito/limiter';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { CognitoGateway } from '../cognito/gateway';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../cognito/quotas';
import { ConfigError } from '../core/errors';

/** Credentials of local emulators (they accept anything). */
export const LOCAL_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'local', secretAccessKey: 'local' };

/** True when the environment names AWS credentials of any kind (keys, profile, web identity, container). */
export function environmentHasCredentials(env: Record<string, string | undefined> = process.env): boolean {
  return ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'].some(
    (k) => !!env[k],
  );
}

/** Parses `Category=rps` (repeatable `--quota`). Throws {@link ConfigError}. */
export function parseQuota(text: string, into: Partial<Record<QuotaCategory, number>> = {}): Partial<Record<QuotaCategory, number>> {
  const m = /^\s*([A-Za-z]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
  if (!m) throw new ConfigError(`--quota ${text}: expected Category=requests-per-second, e.g. UserUpdate=25`);
  const category = m[1] as QuotaCategory;
  if (!(category in DEFAULT_QUOTAS)) throw new ConfigError(`--quota ${text}: unknown category ${m[1]} (one of ${Object.keys(DEFAULT_QUOTAS).join(', ')})`);
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
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * A gateway for one side with its own quota limiter (each side is another Region, so another
 * budget). With an endpoint and no credentials in the environment, local dummy credentials are
 * used (emulators); otherwise the standard AWS credential chain.
 */
export function sideGateway(side: SideSettings, limits: { headroom: number; quotas?: Partial<Record<QuotaCategory, number>> }, env = process.env): CognitoGateway {
  const credentials = side.credentials ?? (side.endpoint && !environmentHasCredentials(env) ? LOCAL_CREDENTIALS : undefined);
  return new CognitoGateway({
    region: side.region,
    poolId: side.poolId,
    endpoint: side.endpoint,
    limiter: new QuotaLimiter({ headroom: limits.headroom, quotas: limits.quotas }),
    clientConfig: credentials ? { credentials } : undefined,
  });
}
