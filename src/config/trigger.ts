import { z } from 'zod';
import { region, SOURCE_REGION_FALLBACK, url, bool, wholeNumber, poolId } from './fields';
import { type Environment, parseEnv } from './parse';

/** The post confirmation trigger's environment. */
export const TriggerEnv = z.object({
  SOURCE_POOL_ID: poolId,
  SOURCE_REGION: region.optional(),
  AWS_REGION: region.optional(),
  SYNC_QUEUE_URL: url,
  SQS_ENDPOINT: url.optional(),
  TRIGGER_SEND_BUDGET_MS: wholeNumber(100, 4000).default(1500),
  REPLICATE_FORGOT_PASSWORD: bool.default(false),
});

/** The trigger's configuration. */
export interface TriggerConfig {
  sourcePoolId: string;
  sourceRegion: string;
  syncQueueUrl: string;
  sqsEndpoint?: string;
  sendBudgetMs: number;
  replicateForgotPassword: boolean;
}

/**
 * Reads and validates the trigger's environment. Throws {@link ConfigError} naming every bad or
 * missing variable.
 *
 * @example
 * const config = loadTriggerConfig(); // process.env
 */
export function loadTriggerConfig(env: Environment = process.env): TriggerConfig {
  const e = parseEnv(TriggerEnv, env, 'trigger', SOURCE_REGION_FALLBACK);
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion: e.SOURCE_REGION!,
    syncQueueUrl: e.SYNC_QUEUE_URL,
    sqsEndpoint: e.SQS_ENDPOINT,
    sendBudgetMs: e.TRIGGER_SEND_BUDGET_MS,
    replicateForgotPassword: e.REPLICATE_FORGOT_PASSWORD,
  };
}
