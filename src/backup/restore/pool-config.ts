/** The backed-up pool's configuration, from the snapshot's config chunk, whatever form the writer used. */
import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import type { PoolConfig } from '../../core/types';
import { toPoolConfig } from '../../cognito/conversions';

/**
 * The pool's DescribeUserPool form in a config document: under `pool` (the snapshot's
 * `SnapshotConfig`), `userPool` or `UserPool`, or the document itself; `undefined` when it holds none.
 */
export function userPoolOf(doc: Record<string, unknown> | undefined): UserPoolType | undefined {
  if (!doc) return undefined;
  const inner = (doc.pool ?? doc.userPool ?? doc.UserPool ?? doc) as Record<string, unknown>;
  return inner && (inner.SchemaAttributes || inner.Id) ? (inner as UserPoolType) : undefined;
}

/**
 * The {@link PoolConfig} the planner reads for the source side: from the config document (its
 * DescribeUserPool form, or a `PoolConfig` as the suite holds it), or `undefined`.
 */
export function poolConfigOf(doc: Record<string, unknown> | undefined, region: string): PoolConfig | undefined {
  const described = userPoolOf(doc);
  if (described) return toPoolConfig(described, region);
  const own = (doc?.poolConfig ?? doc) as Partial<PoolConfig> | undefined;
  if (own && Array.isArray(own.schema) && own.passwordPolicy) return own as PoolConfig;
  return undefined;
}
