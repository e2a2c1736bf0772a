/**
 * Faults of the API a test can set on a Region: a share of throttled requests, short list pages
 * (both drawn from a seeded random source for repeatable runs), and `failNext`, which answers a
 * chosen call with a chosen error. Network faults (unreachable, latency) belong to the HTTP
 * transport (../internal/faults.ts).
 * @packageDocumentation
 */
import { makeRandom } from '../internal/http';
import type { Json } from './types';

/** Faults set at run time (`model.faults = {...}`; `{}` clears). */
export interface ApiFaults {
  /** Share (0..1) of API requests answered TooManyRequestsException, like Cognito's throttling. */
  throttleShare?: number;
  /** Only these operations are throttled (default: all). */
  throttleOps?: string[];
  /** Seed of the random draws (throttling, short pages). */
  seed?: number;
  /** List pages come back shorter than `Limit` (random, possibly empty) while more remain, as Cognito allows. */
  shortPages?: boolean;
}

/** Checks an {@link ApiFaults} value received over HTTP; throws on a bad one. */
export function checkApiFaults(f: Json): ApiFaults {
  const out: ApiFaults = {};
  if (f.throttleShare !== undefined) {
    if (typeof f.throttleShare !== 'number' || f.throttleShare < 0 || f.throttleShare > 1)
      throw new Error('throttleShare must be between 0 and 1');
    out.throttleShare = f.throttleShare;
  }
  if (f.throttleOps !== undefined) {
    if (!Array.isArray(f.throttleOps)) throw new Error('throttleOps must be a list of operation names');
    out.throttleOps = [...f.throttleOps];
  }
  if (f.seed !== undefined) out.seed = Number(f.seed);
  if (f.shortPages !== undefined) out.shortPages = !!f.shortPages;
  return out;
}

/** The faults in force and their random source. */
export class FaultState {
  current: ApiFaults = {};
  private random: () => number = Math.random;

  set(f: ApiFaults): void {
    if (f.seed !== undefined || this.current.seed !== undefined) this.random = makeRandom(f.seed);
    this.current = f;
  }

  /** Whether this request of `op` is throttled by the fault. */
  throttles(op: string): boolean {
    const f = this.current;
    return !!f.throttleShare && (!f.throttleOps || f.throttleOps.includes(op)) && this.random() < f.throttleShare;
  }

  /** The share of a page to answer when pages are cut short, else `undefined`. */
  shortPage(): number | undefined {
    return this.current.shortPages ? this.random() : undefined;
  }
}
