import { DEFAULT_SOURCE_SUB_ATTRIBUTE, DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_QUOTA_HEADROOM } from '../core/constants';
import { z } from 'zod';
import { ConfigError } from '../core/errors';

/** Setting types shared by every configuration of the suite (Lambda environments). */
export const poolId = z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'expected a user pool id like us-east-1_AbCdEf123');
export const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS Region like us-east-1');
export const url = z.url('expected a URL');
export const bool = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');
export const customAttribute = z
  .string()
  .regex(/^custom:[\w.-]{1,20}$/, 'expected a custom attribute name like custom:source_sub');
export const roleArn = z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN');
export const jsonMap = z.string().transform((s, ctx) => {
  try {
    const value = JSON.parse(s) as unknown;
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string')
    ) {
      return value as Record<string, string>;
    }
  } catch {
    /* reported below */
  }
  ctx.addIssue({
    code: 'custom',
    message: 'expected a JSON object of strings, e.g. {"arn:...:role/a":"arn:...:role/b"}',
  });
  return z.NEVER;
});

const common = {
  SOURCE_POOL_ID: poolId,
  SOURCE_REGION: region.optional(),
  AWS_REGION: region.optional(),
  SQS_ENDPOINT: url.optional(),
};

const TriggerEnv = z.object({
  ...common,
  SYNC_QUEUE_URL: url,
  TRIGGER_SEND_BUDGET_MS: z.coerce.number().int().min(100).max(4000).default(1500),
  REPLICATE_FORGOT_PASSWORD: bool.default(false),
});

const WorkerEnv = z.object({
  ...common,
  STANDBY_POOL_ID: poolId,
  STANDBY_REGION: region,
  SYNC_QUEUE_URL: url,
  DLQ_URL: url,
  SOURCE_SUB_ATTRIBUTE: customAttribute.default(DEFAULT_SOURCE_SUB_ATTRIBUTE),
  MFA_MARKER_ATTRIBUTE: customAttribute.default(DEFAULT_MFA_MARKER_ATTRIBUTE),
  GROUP_ROLE_MAP: jsonMap.optional(),
  QUOTA_HEADROOM: z.coerce.number().min(0).max(0.95).default(DEFAULT_QUOTA_HEADROOM),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(30),
  WORKER_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(1),
  LINK_FEDERATED_USERS: bool.default(false),
  SOURCE_ENDPOINT: url.optional(),
  STANDBY_ENDPOINT: url.optional(),
  STANDBY_ROLE_ARN: roleArn.optional(),
});

/** The trigger's configuration. */
export interface TriggerConfig {
  sourcePoolId: string;
  sourceRegion: string;
  syncQueueUrl: string;
  sqsEndpoint?: string;
  sendBudgetMs: number;
  replicateForgotPassword: boolean;
}

/** The worker's configuration. */
export interface WorkerConfig {
  sourcePoolId: string;
  sourceRegion: string;
  standbyPoolId: string;
  standbyRegion: string;
  syncQueueUrl: string;
  dlqUrl: string;
  sqsEndpoint?: string;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  groupRoleMap?: Record<string, string>;
  quotaHeadroom: number;
  maxAttempts: number;
  /** Worker instances that may run at once: each paces itself to its share of the quotas. */
  maxConcurrency: number;
  linkFederatedUsers: boolean;
  sourceEndpoint?: string;
  standbyEndpoint?: string;
  standbyRoleArn?: string;
}

/** Validates an environment against a schema; the error names every bad or missing variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    // A missing variable is reported as such, whatever message its schema gives for a bad value.
    const missing = (i: z.core.$ZodIssue) => i.path.length === 1 && cleaned[String(i.path[0])] === undefined;
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${missing(i) ? 'is not set' : i.message}`);
    throw new ConfigError(`${what} configuration is invalid: ${problems.join('; ')}`);
  }
  return result.data;
}

function sourceRegionOf(e: { SOURCE_REGION?: string; AWS_REGION?: string }, what: string): string {
  const r = e.SOURCE_REGION ?? e.AWS_REGION;
  if (!r) throw new ConfigError(`${what} configuration is invalid: SOURCE_REGION: is not set (nor AWS_REGION)`);
  return r;
}

/** Reads and validates the trigger's environment. Throws {@link ConfigError}. */
export function loadTriggerConfig(env: Record<string, string | undefined> = process.env): TriggerConfig {
  const e = parseEnv(TriggerEnv, env, 'trigger');
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion: sourceRegionOf(e, 'trigger'),
    syncQueueUrl: e.SYNC_QUEUE_URL,
    sqsEndpoint: e.SQS_ENDPOINT,
    sendBudgetMs: e.TRIGGER_SEND_BUDGET_MS,
    replicateForgotPassword: e.REPLICATE_FORGOT_PASSWORD,
  };
}

/** Reads and validates the worker's environment. Throws {@link ConfigError}. */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const e = parseEnv(WorkerEnv, env, 'worker');
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion: sourceRegionOf(e, 'worker'),
    standbyPoolId: e.STANDBY_POOL_ID,
    standbyRegion: e.STANDBY_REGION,
    syncQueueUrl: e.SYNC_QUEUE_URL,
    dlqUrl: e.DLQ_URL,
    sqsEndpoint: e.SQS_ENDPOINT,
    sourceSubAttribute: e.SOURCE_SUB_ATTRIBUTE,
    mfaMarkerAttribute: e.MFA_MARKER_ATTRIBUTE,
    groupRoleMap: e.GROUP_ROLE_MAP,
    quotaHeadroom: e.QUOTA_HEADROOM,
    maxAttempts: e.MAX_ATTEMPTS,
    maxConcurrency: e.WORKER_MAX_CONCURRENCY,
    linkFederatedUsers: e.LINK_FEDERATED_USERS,
    sourceEndpoint: e.SOURCE_ENDPOINT,
    standbyEndpoint: e.STANDBY_ENDPOINT,
    standbyRoleArn: e.STANDBY_ROLE_ARN,
  };
}
