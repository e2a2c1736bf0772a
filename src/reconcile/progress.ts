import { duration } from './readiness';

/** What the run reports as it goes (the CLI draws it on a terminal; the Lambda logs phases). */
export interface ProgressSink {
  phase(name: string, total?: number): void;
  /** Absolute progress within the phase. */
  update(done: number, detail?: string): void;
  log(message: string): void;
  end(): void;
}

/** Reports nothing. */
export const silentProgress: ProgressSink = { phase() {}, update() {}, log() {}, end() {} };

/**
 * One status line on a terminal (stderr), redrawn at most every 200 ms: phase, done/total,
 * rate and ETA from the rate over the last minute.
 */
export class TerminalProgress implements ProgressSink {
  private name = '';
  private total?: number;
  private done = 0;
  private detail = '';
  private lastDraw = 0;
  private samples: { t: number; done: number }[] = [];

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  phase(name: string, total?: number): void {
    this.clear();
    this.name = name;
    this.total = total;
    this.done = 0;
    this.detail = '';
    this.samples = [{ t: this.now(), done: 0 }];
    this.draw(true);
  }

  update(done: number, detail?: string): void {
    this.done = done;
    if (detail !== undefined) this.detail = detail;
    this.draw(false);
  }

  log(message: string): void {
    this.clear();
    this.stream.write(`${message}\n`);
    this.draw(true);
  }

  end(): void {
    this.clear();
  }

  private clear(): void {
    this.stream.write('\r\x1b[2K');
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < 200) return;
    this.lastDraw = t;
    this.samples.push({ t, done: this.done });
    while (this.samples.length > 2 && t - this.samples[0].t > 60_000) this.samples.shift();
    const first = this.samples[0];
    const rate = t > first.t ? ((this.done - first.done) * 1000) / (t - first.t) : 0;
    const parts = [this.name];
    parts.push(
      this.total
        ? `${this.done}/${this.total} (${Math.floor((100 * this.done) / Math.max(1, this.total))}%)`
        : `${this.done}`,
    );
    if (rate > 0) parts.push(`${rate.toFixed(1)}/s`);
    if (rate > 0 && this.total && this.total > this.done)
      parts.push(`ETA ${duration((this.total - this.done) / rate)}`);
    if (this.detail) parts.push(this.detail);
    const width = this.stream.columns ?? 120;
    this.stream.write(`\r\x1b[2K${parts.join('  ').slice(0, width - 1)}`);
  }
}
