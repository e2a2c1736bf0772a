import { usesTotp, parseMfaMarker } from '../core/attributes';
import type { PlanContext, ReplicationPlan } from '../core/plan';
import type { UserRecord } from '../core/types';
import type { QuotaCategory } from '../cognito/quotas';
import { callsByCategory, driftKinds, type DriftKind, planOperations } from './planner';

/**
 * The run's findings: exact counts, plus per-user entries up to a limit per kind (a pool of a
 * million users must not produce a report of a million lines). Entries name users by their
 * source `sub`; a target username (which may be an e-mail) appears only where an operator needs
 * it to act (orphans, standby-only users, deletions, failures), and the identity value only for
 * ambiguous matches. The report file is written with mode 0600.
 */

export type EntryKind = 'create' | 'update' | 'skip' | 'ambiguous' | 'failed' | 'orphan' | 'standby-only' | 'deleted';

export interface ReportEntry {
  /** Source `sub` (orphans: the source sub the replica carries). */
  sub?: string;
  /** Target username (the field keeps its published name), only where needed to act. */
  standbyUsername?: string;
  /** What differs: drift kinds and attribute names (never values). */
  changes?: string[];
  /** Why the user is not (fully) replicated. */
  issues?: string[];
  error?: string;
  /** For ambiguous matches: the shared identity (`email=...`). */
  identity?: string;
}

export interface Counts {
  sourceUsers: number;
  standbyUsers: number;
  sourceGroups: number;
  standbyGroups: number;
  /** Source users examined by the pass. */
  examined: number;
  inSync: number;
  create: number;
  update: number;
  skip: number;
  ambiguous: number;
  /** Users per drift kind. */
  drift: Record<DriftKind, number>;
  skipReasons: Record<string, number>;
  /** Users with a TOTP authenticator (deep: from the source; otherwise from the replicas' MFA markers). */
  totp: number;
  /** Users with at least one attribute the target cannot carry. */
  gapUsers: number;
  gapAttributes: Record<string, number>;
  /** Write calls the plan needs, per quota category (group creation aside). */
  plannedCalls: Partial<Record<QuotaCategory, number>>;
  /** Source users that disappeared between the listing and the per-user read (deep). */
  vanished: number;
  /** Outcomes of applying (apply mode). */
  created: number;
  updated: number;
  failed: number;
  writes: number;
  /** Users whose creation went through an import job. */
  imported: number;
  /** Users re-read from the target because a previous run may have been writing them. */
  rechecked: number;
  orphans: number;
  standbyOnly: number;
  deleted: number;
  deleteFailed: number;
  groupsCreated: number;
  /** Replica index entries written (apply mode, when the index is configured). */
  indexWrites: number;
  /**
   * Source users whose replica's SMS/e-mail MFA waits for the user's password reset, at the end of
   * the run (issue `mfa-pending`: the replica is RESET_REQUIRED, and AdminSetUserMFAPreference
   * refuses such a user), whatever their bucket: with other drift they are also `drifted`, otherwise
   * they are the `mfaPending` bucket.
   */
  mfaPending: number;
  /** Every source user examined, in exactly one bucket: where it stands at the end of the run. */
  buckets: Record<UserBucket, number>;
  /** The source users' replicas a failover `--send` would send a reset code to, and why not the others. */
  failover: FailoverCount;
  /** The same for target users no source user claims (orphans left, standby-only users). */
  failoverLeftover: FailoverCount;
}

/**
 * Where one source user stands at the end of a run (after this run's writes, in apply mode):
 * - `inSync`: its replica is present and matches;
 * - `mfaPending`: its replica is present and matches except its SMS/e-mail MFA, which waits for
 *   the user's password reset (the replica is RESET_REQUIRED; the first run after the reset sets
 *   it): a known gap that heals itself, not counted as matching;
 * - `missing`, `drifted`: no replica, or one that differs (dry run, or not repaired);
 * - `notReplicable`: federated (without linking) or without the identity the target needs;
 * - `unconfirmed`: never confirmed its sign-up (no replica expected);
 * - `ambiguous`: several target users share its identity;
 * - `failed`: an operation for it failed (a read before planning included);
 * - `vanished`: gone from the source between the listing and its read (`--deep`).
 */
export type UserBucket =
  | 'inSync'
  | 'mfaPending'
  | 'missing'
  | 'drifted'
  | 'notReplicable'
  | 'unconfirmed'
  | 'ambiguous'
  | 'failed'
  | 'vanished';

export const USER_BUCKETS: readonly UserBucket[] = [
  'inSync',
  'mfaPending',
  'missing',
  'drifted',
  'notReplicable',
  'unconfirmed',
  'ambiguous',
  'failed',
  'vanished',
];

/** Replicas a failover would send a reset code to (`send`), and the others by reason. */
export interface FailoverCount {
  send: number;
  notSent: Record<string, number>;
}

function zeroBuckets(): Record<UserBucket, number> {
  return Object.fromEntries(USER_BUCKETS.map((b) => [b, 0])) as Record<UserBucket, number>;
}

/**
 * The bucket of a user whose plan is final (nothing written for it, or a dry run), or, with
 * `kind` the outcome's, once applied (the plan as carried out: `mfaPending` when the MFA call was
 * left for later).
 */
export function bucketOf(plan: ReplicationPlan | undefined, kind: ReplicationPlan['kind'] | 'ambiguous'): UserBucket {
  if (kind === 'ambiguous') return 'ambiguous';
  if (kind === 'in-sync') return plan?.mfaPending ? 'mfaPending' : 'inSync';
  if (kind === 'create') return 'missing';
  if (kind === 'update') return 'drifted';
  return plan?.issues.some((i) => i.code === 'unconfirmed') ? 'unconfirmed' : 'notReplicable';
}

export interface ReportState {
  counts: Counts;
  entries: Partial<Record<EntryKind, ReportEntry[]>>;
  /** Entries left out per kind (beyond the limit). */
  omitted: Partial<Record<EntryKind, number>>;
}

export function newReportState(): ReportState {
  return {
    counts: {
      sourceUsers: 0,
      standbyUsers: 0,
      sourceGroups: 0,
      standbyGroups: 0,
      examined: 0,
      inSync: 0,
      create: 0,
      update: 0,
      skip: 0,
      ambiguous: 0,
      drift: { missing: 0, attributes: 0, groups: 0, enabled: 0, password: 0, mfa: 0, link: 0 },
      skipReasons: {},
      totp: 0,
      gapUsers: 0,
      gapAttributes: {},
      plannedCalls: {},
      vanished: 0,
      created: 0,
      updated: 0,
      failed: 0,
      writes: 0,
      imported: 0,
      rechecked: 0,
      orphans: 0,
      standbyOnly: 0,
      deleted: 0,
      deleteFailed: 0,
      groupsCreated: 0,
      indexWrites: 0,
      mfaPending: 0,
      buckets: zeroBuckets(),
      failover: { send: 0, notSent: {} },
      failoverLeftover: { send: 0, notSent: {} },
    },
    entries: {},
    omitted: {},
  };
}

/** Accumulates findings into a {@link ReportState}. */
export class ReportBuilder {
  constructor(
    readonly state: ReportState = newReportState(),
    private readonly limit = 1000,
  ) {
    // A checkpoint written before these counts existed.
    const c = state.counts;
    c.buckets = { ...zeroBuckets(), ...c.buckets };
    c.mfaPending ??= 0;
    c.failover ??= { send: 0, notSent: {} };
    c.failoverLeftover ??= { send: 0, notSent: {} };
  }

  get counts(): Counts {
    return this.state.counts;
  }

  entry(kind: EntryKind, entry: ReportEntry): void {
    const list = (this.state.entries[kind] ??= []);
    if (list.length < this.limit) list.push(entry);
    else this.state.omitted[kind] = (this.state.omitted[kind] ?? 0) + 1;
  }

  /** Records what was found for one source user. */
  found(
    source: UserRecord,
    plan: ReplicationPlan | undefined,
    kind: ReplicationPlan['kind'] | 'ambiguous',
    ctx: PlanContext,
    replica?: UserRecord,
    identity?: string,
  ): void {
    const c = this.counts;
    c.examined++;
    const sub = source.attributes.sub;
    if (kind === 'ambiguous') {
      c.ambiguous++;
      this.entry('ambiguous', { sub, identity });
      return;
    }
    if (!plan) return;
    const gaps = plan.issues.filter((i) => i.code === 'attribute-gap');
    if (gaps.length) {
      c.gapUsers++;
      for (const g of gaps)
        if (g.code === 'attribute-gap') c.gapAttributes[g.attribute] = (c.gapAttributes[g.attribute] ?? 0) + 1;
    }
    const totp = source.mfa
      ? usesTotp(source.mfa)
      : usesTotp(parseMfaMarker(replica?.attributes[ctx.mfaMarkerAttribute]));
    if (totp) c.totp++;
    if (plan.mfaPending) c.mfaPending++;
    if (plan.kind === 'in-sync') c.inSync++;
    else if (plan.kind === 'skip') {
      c.skip++;
      const reason = plan.issues[plan.issues.length - 1]?.code ?? 'unknown';
      c.skipReasons[reason] = (c.skipReasons[reason] ?? 0) + 1;
      this.entry('skip', { sub, issues: [reason] });
    } else {
      if (plan.kind === 'create') c.create++;
      else c.update++;
      const kinds = driftKinds(plan);
      for (const k of kinds) c.drift[k]++;
      for (const [cat, n] of Object.entries(callsByCategory(planOperations(plan)))) {
        c.plannedCalls[cat as QuotaCategory] = (c.plannedCalls[cat as QuotaCategory] ?? 0) + n;
      }
      const attributes = [
        ...Object.keys(plan.updateAttributes),
        ...Object.keys(plan.afterMfaAttributes ?? {}),
        ...plan.deleteAttributes.map((a) => `-${a}`),
      ];
      const groups = [...plan.addGroups.map((g) => `+group:${g}`), ...plan.removeGroups.map((g) => `-group:${g}`)];
      this.entry(plan.kind, {
        sub,
        changes: plan.kind === 'create' ? undefined : [...kinds, ...attributes, ...groups],
        issues: issueCodes(plan),
      });
    }
  }

  /** Records the outcome of applying one user's plan. */
  applied(result: 'created' | 'updated' | 'in-sync' | 'skipped' | 'source-missing', writes: number): void {
    if (result === 'created') this.counts.created++;
    else if (result === 'updated') this.counts.updated++;
    this.counts.writes += writes;
  }

  /** Records the end of one source user: call exactly once per user, when it is done. */
  settle(bucket: UserBucket): void {
    this.counts.buckets[bucket]++;
  }

  /** Counts one replica for the failover estimate: `send`, or the reason it would not be sent. */
  failover(fate: 'send' | string, leftover = false): void {
    const f = leftover ? this.counts.failoverLeftover : this.counts.failover;
    if (fate === 'send') f.send++;
    else f.notSent[fate] = (f.notSent[fate] ?? 0) + 1;
  }

  /** A source user whose operation failed (settle it as `failed`). */
  failed(sub: string | undefined, error: string, standbyUsername?: string): void {
    this.counts.failed++;
    this.entry('failed', { sub, error, standbyUsername });
  }

  /** An orphan whose deletion failed: reported with the failures, not counted as a failed source user. */
  deleteFailed(sourceSub: string | undefined, error: string, standbyUsername: string): void {
    this.counts.deleteFailed++;
    this.entry('failed', { sub: sourceSub, error, standbyUsername });
  }
}

function issueCodes(plan: ReplicationPlan): string[] | undefined {
  const codes = plan.issues.map((i) => (i.code === 'attribute-gap' ? `attribute-gap:${i.attribute}` : i.code));
  return codes.length ? codes : undefined;
}
