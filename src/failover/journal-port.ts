/**
 * The send journal as a port: what a failover send needs from durable storage so that a wave can
 * be stopped and resumed from any machine without notifying anyone twice. Two implementations
 * keep the same semantics: the local file journal (`journal.ts`, one process, small pools and the
 * drill) and the DynamoDB journal of the failover job in the standby Region (conditional writes,
 * any number of processes).
 *
 * Semantics, per user (by standby `sub`; never contact data):
 * - `claim` records the intent to send *before* the request leaves. It succeeds only when nobody
 *   sent to the user and nobody is sending: no entry, or a `failed` one (Cognito refused, nothing
 *   went out), or, with `resendUncertain`, a `maybe-sent` one. Exactly one of several concurrent
 *   claims of one user succeeds.
 * - `settle` records the outcome of a claimed send: `sent`; `failed` (nothing went out, a later
 *   run tries again); `uncertain` (the request may have reached Cognito: "maybe sent", never
 *   resent automatically); or `resolved` (a "maybe sent" user seen in RESET_REQUIRED since: sent).
 * - An intent with no outcome (the process died between the two) reads as `maybe-sent`.
 * - `sent` is final: no later record takes it back.
 */

/** Where a user stands according to the journal. */
export type SendState = 'sent' | 'failed' | 'maybe-sent';

/** One user's entry. */
export interface JournalEntry {
  state: SendState;
  /** Time of the record that decided the state. */
  at: string;
  error?: string;
  /** Why a `failed` user failed, when the journal says (`limit-exceeded`). */
  reason?: 'limit-exceeded';
  /** The user's status at the last intent (a "maybe sent" user seen in RESET_REQUIRED since was sent, unless it already was). */
  statusAtIntent?: string;
}

/** The outcome of a claimed send (or the resolution of a "maybe sent" one). */
export type SendOutcome =
  | { type: 'sent'; at: string }
  | { type: 'failed'; at: string; error: string; reason?: 'limit-exceeded' }
  | { type: 'uncertain'; at: string; error: string }
  | { type: 'resolved'; at: string; by: string };

/** The answer to a claim: claimed (send now), or the entry that stops it. */
export type ClaimResult = { claimed: true } | { claimed: false; entry: JournalEntry };

/** Durable per-user send records. Every method resolves only once its record is durable. */
export interface SendJournal {
  /** Where the journal lives, for messages (a file path, `dynamodb://table/pool`). */
  readonly location: string;
  /** The user's entry, if any. */
  entry(sub: string): Promise<JournalEntry | undefined>;
  /** Records the intent to send (see the module's semantics); atomic across processes. */
  claim(sub: string, intent: { at: string; status?: string; resendUncertain?: boolean }): Promise<ClaimResult>;
  /** Records the outcome of a send this journal's owner claimed, or a resolution. */
  settle(sub: string, outcome: SendOutcome): Promise<void>;
  /** Releases what the journal holds (file handle, lock). */
  close(): Promise<void>;
}

/**
 * What one manifest row's send came to (see `send.ts`, `createRowSender`):
 * - `sent`, `failed`, `maybe-sent`: this call claimed the user and sent (or tried to);
 * - `already-sent`: the journal has the user sent; `resolved`: "maybe sent" before, RESET_REQUIRED now;
 * - `left-maybe-sent`: "maybe sent" before and not resent (no `resendUncertain`);
 * - `not-to-send`: the row is not marked `send`; `stopped`: the run was stopping, nothing left.
 */
export type RowOutcome =
  | 'sent'
  | 'failed'
  | 'maybe-sent'
  | 'already-sent'
  | 'resolved'
  | 'left-maybe-sent'
  | 'not-to-send'
  | 'stopped';
