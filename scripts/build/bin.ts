/**
 * npm run build: bundles the `cognito-standby-sync` bin (scripts/bin.ts and every tool it mounts)
 * into dist/bin with esbuild, as serverless-esbuild bundles the Lambdas (serverless.yml): every
 * dependency inside, minified ESM, so that the package installs with no dependency at all and no
 * TypeScript compiler runs at start-up. Each tool is a chunk of its own, loaded only when asked
 * for. The licences of the bundled packages go to dist/bin/THIRD-PARTY-LICENSES.txt.
 * `prepack` runs it, so `npm pack` and `npm publish` always ship a fresh build.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

const ROOT = resolve(__dirname, '..', '..');
/** Where the bin is built; package.json `bin` and `files` name it. */
export const BIN_DIR = join(ROOT, 'dist', 'bin');
export const BIN_FILE = join(BIN_DIR, 'cognito-standby-sync.mjs');

/** What {@link buildBin} wrote: the files (relative to the package root) and esbuild's metafile. */
export interface BinBuild {
  files: string[];
  metafile: Metafile;
}

/** Builds the bin afresh into `outDir` (default dist/bin, what the package ships). */
export async function buildBin(outDir: string = BIN_DIR): Promise<BinBuild> {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { 'cognito-standby-sync': 'scripts/bin.ts' },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    legalComments: 'none', // the licences are written whole to THIRD-PARTY-LICENSES.txt
    // Bundled CommonJS dependencies need a `require` for Node built-ins (as in serverless.yml).
    banner: {
      js: "import { createRequire as __cssCreateRequire } from 'node:module'; const require = __cssCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  writeFileSync(join(outDir, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(result.metafile));
  const files = Object.keys(result.metafile.outputs).concat(relative(ROOT, join(outDir, 'THIRD-PARTY-LICENSES.txt')));
  return { files: files.sort(), metafile: result.metafile };
}

/** The packages whose code the bundle holds, with each one's licence text. */
function thirdPartyLicenses(metafile: Metafile): string {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  const sections = [...packages].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(ROOT, dir)).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    const text = file ? readFileSync(join(ROOT, dir, file), 'utf8').trim() : `License: ${pkg.license}`;
    return `${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  return `The cognito-standby-sync bin bundles the following packages.\n\n${sections.join(`\n${'-'.repeat(78)}\n\n`)}`;
}

if (require.main === module) {
  buildBin().then(
    ({ files }) => {
      if (!existsSync(BIN_FILE)) throw new Error(`${BIN_FILE} was not written`);
      process.stderr.write(`built ${files.length} files in ${relative(ROOT, BIN_DIR)}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`build failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
