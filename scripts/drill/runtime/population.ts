/**
 * The drill's model of every user it made: what each user should look like in both pools.
 * The final check compares both pools against it. E-mails and phone numbers live here only and
 * are never printed (the narration uses subs and counts).
 * @packageDocumentation
 */
import type { Side } from './names';

/** How a user came to be. */
export type Origin = 'sign-up' | 'admin-confirmed' | 'admin-created';

export interface DrillUser {
  n: number;
  /** Where the user was made (the other pool holds the replica). */
  home: Side;
  origin: Origin;
  email: string;
  phone?: string;
  /** `sub` in each pool, when known. */
  subs: Partial<Record<Side, string>>;
  /** The user's attributes as they should be in both pools (managed ones aside). */
  attributes: Record<string, string>;
  groups: Set<string>;
  enabled: boolean;
  /** SMS MFA enabled and preferred. */
  smsMfa: boolean;
  /** Deleted, then restored from a backup under a new `sub`: the original one (the home copy's source-sub attribute carries it). */
  restoredFrom?: string;
  /** Deleted on purpose: must be gone from both pools. */
  deleted: boolean;
  /** When the drill confirmed (or created) the user. */
  readyAt?: number;
  /** Notes for the narration (never personal data). */
  tags: Set<string>;
}

const TIERS = ['free', 'pro', 'team'];

export class Population {
  readonly users: DrillUser[] = [];

  /** A new user (not made yet; the app or an admin makes it). SMS MFA implies a phone number. */
  add(
    home: Side,
    origin: Origin,
    options: { phone?: boolean; smsMfa?: boolean; groups?: string[]; tier?: string } = {},
  ): DrillUser {
    const n = this.users.length + 1;
    const email = `drill.user.${String(n).padStart(5, '0')}@example.com`;
    const phone = options.phone || options.smsMfa ? `+1555${String(1_000_000 + n).slice(-7)}` : undefined;
    const attributes: Record<string, string> = {
      email,
      email_verified: 'true',
      'custom:tier': options.tier ?? TIERS[n % TIERS.length],
    };
    if (phone) {
      attributes.phone_number = phone;
      attributes.phone_number_verified = 'true';
    }
    const user: DrillUser = {
      n,
      home,
      origin,
      email,
      phone,
      subs: {},
      attributes,
      groups: new Set(options.groups ?? []),
      enabled: true,
      smsMfa: !!options.smsMfa,
      deleted: false,
      tags: new Set(),
    };
    this.users.push(user);
    return user;
  }

  /** Users that must exist in both pools. */
  alive(): DrillUser[] {
    return this.users.filter((u) => !u.deleted);
  }

  byEmail(email: string): DrillUser | undefined {
    return this.users.find((u) => u.email === email.toLowerCase());
  }
}
