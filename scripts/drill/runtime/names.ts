/**
 * Names of the local "deployments", as serverless.yml would name them in each Region
 * (service `cognito-standby-sync`, stage `drill`), and the dummy access keys each function signs
 * with, so that the local CloudTrail stand-in can tell who made a call (the echo filter).
 * @packageDocumentation
 */
export const SERVICE = 'cognito-standby-sync';
export const STAGE = 'drill';
export const ACCOUNT_ID = '000000000000';

/** The two sides of the drill. */
export type Side = 'primary' | 'standby';
export const SIDES: readonly Side[] = ['primary', 'standby'];
export const other = (side: Side): Side => (side === 'primary' ? 'standby' : 'primary');

/** The functions of one deployment (each has its own IAM role in serverless.yml). */
export type FunctionKind = 'trigger' | 'worker' | 'reconcile';

/** `cognito-standby-sync-drill-trigger`: the same name in every Region, as serverless names it. */
export function functionName(kind: FunctionKind): string {
  return `${SERVICE}-${STAGE}-${kind}`;
}

export function functionArn(region: string, kind: FunctionKind): string {
  return `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName(kind)}`;
}

/** The function's role: serverless.yml names roles `<service>-<stage>-<region>-<function>`. */
export function roleArn(region: string, kind: FunctionKind): string {
  return `arn:aws:iam::${ACCOUNT_ID}:role/${SERVICE}-${STAGE}-${region}-${kind}`;
}

/** The dummy access key a function's requests are signed with (what the role's session would use). */
export function accessKeyId(region: string, kind: FunctionKind): string {
  return `DRILL-${region}-${kind}`.toUpperCase();
}

export function credentialsOf(region: string, kind: FunctionKind): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: accessKeyId(region, kind), secretAccessKey: 'local' };
}

/** The operator (doctor, failover, the drill's own admin calls): signed as an IAM user. */
export const OPERATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const SYNC_QUEUE = `${SERVICE}-${STAGE}-sync`;
export const REPLICA_INDEX_TABLE = `${SERVICE}-${STAGE}-replica-index`;
