import { Condition } from '../core/concurrency';

/**
 * The apply engine's scheduler: which source users to start next so that every quota category
 * stays busy at once. The pacing itself is the gateway's QuotaLimiter; the scheduler only keeps
 * enough work waiting at each category's limiter, and no more. (Which users are done, for
 * resume, is `seq-tracker.ts`.)
 */

/** A unit of apply work: one user's writes. */
export interface Job {
  seq: number;
  /** Category keys (`side:Category`) of its calls in order; the first is where it starts waiting. */
  path: string[];
  /** Runs the job; `at(key)` is called when it moves on to a call of another category. */
  run(at: (key: string) => void): Promise<void>;
}

/** Settings of an {@link ApplyScheduler}. */
export interface SchedulerOptions {
  /** Current allowed requests per second of a category key. */
  rate(key: string): number;
  /** Work kept waiting at a category, in seconds of its rate, before more is started. Default 2. */
  fillSeconds?: number;
  /** No job is started while any category on its path already holds this many seconds of work. Default 8. */
  capSeconds?: number;
  /** Jobs running at once, at most. Default 5000. */
  maxInFlight?: number;
  /** Jobs waiting to start, at most (submit waits beyond). Default 2000. */
  lookahead?: number;
}

/**
 * Starts jobs so that each category's limiter always has about `fillSeconds` of work waiting:
 * a category short of work starts the next job that begins with it, unless a later category of
 * that job is already far behind (which would only pile up jobs). So user creation, password
 * setting, attribute and group updates and MFA calls all run near their own ceilings at the same
 * time, whatever the mix of work, instead of one user at a time.
 */
export class ApplyScheduler {
  private readonly active = new Map<string, number>();
  private readonly queues = new Map<string, Job[]>();
  private buffered = 0;
  private running = 0;
  private stopped = false;
  /** Woken when the look-ahead buffer has room (or the scheduler stopped). */
  private readonly room = new Condition();
  /** Woken when nothing is waiting or running. */
  private readonly drained = new Condition();
  private readonly fill: number;
  private readonly cap: number;
  private readonly maxInFlight: number;
  private readonly lookahead: number;
  /** Errors thrown by jobs (a job is expected to catch its own). */
  readonly errors: unknown[] = [];

  constructor(private readonly options: SchedulerOptions) {
    this.fill = options.fillSeconds ?? 2;
    this.cap = options.capSeconds ?? 8;
    this.maxInFlight = options.maxInFlight ?? 5000;
    this.lookahead = options.lookahead ?? 2000;
  }

  /** Jobs running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Jobs waiting to start. */
  get waiting(): number {
    return this.buffered;
  }

  /** Adds a job; waits while the look-ahead buffer is full. */
  async submit(job: Job): Promise<void> {
    await this.room.until(() => this.buffered < this.lookahead || this.stopped);
    if (this.stopped) return;
    const first = job.path[0] ?? '';
    let queue = this.queues.get(first);
    if (!queue) this.queues.set(first, (queue = []));
    queue.push(job);
    this.buffered++;
    this.schedulePump();
  }

  /** Resolves when no job is waiting or running. */
  async idle(): Promise<void> {
    await this.drained.until(() => this.running === 0 && this.buffered === 0);
  }

  /** Starts nothing more; returns the jobs that never started. */
  stop(): Job[] {
    this.stopped = true;
    const dropped = [...this.queues.values()].flat();
    this.queues.clear();
    this.buffered = 0;
    this.room.notify();
    this.settle();
    return dropped;
  }

  private target(key: string): number {
    return Math.max(2, Math.ceil(this.options.rate(key) * this.fill));
  }

  private limit(key: string): number {
    return Math.max(this.target(key) + 2, Math.ceil(this.options.rate(key) * this.cap));
  }

  private count(key: string): number {
    return this.active.get(key) ?? 0;
  }

  private pump(): void {
    if (this.stopped) return;
    let started = true;
    while (started && this.running < this.maxInFlight) {
      started = false;
      for (const [first, queue] of this.queues) {
        if (queue.length === 0) continue;
        const job = queue[0];
        const ready = first === '' || this.count(first) < this.target(first);
        const room = job.path.every((k) => this.count(k) < this.limit(k));
        if ((ready && room) || this.running === 0) {
          queue.shift();
          this.start(job);
          started = true;
          if (this.running >= this.maxInFlight) break;
        }
      }
    }
    if (this.buffered < this.lookahead) this.room.notify();
  }

  private pumpScheduled = false;

  /** Pumps after the current call stack: a job never starts other jobs from inside its own calls. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private start(job: Job): void {
    this.buffered--;
    this.running++;
    let at = job.path[0];
    if (at) this.active.set(at, this.count(at) + 1);
    const move = (key: string) => {
      if (key === at) return;
      if (at) this.active.set(at, this.count(at) - 1);
      at = key;
      this.active.set(key, this.count(key) + 1);
      this.schedulePump();
    };
    job
      .run(move)
      .catch((err) => {
        this.errors.push(err);
      })
      .finally(() => {
        if (at) this.active.set(at, this.count(at) - 1);
        this.running--;
        this.schedulePump();
        this.settle();
      });
  }

  private settle(): void {
    if (this.running === 0 && this.buffered === 0) this.drained.notify();
  }
}
