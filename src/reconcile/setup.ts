/**
 * Kept for callers of the reconcile set-up: the gateway of one side is built by the wiring
 * (src/config/wiring.ts) and `--quota` is parsed with the other settings (src/config/fields.ts).
 * @packageDocumentation
 */
import type { QuotaCategory } from '../cognito/quotas';
import type { CognitoGateway } from '../cognito/gateway';
import { cognitoGateway, type PoolSide } from '../config/wiring';

export { parseQuota } from '../config/fields';

/** One side of a reconcile. */
export type SideSettings = PoolSide;

/**
 * A gateway for one side with its own quota limiter (each side is another Region, so another
 * budget), signed with `side.credentials` or else the standard AWS credential chain.
 * Same as {@link cognitoGateway}.
 */
export function sideGateway(
  side: SideSettings,
  limits: { headroom: number; quotas?: Partial<Record<QuotaCategory, number>> },
): CognitoGateway {
  return cognitoGateway(side, limits);
}
