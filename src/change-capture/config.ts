/**
 * Change-capture settings of the worker, from its environment:
 *
 * | variable | meaning |
 * |---|---|
 * | `ECHO_ROLE_ARNS` | comma-separated role ARNs whose changes are replication echoes (the peer's worker and reconciler) |
 * | `REPLICA_INDEX_TABLE` | DynamoDB table of the replica index (source sub -> standby username); none: deletions are left to the reconciler |
 * | `DYNAMODB_ENDPOINT` | endpoint override (local emulator) |
 * @packageDocumentation
 */
import { ConfigError } from '../core/errors';

/** The worker's change-capture settings. */
export interface ChangeCaptureConfig {
  echoRoleArns: string[];
  replicaIndexTable?: string;
  dynamodbEndpoint?: string;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const TABLE = /^[\w.-]{3,255}$/;

/** Reads and checks the change-capture variables. Throws {@link ConfigError} naming the bad one. */
export function loadChangeCaptureConfig(env: Record<string, string | undefined> = process.env): ChangeCaptureConfig {
  const echoRoleArns = (env.ECHO_ROLE_ARNS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const arn of echoRoleArns) {
    if (!ROLE_ARN.test(arn))
      throw new ConfigError(`worker configuration is invalid: ECHO_ROLE_ARNS: "${arn}" is not an IAM role ARN`);
  }
  const table = env.REPLICA_INDEX_TABLE?.trim() || undefined;
  if (table && !TABLE.test(table))
    throw new ConfigError(
      `worker configuration is invalid: REPLICA_INDEX_TABLE: "${table}" is not a DynamoDB table name`,
    );
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint))
    throw new ConfigError('worker configuration is invalid: DYNAMODB_ENDPOINT: expected a URL');
  return { echoRoleArns, replicaIndexTable: table, dynamodbEndpoint: endpoint };
}
