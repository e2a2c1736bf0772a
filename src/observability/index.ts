import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Structured JSON logger. Log a user's `sub` or {@link hashed} value, never e-mail, phone, password or token. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cognito-standby-sync' });

/** CloudWatch embedded-metric-format metrics, flushed by the handlers' middleware. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CognitoStandbySync',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cognito-standby-sync',
});

export { MetricUnit };

/** A short, stable, non-reversible tag for a value that must not be logged in clear (a username that may be an e-mail). */
export function hashed(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
