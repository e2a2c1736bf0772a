import { z } from 'zod';
import { bucketName, quotaFields, region, SOURCE_REGION_FALLBACK, sourcePoolFields, url } from './fields';
import { type Environment, parseEnv } from './parse';

/** The default prefix of the backups in their bucket (objects go under `<prefix>/<poolId>/`). */
export const DEFAULT_BACKUP_PREFIX = 'cognito-backup';

/** A backup prefix: a relative S3 key prefix, no leading slash, no `..`. */
export const backupPrefix = z
  .string()
  .regex(/^(?!\/)(?!.*\.\.)[\w!\-.*'()/]{1,512}$/, 'expected an S3 key prefix like cognito-backup (no leading /)');

/** The scheduled snapshot's and verify's environment (one schema: both read the same pool and bucket). */
export const BackupEnv = z.object({
  ...sourcePoolFields,
  ...quotaFields,
  BACKUP_BUCKET: bucketName,
  BACKUP_PREFIX: backupPrefix.default(DEFAULT_BACKUP_PREFIX),
  /** The bucket's Region when it is not the function's (a backup account elsewhere). */
  BACKUP_REGION: region.optional(),
  S3_ENDPOINT: url.optional(),
  /** Set by Lambda: the snapshot function continues a long snapshot by invoking itself. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

/** The scheduled snapshot's and verify's configuration. */
export interface BackupConfig {
  sourcePoolId: string;
  sourceRegion: string;
  sourceEndpoint?: string;
  quotaHeadroom: number;
  bucket: string;
  prefix: string;
  bucketRegion: string;
  s3Endpoint?: string;
  /** The function's own name (the snapshot continues itself); absent outside Lambda. */
  functionName?: string;
}

/**
 * Reads and validates the backup functions' environment. Throws {@link ConfigError} naming every
 * bad or missing variable.
 *
 * @example
 * const config = loadBackupConfig(); // process.env
 */
export function loadBackupConfig(env: Environment = process.env): BackupConfig {
  const e = parseEnv(BackupEnv, env, 'backup', SOURCE_REGION_FALLBACK);
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion: e.SOURCE_REGION!,
    sourceEndpoint: e.SOURCE_ENDPOINT,
    quotaHeadroom: e.QUOTA_HEADROOM,
    bucket: e.BACKUP_BUCKET,
    prefix: e.BACKUP_PREFIX,
    bucketRegion: e.BACKUP_REGION ?? e.SOURCE_REGION!,
    s3Endpoint: e.S3_ENDPOINT,
    functionName: e.AWS_LAMBDA_FUNCTION_NAME,
  };
}
