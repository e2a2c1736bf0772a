import { DEFAULT_SOURCE_SUB_ATTRIBUTE, DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_QUOTA_HEADROOM } from '../core/constants';
import { z } from 'zod';
import { bool, customAttribute, jsonMap, parseEnv, poolId, region, roleArn, url } from '../config/env';
import { ConfigError } from '../core/errors';

const ReconcileEnv = z.object({
  SOURCE_POOL_ID: poolId,
  SOURCE_REGION: region.optional(),
  AWS_REGION: region.optional(),
  STANDBY_POOL_ID: poolId,
  STANDBY_REGION: region,
  STANDBY_ROLE_ARN: roleArn.optional(),
  SOURCE_SUB_ATTRIBUTE: customAttribute.default(DEFAULT_SOURCE_SUB_ATTRIBUTE),
  MFA_MARKER_ATTRIBUTE: customAttribute.default(DEFAULT_MFA_MARKER_ATTRIBUTE),
  GROUP_ROLE_MAP: jsonMap.optional(),
  QUOTA_HEADROOM: z.coerce.number().min(0).max(0.95).default(DEFAULT_QUOTA_HEADROOM),
  LINK_FEDERATED_USERS: bool.default(false),
  RECONCILE_MODE: z.enum(['dry-run', 'apply']).default('dry-run'),
  RECONCILE_DEEP: bool.default(false),
  RECONCILE_DELETE_ORPHANS: bool.default(false),
  RECONCILE_MAX_DELETES: z.coerce.number().int().min(0).default(10),
  RECONCILE_IMPORT_THRESHOLD: z.coerce.number().int().min(1).default(1000),
  STATE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
  IMPORT_LOGS_ROLE_ARN: roleArn.optional(),
  TRIGGER_FUNCTION_ARN: z.string().optional(),
  REPLICA_INDEX_TABLE: z.string().min(3).optional(),
  SOURCE_ENDPOINT: url.optional(),
  STANDBY_ENDPOINT: url.optional(),
  S3_ENDPOINT: url.optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

/** The scheduled reconcile function's configuration. */
export interface ReconcileConfig {
  sourcePoolId: string;
  sourceRegion: string;
  standbyPoolId: string;
  standbyRegion: string;
  standbyRoleArn?: string;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  groupRoleMap?: Record<string, string>;
  quotaHeadroom: number;
  linkFederatedUsers: boolean;
  apply: boolean;
  deep: boolean;
  deleteOrphans: boolean;
  maxDeletes: number;
  importThreshold: number;
  stateBucket: string;
  /** Set: large backfills use an import job (Cognito writes its log with this role). */
  importLogsRoleArn?: string;
  triggerFunctionArn?: string;
  /** The change-capture replica index table (kept in step in apply mode). */
  replicaIndexTable?: string;
  sourceEndpoint?: string;
  standbyEndpoint?: string;
  s3Endpoint?: string;
  functionName?: string;
}

/** Reads and validates the reconcile function's environment. Throws {@link ConfigError}. */
export function loadReconcileConfig(env: Record<string, string | undefined> = process.env): ReconcileConfig {
  const e = parseEnv(ReconcileEnv, env, 'reconcile');
  const sourceRegion = e.SOURCE_REGION ?? e.AWS_REGION;
  if (!sourceRegion)
    throw new ConfigError('reconcile configuration is invalid: SOURCE_REGION: is not set (nor AWS_REGION)');
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion,
    standbyPoolId: e.STANDBY_POOL_ID,
    standbyRegion: e.STANDBY_REGION,
    standbyRoleArn: e.STANDBY_ROLE_ARN,
    sourceSubAttribute: e.SOURCE_SUB_ATTRIBUTE,
    mfaMarkerAttribute: e.MFA_MARKER_ATTRIBUTE,
    groupRoleMap: e.GROUP_ROLE_MAP,
    quotaHeadroom: e.QUOTA_HEADROOM,
    linkFederatedUsers: e.LINK_FEDERATED_USERS,
    apply: e.RECONCILE_MODE === 'apply',
    deep: e.RECONCILE_DEEP,
    deleteOrphans: e.RECONCILE_DELETE_ORPHANS,
    maxDeletes: e.RECONCILE_MAX_DELETES,
    importThreshold: e.RECONCILE_IMPORT_THRESHOLD,
    stateBucket: e.STATE_BUCKET,
    importLogsRoleArn: e.IMPORT_LOGS_ROLE_ARN,
    triggerFunctionArn: e.TRIGGER_FUNCTION_ARN,
    replicaIndexTable: e.REPLICA_INDEX_TABLE,
    sourceEndpoint: e.SOURCE_ENDPOINT,
    standbyEndpoint: e.STANDBY_ENDPOINT,
    s3Endpoint: e.S3_ENDPOINT,
    functionName: e.AWS_LAMBDA_FUNCTION_NAME,
  };
}
