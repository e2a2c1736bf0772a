import { z } from 'zod';
import { bucketName, quotaFields, SOURCE_REGION_FALLBACK, sourcePoolFields, tableName, url } from './fields';
import { type Environment, parseEnv } from './parse';

/**
 * The failover function's environment. It runs in the standby Region's deployment and works on
 * that deployment's own pool (`SOURCE_POOL_ID`, the "local" pool of every function: in the
 * standby Region, the standby pool), its failover table and its state bucket. Nothing in it names
 * the other Region.
 */
export const FailoverEnv = z.object({
  ...sourcePoolFields,
  ...quotaFields,
  FAILOVER_TABLE: tableName,
  STATE_BUCKET: bucketName,
  DYNAMODB_ENDPOINT: url.optional(),
  S3_ENDPOINT: url.optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

/** The failover function's configuration. */
export interface FailoverConfig {
  /** The standby pool (this deployment's own). */
  poolId: string;
  region: string;
  /** Cognito endpoint override (emulator). */
  endpoint?: string;
  /** Default headroom of the job's quotas (a job started with its own keeps it). */
  headroom: number;
  /** The job's state and the send journal (`job#<poolId>`, `<poolId>#<sub>`). */
  table: string;
  /** The manifest's parts go under `failover/<poolId>/<jobId>/` of this bucket. */
  stateBucket: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** This function, which invokes itself to continue a job. */
  functionName?: string;
}

/**
 * Reads and validates the failover function's environment. Throws {@link ConfigError} naming
 * every bad or missing variable.
 *
 * @example
 * const config = loadFailoverConfig(); // process.env
 * const store = new DynamoJobStore(new DynamoDBClient({ region: config.region }), config.table);
 */
export function loadFailoverConfig(env: Environment = process.env): FailoverConfig {
  const e = parseEnv(FailoverEnv, env, 'failover', SOURCE_REGION_FALLBACK);
  return {
    poolId: e.SOURCE_POOL_ID,
    region: e.SOURCE_REGION!,
    endpoint: e.SOURCE_ENDPOINT,
    headroom: e.QUOTA_HEADROOM,
    table: e.FAILOVER_TABLE,
    stateBucket: e.STATE_BUCKET,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    s3Endpoint: e.S3_ENDPOINT,
    functionName: e.AWS_LAMBDA_FUNCTION_NAME,
  };
}
