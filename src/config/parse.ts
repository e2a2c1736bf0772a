import type { z } from 'zod';
import { ConfigError } from '../core/errors';

/** An environment: variable name -> value (unset and empty alike mean "not set"). */
export type Environment = Record<string, string | undefined>;

/**
 * Validates an environment against a function's schema. Values are trimmed; an empty one counts
 * as not set. `fallbacks` name a variable read when another is not set (`SOURCE_REGION` ->
 * `AWS_REGION`). The {@link ConfigError} names every bad or missing variable at once, each with
 * what it expects, prefixed by `<what> configuration is invalid:`.
 *
 * @example
 * const e = parseEnv(z.object({ SOURCE_POOL_ID: poolId }), process.env, 'trigger');
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Environment,
  what: string,
  fallbacks: Readonly<Record<string, string>> = {},
): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const v = value?.trim();
    if (v) cleaned[name] = v;
  }
  const result = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!result.success) {
    // A missing variable is reported as such, whatever message its schema gives for a bad value.
    const missing = (i: z.core.$ZodIssue) => i.path.length === 1 && cleaned[String(i.path[0])] === undefined;
    for (const i of result.error.issues) problems.push(`${i.path.join('.')}: ${missing(i) ? 'is not set' : i.message}`);
  }
  for (const [name, fallback] of Object.entries(fallbacks)) {
    if (cleaned[name] === undefined && cleaned[fallback] === undefined)
      problems.push(`${name}: is not set (nor ${fallback})`);
  }
  if (problems.length) throw new ConfigError(`${what} configuration is invalid: ${problems.join('; ')}`);
  const data = (result as { data: Record<string, unknown> }).data;
  for (const [name, fallback] of Object.entries(fallbacks)) data[name] ??= data[fallback];
  return data as z.infer<S>;
}
