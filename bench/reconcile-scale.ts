/**
 * The reconciler at scale: `tsx bench/reconcile-scale.ts 1000000 10000000 40000000` runs
 * `bench/reconcile-memory.ts` once per size, each in a fresh process (peak RSS is per process),
 * one after the other, and prints each result as it comes, then a table with the ratios against
 * the first size: peak RSS (goal: within 10 %, and under 1 GiB) and seconds per million users
 * (goal: within 10 %; wall clock and CPU time). Each result line is also appended to `RESULTS_FILE` when set, so a long
 * run leaves what it measured even if it is stopped.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

interface Result {
  users: number;
  peakRssMiB: number;
  seconds: number;
  secondsPerMillion: number;
  cpuSecondsPerMillion: number;
  peakDiskMiB: number;
  diskBytesPerUserPair: number;
  phases: Record<string, number>;
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number);
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error('usage: tsx bench/reconcile-scale.ts N [N ...]');
  const results: Result[] = [];
  for (const n of sizes) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'reconcile-memory.ts'), String(n)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`size ${n}: exit ${run.status}`);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
    results.push(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (process.env.RESULTS_FILE) appendFileSync(process.env.RESULTS_FILE, `${JSON.stringify(result)}\n`);
  }
  const base = results[0];
  process.stdout.write(
    '\n| users | peak RSS (MiB) | RSS / first | s per million | time / first | CPU s per million | CPU / first | peak disk (MiB) | disk B/user pair |\n',
  );
  process.stdout.write('|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of results) {
    process.stdout.write(
      `| ${r.users.toLocaleString('en-US')} | ${r.peakRssMiB} | ${(r.peakRssMiB / base.peakRssMiB).toFixed(2)} | ${r.secondsPerMillion} | ${(r.secondsPerMillion / base.secondsPerMillion).toFixed(2)} | ${r.cpuSecondsPerMillion} | ${(r.cpuSecondsPerMillion / base.cpuSecondsPerMillion).toFixed(2)} | ${r.peakDiskMiB} | ${r.diskBytesPerUserPair} |\n`,
    );
  }
}

main();
