import type { CognitoPool } from '../cognito/pool';
import { Condition } from '../core/concurrency';
import { RunStoppedError } from './scan';

/**
 * A run's view of a pool: the same client, limiter, caches and call counters, but once `signal`
 * is aborted no call of this run reaches Cognito any more. The check is made when a call's turn
 * at the limiter comes, right before sending, so a call that was waiting for its turn when the run
 * stopped fails with {@link RunStoppedError} instead of writing later (after the checkpoint was
 * taken, or in the next Lambda invocation of a warm container). Requests in flight are counted,
 * so a stopping run can wait (`onIdle()`) until nothing is being written before it records its checkpoint.
 */
export function runView<P extends CognitoPool>(
  gateway: P,
  signal: AbortSignal,
): { gateway: P; inFlight(): number; onIdle(): Promise<void> } {
  let inFlight = 0;
  const settled = new Condition();
  const stopped = () => {
    if (signal.aborted) throw new RunStoppedError();
  };
  const view = gateway.intercept({
    onCall: stopped,
    beforeSend: () => {
      stopped();
      inFlight++;
    },
    afterSend: () => {
      inFlight--;
      if (inFlight === 0) settled.notify();
    },
  });
  return { gateway: view, inFlight: () => inFlight, onIdle: () => settled.until(() => inFlight === 0) };
}

/**
 * A per-user view of a pool: its own call counts (so `writeCalls` counts this user's writes
 * only, whatever runs in parallel) and a callback naming the quota category of every call it
 * makes (the scheduler's view of where the user is waiting).
 */
export function userView<P extends CognitoPool>(gateway: P, side: string, at: (key: string) => void): P {
  return gateway.intercept({ onCall: (call) => at(`${side}:${call.category}`) }, { ownCalls: true });
}
