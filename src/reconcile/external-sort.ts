import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LineCursor,
  PartWriter,
  removeSortedFile,
  type SortedFileInfo,
  sortedFileIntact,
  sortedFrames,
  writeJsonAtomic,
} from './sorted-file';

/**
 * External merge sort of lines, in bounded memory: the input is cut into sorted runs of
 * `runChars` characters (each written to disk as gzip frames), then the runs are merged k ways (at
 * most `fanIn` at once; more runs merge in rounds). Lines are compared as strings (UTF-16 code
 * units, JavaScript's default order), so the order is total and the output deterministic.
 *
 * Resumable: a manifest `<name>.sort.json` next to the runs records every run written and the
 * input lines it consumed; a sort started again (another session, another Lambda invocation)
 * keeps the runs it finds intact and reads its input on from there. The merge itself is redone
 * whole when it was cut (it is one streaming pass).
 */

/** Settings of one sort. */
export interface SortOptions {
  /** Directory of the runs, the manifest and the output. */
  dir: string;
  /** Base name of the manifest, the runs and the output's parts. */
  name: string;
  /** Identifies the input (a run id): a manifest of another input is discarded. */
  tag: string;
  /** Characters per sorted run (the memory bound). Default 24 M (about 60,000 users). */
  runChars?: number;
  /** Lines per sorted run at most (tests make it small). */
  runLines?: number;
  /** Runs merged at once at most. Default 1024. */
  fanIn?: number;
  /** Lines per output part. */
  partLines?: number;
  /** gzip level of the output (runs: 1). Default 6. */
  level?: number;
  /**
   * Called between runs and every {@link CHECK_EVERY} lines of a merge: throws to stop (the runs
   * written so far are kept; a merge cut short is redone).
   */
  checkpoint?: () => void;
}

/** What a sort keeps on disk between sessions. */
interface SortManifest {
  tag: string;
  runs: SortedFileInfo[];
  /** Input lines already in runs. */
  consumed: number;
  output?: SortedFileInfo;
}

export const DEFAULT_RUN_CHARS = 24 * 1024 * 1024;
export const DEFAULT_FAN_IN = 1024;
/** Lines merged between two calls of the checkpoint. */
const CHECK_EVERY = 65_536;
/** Lines per gzip frame of a run: a merge holds one frame of each run (1024 runs: about 25 MB). */
const RUN_FRAME_LINES = 64;

/**
 * Sorts the lines of `input(skip)` (the input read from line `skip` on: it must give the same
 * lines every time it is called) into a sorted file of `dir`; returns its description. A sort
 * already complete is returned as it is.
 *
 * @example
 * const sorted = await externalSort((skip) => linesOf(listing, skip), { dir, name: 'source-by-key', tag: runId });
 * for await (const frame of sortedFrames(dir, sorted)) for (const line of frame) use(line);
 */
export async function externalSort(
  input: (skip: number) => AsyncIterable<string>,
  options: SortOptions,
): Promise<SortedFileInfo> {
  const { dir, name } = options;
  const manifestPath = join(dir, `${name}.sort.json`);
  const manifest = await loadManifest(manifestPath, options.tag);
  if (manifest.output && (await sortedFileIntact(dir, manifest.output))) return manifest.output;
  manifest.output = undefined;
  await writeRuns(input, manifest, manifestPath, options);
  const output = await mergeRuns(manifest.runs, options);
  for (const run of manifest.runs) await removeSortedFile(dir, run);
  manifest.runs = [];
  manifest.output = output;
  await writeJsonAtomic(manifestPath, manifest);
  return output;
}

/** The output of a sort already complete (and intact), without sorting. */
export async function sortedOutput(dir: string, name: string, tag: string): Promise<SortedFileInfo | undefined> {
  const manifest = await loadManifest(join(dir, `${name}.sort.json`), tag);
  return manifest.output && (await sortedFileIntact(dir, manifest.output)) ? manifest.output : undefined;
}

async function loadManifest(path: string, tag: string): Promise<SortManifest> {
  try {
    const manifest = JSON.parse(await readFile(path, 'utf8')) as SortManifest;
    if (manifest.tag === tag) return manifest;
  } catch {
    /* missing or torn: start over */
  }
  return { tag, runs: [], consumed: 0 };
}

/** Cuts the input (from where the manifest's intact runs end) into sorted runs. */
async function writeRuns(
  input: (skip: number) => AsyncIterable<string>,
  manifest: SortManifest,
  manifestPath: string,
  options: SortOptions,
): Promise<void> {
  const { dir, name } = options;
  const runLines = options.runLines ?? Number.MAX_SAFE_INTEGER;
  const runChars = options.runChars ?? DEFAULT_RUN_CHARS;
  // Keep the runs that are intact, in order; the input is read again from the first lost one.
  let kept = 0;
  let consumed = 0;
  while (kept < manifest.runs.length && (await sortedFileIntact(dir, manifest.runs[kept]))) {
    consumed += manifest.runs[kept].lines;
    kept++;
  }
  for (const lost of manifest.runs.slice(kept)) await removeSortedFile(dir, lost);
  manifest.runs = manifest.runs.slice(0, kept);
  manifest.consumed = consumed;
  let buffer: string[] = [];
  const flush = async () => {
    options.checkpoint?.();
    buffer.sort();
    const writer = new PartWriter(
      dir,
      `${name}.run-${manifest.runs.length}`,
      Number.MAX_SAFE_INTEGER,
      RUN_FRAME_LINES,
      1,
    );
    for (const line of buffer) await writer.add(line);
    manifest.runs.push(await writer.finish());
    manifest.consumed += buffer.length;
    buffer = [];
    chars = 0;
    await writeJsonAtomic(manifestPath, manifest);
  };
  let chars = 0;
  for await (const line of input(consumed)) {
    buffer.push(line);
    chars += line.length;
    if (buffer.length >= runLines || chars >= runChars) await flush();
  }
  if (buffer.length) await flush();
}

/** Merges the runs (in rounds of `fanIn` when there are more) into the output. */
async function mergeRuns(runs: SortedFileInfo[], options: SortOptions): Promise<SortedFileInfo> {
  const fanIn = Math.max(2, options.fanIn ?? DEFAULT_FAN_IN);
  let level = runs;
  for (let round = 0; level.length > fanIn; round++) {
    const next: SortedFileInfo[] = [];
    for (let i = 0; i < level.length; i += fanIn) {
      const writer = new PartWriter(
        options.dir,
        `${options.name}.merge-${round}-${next.length}`,
        Number.MAX_SAFE_INTEGER,
        RUN_FRAME_LINES,
        1,
      );
      next.push(await mergeInto(level.slice(i, i + fanIn), options, writer));
    }
    if (round > 0) for (const run of level) await removeSortedFile(options.dir, run);
    level = next;
  }
  const writer = new PartWriter(options.dir, options.name, options.partLines, undefined, options.level);
  const output = await mergeInto(level, options, writer);
  if (level !== runs) for (const run of level) await removeSortedFile(options.dir, run);
  return output;
}

/** k-way merge of sorted files through a binary heap (ties: the earlier file first). */
async function mergeInto(files: SortedFileInfo[], options: SortOptions, writer: PartWriter): Promise<SortedFileInfo> {
  const cursors = await Promise.all(files.map((f) => LineCursor.open(sortedFrames(options.dir, f))));
  let n = 0;
  try {
    const heap = new CursorHeap(cursors.filter((c) => c.line !== undefined));
    while (heap.size) {
      const top = heap.top;
      await writer.add(top.cursor.line!);
      if (++n % CHECK_EVERY === 0) options.checkpoint?.();
      const refill = top.cursor.advance();
      if (refill) await refill;
      if (top.cursor.line === undefined) heap.pop();
      else heap.siftDown(0);
    }
    return await writer.finish();
  } finally {
    await writer.abort();
    for (const c of cursors) await c.close();
  }
}

/** A min-heap of cursors by current line, then by file order. */
class CursorHeap {
  private readonly items: { cursor: LineCursor; order: number }[];

  constructor(cursors: LineCursor[]) {
    this.items = cursors.map((cursor, order) => ({ cursor, order }));
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.items.length;
  }

  get top(): { cursor: LineCursor; order: number } {
    return this.items[0];
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  siftDown(at: number): void {
    const items = this.items;
    const n = items.length;
    let i = at;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m], items[i]];
      i = m;
    }
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    const lx = x.cursor.line!;
    const ly = y.cursor.line!;
    return lx < ly || (lx === ly && x.order < y.order);
  }
}
