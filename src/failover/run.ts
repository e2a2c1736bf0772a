import { DEFAULT_QUOTA_HEADROOM } from '../core/constants';
import type { PoolConfig } from '../core/types';
import { type Clock, QuotaLimiter } from '../cognito/limiter';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../cognito/quotas';
import { type ManifestFormat, writeManifest } from './files';
import { FileSendJournal, type JournalState, readJournal } from './journal';
import { classifyUser, collectManifest, countManifest, type Manifest, type ManifestCounts } from './manifest';
import type { FailoverRules } from './rules';
import { type MfaReader, type MfaReadResult, readUnknownMfa } from './read-mfa';
import { scanUsers, type UserLister } from './scan';
import { planSends, type ResetSender, type SendProgress, type SendResult, sendResets } from './send';
import { failoverTimeEstimate, formatDuration, renderSummary, sendDurationMs } from './summary';

/** Settings of a local failover run (the CLI's flags): the rules, and where its files go. */
export interface FailoverOptions extends FailoverRules {
  region: string;
  poolId: string;
  out: string;
  format: ManifestFormat;
  journal: string;
  /** Sends in flight at once. */
  concurrency?: number;
  /** Reads in flight at once (default: `DEFAULT_READ_CONCURRENCY`). */
  readConcurrency?: number;
}

/** What a failover run talks to: the standby pool only. */
export interface FailoverDeps {
  standby: UserLister & MfaReader & { describePool(): Promise<PoolConfig> };
  sender: ResetSender;
  /** Sends per second the sender is paced at (for estimates). */
  sendRate: number;
  /** ListUsers calls per second the standby's listing is paced at (for the estimate up front). */
  listRate?: number;
  /** Told, before the listing starts, what the run takes at the least (see `failoverTimeEstimate`). */
  onEstimate?: (lines: string[]) => void;
  /** Asked once before the first send; false cancels. */
  confirm: (question: string) => Promise<boolean>;
  onScan?: (seen: number) => void;
  onRead?: (done: number, total: number) => void;
  onSendStart?: (total: number) => void;
  onSend?: (p: SendProgress) => void;
  signal?: AbortSignal;
  now?: () => number;
}

/** What a failover run did. */
export interface FailoverReport {
  pool: PoolConfig;
  manifest: Manifest;
  counts: ManifestCounts;
  /** The reads of replicas without an MFA marker (absent with `readUnknownMfa: false`). */
  reads?: MfaReadResult;
  files: { manifest: string; excluded: string; journal?: string };
  /** Resets a send would make now (dry run), or was to make (send run). */
  toSend: number;
  alreadySent: number;
  maybeSentBefore: number;
  send?: SendResult;
  cancelled?: boolean;
  summary: string[];
  /** 0: done; 1: some users were not sent (failed, maybe sent, not attempted, MFA read failed) or the run was cancelled. */
  exitCode: 0 | 1;
}

/**
 * The failover: lists the standby's users, reads in the standby the MFA of replicas without a
 * marker that would be sent a code (the primary Region is never asked), writes the notification
 * manifest, and with `send` sends the password resets, journaled and paced by the standby's
 * UserAccountRecovery quota. The dry run makes the same reads, so its counts are the send's.
 */
export async function runFailover(options: FailoverOptions, deps: FailoverDeps): Promise<FailoverReport> {
  const pool = await deps.standby.describePool();
  if (deps.onEstimate && deps.listRate && pool.estimatedUsers !== undefined)
    deps.onEstimate(
      failoverTimeEstimate(pool.estimatedUsers, { listRate: deps.listRate, sendRate: deps.sendRate }, pool),
    );
  const manifestOptions = {
    pool,
    sourceSubAttribute: options.sourceSubAttribute,
    mfaMarkerAttribute: options.mfaMarkerAttribute,
    includeUnmarked: options.includeUnmarked,
    resendResetRequired: options.resendResetRequired,
  };
  // Users are classified page by page: only their manifest rows are kept.
  const listed = await scanUsers(deps.standby, { onPage: deps.onScan, map: (u) => classifyUser(u, manifestOptions) });
  const read =
    options.readUnknownMfa === false
      ? undefined
      : await readUnknownMfa(listed, {
          reader: deps.standby,
          manifest: manifestOptions,
          concurrency: options.readConcurrency,
          signal: deps.signal,
          onProgress: deps.onRead,
        });
  const reads = read?.result;
  const manifest = collectManifest(read?.classified ?? listed, pool);
  const counts = countManifest(manifest);
  const written = writeManifest(manifest, options.out, options.format);

  let journal: JournalState | undefined;
  const finish = (
    r: Omit<FailoverReport, 'summary' | 'exitCode' | 'pool' | 'manifest' | 'counts' | 'reads'>,
  ): FailoverReport => {
    // RESET_REQUIRED users this journal never sent to: imported, or reset by someone else (an administrator, a failover with another journal).
    const resetElsewhere = manifest.rows.filter(
      (row) => row.status === 'RESET_REQUIRED' && !journal?.bySub.has(row.sub),
    ).length;
    const summary = renderSummary({
      counts,
      rate: deps.sendRate,
      canSend: manifest.canSend,
      resetElsewhere,
      resendResetRequired: !!options.resendResetRequired,
      reads,
      ...r,
    });
    const incomplete = !!r.send && (r.send.failed.length > 0 || r.send.maybeSent.length > 0 || r.send.notAttempted > 0);
    const unread = !!reads && (reads.failed.length > 0 || reads.notRead > 0);
    return { pool, manifest, counts, reads, ...r, summary, exitCode: incomplete || unread || r.cancelled ? 1 : 0 };
  };

  if (!options.send) {
    journal = readJournal(options.journal);
    const plan = planSends(manifest.rows, journal, options.resendUncertain);
    return finish({
      files: written,
      toSend: manifest.canSend ? plan.queue.length : 0,
      alreadySent: plan.alreadySent + plan.toResolve.length,
      maybeSentBefore: plan.maybeSent.length,
    });
  }
  if (!manifest.canSend) {
    return finish({ files: written, toSend: 0, alreadySent: 0, maybeSentBefore: 0, cancelled: true });
  }

  const sendJournal = await FileSendJournal.open(options.journal, { region: options.region, poolId: options.poolId });
  // The journal as the run found it (the send updates `sendJournal.state`): the summary's "reset elsewhere" reads it.
  journal = { ...sendJournal.state, bySub: new Map(sendJournal.state.bySub) };
  try {
    const plan = planSends(manifest.rows, journal, options.resendUncertain);
    const files = { ...written, journal: options.journal };
    const base = {
      files,
      toSend: plan.queue.length,
      alreadySent: plan.alreadySent + plan.toResolve.length,
      maybeSentBefore: plan.maybeSent.length,
    };
    if (plan.queue.length > 0) {
      const question =
        `Send ${plan.queue.length} password-reset codes from pool ${options.poolId} (${options.region}) at ${deps.sendRate.toFixed(1)}/s ` +
        `(about ${formatDuration(sendDurationMs(plan.queue.length, deps.sendRate))})? Every user is notified by Cognito. Type "yes" to send: `;
      if (!(await deps.confirm(question))) return finish({ ...base, cancelled: true });
    }
    deps.onSendStart?.(plan.queue.length);
    const result = await sendResets({
      rows: manifest.rows,
      journal: sendJournal,
      gateway: deps.sender,
      concurrency: options.concurrency,
      resendUncertain: options.resendUncertain,
      signal: deps.signal,
      now: deps.now,
      total: plan.queue.length,
      onProgress: deps.onSend,
    });
    return finish({ ...base, send: result });
  } finally {
    await sendJournal.close();
  }
}

/**
 * The standby side's limiter for a failover run and the pace of its sends: `rate` resets per
 * second when given (the pace wanted, after headroom), otherwise the UserAccountRecovery quota
 * less the headroom (30 × 0.8 = 24/s). The quota is shared with the live application's
 * "Forgot password" calls, which is what the headroom is for. `quotas` are the account's own
 * quotas where they differ from the documented defaults (`--quota Category=rps`): the listing
 * (UserList) and the MFA reads (UserRead) are paced by them too.
 */
export function failoverLimiter(options: {
  rate?: number;
  headroom?: number;
  quotas?: Partial<Record<QuotaCategory, number>>;
  clock?: Clock;
}): {
  limiter: QuotaLimiter;
  rate: number;
} {
  const headroom = options.headroom ?? DEFAULT_QUOTA_HEADROOM;
  const recovery = options.quotas?.UserAccountRecovery ?? DEFAULT_QUOTAS.UserAccountRecovery;
  const rate = options.rate ?? recovery * (1 - headroom);
  const limiter = new QuotaLimiter({
    headroom,
    clock: options.clock,
    quotas: { ...options.quotas, UserAccountRecovery: rate / (1 - headroom) },
  });
  return { limiter, rate };
}
