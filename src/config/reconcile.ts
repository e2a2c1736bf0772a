import { z } from 'zod';
import {
  bool,
  bucketName,
  functionArn,
  quotaFields,
  replicaFields,
  type ReplicationSettings,
  replicationSettings,
  replicaIndexFields,
  roleArn,
  SOURCE_REGION_FALLBACK,
  sourcePoolFields,
  standbyPoolFields,
  url,
  wholeNumber,
} from './fields';
import { type Environment, parseEnv } from './parse';

/** The scheduled reconcile function's environment. */
export const ReconcileEnv = z.object({
  ...sourcePoolFields,
  ...standbyPoolFields,
  ...replicaFields,
  ...quotaFields,
  RECONCILE_MODE: z.enum(['dry-run', 'apply'], { error: 'expected dry-run or apply' }).default('dry-run'),
  RECONCILE_DEEP: bool.default(false),
  RECONCILE_DELETE_ORPHANS: bool.default(false),
  RECONCILE_MAX_DELETES: wholeNumber(0).default(10),
  RECONCILE_IMPORT_THRESHOLD: wholeNumber(1).default(1000),
  STATE_BUCKET: bucketName,
  IMPORT_LOGS_ROLE_ARN: roleArn.optional(),
  TRIGGER_FUNCTION_ARN: functionArn.optional(),
  ...replicaIndexFields,
  S3_ENDPOINT: url.optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  // The queue observation on the readiness page (docs/REPORT.md): where the worker's metrics and the queues are.
  SYNC_QUEUE_NAME: z.string().min(1).optional(),
  DLQ_NAME: z.string().min(1).optional(),
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1).default('CognitoStandbySync'),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('cognito-standby-sync'),
});

/** The scheduled reconcile function's configuration. */
export interface ReconcileConfig extends ReplicationSettings {
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
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  functionName?: string;
  /** Set (the queue names are configured): the page gets a queue observation read from CloudWatch. */
  queueMetrics?: { namespace: string; service: string; syncQueueName?: string; dlqName?: string };
}

/**
 * Reads and validates the reconcile function's environment. Throws {@link ConfigError} naming
 * every bad or missing variable.
 *
 * @example
 * const config = loadReconcileConfig(); // process.env
 * const { source, target } = reconcileGateways(config);
 */
export function loadReconcileConfig(env: Environment = process.env): ReconcileConfig {
  const e = parseEnv(ReconcileEnv, env, 'reconcile', SOURCE_REGION_FALLBACK);
  return {
    ...replicationSettings(e),
    apply: e.RECONCILE_MODE === 'apply',
    deep: e.RECONCILE_DEEP,
    deleteOrphans: e.RECONCILE_DELETE_ORPHANS,
    maxDeletes: e.RECONCILE_MAX_DELETES,
    importThreshold: e.RECONCILE_IMPORT_THRESHOLD,
    stateBucket: e.STATE_BUCKET,
    importLogsRoleArn: e.IMPORT_LOGS_ROLE_ARN,
    triggerFunctionArn: e.TRIGGER_FUNCTION_ARN,
    replicaIndexTable: e.REPLICA_INDEX_TABLE,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    s3Endpoint: e.S3_ENDPOINT,
    functionName: e.AWS_LAMBDA_FUNCTION_NAME,
    queueMetrics:
      e.SYNC_QUEUE_NAME || e.DLQ_NAME
        ? {
            namespace: e.POWERTOOLS_METRICS_NAMESPACE,
            service: e.POWERTOOLS_SERVICE_NAME,
            syncQueueName: e.SYNC_QUEUE_NAME,
            dlqName: e.DLQ_NAME,
          }
        : undefined,
  };
}
