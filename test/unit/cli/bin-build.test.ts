/**
 * The built bin (issue 15) loads only what it is asked for: its command list, --help and --version
 * load commander and the registry alone, and a tool's flags and help load neither the AWS SDK nor
 * the features it runs (those are loaded by its action). Checked on esbuild's metafile of a build
 * into a temporary folder: which chunks each chunk imports statically, and what they hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { buildBin } from '../../../scripts/build/bin';

jest.setTimeout(180_000);

const TOOLS = ['reconcile', 'failover', 'doctor', 'redrive', 'attach-trigger', 'backup', 'restore', 'report'];
let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bin-build-'));
  ({ metafile } = await buildBin(join(dir, 'bin')));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The output built for an entry point (the bin, or a tool's chunk loaded by the registry). */
function outputOf(entryPoint: string): string {
  const found = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entryPoint);
  if (!found) throw new Error(`no output for ${entryPoint}`);
  return found[0];
}

/** Every input a chunk runs when it is loaded: its own and those of the chunks it imports statically. */
function loadedInputs(output: string, seen = new Set<string>()): string[] {
  if (seen.has(output)) return [];
  seen.add(output);
  const o = metafile.outputs[output];
  const statics = o.imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => i.path);
  return [...Object.keys(o.inputs), ...statics.flatMap((p) => loadedInputs(p, seen))];
}

const SDK = /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//;

test('the command list, --help and --version load commander and the registry, no tool and no AWS SDK', () => {
  const inputs = loadedInputs(outputOf('scripts/bin.ts'));
  expect(inputs.filter((i) => SDK.test(i) || /node_modules\/zod\//.test(i))).toEqual([]);
  expect(inputs.some((i) => i.includes('node_modules/commander/'))).toBe(true);
  for (const tool of TOOLS) expect(inputs).not.toContain(`scripts/${tool}.ts`);
});

test.each(TOOLS)('%s: its flags and help load no AWS SDK client and not the feature it runs', (tool) => {
  const inputs = loadedInputs(outputOf(`scripts/${tool}.ts`));
  expect(inputs).toContain(`scripts/${tool}.ts`);
  expect(inputs.filter((i) => SDK.test(i))).toEqual([]);
  expect(inputs).not.toContain('scripts/cli/common.ts');
});

test('the AWS SDK is in the build, loaded by the actions', () => {
  const all = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  expect(all.some((i) => i.includes('node_modules/@aws-sdk/client-cognito-identity-provider/'))).toBe(true);
});
