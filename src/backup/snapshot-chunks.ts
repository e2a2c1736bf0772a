/**
 * The chunks of a snapshot: JSON lines gathered into gzip objects of bounded size, each written
 * once (put-new) with its SHA-256, byte and record counts kept for the manifest. Memory holds
 * only the chunk being filled and those being uploaded, whatever the pool's size.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { BackupStore } from './store';
import type { SnapshotChunk } from './types';

const gzip = promisify(gzipCallback);

/** Content type of a gzip JSON-lines chunk. */
export const CHUNK_CONTENT_TYPE = 'application/x-ndjson';

/** Bounds of one chunk, before compression. */
export interface ChunkLimits {
  /** Characters of JSON (about bytes, before compression) after which a chunk is closed. Default 8 MiB. */
  maxBytes?: number;
  /** Lines after which a chunk is closed. Default 20,000. */
  maxRecords?: number;
}

export const DEFAULT_CHUNK_LIMITS: Required<ChunkLimits> = { maxBytes: 8 * 1024 * 1024, maxRecords: 20_000 };

/** Thrown when a snapshot's object name is already taken: nothing is ever overwritten. */
export class ChunkExistsError extends Error {
  override readonly name = 'ChunkExistsError';
}

/** SHA-256 of bytes, hex. */
export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Gzips `text` and writes it at `key` as a new object; the chunk as a manifest lists it. */
export async function putChunk(
  store: BackupStore,
  key: string,
  kind: SnapshotChunk['kind'],
  text: string,
  records: number,
): Promise<SnapshotChunk> {
  const body = await gzip(Buffer.from(text, 'utf8'));
  if ((await store.putNew(key, body, CHUNK_CONTENT_TYPE)) === 'exists')
    throw new ChunkExistsError(`${store.location(key)} already exists: a snapshot never overwrites an object`);
  return { key, kind, records, bytes: body.length, sha256: sha256Hex(body) };
}

/**
 * Writes lines of one kind into numbered chunks `<folder><stem>-<n>.jsonl.gz` (the stem is the
 * kind unless given: a snapshot's shard writers name theirs `<shard>/users`). `add` returns once
 * the line is buffered, or, when it closed a chunk, once that chunk is stored: a caller awaiting
 * it (page by page) keeps memory bounded. Several callers may add at once (parallel listings).
 */
export class ChunkWriter {
  /** Records added so far. */
  records = 0;
  private lines: string[] = [];
  private bytes = 0;
  private next = 0;
  private readonly written: SnapshotChunk[] = [];
  private readonly limits: Required<ChunkLimits>;

  constructor(
    private readonly store: BackupStore,
    private readonly folder: string,
    private readonly kind: SnapshotChunk['kind'],
    limits: ChunkLimits = {},
    private readonly stem: string = kind,
  ) {
    this.limits = { ...DEFAULT_CHUNK_LIMITS, ...limits };
  }

  /** Adds records (one JSON line each); stores the chunk they fill. */
  async add(records: readonly unknown[]): Promise<void> {
    for (const record of records) {
      const line = `${JSON.stringify(record)}\n`;
      this.lines.push(line);
      this.bytes += line.length;
      this.records++;
      if (this.lines.length >= this.limits.maxRecords || this.bytes >= this.limits.maxBytes) await this.flush();
    }
  }

  /** Stores what is buffered (nothing when empty); returns every chunk written, in order. */
  async close(): Promise<SnapshotChunk[]> {
    await this.flush();
    return [...this.written].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Bytes stored so far (compressed). */
  get storedBytes(): number {
    return this.written.reduce((n, c) => n + c.bytes, 0);
  }

  /** Chunks stored so far. */
  get chunks(): number {
    return this.written.length;
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    // Taken synchronously: a parallel caller starts a new chunk while this one uploads.
    const lines = this.lines;
    this.lines = [];
    this.bytes = 0;
    const key = `${this.folder}${this.stem}-${String(this.next++).padStart(5, '0')}.jsonl.gz`;
    this.written.push(await putChunk(this.store, key, this.kind, lines.join(''), lines.length));
  }
}
