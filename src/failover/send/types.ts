import type { RowOutcome, SendJournal } from '../journal-port';
import type { ManifestRow } from '../manifest';

/** The one call the sender makes: a reset whose `beforeSend` runs once, when the request is about to leave. */
export interface ResetSender {
  resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void>;
}

/** Settings and collaborators of {@link createRowSender}. */
export interface RowSenderOptions {
  journal: SendJournal;
  gateway: ResetSender;
  /** Stops starting new sends (SIGINT); sends in flight finish and are journaled. */
  signal?: AbortSignal;
  /** Also resend users whose earlier send is "maybe sent" and who are not RESET_REQUIRED now. */
  resendUncertain?: boolean;
  /** Stop after this many failures in a row with the same error (a configuration problem, not a user's). Default 25. */
  maxConsecutiveFailures?: number;
  now?: () => number;
}

/** Settings and collaborators of {@link sendResets}. */
export interface SendOptions extends RowSenderOptions {
  rows: ManifestRow[];
  /** Requests in flight at once (the gateway's limiter sets the pace). Default 8. */
  concurrency?: number;
  /** Sends the wave is to make, for progress (default: the rows). */
  total?: number;
  onProgress?: (p: SendProgress) => void;
}

export interface SendProgress {
  done: number;
  total: number;
  sent: number;
  failed: number;
}

/** A user the run did not notify, with why. */
export interface Unsent {
  sub: string;
  error: string;
  at?: string;
  /** `limit-exceeded`: a per-user or per-account limit of Cognito refused it (not the request rate). */
  reason?: 'limit-exceeded';
}

/** What a send run did. Subs only: no contact data. */
export interface SendResult {
  /** Rows marked to send. */
  eligible: number;
  /** Sent by an earlier run (journal). */
  alreadySent: number;
  /** "Maybe sent" before this run, now seen in RESET_REQUIRED: journaled as sent. */
  resolved: number;
  /** Sent by this run. */
  sent: number;
  /** Cognito refused (nothing sent): a rerun retries them. A reset limit (`reason: 'limit-exceeded'`) fails that user only. */
  failed: Unsent[];
  /** The code may have gone out: never resent automatically; check these users. */
  maybeSent: Unsent[];
  /** Not attempted: the run was stopped or gave up. */
  notAttempted: number;
  stoppedBecause?: string;
  /** Time spent sending (this run). */
  elapsedMs: number;
}

/** What a run will do, from the manifest and the journal. Pure. */
export interface SendPlan {
  /** Rows to send now, in manifest order. */
  queue: ManifestRow[];
  /** Users sent by an earlier run. */
  alreadySent: number;
  /** "Maybe sent" users now in RESET_REQUIRED: the reset took effect; journaled as sent. */
  toResolve: string[];
  /** "Maybe sent" users left for the operator (not resent). */
  maybeSent: Unsent[];
}

/** Sends one manifest row at a time through the journal; see {@link createRowSender}. */
export interface RowSender {
  /** Sends (or not) one row's reset; concurrent calls are fine. Throws JournalError: the run must stop. */
  send(row: ManifestRow): Promise<RowOutcome>;
  /** What the sends so far came to (updated as they settle). */
  readonly result: SendResult;
  /** True once no more sends start: the signal, too many failures in a row, or a journal failure. */
  readonly stopping: boolean;
}

/** A journal that reads many users' entries at once (the DynamoDB journal: BatchGetItem). */
export interface PrefetchingJournal extends SendJournal {
  /** Reads ahead the entries of these users; best effort (never throws). */
  prefetch(subs: string[]): Promise<void>;
}
