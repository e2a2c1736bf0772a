import { JobStateError } from './errors';
import type { ManifestPart, PartRef } from './types';

/**
 * A manifest part as JSONL: a header line (shard, generation, how many rows and users apart), then
 * one line per row (`{"row":…}`) and per user listed apart (`{"excluded":…}`). The counts in the
 * header tell a truncated object from a whole one.
 */
export function encodePart(part: ManifestPart): string {
  const lines = [
    JSON.stringify({
      shard: part.shard,
      generation: part.generation,
      rows: part.rows.length,
      excluded: part.excluded.length,
    }),
    ...part.rows.map((row) => JSON.stringify({ row })),
    ...part.excluded.map((excluded) => JSON.stringify({ excluded })),
  ];
  return `${lines.join('\n')}\n`;
}

/** Reads a part written by {@link encodePart}; throws {@link JobStateError} when it is not whole. */
export function decodePart(text: string, where: string): ManifestPart {
  const lines = text.split('\n').filter((l) => l.length > 0);
  try {
    const header = JSON.parse(lines[0] ?? '') as { shard: string; generation: number; rows: number; excluded: number };
    const part: ManifestPart = { shard: header.shard, generation: header.generation, rows: [], excluded: [] };
    for (const line of lines.slice(1)) {
      const item = JSON.parse(line) as {
        row?: ManifestPart['rows'][number];
        excluded?: ManifestPart['excluded'][number];
      };
      if (item.row) part.rows.push(item.row);
      else if (item.excluded) part.excluded.push(item.excluded);
    }
    if (part.rows.length !== header.rows || part.excluded.length !== header.excluded) throw new Error('counts differ');
    return part;
  } catch (err) {
    throw new JobStateError(`manifest part ${where} is not whole (${(err as Error).message})`);
  }
}

/** The object name of a part (see {@link PartRef}); page numbers zero-padded so that a listing sorts in page order. */
export function partName(ref: PartRef): string {
  return `parts/${ref.shard}/g${ref.generation}/${String(ref.page).padStart(8, '0')}-s${ref.session}.jsonl`;
}
