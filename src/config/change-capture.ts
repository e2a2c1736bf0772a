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
import { z } from 'zod';
import { replicaIndexFields, roleArnList } from './fields';
import { type Environment, parseEnv } from './parse';

/** The change-capture variables (part of the worker's environment). */
export const changeCaptureFields = {
  ECHO_ROLE_ARNS: roleArnList.optional(),
  ...replicaIndexFields,
};

/** The change-capture part of the worker's environment, alone. */
export const ChangeCaptureEnv = z.object(changeCaptureFields);

/** The worker's change-capture settings. */
export interface ChangeCaptureConfig {
  echoRoleArns: string[];
  replicaIndexTable?: string;
  dynamodbEndpoint?: string;
}

/** Reads and checks the change-capture variables. Throws {@link ConfigError} naming the bad one. */
export function loadChangeCaptureConfig(env: Environment = process.env): ChangeCaptureConfig {
  return changeCaptureConfigOf(parseEnv(ChangeCaptureEnv, env, 'worker'));
}

/** The settings from a validated environment (the worker's, or the change-capture part alone). */
export function changeCaptureConfigOf(e: z.infer<typeof ChangeCaptureEnv>): ChangeCaptureConfig {
  return {
    echoRoleArns: e.ECHO_ROLE_ARNS ?? [],
    replicaIndexTable: e.REPLICA_INDEX_TABLE,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
  };
}
