/** Reading a listed source user in full (AdminGetUser: its MFA), for `--deep`. Reads the source only. */
import type { UserRecord } from '../../core/types';
import type { Session } from '../session';

/**
 * A source user read in full with its listed groups, or `undefined` when it is gone, or its name
 * now belongs to another user, since the listing.
 */
export async function readFull(session: Session, listed: UserRecord): Promise<UserRecord | undefined> {
  const full = await session.source.getUser(listed.username);
  if (!full || full.attributes.sub !== listed.attributes.sub) return undefined;
  return { ...full, groups: listed.groups };
}
