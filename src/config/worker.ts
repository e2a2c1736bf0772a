import { z } from 'zod';
import { changeCaptureFields } from './change-capture';
import {
  quotaFields,
  replicaFields,
  type ReplicationSettings,
  replicationSettings,
  SOURCE_REGION_FALLBACK,
  sourcePoolFields,
  standbyPoolFields,
  url,
  wholeNumber,
} from './fields';
import { type Environment, parseEnv } from './parse';

/** The sync worker's environment, change capture included (every problem is named at once). */
export const WorkerEnv = z.object({
  ...sourcePoolFields,
  ...standbyPoolFields,
  ...replicaFields,
  ...quotaFields,
  SYNC_QUEUE_URL: url,
  DLQ_URL: url,
  SQS_ENDPOINT: url.optional(),
  MAX_ATTEMPTS: wholeNumber(1, 1000).default(30),
  WORKER_MAX_CONCURRENCY: wholeNumber(1, 1000).default(1),
  ...changeCaptureFields,
});

/** The worker's configuration (its change-capture settings: {@link loadChangeCaptureConfig}). */
export interface WorkerConfig extends ReplicationSettings {
  syncQueueUrl: string;
  dlqUrl: string;
  sqsEndpoint?: string;
  maxAttempts: number;
  /** Worker instances that may run at once: each paces itself to its share of the quotas. */
  maxConcurrency: number;
}

/**
 * Reads and validates the worker's environment (change-capture variables included). Throws
 * {@link ConfigError} naming every bad or missing variable.
 *
 * @example
 * const config = loadWorkerConfig(); // process.env
 * const replication = replicationContext(config);
 */
export function loadWorkerConfig(env: Environment = process.env): WorkerConfig {
  const e = parseEnv(WorkerEnv, env, 'worker', SOURCE_REGION_FALLBACK);
  return {
    ...replicationSettings(e),
    syncQueueUrl: e.SYNC_QUEUE_URL,
    dlqUrl: e.DLQ_URL,
    sqsEndpoint: e.SQS_ENDPOINT,
    maxAttempts: e.MAX_ATTEMPTS,
    maxConcurrency: e.WORKER_MAX_CONCURRENCY,
  };
}
