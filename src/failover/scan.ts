import { forEachLimit } from '../core/concurrency';
import type { UserRecord } from '../core/types';
import { InvalidPaginationTokenError } from '../cognito/errors';
import type { UserPage } from '../cognito/types';

/** The listing call the scan makes (CognitoPool.listUsersPage). */
export interface UserLister {
  listUsersPage(options?: { filter?: string; nextToken?: string; limit?: number }): Promise<UserPage>;
}

/** True for Cognito's answer to a pagination token it no longer accepts (its lifetime is undocumented). */
export function isInvalidPaginationToken(err: unknown): boolean {
  return err instanceof InvalidPaginationTokenError;
}

/** `sub` prefixes: `sub ^= "0"` .. `"f"` split a pool into 16 even shards. */
export const SUB_SHARDS = '0123456789abcdef'.split('');

export interface ScanOptions<T> {
  /** Turns each user into what is kept (the whole record by default): keeps memory small on large pools. */
  map?: (user: UserRecord) => T;
  /** Called after each page with the number of users kept so far. */
  onPage?: (seen: number) => void;
  /** Shards listed in parallel (`sub` prefixes); `[]` lists the pool unfiltered. Default: 16 shards. */
  shards?: string[];
  /** Restarts of one shard after an expired pagination token. Default 3. */
  restarts?: number;
}

/**
 * Every user of a pool, with the attributes ListUsers returns (custom attributes included; no
 * MFA, no groups; ListUsers does not bill users as active). The pool is listed in `sub`-prefix
 * shards in parallel, paced by the gateway's UserList quota. A shard whose pagination token
 * expires starts again; users are kept once, by `sub`.
 */
export async function scanUsers<T = UserRecord>(lister: UserLister, options: ScanOptions<T> = {}): Promise<T[]> {
  const map = options.map ?? ((u: UserRecord) => u as unknown as T);
  const kept = new Map<string, T>();
  const shards = options.shards ?? SUB_SHARDS;
  const listShard = async (prefix: string | undefined): Promise<void> => {
    const filter = prefix === undefined ? undefined : `sub ^= "${prefix}"`;
    for (let restart = 0; ; restart++) {
      let nextToken: string | undefined;
      try {
        do {
          const page = await lister.listUsersPage({ filter, nextToken });
          for (const u of page.users) kept.set(u.attributes.sub ?? `username:${u.username}`, map(u));
          nextToken = page.nextToken;
          options.onPage?.(kept.size);
        } while (nextToken);
        return;
      } catch (err) {
        if (!isInvalidPaginationToken(err) || restart >= (options.restarts ?? 3)) throw err;
      }
    }
  };
  if (shards.length === 0) await listShard(undefined);
  else await forEachLimit(shards, shards.length, listShard);
  return [...kept.values()];
}
