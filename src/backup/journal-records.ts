/**
 * What the journal records of one handled change: the source user's state as the worker re-read
 * it, or a tombstone when the user is gone, and an erasure ledger entry when the user deleted
 * itself (`DeleteUser`). Pure: the worker says what it saw, this says what to keep.
 *
 * Times: a state's ordering key is Cognito's `UserLastModifiedDate` (`lastModifiedAt`, the
 * service's clock); its `at` is when it was read (the writer's clock). A deletion's `at` is
 * CloudTrail's `eventTime` (AWS's clock) when the change event carries it.
 * @packageDocumentation
 */
import type { UserRecord } from '../core/types';
import type { BackedUpUser, ErasureRecord, JournalRecord } from './types';

/** The CloudTrail events after which the user no longer exists (as change capture names them). */
export const DELETION_CAUSES: readonly string[] = ['AdminDeleteUser', 'DeleteUser'];
/** The user's own deletion: a request to be forgotten, recorded in the erasure ledger. */
export const ERASURE_CAUSE = 'DeleteUser';

/** What the worker saw while handling one queue message. */
export interface HandledChange {
  /** The replication's result and the source user as read (absent when it is gone). */
  outcome: { result: string; sourceSub?: string; source?: UserRecord };
  /** The message: who it names, why (trigger source, reconciler reason, CloudTrail event name) and when. */
  message: { sub?: string; username?: string; reason: string; at: string };
  /** Whether the message named this pool (false for self-service events, which name none). */
  poolStated: boolean;
  /** When the worker handled it (its own clock). */
  handledAt: Date;
}

/** The journal's part of one handled change. */
export interface JournalEntries {
  records: JournalRecord[];
  erasures: ErasureRecord[];
  /** A user was gone but no `sub` named it: nothing could be recorded (the next snapshot shows the absence). */
  unlocatable?: boolean;
}

/** A user as the backup keeps it (ISO times, sorted groups). */
export function backedUpUser(user: UserRecord): BackedUpUser {
  return {
    username: user.username,
    sub: user.attributes.sub ?? '',
    attributes: { ...user.attributes },
    enabled: user.enabled,
    status: user.status,
    ...(user.groups ? { groups: [...user.groups].sort() } : {}),
    ...(user.mfa ? { mfa: { enabled: [...user.mfa.enabled], preferred: user.mfa.preferred } } : {}),
    ...(user.createdAt ? { createdAt: user.createdAt.toISOString() } : {}),
    ...(user.lastModifiedAt ? { lastModifiedAt: user.lastModifiedAt.toISOString() } : {}),
  };
}

/**
 * The journal entries of one handled change:
 * - the source user was read: its state;
 * - it is gone after `AdminDeleteUser` / `DeleteUser`: a tombstone at the event's time with the
 *   event name as cause, and for `DeleteUser` an erasure ledger entry;
 * - it is gone after any other message that names this pool: a tombstone without cause at the
 *   handling time (an upper bound: the deletion happened between the change and then);
 * - it is gone after a self-service event of another kind (which names no pool: most often a user
 *   of another pool of the account): nothing; its own deletion event, if any, records it.
 *
 * @example
 * const { records, erasures } = journalEntriesOf({ outcome, message, poolStated, handledAt: new Date() });
 */
export function journalEntriesOf(change: HandledChange): JournalEntries {
  const { outcome, message } = change;
  if (outcome.source) {
    return {
      records: [{ kind: 'user', at: change.handledAt.toISOString(), user: backedUpUser(outcome.source) }],
      erasures: [],
    };
  }
  if (outcome.result !== 'source-missing') return { records: [], erasures: [] };
  const deletion = DELETION_CAUSES.includes(message.reason);
  if (!deletion && !change.poolStated) return { records: [], erasures: [] };
  const sub = outcome.sourceSub ?? message.sub;
  if (!sub) return { records: [], erasures: [], unlocatable: true };
  const tombstone: JournalRecord = {
    kind: 'tombstone',
    at: deletion ? message.at : change.handledAt.toISOString(),
    sub,
    ...(message.username ? { username: message.username } : {}),
    ...(deletion ? { cause: message.reason } : {}),
  };
  const erasures: ErasureRecord[] =
    message.reason === ERASURE_CAUSE ? [{ sub, at: change.handledAt.toISOString(), cause: 'DeleteUser' }] : [];
  return { records: [tombstone], erasures };
}
