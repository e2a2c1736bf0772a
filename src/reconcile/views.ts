import type { CognitoGateway } from '../cognito/gateway';
import { Condition } from '../core/concurrency';
import { OPERATION_CATEGORY } from '../cognito/quotas';
import { RunStoppedError } from './scan';

/**
 * A run's view of a gateway: the same client, limiter, cache and call counters, but once `signal`
 * is aborted no call of this run reaches Cognito any more. The check is made when a call's turn
 * at the limiter comes, right before sending, so a call that was waiting for its turn when the run
 * stopped fails with {@link RunStoppedError} instead of writing later (after the checkpoint was
 * taken, or in the next Lambda invocation of a warm container). Requests in flight are counted,
 * so a stopping run can wait (`onIdle()`) until nothing is being written before it records its checkpoint.
 */
export function runView(
  gateway: CognitoGateway,
  signal: AbortSignal,
): { gateway: CognitoGateway; inFlight(): number; onIdle(): Promise<void> } {
  const view = Object.create(gateway) as CognitoGateway;
  let inFlight = 0;
  const settled = new Condition();
  view.call = <T>(operation: string, send: () => Promise<T>): Promise<T> => {
    if (signal.aborted) return Promise.reject(new RunStoppedError());
    return gateway.call(operation, async () => {
      if (signal.aborted) throw new RunStoppedError();
      inFlight++;
      try {
        return await send();
      } finally {
        inFlight--;
        if (inFlight === 0) settled.notify();
      }
    });
  };
  return { gateway: view, inFlight: () => inFlight, onIdle: () => settled.until(() => inFlight === 0) };
}

/**
 * A per-user view of a gateway: its own call counts (so `writeCalls` counts this user's writes
 * only, whatever runs in parallel) and a callback naming the quota category of every call it
 * makes (the scheduler's view of where the user is waiting).
 */
export function userView(gateway: CognitoGateway, side: string, at: (key: string) => void): CognitoGateway {
  const view = Object.create(gateway) as CognitoGateway;
  const own: Record<string, number> = {};
  Object.defineProperty(view, 'calls', { value: own, enumerable: true });
  view.call = <T>(operation: string, send: () => Promise<T>): Promise<T> => {
    at(`${side}:${OPERATION_CATEGORY[operation] ?? 'UserPoolRead'}`);
    own[operation] = (own[operation] ?? 0) + 1;
    return gateway.call(operation, send);
  };
  return view;
}
