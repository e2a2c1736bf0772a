/**
 * Phase `scan`: lists both pools into the spool. Touches the checkpoint's listing state, the
 * spool, the session's listings and the report's pool counts; sends only List* calls.
 *
 * Both sides are listed at once. The phase ends when the target and the source's group members
 * are listed; the source's user shards may still be listing in the background, and the next
 * phase waits for them: the pass merge-joins both listings sorted by identity key
 * (`keyed-listing.ts`), so it starts only once both are complete.
 */
import { removeKeyedListings } from '../keyed-listing';
import { spoolIntact } from '../listings';
import { listedUsers } from '../scan';
import type { Session } from '../session';
import type { Phase } from './types';

export const listPhase: Phase = {
  name: 'scan',
  async run(session) {
    const { state, planContext, options } = session;
    const estimate = (planContext.sourcePool.estimatedUsers ?? 0) + (session.targetPool.estimatedUsers ?? 0);
    options.progress.phase('listing both pools', estimate || undefined);
    session.savedNow();
    await session.listings.listTarget();
    await session.listings.sourceMembersLoaded();
    // The target's spool is final: keep it where the checkpoint lives before moving on.
    await options.store.persistSpool();
    state.phase = options.apply && options.import ? 'import' : 'pass';
    await session.save(true);
  },
  async settled(session) {
    const { counts } = session.report;
    const { scan } = session.state;
    counts.standbyUsers = listedUsers(scan.target);
    counts.sourceGroups = scan.source.groups?.length ?? 0;
    counts.standbyGroups = scan.target.groups?.length ?? 0;
  },
};

/**
 * A resumed run whose listing files do not hold what the checkpoint says (a lost /tmp, an
 * interrupted upload) lists again from scratch. Writes already made show in the new listing, so
 * none is repeated.
 */
export async function relistIfSpoolLost(session: Session): Promise<void> {
  if (!session.resumed || (await spoolIntact(session.state, session.options.store.dir))) return;
  session.warn("the checkpoint's listing files are missing or short: listing both pools again");
  session.restartListing();
  await removeKeyedListings(session.options.store.dir);
}
