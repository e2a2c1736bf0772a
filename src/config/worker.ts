import { z } from 'zod';
import { backupPrefix, DEFAULT_BACKUP_PREFIX } from './backup';
import { changeCaptureFields } from './change-capture';
import {
  bucketName,
  quotaFields,
  region,
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
  /** Backup journal: the bucket; unset, the worker keeps no journal. */
  BACKUP_BUCKET: bucketName.optional(),
  /** Backup journal: the key prefix, the snapshot's field, so both land under `<prefix>/<poolId>/`. */
  BACKUP_PREFIX: backupPrefix.default(DEFAULT_BACKUP_PREFIX),
  /** Backup journal: the bucket's Region when it is not the source pool's. */
  BACKUP_REGION: region.optional(),
  /** Backup journal: S3 endpoint override (VPC endpoint, local emulator). */
  S3_ENDPOINT: url.optional(),
});

/** Where the worker's backup journal goes. */
export interface BackupJournalSettings {
  bucket: string;
  /** Key prefix (default {@link DEFAULT_BACKUP_PREFIX}). */
  prefix: string;
  region: string;
  s3Endpoint?: string;
}

/** The worker's configuration (its change-capture settings: {@link loadChangeCaptureConfig}). */
export interface WorkerConfig extends ReplicationSettings {
  syncQueueUrl: string;
  dlqUrl: string;
  sqsEndpoint?: string;
  maxAttempts: number;
  /** Worker instances that may run at once: each paces itself to its share of the quotas. */
  maxConcurrency: number;
  /** The backup journal; none when `BACKUP_BUCKET` is not set. */
  backup?: BackupJournalSettings;
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
  const replication = replicationSettings(e);
  return {
    ...replication,
    syncQueueUrl: e.SYNC_QUEUE_URL,
    dlqUrl: e.DLQ_URL,
    sqsEndpoint: e.SQS_ENDPOINT,
    maxAttempts: e.MAX_ATTEMPTS,
    maxConcurrency: e.WORKER_MAX_CONCURRENCY,
    ...(e.BACKUP_BUCKET
      ? {
          backup: {
            bucket: e.BACKUP_BUCKET,
            prefix: e.BACKUP_PREFIX,
            region: e.BACKUP_REGION ?? replication.sourceRegion,
            s3Endpoint: e.S3_ENDPOINT,
          },
        }
      : {}),
  };
}
