/**
 * Start-up of the operator tools (issue 15): the time from spawning a command to the first line of
 * its `--help` on stdout, for the built bin (dist/bin, built afresh by this script) against today's
 * `npm run <tool>` path (npm, then tsx compiling the TypeScript), in one run, interleaved sample by
 * sample. Node's own start-up (`node -e`, printing one line) is measured alongside as the floor.
 * Goal (issue 15): the built bin under 0.5 s, and at least 5 times faster than `npm run`.
 *
 *   npx tsx bench/cli-startup.ts [--samples 10] [--json]     # or: npm run bench:cli-startup
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { BIN_FILE, buildBin } from '../scripts/build/bin';

const args = process.argv.slice(2);
const SAMPLES = (() => {
  const i = args.indexOf('--samples');
  return i >= 0 ? Number(args[i + 1]) : 10;
})();
const JSON_OUT = args.includes('--json');
const ROOT = resolve(__dirname, '..');
const GOAL_MS = 500;
const GOAL_RATIO = 5;

interface Variant {
  name: string;
  command: string;
  args: string[];
}

const VARIANTS: Variant[] = [
  { name: 'node -e (floor)', command: process.execPath, args: ['-e', 'console.log("Usage")'] },
  { name: 'bin --help', command: process.execPath, args: [BIN_FILE, '--help'] },
  { name: 'bin reconcile --help', command: process.execPath, args: [BIN_FILE, 'reconcile', '--help'] },
  { name: 'npm run reconcile -- --help', command: 'npm', args: ['run', '-s', 'reconcile', '--', '--help'] },
];

/** Milliseconds from the spawn to the first complete line on stdout (the process runs to its end). */
function firstLineMs(v: Variant): Promise<number> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    let at: number | undefined;
    let seen = '';
    const child = spawn(v.command, v.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (chunk: Buffer) => {
      if (at !== undefined) return;
      seen += chunk.toString();
      if (seen.includes('\n')) at = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0 || at === undefined)
        fail(new Error(`${v.name}: exit ${code}, first line ${JSON.stringify(seen)}`));
      else done(at);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  await buildBin();
  const times = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  for (const v of VARIANTS) await firstLineMs(v); // warm the file cache once, unmeasured
  for (let i = 0; i < SAMPLES; i++) for (const v of VARIANTS) times.get(v.name)!.push(await firstLineMs(v));

  const npm = median(times.get('npm run reconcile -- --help')!);
  const floor = median(times.get('node -e (floor)')!);
  const rows = VARIANTS.map((v) => {
    const t = times.get(v.name)!;
    return {
      variant: v.name,
      medianMs: median(t),
      overFloorMs: median(t) - floor,
      minMs: Math.min(...t),
      maxMs: Math.max(...t),
      npmRatio: npm / median(t),
    };
  });
  const worstBin = Math.max(median(times.get('bin --help')!), median(times.get('bin reconcile --help')!));
  const goal = { underMs: worstBin < GOAL_MS, atLeast5x: npm / worstBin >= GOAL_RATIO };
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ samples: SAMPLES, rows, goal }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`first line of --help, ${SAMPLES} samples each, interleaved\n\n`);
  process.stdout.write(
    '| variant | median | over the floor | min | max | npm run / this |\n|---|---|---|---|---|---|\n',
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.variant} | ${r.medianMs.toFixed(0)} ms | ${r.overFloorMs.toFixed(0)} ms | ${r.minMs.toFixed(0)} ms | ${r.maxMs.toFixed(0)} ms | x${r.npmRatio.toFixed(1)} |\n`,
    );
  process.stdout.write(
    `\ngoal: the slower bin variant ${worstBin.toFixed(0)} ms < ${GOAL_MS} ms: ${goal.underMs ? 'yes' : 'NO'}; ` +
      `x${(npm / worstBin).toFixed(1)} >= x${GOAL_RATIO}: ${goal.atLeast5x ? 'yes' : 'NO'}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
