import { type FileHandle, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpoolFile } from './spool';

/**
 * A file of sorted lines as the external sort writes it: one or more parts, each a spool file of
 * gzip frames (the `SpoolFile` format), each part at most `partLines` lines so that no file of a
 * 40-million-user listing comes near S3's 5 GB limit for one PutObject. Its `SortedFileInfo`
 * (part names and lengths) is what proves it complete.
 */

/** A complete sorted file: its parts in order and their lengths. */
export interface SortedFileInfo {
  parts: { name: string; bytes: number }[];
  lines: number;
}

/** Lines per gzip frame (a reader holds one frame of each file it reads). */
export const FRAME_LINES = 256;
/** Lines per part: about 2,000,000 users, 100 to 300 MB gzipped. */
export const PART_LINES = 2_000_000;

/** Writes sorted lines into parts `<base>.<n>.gz` of `dir`, frame by frame. */
export class PartWriter {
  private handle?: FileHandle;
  private readonly parts: { name: string; bytes: number }[] = [];
  private buffer: string[] = [];
  private inPart = 0;
  private lines = 0;
  /** Called with the parts complete so far each time a part is closed (to record progress). */
  onPartClosed?: (done: SortedFileInfo) => Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly base: string,
    private readonly partLines = PART_LINES,
    private readonly frameLines = FRAME_LINES,
    private readonly level = 6,
  ) {}

  /** Continues a file whose first parts (`done`) are complete: the next line starts a new part. */
  continueFrom(done: SortedFileInfo | undefined): this {
    if (done) {
      this.parts.push(...done.parts.map((p) => ({ ...p })));
      this.lines = done.lines;
    }
    return this;
  }

  /** Adds one line (written once a frame is full). */
  async add(line: string): Promise<void> {
    this.buffer.push(line);
    if (this.buffer.length >= this.frameLines || this.inPart + this.buffer.length >= this.partLines) await this.flush();
  }

  /** Writes what is buffered and closes the last part; returns the file's description. */
  async finish(): Promise<SortedFileInfo> {
    await this.flush();
    await this.closePart();
    return { parts: this.parts, lines: this.lines };
  }

  /** Closes without completing (the parts written stay until removed). */
  async abort(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    if (!this.handle) {
      const name = `${this.base}.${this.parts.length}.gz`;
      this.handle = await open(join(this.dir, name), 'w', 0o600);
      this.parts.push({ name, bytes: 0 });
    }
    const body = gzipSync(this.buffer.join('\n'), { level: this.level });
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    await this.handle.write(Buffer.concat([head, body]));
    const part = this.parts[this.parts.length - 1];
    part.bytes += 4 + body.length;
    this.inPart += this.buffer.length;
    this.lines += this.buffer.length;
    this.buffer = [];
    if (this.inPart >= this.partLines) await this.closePart();
  }

  private async closePart(): Promise<void> {
    if (!this.handle) return;
    await this.handle.close();
    this.handle = undefined;
    this.inPart = 0;
    await this.onPartClosed?.({ parts: this.parts.map((p) => ({ ...p })), lines: this.lines });
  }
}

/** The frames of a sorted file, in order (each an array of lines). */
export async function* sortedFrames(dir: string, info: SortedFileInfo): AsyncGenerator<string[]> {
  for (const part of info.parts)
    for await (const frame of new SpoolFile(join(dir, part.name)).frames()) yield frame.lines;
}

/** True when every part of the file is there with its recorded length. */
export async function sortedFileIntact(dir: string, info: SortedFileInfo): Promise<boolean> {
  for (const part of info.parts) {
    try {
      if ((await stat(join(dir, part.name))).size !== part.bytes) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Removes the parts of a sorted file. */
export async function removeSortedFile(dir: string, info: SortedFileInfo | undefined): Promise<void> {
  for (const part of info?.parts ?? []) await rm(join(dir, part.name), { force: true });
}

/** Writes a small JSON file atomically (a manifest). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Reads lines frame by frame: `line` is the current one (`undefined` at the end); `advance()`
 * returns a promise only when it had to read the next frame, so a merge awaits once a frame,
 * not once a line.
 */
export class LineCursor {
  line: string | undefined;
  private lines: string[] = [];
  private i = 0;

  private constructor(private readonly frames: AsyncIterator<string[]>) {}

  /** A cursor on the first line of `frames`. */
  static async open(frames: AsyncIterable<string[]>): Promise<LineCursor> {
    const cursor = new LineCursor(frames[Symbol.asyncIterator]());
    await cursor.load();
    return cursor;
  }

  advance(): Promise<void> | undefined {
    if (++this.i < this.lines.length) {
      this.line = this.lines[this.i];
      return undefined;
    }
    return this.load();
  }

  /** Stops reading (closes the file). */
  async close(): Promise<void> {
    await this.frames.return?.();
  }

  private async load(): Promise<void> {
    for (;;) {
      const next = await this.frames.next();
      if (next.done) {
        this.line = undefined;
        this.lines = [];
        return;
      }
      if (next.value.length === 0) continue;
      this.lines = next.value;
      this.i = 0;
      this.line = this.lines[0];
      return;
    }
  }
}
