import type { JobStore } from './ports';

/** Why a session stopped before the job was done. */
export type StopReason = 'time' | 'paused' | 'interrupted';

/** Settings of a {@link SessionStop}. */
export interface SessionStopOptions {
  /** Epoch ms by which the session must have stopped (the Lambda's remaining time less a margin). */
  deadline: number;
  signal?: AbortSignal;
  store: JobStore;
  poolId: string;
  /** How often the desired state is read from the store. Default 5 s. */
  pollMs?: number;
  now: () => number;
}

/**
 * The stop conditions of one session, checked between rows and pages: the time budget, the
 * operator's pause (the desired state, polled from the store every `pollMs`), and the abort
 * signal (SIGINT). `signal` aborts as soon as one holds, so that waits in progress end too.
 */
export class SessionStop {
  private readonly controller = new AbortController();
  private lastPoll: number;
  private polling = false;
  private readonly timer: NodeJS.Timeout;
  reason?: StopReason;

  constructor(private readonly options: SessionStopOptions) {
    this.lastPoll = options.now();
    const ms = Math.max(0, options.deadline - options.now());
    this.timer = setTimeout(() => this.stop('time'), ms);
    this.timer.unref?.();
    options.signal?.addEventListener('abort', () => this.stop('interrupted'), { once: true });
  }

  /** Aborts when the session must stop. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The reason to stop now, if any (and starts a poll of the desired state when one is due). */
  check(): StopReason | undefined {
    const { options } = this;
    if (options.signal?.aborted) this.stop('interrupted');
    if (options.now() >= options.deadline) this.stop('time');
    if (!this.reason && !this.polling && options.now() - this.lastPoll >= (options.pollMs ?? 5000)) void this.poll();
    return this.reason;
  }

  /** Reads the desired state now. */
  async poll(): Promise<void> {
    this.polling = true;
    try {
      const state = await this.options.store.get(this.options.poolId);
      if (state?.desired === 'paused') this.stop('paused');
    } catch {
      // A failed poll is retried at the next one; the saves would fail too if the store were gone.
    } finally {
      this.lastPoll = this.options.now();
      this.polling = false;
    }
  }

  stop(reason: StopReason): void {
    this.reason ??= reason;
    if (!this.controller.signal.aborted) this.controller.abort();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
