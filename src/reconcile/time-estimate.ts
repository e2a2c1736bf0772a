/**
 * The reconciler's time said up front (issue 12, item 4): once both pools are described and
 * before the first ListUsers, what the run takes at the least for the pools' sizes
 * (DescribeUserPool's EstimatedNumberOfUsers) at the rates the run's limiters pace each quota
 * category at (the quota, or `--quota`, less the headroom). At scale it points to the routes the
 * suite documents for long runs. The arithmetic is shared with the failover's estimate
 * (`core/time-estimate.ts`).
 */
import { formatCount, formatDuration, LONG_RUN_MS, listDurationMs, sendDurationMs } from '../core/time-estimate';
import type { CognitoPool } from '../cognito/pool';
import type { ResolvedOptions } from './options';

/** Requests per second the run's limiters allow, by what the run does with them. */
export interface ReconcileRates {
  /** ListUsers on the source (UserList). */
  sourceList: number;
  /** ListUsers on the target (UserList). */
  targetList: number;
  /** AdminCreateUser on the target (UserCreation), one per missing user. */
  create: number;
  /** AdminSetUserPassword on the target (UserAccountRecovery), one per missing user (its random password). */
  password: number;
  /** AdminGetUser on the source (UserRead), one per source user with `--deep`. */
  deepRead: number;
}

/** What the estimate is made of. */
export interface ReconcileEstimateInput {
  /** Cognito's estimates of the pools' sizes (DescribeUserPool EstimatedNumberOfUsers). */
  sourceUsers: number;
  targetUsers: number;
  rates: ReconcileRates;
  apply: boolean;
  deep: boolean;
  /** `--import`: missing users from this many on go through user import jobs. */
  importThreshold?: number;
}

/** The parts of the estimate, in milliseconds (for the lines and for tests). */
export interface ReconcileEstimate {
  /** Both listings side by side: the slower one. */
  listMs: number;
  /** `--deep`: an AdminGetUser for every source user. */
  deepMs: number;
  /** Users the target lacks by the estimates (source less target, at least 0). */
  missing: number;
  /** `--apply`: creating the missing users one by one (0 when an import job takes them). */
  createMs: number;
  /** `--apply`: creating every source user, the most the creates can take. */
  createAllMs: number;
  /** The pieces one after the other: what the run takes at the least when it writes what is missing. */
  totalMs: number;
}

/** The estimate's parts for these sizes and rates. Pure. */
export function estimateReconcile(input: ReconcileEstimateInput): ReconcileEstimate {
  const { sourceUsers, targetUsers, rates } = input;
  const listMs = Math.max(listDurationMs(sourceUsers, rates.sourceList), listDurationMs(targetUsers, rates.targetList));
  const deepMs = input.deep ? sendDurationMs(sourceUsers, rates.deepRead) : 0;
  const missing = Math.max(0, sourceUsers - targetUsers);
  // A create is AdminCreateUser then AdminSetUserPassword: the slower category binds.
  const creates = (n: number) => Math.max(sendDurationMs(n, rates.create), sendDurationMs(n, rates.password));
  const imported = input.importThreshold !== undefined && missing >= input.importThreshold;
  const createMs = input.apply && !imported ? creates(missing) : 0;
  const createAllMs = input.apply ? creates(sourceUsers) : 0;
  return { listMs, deepMs, missing, createMs, createAllMs, totalMs: listMs + deepMs + createMs };
}

const rate = (r: number) => `${r.toFixed(1)}/s`;

/**
 * The lines said before a run lists anything: the listing of both sides, the `--deep` reads, in
 * apply mode the creates of the users the target lacks (and of every source user, at most), and
 * past {@link LONG_RUN_MS} the routes for a run that long.
 *
 * @example
 * reconcileTimeEstimate({ sourceUsers: 1_000_000, targetUsers: 0, apply: true, deep: false,
 *   rates: { sourceList: 24, targetList: 24, create: 40, password: 24, deepRead: 96 } });
 * // ['about 1,000,000 users in the source and 0 in the target ...: listing both takes at least 11m 34s ...', ...]
 */
export function reconcileTimeEstimate(input: ReconcileEstimateInput): string[] {
  const { sourceUsers, targetUsers, rates } = input;
  const e = estimateReconcile(input);
  const lines = [
    `about ${formatCount(sourceUsers)} users in the source and ${formatCount(targetUsers)} in the target (Cognito's estimates): ` +
      `listing both takes at least ${formatDuration(e.listMs)} (ListUsers, 60 a page, the two sides at once: ` +
      `source ${rate(rates.sourceList)}, target ${rate(rates.targetList)}, the UserList quota less the headroom)`,
  ];
  if (input.deep)
    lines.push(
      `--deep: reading every source user takes at least ${formatDuration(e.deepMs)} (AdminGetUser, ${rate(rates.deepRead)}, UserRead)`,
    );
  if (input.apply) {
    const paced = `AdminCreateUser ${rate(rates.create)} (UserCreation) and AdminSetUserPassword ${rate(rates.password)} (UserAccountRecovery) per user`;
    const missing =
      e.missing && !e.createMs
        ? `the ${formatCount(e.missing)} users the target lacks by these estimates go through user import jobs (--import), not paced by these quotas`
        : `creating the ${formatCount(e.missing)} users the target lacks by these estimates takes at least ${formatDuration(e.createMs)}`;
    lines.push(
      `--apply: ${missing}; creating every source user one by one would take at most ${formatDuration(e.createAllMs)} (${paced}); drifted users are written at the UserUpdate quota on top`,
    );
  }
  lines.push(`in all, at least ${formatDuration(e.totalMs)} at these quotas`);
  if (e.totalMs > LONG_RUN_MS) lines.push(longRunRoutes(input));
  return lines;
}

/** Where a run that long belongs (README, docs/RECONCILE.md, docs/LIMITATIONS.md). */
function longRunRoutes(input: ReconcileEstimateInput): string {
  const routes = [
    "run it in AWS as the scheduled reconcile, which continues itself across Lambda's 15-minute limit and resumes from its checkpoint in S3 (docs/RECONCILE.md, 'The scheduled Lambda'); this CLI too resumes from its checkpoint after a stop (Ctrl-C, a lost session)",
  ];
  if (input.apply && input.importThreshold === undefined)
    routes.push(
      "for a large backfill, --import seeds the missing users through user import jobs, not paced by the create quotas (docs/RECONCILE.md, 'Import (large backfills)')",
    );
  routes.push(
    "and a failover does not wait for it: its faster routes than a reset wave are e-mail one-time codes as a first factor in the standby, or telling users through the app's own channel to use \"Forgot password\" (docs/LIMITATIONS.md, 'The passwordless alternative')",
  );
  return `at this size: ${routes.join('; ')}.`;
}

/** The rates a run's limiters pace its calls at now, by what the run does with them. */
export function reconcileRates(source: Pick<CognitoPool, 'rate'>, target: Pick<CognitoPool, 'rate'>): ReconcileRates {
  return {
    sourceList: source.rate('UserList'),
    targetList: target.rate('UserList'),
    create: target.rate('UserCreation'),
    password: target.rate('UserAccountRecovery'),
    deepRead: source.rate('UserRead'),
  };
}

/**
 * Says the estimate of a run that starts (not of a resumed one: it was said when the run started,
 * and the scheduled Lambda's continuations would repeat it every invocation) through
 * `options.onEstimate`, or as notes of the run's progress. Call it once the pools are described,
 * before the first ListUsers.
 */
export function sayTimeEstimate(session: {
  options: ResolvedOptions;
  resumed: boolean;
  planContext: { sourcePool: { estimatedUsers?: number } };
  targetPool: { estimatedUsers?: number };
  note(message: string): void;
}): void {
  const o = session.options;
  if (session.resumed) return;
  const lines = reconcileTimeEstimate({
    sourceUsers: session.planContext.sourcePool.estimatedUsers ?? 0,
    targetUsers: session.targetPool.estimatedUsers ?? 0,
    rates: reconcileRates(o.source, o.target),
    apply: o.apply,
    deep: o.deep,
    importThreshold: o.apply ? o.import?.threshold : undefined,
  });
  if (o.onEstimate) o.onEstimate(lines);
  else for (const line of lines) session.note(line);
}
