import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ManifestStore } from './ports';
import { decodePart, encodePart, partName } from './part-codec';
import type { ManifestPart, PartRef } from './types';

/**
 * The manifest's parts in a local directory (`<dir>/<jobId>/parts/…`), for the local mode and
 * the tests. Files are 0600 in 0700 directories (contact data), each written whole (temporary
 * file, then rename).
 */
export class DirManifestStore implements ManifestStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  async putPart(jobId: string, ref: PartRef, part: ManifestPart): Promise<void> {
    const file = join(this.dir, jobId, partName(ref));
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, encodePart(part), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  }

  async getPart(jobId: string, ref: PartRef): Promise<ManifestPart | undefined> {
    const file = join(this.dir, jobId, partName(ref));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return decodePart(text, file);
  }
}
