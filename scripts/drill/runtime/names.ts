/**
 * Names of the local "deployments", as serverless.yml would name them in each Region
 * (service `cognito-standby-sync`, stage `drill`), and the dummy access keys each function signs
 * with, so that the local CloudTrail stand-in can tell who made a call (the echo filter).
 * @packageDocumentation
 */
import {
  type FunctionKind,
  type LocalNames,
  localAccessKey,
  localCredentials,
  localFunctionName,
  localRoleArn,
} from '../../local/deployment';

export const SERVICE = 'cognito-standby-sync';
export const STAGE = 'drill';
export const ACCOUNT_ID = '000000000000';

/** The two sides of the drill. */
export type Side = 'primary' | 'standby';
export const SIDES: readonly Side[] = ['primary', 'standby'];
export const other = (side: Side): Side => (side === 'primary' ? 'standby' : 'primary');

/** The drill's names, as the local deployment derives roles, keys and function names from them. */
export const DRILL_NAMES: LocalNames = { service: SERVICE, stage: STAGE, accountId: ACCOUNT_ID };

export type { FunctionKind };

/** `cognito-standby-sync-drill-trigger`: the same name in every Region, as serverless names it. */
export function functionName(kind: FunctionKind): string {
  return localFunctionName(kind, DRILL_NAMES);
}

export function functionArn(region: string, kind: FunctionKind): string {
  return `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName(kind)}`;
}

/** The function's role: serverless.yml names roles `<service>-<stage>-<region>-<function>`. */
export function roleArn(region: string, kind: FunctionKind): string {
  return localRoleArn(region, kind, DRILL_NAMES);
}

/** The dummy access key a function's requests are signed with (what the role's session would use). */
export function accessKeyId(region: string, kind: FunctionKind): string {
  return localAccessKey(region, kind, DRILL_NAMES);
}

export function credentialsOf(region: string, kind: FunctionKind): { accessKeyId: string; secretAccessKey: string } {
  return localCredentials(region, kind, DRILL_NAMES);
}

/** The operator (doctor, failover, the drill's own admin calls): signed as an IAM user. */
export const OPERATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const SYNC_QUEUE = `${SERVICE}-${STAGE}-sync`;
export const REPLICA_INDEX_TABLE = `${SERVICE}-${STAGE}-replica-index`;
