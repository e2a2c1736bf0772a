/**
 * The flags the suite's CLIs share and their parsers: a flag accepts what the same setting accepts
 * in a function's environment (src/config/fields.ts). Light on purpose: a tool's flags and help are
 * defined with this module alone, and what it runs with is loaded when it runs.
 * @packageDocumentation
 */
import { DEFAULT_MFA_MARKER_ATTRIBUTE, DEFAULT_SOURCE_SUB_ATTRIBUTE } from '../../src/core/constants';
import { type Command, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import * as fields from '../../src/config/fields';
import type { QuotaCategory } from '../../src/cognito/quotas';

/**
 * commander parser from a setting's field definition (src/config/fields.ts): a flag accepts what
 * the same setting accepts in a function's environment, with the same message.
 */
export function optField<T>(field: z.ZodType<T>): (value: string) => T {
  return (value) => {
    const result = field.safeParse(value);
    if (!result.success) throw new InvalidArgumentError(result.error.issues.map((i) => i.message).join('; '));
    return result.data;
  };
}

/** commander parser: an AWS Region. */
export const optRegion = optField(fields.region);

/** commander parser: a user pool id. */
export const optPoolId = optField(fields.poolId);

/** commander parser: an http(s) URL. */
export const optUrl = optField(fields.url);

/** commander parser: a fraction 0 to 0.95 (quota headroom). */
export const optFraction = optField(fields.quotaHeadroom);

/** commander parser: a custom attribute name (source sub, MFA marker). */
export const optCustomAttribute = optField(fields.customAttribute);

/** commander parser: an IAM role ARN. */
export const optRoleArn = optField(fields.roleArn);

/**
 * Adds `--source-sub-attribute` and `--mfa-marker-attribute` (the replica's marker attributes,
 * with the suite's defaults) to a command: one definition for every CLI that reads replicas.
 */
export function replicaAttributeOptions(program: Command): Command {
  return program
    .option(
      '--source-sub-attribute <name>',
      "custom attribute of the replica holding the source user's sub",
      optCustomAttribute,
      DEFAULT_SOURCE_SUB_ATTRIBUTE,
    )
    .option(
      '--mfa-marker-attribute <name>',
      "custom attribute of the replica recording the source user's MFA set-up",
      optCustomAttribute,
      DEFAULT_MFA_MARKER_ATTRIBUTE,
    );
}

/**
 * Adds the repeatable `--quota Category=rps` (a quota raised or lowered for the account) to a
 * long-running command: its limiter paces every category it calls by these rates.
 */
export function quotaOption(program: Command): Command {
  return program.option(
    '--quota <Category=rps>',
    'a quota raised (or lowered) for your account, repeatable, e.g. --quota UserCreation=100',
    optQuota,
  );
}

/** commander parser: a Lambda function ARN. */
export const optFunctionArn = optField(fields.functionArn);

/** commander parser: a whole number of at least `min`. */
export function optWholeNumber(min: number): (value: string) => number {
  return optField(fields.wholeNumber(min));
}

/** commander parser (repeatable): `Category=rps`, a quota of the account that differs from the default. */
export function optQuota(
  value: string,
  previous: Partial<Record<QuotaCategory, number>> = {},
): Partial<Record<QuotaCategory, number>> {
  try {
    return fields.parseQuota(value, previous);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** commander parser: a number > 0. */
export function optPositive(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a number greater than 0');
  return n;
}
