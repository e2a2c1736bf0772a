/**
 * What an operation gets besides its request: the pool it names and the Region's services.
 * @packageDocumentation
 */
import type { Clock } from '../../../src/cognito/limiter';
import { fail, invalid, userNotFound } from './errors';
import type { Pager } from './paging';
import type { ModelPool } from './pool';
import type { Json, ModelUser } from './types';

/** The Region-wide services operations use. */
export interface RegionServices {
  region: string;
  accountId: string;
  clock: Clock;
  pools: Map<string, ModelPool>;
  pager: Pager;
  /** Where a job's CSV is uploaded (its "pre-signed URL"). */
  uploadUrl(poolId: string, jobId: string): string;
  /** Records a code Cognito would have sent. */
  deliver(pool: ModelPool, user: ModelUser, kind: string, medium: 'EMAIL' | 'SMS'): string;
  /** Runs a Lambda trigger of the pool (set by startCognitoEmulator); resolves to its answer. */
  trigger?(pool: ModelPool, name: string, event: Json): Promise<Json | undefined>;
}

/** One operation's context. */
export interface OpContext extends RegionServices {
  input: Json;
}

/** The pool `UserPoolId` names. */
export function poolOf(ctx: OpContext): ModelPool {
  const pool = ctx.pools.get(ctx.input.UserPoolId);
  if (!pool) fail('ResourceNotFoundException', `User pool ${String(ctx.input.UserPoolId)} does not exist.`);
  return pool;
}

/** The pool of the app client `ClientId` names. */
export function poolOfClient(ctx: OpContext): ModelPool {
  for (const pool of ctx.pools.values()) if (pool.clients.has(ctx.input.ClientId)) return pool;
  return fail('ResourceNotFoundException', 'User pool client does not exist.');
}

/** The user `Username` names in `pool`. */
export function userOf(pool: ModelPool, username: unknown): ModelUser {
  if (typeof username !== 'string' || username === '')
    invalid("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must not be null");
  return pool.resolve(username as string) ?? userNotFound();
}

/** Epoch seconds, as the JSON protocol carries timestamps. */
export const seconds = (d: Date | number): number => (typeof d === 'number' ? d : d.getTime()) / 1000;
