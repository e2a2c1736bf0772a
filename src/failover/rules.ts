/**
 * Who a failover wave notifies: the rules the operator chooses, the same for the local run and
 * the failover job (the CLI's flags; the job keeps them in its state item).
 */
export interface FailoverRules {
  /** Send the resets (default: dry run: the manifest and its counts only). */
  send: boolean;
  /** The attribute holding the source `sub` (marks a replica). */
  sourceSubAttribute: string;
  /** The attribute holding the source's MFA set-up (the marker). */
  mfaMarkerAttribute: string;
  /** Treat users without the source-sub attribute as replicas (pools replicated before it existed). */
  includeUnmarked?: boolean;
  /** Also send to users already in RESET_REQUIRED that the journal never sent to. */
  resendResetRequired?: boolean;
  /** Resend users whose earlier send is "maybe sent" and who are not RESET_REQUIRED now. */
  resendUncertain?: boolean;
  /**
   * Read, in the standby, the MFA of replicas without a marker that would be sent a code
   * (AdminGetUser: bills each as a monthly active user there). Default true; false lists them
   * apart (`mfa-unknown`) unread. Dry run and send read alike.
   */
  readUnknownMfa?: boolean;
}
