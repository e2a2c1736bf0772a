/**
 * The settings of the suite, each defined once: its rule and the message that says what is
 * expected. Every function's environment schema (`trigger.ts`, `worker.ts`, `reconcile.ts`,
 * `change-capture.ts`) and every CLI flag parser (`scripts/cli/common.ts`) is built from these,
 * so a setting accepted in one place is accepted in every other.
 * @packageDocumentation
 */
import { z } from 'zod';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../cognito/quotas';
import { DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_QUOTA_HEADROOM, DEFAULT_SOURCE_SUB_ATTRIBUTE } from '../core/constants';
import { ConfigError } from '../core/errors';

// ----------------------------------------------------------------------------- rules

/**
 * An IAM role ARN: partition, 12-digit account, `role/`, an optional path and the role name (IAM
 * allows `\w+=,.@-` in names). The same rule as the deployment's parameter check (deploy/params.js).
 */
export const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** An AWS Region name (us-east-1, eu-central-2, us-gov-west-1). */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** A Cognito user pool id: `<region>_<id>`. */
export const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
/** A custom attribute name with its prefix (Cognito allows 1 to 20 characters after `custom:`). */
export const CUSTOM_ATTRIBUTE = /^custom:[\w.-]{1,20}$/;
/** A DynamoDB table name. */
export const TABLE_NAME = /^[\w.-]{3,255}$/;
/** A Lambda function ARN (optionally with a version or alias). */
export const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
/** An S3 bucket name. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Largest quota headroom: a reserve of more than 95% leaves the suite too slow to be useful. */
export const MAX_QUOTA_HEADROOM = 0.95;

// ----------------------------------------------------------------------------- field types

/** A user pool id. */
export const poolId = z.string().regex(POOL_ID, 'expected a user pool id like us-east-1_AbCdEf123');
/** An AWS Region. */
export const region = z.string().regex(REGION, 'expected an AWS Region like us-east-1');
/** An http(s) URL: a queue URL or an endpoint override (VPC endpoint, local emulator). */
export const url = z.url({
  protocol: /^https?$/,
  error: 'expected a URL like https://sqs.us-east-1.amazonaws.com/123456789012/queue or http://127.0.0.1:9229',
});
/** A switch: `true`/`false`/`1`/`0`. */
export const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** A custom attribute name. */
export const customAttribute = z
  .string()
  .regex(
    CUSTOM_ATTRIBUTE,
    'expected a custom attribute name like custom:source_sub (1 to 20 characters after custom:)',
  );
/** An IAM role ARN (the one rule: {@link ROLE_ARN}). */
export const roleArn = z.string().regex(ROLE_ARN, 'expected an IAM role ARN like arn:aws:iam::123456789012:role/name');
/** A Lambda function ARN (the trigger). */
export const functionArn = z
  .string()
  .regex(FUNCTION_ARN, 'expected a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:name');
/** Comma-separated IAM role ARNs (blanks ignored); each one must be a role ARN. */
export const roleArnList = z.string().transform((s, ctx) => {
  const arns = s
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const arn of arns) {
    if (!ROLE_ARN.test(arn))
      ctx.addIssue({
        code: 'custom',
        message: `"${arn}" is not an IAM role ARN (expected comma-separated ARNs like arn:aws:iam::123456789012:role/name)`,
      });
  }
  return arns;
});
/** A DynamoDB table name. */
export const tableName = z.string().regex(TABLE_NAME, 'expected a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ . -)');
/** An S3 bucket name. */
export const bucketName = z.string().regex(BUCKET_NAME, 'expected an S3 bucket name');
/** A JSON object whose values are strings (the group role map). */
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

/** A whole number from `min` to `max` (from its text). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const message = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  return z.coerce
    .number({ error: `expected a whole number ${message}` })
    .int({ error: `expected a whole number ${message}` })
    .min(min, { error: `expected a whole number ${message}` })
    .max(max, { error: `expected a whole number ${message}` });
}

/** The share of every Cognito quota left to live traffic, 0 to {@link MAX_QUOTA_HEADROOM}. */
export const quotaHeadroom = z.coerce
  .number({ error: `expected a fraction from 0 to ${MAX_QUOTA_HEADROOM}` })
  .min(0, { error: `expected a fraction from 0 to ${MAX_QUOTA_HEADROOM}` })
  .max(MAX_QUOTA_HEADROOM, { error: `expected a fraction from 0 to ${MAX_QUOTA_HEADROOM}` });

// ----------------------------------------------------------------------------- field groups

/**
 * The source pool: the deployment's own, the one its trigger is attached to (the primary in the
 * primary Region, the standby in the standby Region). `SOURCE_REGION` falls back to the
 * function's `AWS_REGION` (see {@link SOURCE_REGION_FALLBACK}).
 */
export const sourcePoolFields = {
  SOURCE_POOL_ID: poolId,
  SOURCE_REGION: region.optional(),
  AWS_REGION: region.optional(),
  SOURCE_ENDPOINT: url.optional(),
};

/** `SOURCE_REGION` unset: the function's own Region. */
export const SOURCE_REGION_FALLBACK = { SOURCE_REGION: 'AWS_REGION' } as const;

/**
 * The target pool: the deployment's peer, replicated to. Named `STANDBY_*` since the first
 * deployment; in the standby Region's deployment it is the primary. With the role assumed to
 * write it from another account.
 */
export const standbyPoolFields = {
  STANDBY_POOL_ID: poolId,
  STANDBY_REGION: region,
  STANDBY_ENDPOINT: url.optional(),
  STANDBY_ROLE_ARN: roleArn.optional(),
};

/** How a replica is written: its marker attributes, the group role map, federated users. */
export const replicaFields = {
  SOURCE_SUB_ATTRIBUTE: customAttribute.default(DEFAULT_SOURCE_SUB_ATTRIBUTE),
  MFA_MARKER_ATTRIBUTE: customAttribute.default(DEFAULT_MFA_MARKER_ATTRIBUTE),
  GROUP_ROLE_MAP: jsonMap.optional(),
  LINK_FEDERATED_USERS: bool.default(false),
};

/** The quota budget of the function's Cognito calls. */
export const quotaFields = {
  QUOTA_HEADROOM: quotaHeadroom.default(DEFAULT_QUOTA_HEADROOM),
};

/**
 * The configuration a replicating function (the worker, the reconcile function) shares: its source
 * pool, its target (named `standby*`: the deployment's peer, see docs/DESIGN.md "Vocabulary"), how
 * replicas are written, and its quota headroom.
 */
export interface ReplicationSettings {
  sourcePoolId: string;
  sourceRegion: string;
  sourceEndpoint?: string;
  standbyPoolId: string;
  standbyRegion: string;
  standbyEndpoint?: string;
  /** The role assumed to write the target from another account. */
  standbyRoleArn?: string;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  groupRoleMap?: Record<string, string>;
  linkFederatedUsers: boolean;
  quotaHeadroom: number;
}

/** The field groups every replicating function reads (source, target, replica, quota), validated. */
const replicationEnv = z.object({ ...sourcePoolFields, ...standbyPoolFields, ...replicaFields, ...quotaFields });

/**
 * The configuration fields of {@link sourcePoolFields}, {@link standbyPoolFields},
 * {@link replicaFields} and {@link quotaFields}, from a parsed environment: the part the worker's
 * and the reconcile function's configurations share. `SOURCE_REGION` has had its fallback applied.
 */
export function replicationSettings(e: z.output<typeof replicationEnv>): ReplicationSettings {
  return {
    sourcePoolId: e.SOURCE_POOL_ID,
    sourceRegion: e.SOURCE_REGION!,
    sourceEndpoint: e.SOURCE_ENDPOINT,
    standbyPoolId: e.STANDBY_POOL_ID,
    standbyRegion: e.STANDBY_REGION,
    standbyEndpoint: e.STANDBY_ENDPOINT,
    standbyRoleArn: e.STANDBY_ROLE_ARN,
    sourceSubAttribute: e.SOURCE_SUB_ATTRIBUTE,
    mfaMarkerAttribute: e.MFA_MARKER_ATTRIBUTE,
    groupRoleMap: e.GROUP_ROLE_MAP,
    linkFederatedUsers: e.LINK_FEDERATED_USERS,
    quotaHeadroom: e.QUOTA_HEADROOM,
  };
}

/** The replica index of change capture (DynamoDB), and its endpoint override. */
export const replicaIndexFields = {
  REPLICA_INDEX_TABLE: tableName.optional(),
  DYNAMODB_ENDPOINT: url.optional(),
};

// ----------------------------------------------------------------------------- quotas (CLI)

/**
 * Parses `Category=rps` (the repeatable `--quota` flag) into `into`. Throws {@link ConfigError}
 * naming the flag and what it expects.
 */
export function parseQuota(
  text: string,
  into: Partial<Record<QuotaCategory, number>> = {},
): Partial<Record<QuotaCategory, number>> {
  const m = /^\s*([A-Za-z]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
  if (!m) throw new ConfigError(`--quota ${text}: expected Category=requests-per-second, e.g. UserUpdate=25`);
  const category = m[1] as QuotaCategory;
  if (!(category in DEFAULT_QUOTAS))
    throw new ConfigError(
      `--quota ${text}: unknown category ${m[1]} (one of ${Object.keys(DEFAULT_QUOTAS).join(', ')})`,
    );
  const rate = Number(m[2]);
  if (!(rate > 0)) throw new ConfigError(`--quota ${text}: the rate must be above 0`);
  into[category] = rate;
  return into;
}
