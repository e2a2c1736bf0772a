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
 * about `runBytes` of memory (each written to disk as gzip frames), then the runs are merged k ways (at
 * most `fanIn` at once; more runs merge in rounds). Lines are compared as strings (UTF-16 code
 * units, JavaScript's default order), so the order is total and the output deterministic.
 *
 * Resumable: a manifest `<name>.sort.json` next to the runs records every run written and the
 * input lines it consumed; a sort started again (another session, another Lambda invocation)
 * keeps the runs it finds intact and reads its input on from there. The merge records each part
 * of the output as it closes it: a merge cut short goes through its runs again but writes only
 * the parts still missing (skipping costs reading, not compressing).
 */

/** Settings of one sort. */
export interface SortOptions {
  /** Directory of the runs, the manifest and the output. */
  dir: string;
  /** Base name of the manifest, the runs and the output's parts. */
  name: string;
  /** Identifies the input (a run id): a manifest of another input is discarded. */
  tag: string;
  /**
   * Memory per sorted run, estimated as the lines' characters plus {@link LINE_OVERHEAD_BYTES} per
   * line: the memory bound. Default 32 MiB (about 70,000 listed users, or 600,000 group-member
   * lines, which are short: counting characters alone let a run of those hold millions of lines).
   */
  runBytes?: number;
  /** Lines per sorted run at most (tests make it small). */
  runLines?: number;
  /** Runs merged at once at most. Default 1024. */
  fanIn?: number;
  /** Lines per output part. */
  partLines?: number;
  /** Lines merged between two calls of the checkpoint. Default 65,536. */
  checkEvery?: number;
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
  /** The output's parts complete so far (a merge cut short). */
  partial?: SortedFileInfo;
  output?: SortedFileInfo;
}

export const DEFAULT_RUN_BYTES = 32 * 1024 * 1024;
/**
 * What a buffered line costs beyond its characters: V8's string header (16 bytes), the
 * allocation's rounding to 8 bytes, and its slot in the run's array (8 bytes), with the sort's
 * scratch space (V8's TimSort keeps up to half the array again).
 */
export const LINE_OVERHEAD_BYTES = 40;
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
  const { writer, skip } = await outputWriter(manifest, manifestPath, options);
  const output = await mergeRuns(manifest.runs, options, writer, skip);
  for (const run of manifest.runs) await removeSortedFile(dir, run);
  manifest.runs = [];
  manifest.partial = undefined;
  manifest.output = output;
  await writeJsonAtomic(manifestPath, manifest);
  return output;
}

/**
 * Writes lines already in order as the output of a sort named `options.name` (no runs): resumable
 * part by part as a merge is. `lines(skip)` gives the lines from line `skip` on.
 */
export async function writeSortedOutput(
  lines: (skip: number) => AsyncIterable<string>,
  options: SortOptions,
): Promise<SortedFileInfo> {
  const manifestPath = join(options.dir, `${options.name}.sort.json`);
  const manifest = await loadManifest(manifestPath, options.tag);
  if (manifest.output && (await sortedFileIntact(options.dir, manifest.output))) return manifest.output;
  const { writer, skip } = await outputWriter(manifest, manifestPath, options);
  let output: SortedFileInfo;
  try {
    let n = 0;
    for await (const line of lines(skip)) {
      await writer.add(line);
      if (++n % (options.checkEvery ?? CHECK_EVERY) === 0) options.checkpoint?.();
    }
    output = await writer.finish();
  } finally {
    await writer.abort();
  }
  manifest.partial = undefined;
  manifest.output = output;
  await writeJsonAtomic(manifestPath, manifest);
  return output;
}

/** The output's writer, continuing after the parts recorded complete; `skip`: the lines in them. */
async function outputWriter(
  manifest: SortManifest,
  manifestPath: string,
  options: SortOptions,
): Promise<{ writer: PartWriter; skip: number }> {
  const partial =
    manifest.partial && (await sortedFileIntact(options.dir, manifest.partial)) ? manifest.partial : undefined;
  const writer = new PartWriter(options.dir, options.name, options.partLines, undefined, options.level).continueFrom(
    partial,
  );
  writer.onPartClosed = async (done) => {
    manifest.partial = done;
    await writeJsonAtomic(manifestPath, manifest);
  };
  return { writer, skip: partial?.lines ?? 0 };
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
  const runBytes = options.runBytes ?? DEFAULT_RUN_BYTES;
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
    bytes = 0;
    await writeJsonAtomic(manifestPath, manifest);
  };
  let bytes = 0;
  for await (const line of input(consumed)) {
    buffer.push(line);
    bytes += line.length + LINE_OVERHEAD_BYTES;
    if (buffer.length >= runLines || bytes >= runBytes) await flush();
  }
  if (buffer.length) await flush();
}

/** Merges the runs (in rounds of `fanIn` when there are more) into the output. */
async function mergeRuns(
  runs: SortedFileInfo[],
  options: SortOptions,
  output: PartWriter,
  skip: number,
): Promise<SortedFileInfo> {
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
  const merged = await mergeInto(level, options, output, skip);
  if (level !== runs) for (const run of level) await removeSortedFile(options.dir, run);
  return merged;
}

/**
 * k-way merge of sorted files through a binary heap (ties: the earlier file first); the first
 * `skip` lines are already written (parts of a merge cut short).
 */
async function mergeInto(
  files: SortedFileInfo[],
  options: SortOptions,
  writer: PartWriter,
  skip = 0,
): Promise<SortedFileInfo> {
  const cursors = await Promise.all(files.map((f) => LineCursor.open(sortedFrames(options.dir, f))));
  let n = 0;
  try {
    const heap = new CursorHeap(cursors.filter((c) => c.line !== undefined));
    while (heap.size) {
      const top = heap.top;
      if (n >= skip) await writer.add(top.cursor.line!);
      if (++n % (options.checkEvery ?? CHECK_EVERY) === 0) options.checkpoint?.();
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
