import { FailureStreak } from '../core/failure-streak';
import { forEachLimit } from '../core/concurrency';
import { describeError } from '../core/errors';
import type { UserRecord } from '../core/types';
import { classifyUser, type ManifestOptions, mfaUnreadDetail } from './manifest';
import { redactContacts } from './redact';
import type { Unsent } from './send';

/**
 * The failover's read of replicas without an MFA marker: a replica that a non-deep reconcile or
 * an import job made has no marker, so its MFA is unknown and the manifest lists it apart
 * (`mfa-unknown`) rather than send a code to a contact that may be its second factor. Each such
 * user that would otherwise be sent a code is read in the standby (AdminGetUser: the factors
 * Cognito weighs when it picks the channel of a code) and classified again with what it has
 * there. The primary is never asked. Each read bills the user as a monthly active user of the
 * standby.
 */

/** The one call the reads make (CognitoPool.getUser on the standby pool). */
export interface MfaReader {
  getUser(username: string): Promise<UserRecord | undefined>;
}

/** A user as the scan classified it (see {@link classifyUser}). */
export type Classified = ReturnType<typeof classifyUser>;

/** Settings and collaborators of {@link readUnknownMfa}. */
export interface ReadMfaOptions {
  reader: MfaReader;
  manifest: ManifestOptions;
  /** Reads in flight at once (the gateway's limiter sets the pace: UserRead). Default {@link DEFAULT_READ_CONCURRENCY}. */
  concurrency?: number;
  /** Stop reading after this many failures in a row with the same error (a missing permission, not a user's). Default 25. */
  maxConsecutiveFailures?: number;
  /** Stops starting new reads (Ctrl-C); the users not read stay listed apart. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Reads in flight at once by default: enough to keep up with the UserRead quota (120/s). */
export const DEFAULT_READ_CONCURRENCY = 16;

/** What the reads did. Subs only: no contact data. */
export interface MfaReadResult {
  /** Users without a marker that would be sent a code: the ones to read. */
  toRead: number;
  /** Read in the standby and classified with the MFA they have there. */
  read: number;
  /** Gone from the standby since the listing (UserNotFoundException): listed apart. */
  notFound: number;
  /** The read failed (after the gateway's retries): listed apart, `mfa-unknown`. */
  failed: Unsent[];
  /** Not read: the reads were stopped. */
  notRead: number;
  stoppedBecause?: string;
}

/**
 * Reads, in the standby, every user the scan listed apart as `mfa-unknown` (users without a
 * readable marker that would otherwise be sent a code), and returns the users classified again:
 * with the MFA read, or still apart with why it could not be read. Bounded concurrency, paced by
 * the reader's (the gateway's) quota limiter.
 */
export async function readUnknownMfa(
  classified: Classified[],
  options: ReadMfaOptions,
): Promise<{ classified: Classified[]; result: MfaReadResult }> {
  const out = [...classified];
  const pending = out.flatMap((c, i) => (c.excluded?.reason === 'mfa-unknown' ? [i] : []));
  const result: MfaReadResult = { toRead: pending.length, read: 0, notFound: 0, failed: [], notRead: 0 };
  const streak = new FailureStreak(options.maxConsecutiveFailures ?? 25);
  let done = 0;
  const unread = (i: number, why: string) => {
    const excluded = out[i].excluded!;
    out[i] = { excluded: { ...excluded, detail: mfaUnreadDetail(why) } };
  };

  await forEachLimit(pending, options.concurrency ?? DEFAULT_READ_CONCURRENCY, async (i) => {
    if (options.signal?.aborted) result.stoppedBecause ??= 'interrupted';
    if (result.stoppedBecause) {
      result.notRead++;
      unread(i, `it was not read (reads stopped: ${result.stoppedBecause})`);
      return;
    }
    const listed = out[i].excluded!;
    try {
      const user = await options.reader.getUser(listed.username);
      if (!user) {
        result.notFound++;
        unread(i, 'it was not found when read in the standby (deleted since it was listed)');
      } else if (!user.mfa) {
        // Never "none" by default: that is the mistake the read is here to avoid.
        result.failed.push({ sub: listed.sub, error: 'the read gave no MFA settings' });
        unread(i, 'its read in the standby gave no MFA settings');
      } else {
        out[i] = classifyUser(user, options.manifest);
        result.read++;
      }
      streak.succeeded();
    } catch (err) {
      const error = redactContacts(describeError(err));
      result.failed.push({ sub: listed.sub, error });
      unread(i, `its read in the standby failed (${error})`);
      const stop = streak.failed(err);
      if (stop) {
        result.stoppedBecause ??= `${stop.count} reads in a row failed with ${stop.name}: fix the cause (the role needs cognito-idp:AdminGetUser on the standby pool) and run again`;
      }
    }
    options.onProgress?.(++done, pending.length);
  });
  return { classified: out, result };
}
