import type { GroupInfo } from '../core/types';

/** One listing of a pool's groups. */
export interface GroupListing {
  /** When the listing was started (ms since the epoch). */
  at: number;
  byName: Map<string, GroupInfo>;
  names: ReadonlySet<string>;
}

/**
 * The latest listing of one pool's groups, kept by the pool adapter (instance state, shared by its
 * views): concurrent replications share one listing, and one under way, instead of listing the
 * groups per user. A warm Lambda container keeps its adapter, so the listing serves there across
 * invocations too. A failed listing is forgotten.
 */
export class GroupListings {
  private current?: Promise<GroupListing>;

  /** The latest listing (finished or under way), if any. */
  latest(): Promise<GroupListing> | undefined {
    return this.current;
  }

  /** Starts a new listing with `list` (a pool's `listGroups`, through the caller's view) and keeps it. */
  relist(list: () => Promise<GroupInfo[]>): Promise<GroupListing> {
    const at = Date.now();
    const listing = list().then((groups) => {
      const byName = new Map(groups.map((g) => [g.name, g]));
      return { at, byName, names: new Set(byName.keys()) };
    });
    this.current = listing;
    listing.catch(() => {
      if (this.current === listing) this.current = undefined;
    });
    return listing;
  }
}
