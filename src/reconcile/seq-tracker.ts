/**
 * Which source users of the pass are done, for resume (the other half of the apply engine is
 * `apply-scheduler.ts`: which to start next).
 */

/** Progress of a pass over the source listing, by sequence number (position in the listing). */
export interface TrackerState {
  /** Every sequence number below this is done. */
  watermark: number;
  /** Done sequence numbers at or above the watermark. */
  done: number[];
  /** No sequence number at or above this was ever started. */
  horizon: number;
  /**
   * Started and not done when the run stopped cleanly: these users may be half-written. Absent
   * after a crash: then every not-done number below the horizon is treated so.
   */
  started?: number[];
}

/** How a resumed pass treats one source user. */
export type SeqStatus = 'done' | 'uncertain' | 'new';

/**
 * Tracks completion out of order with a low watermark, and a start horizon that is recorded in
 * the checkpoint before any user beyond it is started: after a crash, only users below the
 * horizon that are not done can have been partly written, and only those are re-read from the
 * target instead of trusting the (older) listing. A completed write is therefore never repeated.
 */
export class SeqTracker {
  private watermark: number;
  private readonly done: Set<number>;
  private horizon: number;
  private readonly inFlight = new Set<number>();
  private readonly previous: { horizon: number; started?: Set<number> };

  constructor(state?: TrackerState) {
    this.watermark = state?.watermark ?? 0;
    this.done = new Set(state?.done ?? []);
    this.horizon = state?.horizon ?? 0;
    this.previous = { horizon: this.horizon, started: state?.started ? new Set(state.started) : undefined };
    this.advance();
  }

  /** How the previous run left `seq`. */
  status(seq: number): SeqStatus {
    if (seq < this.watermark || this.done.has(seq)) return 'done';
    if (seq >= this.previous.horizon) return 'new';
    if (this.previous.started) return this.previous.started.has(seq) ? 'uncertain' : 'new';
    return 'uncertain';
  }

  /** True when starting `seq` needs the horizon recorded further first. */
  needsHorizon(seq: number): boolean {
    return seq >= this.horizon;
  }

  /** Moves the horizon (the caller saves the checkpoint before starting anything beyond the old one). */
  extendHorizon(to: number): void {
    this.horizon = Math.max(this.horizon, to);
  }

  start(seq: number): void {
    this.inFlight.add(seq);
  }

  /** Forgets a started user that never got to write anything (stopped before it began). */
  release(seq: number): void {
    this.inFlight.delete(seq);
  }

  complete(seq: number): void {
    this.inFlight.delete(seq);
    if (seq >= this.watermark) this.done.add(seq);
    this.advance();
  }

  /** Users started and not completed. */
  get pending(): number {
    return this.inFlight.size;
  }

  get completedBelow(): number {
    return this.watermark;
  }

  /** State to record. `clean`: nothing is being written right now, so the started set is exact. */
  snapshot(clean: boolean): TrackerState {
    const state: TrackerState = {
      watermark: this.watermark,
      done: [...this.done].sort((a, b) => a - b),
      horizon: this.horizon,
    };
    if (clean) {
      // Users left uncertain by the previous run and not yet redone stay uncertain.
      const started = new Set(this.inFlight);
      if (this.previous.started) {
        for (const s of this.previous.started) if (!this.done.has(s) && s >= this.watermark) started.add(s);
      } else {
        for (let s = this.watermark; s < this.previous.horizon; s++) if (!this.done.has(s)) started.add(s);
      }
      state.started = [...started].sort((a, b) => a - b);
    }
    return state;
  }

  private advance(): void {
    while (this.done.delete(this.watermark)) this.watermark++;
  }
}
