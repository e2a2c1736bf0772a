/**
 * The drill's narration: act headers with their timings, steps, tables and a live progress line.
 * Only counts, subs, pool ids and endpoints are ever printed, never an e-mail or phone number.
 * @packageDocumentation
 */

/** Where the narration goes and how it looks. */
export interface NarratorOptions {
  /** Default: stdout. */
  write?: (text: string) => void;
  /** ANSI colours. Default: stdout is a terminal and NO_COLOR is unset. */
  color?: boolean;
  /** Redraw progress lines in place. Default: stdout is a terminal. */
  live?: boolean;
  /** Clock (tests). */
  now?: () => number;
}

/** `850 ms`, `4.2 s`, `1m 05s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** A progress line redrawn in place on a terminal, printed sparingly elsewhere. */
export interface LiveLine {
  update(text: string): void;
  done(text?: string): void;
}

/** The outcome of one act, for the final table. */
export interface ActRecord {
  n: number;
  title: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  note?: string;
}

const ESC = '\x1b[';

export class Narrator {
  readonly acts: ActRecord[] = [];
  private readonly write: (text: string) => void;
  private readonly color: boolean;
  private readonly liveMode: boolean;
  private readonly now: () => number;
  private current?: { n: number; title: string; started: number };
  private liveDrawn = false;

  constructor(options: NarratorOptions = {}) {
    const tty = !!process.stdout.isTTY;
    this.write = options.write ?? ((t) => process.stdout.write(t));
    this.color = options.color ?? (tty && !process.env.NO_COLOR);
    this.liveMode = options.live ?? tty;
    this.now = options.now ?? Date.now;
  }

  private paint(code: string, text: string): string {
    return this.color ? `${ESC}${code}m${text}${ESC}0m` : text;
  }

  bold = (t: string) => this.paint('1', t);
  dim = (t: string) => this.paint('2', t);
  green = (t: string) => this.paint('32', t);
  red = (t: string) => this.paint('31', t);
  yellow = (t: string) => this.paint('33', t);
  cyan = (t: string) => this.paint('36', t);

  /** One line (indented by `indent` spaces). */
  line(text = '', indent = 0): void {
    this.clearLive();
    this.write(`${' '.repeat(indent)}${text}\n`);
  }

  banner(title: string, lines: string[]): void {
    this.line(this.bold(title));
    for (const l of lines) this.line(this.dim(l), 2);
  }

  /** Starts an act: a header; {@link endAct} prints its time. */
  act(n: number, title: string, blurb?: string): void {
    this.current = { n, title, started: this.now() };
    this.line();
    const head = `Act ${n} · ${title} `;
    this.line(this.bold(this.cyan(`${head}${'─'.repeat(Math.max(4, 78 - head.length))}`)));
    if (blurb) this.line(this.dim(blurb), 2);
  }

  /** Ends the current act and records it. */
  endAct(status: ActRecord['status'] = 'ok', note?: string): ActRecord {
    const cur = this.current ?? { n: 0, title: '?', started: this.now() };
    const ms = this.now() - cur.started;
    const record: ActRecord = { n: cur.n, title: cur.title, status, ms, note };
    this.acts.push(record);
    const label =
      status === 'ok' ? this.green('done') : status === 'skipped' ? this.yellow('SKIPPED') : this.red('FAILED');
    this.line(
      `${this.dim(`act ${cur.n}`)} ${label} ${this.dim(`in ${formatMs(ms)}`)}${note ? ` ${this.dim(`(${note})`)}` : ''}`,
      2,
    );
    this.current = undefined;
    return record;
  }

  /** Milliseconds since the current act began. */
  actElapsed(): number {
    return this.current ? this.now() - this.current.started : 0;
  }

  ok(text: string, ms?: number): void {
    this.line(`${this.green('✓')} ${text}${ms !== undefined ? this.dim(`  (${formatMs(ms)})`) : ''}`, 2);
  }

  info(text: string): void {
    this.line(`${this.dim('·')} ${text}`, 2);
  }

  warn(text: string): void {
    this.line(`${this.yellow('!')} ${text}`, 2);
  }

  fail(text: string): void {
    this.line(`${this.red('✗')} ${text}`, 2);
  }

  skip(text: string): void {
    this.line(`${this.yellow('–')} ${this.yellow('skipped:')} ${text}`, 2);
  }

  /** Lines under the previous one, indented further. */
  detail(lines: string[] | string, indent = 6): void {
    for (const l of Array.isArray(lines) ? lines : lines.split('\n')) this.line(this.dim(l), indent);
  }

  /** Runs `fn` as a step: prints `✓ label (time)` when it resolves, `✗ label: error` and rethrows when it fails. */
  async step<T>(label: string | ((result: T) => string), fn: () => Promise<T>): Promise<T> {
    const t0 = this.now();
    try {
      const result = await fn();
      this.ok(typeof label === 'function' ? label(result) : label, this.now() - t0);
      return result;
    } catch (err) {
      this.fail(`${typeof label === 'function' ? 'step' : label}: ${(err as Error)?.message ?? String(err)}`);
      throw err;
    }
  }

  /** A table: `align` per column (`l` default, `r` for numbers). */
  table(head: string[], rows: (string | number)[][], options: { align?: ('l' | 'r')[]; indent?: number } = {}): void {
    const cells = [head, ...rows.map((r) => r.map(String))];
    const widths = head.map((_, i) => Math.max(...cells.map((r) => visibleLength(r[i] ?? ''))));
    const fmt = (r: string[]) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat(Math.max(0, widths[i] - visibleLength(c)));
          return (options.align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? pad + c : c + pad;
        })
        .join('  ');
    const indent = options.indent ?? 4;
    this.line(this.bold(fmt(head)), indent);
    this.line(this.dim(widths.map((w) => '─'.repeat(w)).join('  ')), indent);
    for (const r of cells.slice(1)) this.line(fmt(r), indent);
  }

  /** A progress line: redrawn in place on a terminal; elsewhere printed at most every `plainMs`. */
  live(plainMs = 2000): LiveLine {
    let last = 0;
    return {
      update: (text) => {
        if (this.liveMode) {
          this.write(`\r${ESC}K    ${this.dim(text)}`);
          this.liveDrawn = true;
          return;
        }
        const t = this.now();
        if (t - last < plainMs) return;
        last = t;
        this.write(`    ${text}\n`);
      },
      done: (text) => {
        this.clearLive();
        if (text) this.line(this.dim(text), 4);
      },
    };
  }

  private clearLive(): void {
    if (!this.liveDrawn) return;
    this.write(`\r${ESC}K`);
    this.liveDrawn = false;
  }
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal colour codes is the point
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
