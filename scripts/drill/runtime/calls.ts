/**
 * Call accounting per side and quota category: everything each emulated Cognito received (its
 * shim's counters: the app, the administrators and the suite), and what the suite's own
 * gateways sent (workers, reconcilers, failover, doctor), mapped with the quota table.
 * @packageDocumentation
 */
import type { CognitoPool } from '../../../src/cognito/pool';
import { DEFAULT_QUOTAS, OPERATION_CATEGORY, type QuotaCategory } from '../../../src/cognito/quotas';
import type { Side } from './names';

/** Operations outside the quota table (self-service and set-up calls). */
export const OTHER = 'other (app sign-up, pool set-up)';

export type CallCounts = Record<string, number>;

/** Sums calls per operation into quota categories (plus {@link OTHER}). */
export function byCategory(calls: CallCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(calls)) {
    if (!n) continue;
    const category = OPERATION_CATEGORY[op] ?? OTHER;
    out[category] = (out[category] ?? 0) + n;
  }
  return out;
}

export function addCounts(into: CallCounts, from: CallCounts): CallCounts {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Every gateway the suite used, by the side it talks to. */
export class GatewayRegistry {
  private readonly entries: { gateway: CognitoPool; side: Side; who: string }[] = [];

  add = <G extends CognitoPool>(gateway: G, side: Side, who: string): G => {
    this.entries.push({ gateway, side, who });
    return gateway;
  };

  /** Calls the suite's gateways sent to `side`, by operation. */
  calls(side: Side): CallCounts {
    const out: CallCounts = {};
    for (const e of this.entries) if (e.side === side) addCounts(out, e.gateway.calls);
    return out;
  }

  /** Calls by component (`worker`, `reconcile`, ...) and side. */
  byComponent(): Record<string, Record<Side, number>> {
    const out: Record<string, Record<Side, number>> = {};
    for (const e of this.entries) {
      const row = (out[e.who] ??= { primary: 0, standby: 0 });
      row[e.side] += Object.values(e.gateway.calls).reduce((a, b) => a + b, 0);
    }
    return out;
  }

  destroyAll(): void {
    for (const e of this.entries) e.gateway.destroy();
  }
}

/** Rows for the calls table, in quota-table order. */
export function categoryRows(
  all: Record<Side, CallCounts>,
  suite: Record<Side, CallCounts>,
): { category: string; quota?: number; cells: number[] }[] {
  const a = { primary: byCategory(all.primary), standby: byCategory(all.standby) };
  const s = { primary: byCategory(suite.primary), standby: byCategory(suite.standby) };
  const categories = [...(Object.keys(DEFAULT_QUOTAS) as QuotaCategory[]), OTHER];
  return categories
    .map((category) => ({
      category,
      quota: (DEFAULT_QUOTAS as Record<string, number>)[category],
      cells: [s.primary[category] ?? 0, a.primary[category] ?? 0, s.standby[category] ?? 0, a.standby[category] ?? 0],
    }))
    .filter((r) => r.cells.some((c) => c > 0));
}
