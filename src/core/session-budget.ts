/**
 * How long one session of a self-continuing Lambda job (the scheduled reconcile, the failover job,
 * the scheduled snapshot) may work before it stops, saves its place and invokes the next session.
 * @packageDocumentation
 */

/** Lambda's longest invocation: the budget when the invocation's context does not say. */
export const LAMBDA_MAX_MS = 900_000;
/** The least time kept back: requests in flight settle, the checkpoint is saved, the next session is invoked. */
const MIN_MARGIN_MS = 20_000;

/**
 * The milliseconds a session may work: what the invocation has left (`remainingMs`, from
 * `context.getRemainingTimeInMillis()`) less a margin of a tenth of it, at least 20 s and at most
 * `maxMarginMs`; never less than one second.
 *
 * @example
 * const deadline = Date.now() + sessionWorkMs(context?.getRemainingTimeInMillis?.(), 60_000);
 */
export function sessionWorkMs(remainingMs: number | undefined, maxMarginMs: number): number {
  const remaining = remainingMs ?? LAMBDA_MAX_MS;
  const margin = Math.min(maxMarginMs, Math.max(MIN_MARGIN_MS, remaining * 0.1));
  return Math.max(1000, remaining - margin);
}
