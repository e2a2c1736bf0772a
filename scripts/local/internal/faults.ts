/**
 * Network-level fault injection shared by the Cognito shim and the SQS emulator.
 * @packageDocumentation
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { sleep } from './http';

/**
 * How an "unreachable" endpoint behaves.
 * - `true` / `'reset'`: the request is read, then the connection is destroyed (client sees ECONNRESET / socket hang up).
 * - `'hang'`: the request is read and never answered (client sees its own timeout); hung sockets are
 *   destroyed when the fault is cleared or the server stops.
 */
export type UnreachableMode = boolean | 'reset' | 'hang';

/** Faults common to every emulated endpoint. */
export interface NetworkFaults {
  /** Make the endpoint unreachable (control routes under `/_shim/` still answer). */
  unreachable?: UnreachableMode;
  /** Extra delay before each request is handled, in milliseconds. */
  latencyMs?: number;
}

/**
 * Applies {@link NetworkFaults} to one request. Returns `true` when the request was consumed
 * (connection reset or hung) and must not be answered.
 */
export class FaultGate {
  private readonly hung = new Set<Socket>();

  /** Applies `faults` to `req`; resolves `true` when the caller must stop handling it. */
  async apply(faults: NetworkFaults, req: http.IncomingMessage): Promise<boolean> {
    const mode = faults.unreachable;
    if (mode === true || mode === 'reset') {
      req.socket.destroy();
      return true;
    }
    if (mode === 'hang') {
      this.hung.add(req.socket);
      req.socket.once('close', () => this.hung.delete(req.socket));
      return true;
    }
    if (faults.latencyMs && faults.latencyMs > 0) await sleep(faults.latencyMs);
    return false;
  }

  /** Destroys the sockets held by `'hang'` (when the fault is cleared or on stop). */
  releaseHung(): void {
    for (const s of this.hung) s.destroy();
    this.hung.clear();
  }
}

/** Validates and normalises a faults object received over HTTP. Throws on a bad value. */
export function checkNetworkFaults(input: Record<string, unknown>): NetworkFaults {
  const out: NetworkFaults = {};
  if (input.unreachable !== undefined) {
    const u = input.unreachable;
    if (u !== true && u !== false && u !== 'reset' && u !== 'hang')
      throw new Error('unreachable must be a boolean, "reset" or "hang"');
    out.unreachable = u;
  }
  if (input.latencyMs !== undefined) {
    if (typeof input.latencyMs !== 'number' || input.latencyMs < 0) throw new Error('latencyMs must be a number >= 0');
    out.latencyMs = input.latencyMs;
  }
  return out;
}
