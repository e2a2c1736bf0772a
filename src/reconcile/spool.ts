import { closeSync, openSync, readSync } from 'node:fs';
import { appendFile, mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Append-only spool files for scan results. Each append (one listed page) is one frame: a 4-byte
 * big-endian length and a gzip member holding the page's lines (JSON, one record a line). A file
 * is valid up to its last completed frame and can be cut back to a length recorded in a
 * checkpoint; a frame can be read on its own by its offset, so an index can point into the
 * spool instead of holding the records (a listed user costs about 60 bytes on disk).
 */
export class SpoolFile {
  constructor(readonly path: string) {}

  /** Appends one frame; resolves with its offset and the file's new length (the committed length to record). */
  async append(lines: string[]): Promise<{ offset: number; length: number }> {
    const offset = await this.length();
    if (lines.length === 0) return { offset, length: offset };
    await mkdir(dirname(this.path), { recursive: true });
    const body = gzipSync(lines.join('\n'), { level: 6 });
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    await appendFile(this.path, Buffer.concat([head, body]), { mode: 0o600 });
    return { offset, length: offset + 4 + body.length };
  }

  /** Current length in bytes (0 when the file does not exist). */
  async length(): Promise<number> {
    try {
      return (await stat(this.path)).size;
    } catch {
      return 0;
    }
  }

  /** Cuts the file back to `bytes` (a committed length), creating it empty when missing. */
  async truncateTo(bytes: number): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const current = await this.length();
    if (current === 0 && bytes === 0) {
      const handle = await open(this.path, 'a', 0o600);
      await handle.close();
      return;
    }
    if (current < bytes)
      throw new Error(`spool ${this.path} is shorter (${current} bytes) than its checkpoint says (${bytes})`);
    if (current > bytes) await truncate(this.path, bytes);
  }

  /** Every frame in order, with its offset. A missing file reads as empty. */
  async *frames(): AsyncGenerator<{ offset: number; lines: string[] }> {
    const size = await this.length();
    if (size === 0) return;
    const handle = await open(this.path, 'r');
    try {
      const head = Buffer.alloc(4);
      for (let offset = 0; offset + 4 <= size; ) {
        await handle.read(head, 0, 4, offset);
        const n = head.readUInt32BE(0);
        if (offset + 4 + n > size) break; // a torn last frame (never committed)
        const body = Buffer.alloc(n);
        await handle.read(body, 0, n, offset + 4);
        yield { offset, lines: gunzipSync(body).toString('utf8').split('\n') };
        offset += 4 + n;
      }
    } finally {
      await handle.close();
    }
  }

  /** Every line in order. */
  async *lines(): AsyncGenerator<string> {
    for await (const frame of this.frames()) yield* frame.lines;
  }
}

/**
 * Synchronous random access to spool frames (the target index keeps only where each user is).
 * The most recently used frames are kept decoded (1024 frames: about 60,000 users, 20 MB), so a
 * pool of that size is decompressed once; beyond, lookups in random order decompress a 4 KB frame
 * each (tens of microseconds).
 */
export class FrameReader {
  private readonly fds = new Map<number, number>();
  private readonly cache = new Map<string, string[]>();
  private readonly head = Buffer.alloc(4);

  constructor(
    private readonly files: SpoolFile[],
    private readonly cacheSize = 1024,
  ) {}

  /** Line `index` of the frame at `offset` of file `file`. */
  line(file: number, offset: number, index: number): string {
    const key = `${file}:${offset}`;
    let lines = this.cache.get(key);
    if (lines) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, lines);
    } else {
      let fd = this.fds.get(file);
      if (fd === undefined) this.fds.set(file, (fd = openSync(this.files[file].path, 'r')));
      readSync(fd, this.head, 0, 4, offset);
      const body = Buffer.alloc(this.head.readUInt32BE(0));
      readSync(fd, body, 0, body.length, offset + 4);
      lines = gunzipSync(body).toString('utf8').split('\n');
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, lines);
    }
    return lines[index];
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.cache.clear();
  }
}
