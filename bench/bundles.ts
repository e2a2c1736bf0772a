/**
 * Size and cold-start initialisation of each Lambda handler's bundle.
 *
 * Each handler in src/handlers/ is bundled with esbuild the way serverless-esbuild does it for
 * this project (serverless.yml `custom.esbuild`: bundle, minify, platform node, target node22,
 * ESM `.mjs` with a `require` shim, AWS SDK bundled in), zipped (`zip -9` when present, else
 * gzip), and imported in a fresh `node` process per sample: the time from the start of the import
 * to the end of the module's top-level code is its initialisation. An empty handler bundled the
 * same way is measured in the same run, interleaved, as the baseline.
 *
 *   npx tsx bench/bundles.ts [--samples 10] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const args = process.argv.slice(2);
const SAMPLES = (() => {
  const i = args.indexOf('--samples');
  return i >= 0 ? Number(args[i + 1]) : 10;
})();
const JSON_OUT = args.includes('--json');
const ROOT = resolve(__dirname, '..');
const COGNITO_CLIENT = '@aws-sdk/client-cognito-identity-provider';

const hasZip = spawnSync('which', ['zip']).status === 0;

interface Bundle {
  name: string;
  entry: string;
  file: string;
  bytes: number;
  zipped: number;
  metafile: Metafile;
}

async function bundle(name: string, entry: string, outdir: string): Promise<Bundle> {
  const file = join(outdir, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    sourcemap: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __cssCreateRequire } from 'node:module'; const require = __cssCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'silent',
  });
  return { name, entry, file, bytes: statSync(file).size, zipped: zippedSize(file, outdir), metafile: result.metafile };
}

/** The size of the deployment package: the bundle zipped (as Lambda receives it). */
function zippedSize(file: string, outdir: string): number {
  if (!hasZip) return gzipSync(readFileSync(file), { level: 9 }).length;
  const zipFile = join(outdir, `${basename(file)}.zip`);
  execFileSync('zip', ['-9', '-q', '-X', '-j', zipFile, file]);
  return statSync(zipFile).size;
}

/** Bytes of the bundle contributed by each package (or by the project's own code). */
function contributors(metafile: Metafile): [string, number][] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const key = m ? m[1] : 'project code';
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]);
}

const PROBE = `
const { performance } = await import('node:perf_hooks');
const t0 = performance.now();
const mod = await import(process.argv[1]);
const initMs = performance.now() - t0;
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ initMs }));
`;

/** One cold start: a fresh node process importing the bundle. */
function coldStart(file: string): { initMs: number; processMs: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, `file://${file}`], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      NODE_NO_WARNINGS: '1',
    },
    encoding: 'utf8',
  });
  const processMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cold start of ${file} failed: ${r.stderr}`);
  return { initMs: (JSON.parse(r.stdout) as { initMs: number }).initMs, processMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'css-bundles-'));
  try {
    const handlersDir = join(ROOT, 'src/handlers');
    const entries = readdirSync(handlersDir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .sort();
    const emptyEntry = join(outdir, 'empty.ts');
    writeFileSync(emptyEntry, 'export const handler = async (event: unknown) => event;\n');

    const bundles: Bundle[] = [await bundle('(empty baseline)', emptyEntry, outdir)];
    const failures: Record<string, string> = {};
    for (const f of entries) {
      try {
        bundles.push(await bundle(f.replace(/\.ts$/, ''), join(handlersDir, f), outdir));
      } catch (err) {
        failures[f] = String((err as Error).message).split('\n')[0];
      }
    }

    const samples = new Map<string, { initMs: number[]; processMs: number[] }>(
      bundles.map((b) => [b.name, { initMs: [], processMs: [] }]),
    );
    coldStart(bundles[0].file); // prime the file system cache
    for (let round = 0; round < SAMPLES; round++) {
      const order = round % 2 ? [...bundles].reverse() : bundles;
      for (const b of order) {
        const s = coldStart(b.file);
        samples.get(b.name)!.initMs.push(s.initMs);
        samples.get(b.name)!.processMs.push(s.processMs);
      }
    }

    const baseline = bundles[0];
    const baseInit = median(samples.get(baseline.name)!.initMs);
    const baseProcess = median(samples.get(baseline.name)!.processMs);
    const rows = bundles.map((b) => {
      const s = samples.get(b.name)!;
      const inputs = Object.keys(b.metafile.inputs);
      const initMs = median(s.initMs);
      const processMs = median(s.processMs);
      return {
        name: b.name,
        bytes: b.bytes,
        zippedBytes: b.zipped,
        initMsMedian: initMs,
        processMsMedian: processMs,
        initOverBaseline: initMs / baseInit,
        processOverBaseline: processMs / baseProcess,
        containsCognitoClient: inputs.some((p) => p.includes(`node_modules/${COGNITO_CLIENT}/`)),
        containsSqsClient: inputs.some((p) => p.includes('node_modules/@aws-sdk/client-sqs/')),
        topContributors: contributors(b.metafile)
          .slice(0, 5)
          .map(([pkg, bytes]) => ({ pkg, bytes })),
      };
    });
    const trigger = rows.find((r) => r.name === 'trigger');
    const result = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: {
        samples: SAMPLES,
        archive: hasZip ? 'zip -9' : 'gzip -9 (zip not found)',
        esbuild: 'bundle, minify, platform node, target node22, esm .mjs',
      },
      rows,
      failures,
      triggerHasNoCognitoClient: trigger ? !trigger.containsCognitoClient : undefined,
    };

    if (JSON_OUT) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      const kb = (n: number) => (n / 1024).toFixed(1).padStart(8);
      const ms = (n: number) => n.toFixed(1).padStart(7);
      console.log(`bundles: ${SAMPLES} cold starts each (fresh node process), ${result.settings.archive}`);
      console.log(`machine: ${result.machine.cpus} cores (${result.machine.model}), node ${result.machine.node}\n`);
      console.log('handler            bundle KiB  zipped KiB  init ms  x base  process ms  x base  cognito client');
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(18)} ${kb(r.bytes)}    ${kb(r.zippedBytes)}  ${ms(r.initMsMedian)}  ${r.initOverBaseline.toFixed(1).padStart(6)}  ${ms(r.processMsMedian)}     ${r.processOverBaseline.toFixed(2).padStart(6)}  ${r.containsCognitoClient ? 'yes' : 'no'}`,
        );
      }
      for (const r of rows.slice(1))
        console.log(
          `  ${r.name}: ${r.topContributors.map((c) => `${c.pkg} ${(c.bytes / 1024).toFixed(0)} KiB`).join(', ')}`,
        );
      for (const [f, e] of Object.entries(failures)) console.log(`  could not bundle ${f}: ${e}`);
    }
    if (trigger?.containsCognitoClient) {
      console.error('FAIL: the trigger bundle contains the Cognito client');
      process.exitCode = 1;
    } else if (trigger && !JSON_OUT) {
      console.log('OK: the trigger bundle does not contain the Cognito client');
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
