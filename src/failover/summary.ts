import { formatCount, formatDuration, LONG_RUN_MS, listDurationMs, sendDurationMs } from '../core/time-estimate';
import type { ManifestCounts } from './manifest';
import type { MfaReadResult } from './read-mfa';
import type { SendResult, Unsent } from './send';

export { formatDuration, sendDurationMs } from '../core/time-estimate';

/** A failover longer than this, bound by the quotas alone, is told the faster routes up front. */
export const LONG_FAILOVER_MS = LONG_RUN_MS;

/**
 * What a failover of `users` standby users takes at the least, said before the listing starts
 * (DescribeUserPool's estimate of the pool's size): the listing at `listRate` ListUsers calls per
 * second (60 users a page) and, at most, a reset for every user at `sendRate`. When that passes
 * {@link LONG_FAILOVER_MS}, it points to the routes that need no reset wave (docs/LIMITATIONS.md).
 */
export function failoverTimeEstimate(
  users: number,
  rates: { listRate: number; sendRate: number },
  pool: { allowedFirstAuthFactors?: string[] },
): string[] {
  const listMs = listDurationMs(users, rates.listRate);
  const sendMs = sendDurationMs(users, rates.sendRate);
  const lines = [
    `about ${formatCount(users)} users in the standby (Cognito's estimate): listing them takes at least ${formatDuration(listMs)} ` +
      `(ListUsers, 60 a page, ${rates.listRate.toFixed(1)}/s); a reset for every one of them at most ${formatDuration(sendMs)} ` +
      `(${rates.sendRate.toFixed(1)}/s, the UserAccountRecovery quota less the headroom)`,
  ];
  if (listMs + sendMs > LONG_FAILOVER_MS) {
    const passwordless = pool.allowedFirstAuthFactors?.includes('EMAIL_OTP')
      ? 'this standby already allows e-mail one-time codes as a first factor: users with a verified e-mail and no MFA can sign in with a code, no reset needed (the manifest marks them, emailOtp)'
      : "a standby on the Essentials plan can allow e-mail one-time codes as a first factor, so that users sign in with a code and need no reset (docs/LIMITATIONS.md, 'The passwordless alternative')";
    lines.push(
      `at this size, faster than a reset wave: ${passwordless}; or tell users through your app's own channel to use "Forgot password", ` +
        'which sends each one a code when they come back instead of all at once.',
    );
  }
  return lines;
}

function counts(o: Record<string, number>): string {
  const entries = Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
}

/** Groups failures by error text (subs are listed, at most `limit` per error). */
export function groupUnsent(list: Unsent[], limit = 10): string[] {
  const byError = new Map<string, string[]>();
  for (const u of list) byError.set(u.error, [...(byError.get(u.error) ?? []), u.sub]);
  return [...byError.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(
      ([error, subs]) =>
        `${subs.length} × ${error}\n      subs: ${subs.slice(0, limit).join(' ')}${subs.length > limit ? ` … (+${subs.length - limit})` : ''}`,
    );
}

/** What the summary needs besides the counts. */
export interface SummaryInput {
  counts: ManifestCounts;
  /** Sends per second the run is paced at. */
  rate: number;
  /** Resets a send run would make now (dry run), or made (send run). */
  toSend: number;
  alreadySent: number;
  maybeSentBefore: number;
  send?: SendResult;
  canSend: boolean;
  /** Users in RESET_REQUIRED that this journal never sent to (imported, an earlier failover, an administrator). */
  resetElsewhere: number;
  /** `--resend-reset-required`: those users are sent a code too. */
  resendResetRequired?: boolean;
  /** The reads of replicas without an MFA marker; absent when the run did not read (`--no-read-unknown-mfa`). */
  reads?: MfaReadResult;
  files: { manifest: string; excluded: string; journal?: string };
}

/**
 * Users already RESET_REQUIRED that this journal never sent to. The standby cannot tell an
 * imported user (never sent a code) from one reset by an administrator or by a failover whose
 * journal is elsewhere, so they are not sent one by default: the operator decides.
 */
function resetRequiredLine(s: SummaryInput): string {
  const head = `  already RESET_REQUIRED, never sent a code by this journal: ${s.resetElsewhere}`;
  if (s.resendResetRequired) return `${head} (sent a code too: --resend-reset-required)`;
  if (!s.resetElsewhere) return `${head} (not sent unless --resend-reset-required)`;
  return (
    `${head}: imported by a reconcile --import job (never told anything), or reset by an administrator or by a failover with another journal. ` +
    'Not sent: signing in sends them to "Forgot password" (PasswordResetRequiredException, or "Incorrect username or password" where the app client ' +
    'prevents user-existence errors). If the standby was filled by import and no failover sent to them, rerun with --resend-reset-required to send them a code'
  );
}

/** What the reads of replicas without an MFA marker did, and what is still unknown. */
function mfaReadLines(s: SummaryInput): string[] {
  const unknown = s.counts.mfaUnknown;
  const r = s.reads;
  if (!r) return [`  MFA unknown (no marker; not read: --no-read-unknown-mfa), listed apart: ${unknown}`];
  if (r.toRead === 0) return [];
  const lines = [
    `  ${r.read} replicas without an MFA marker read in the standby (AdminGetUser: each read bills the user as a monthly active user of the standby); ` +
      'classified with the MFA they have there: a code never goes to one of their factors; their TOTP use in the primary is unknown',
  ];
  if (unknown)
    lines.push(
      `  MFA still unknown, listed apart (mfa-unknown): ${unknown} (${r.failed.length} read failed, ${r.notFound} not found, ${r.notRead} not read)`,
    );
  for (const g of groupUnsent(r.failed)) lines.push(`    ${g}`);
  if (r.stoppedBecause) lines.push(`  reads stopped: ${r.stoppedBecause}`);
  return lines;
}

/** The end-of-run summary: counts only, subs for the users who need a look, never a contact. */
export function renderSummary(s: SummaryInput): string[] {
  const c = s.counts;
  const lines = [
    `users in the standby: ${c.users}; to notify: ${c.users - Object.values(c.excludedByReason).reduce((a, b) => a + b, 0)}`,
    `  by action:  ${counts(c.byAction)}`,
    `  by channel: ${counts(c.byChannel)}`,
    `  must re-enroll TOTP: ${c.reEnrollTotp}; could use e-mail one-time codes instead: ${c.emailOtpEligible}`,
    ...mfaReadLines(s),
    resetRequiredLine(s),
    `listed apart: ${counts(c.excludedByReason)}`,
    `skipped (never sent a code): ${Object.values(c.excludedByReason).reduce((a, b) => a + b, 0)} listed apart, ${c.byAction.none ?? 0} federated, ${s.resendResetRequired ? 0 : s.resetElsewhere} already RESET_REQUIRED`,
    `manifest: ${s.files.manifest} (0600); listed apart: ${s.files.excluded} (0600)`,
  ];
  if (!s.canSend)
    lines.push(
      'account recovery of the pool is admin-only: Cognito cannot deliver reset codes; tell users yourself, or fix the pool (see npm run doctor)',
    );
  if (!s.send) {
    lines.push(
      `dry run: ${s.toSend} resets to send at ${s.rate.toFixed(1)}/s would take ${formatDuration(sendDurationMs(s.toSend, s.rate))}` +
        (s.alreadySent ? `; ${s.alreadySent} already sent (journal)` : '') +
        (s.maybeSentBefore ? `; ${s.maybeSentBefore} maybe sent (journal) left alone` : ''),
    );
    lines.push('nothing was sent; run again with --send to send');
    return lines;
  }
  const r = s.send;
  lines.push(
    `sent: ${r.sent} in ${formatDuration(r.elapsedMs)}; already sent by earlier runs: ${r.alreadySent + r.resolved}${r.resolved ? ` (${r.resolved} confirmed by RESET_REQUIRED)` : ''}`,
  );
  if (r.failed.length) {
    lines.push(`failed (nothing sent; a rerun retries them): ${r.failed.length}`);
    for (const g of groupUnsent(r.failed)) lines.push(`    ${g}`);
  }
  if (r.maybeSent.length) {
    lines.push(`maybe sent (NOT resent; check these users, or rerun with --resend-uncertain): ${r.maybeSent.length}`);
    for (const g of groupUnsent(r.maybeSent, 50)) lines.push(`    ${g}`);
  }
  if (r.notAttempted) {
    lines.push(
      `not attempted: ${r.notAttempted}, would take ${formatDuration(sendDurationMs(r.notAttempted, s.rate))} at ${s.rate.toFixed(1)}/s; run the same command again to continue`,
    );
  }
  if (r.stoppedBecause) lines.push(`stopped: ${r.stoppedBecause}`);
  if (s.files.journal) lines.push(`journal: ${s.files.journal}`);
  return lines;
}
