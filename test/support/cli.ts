/**
 * Runs the suite's CLIs as a user would (`npm run <name> -- args`), for integration tests:
 * through tsx, with no AWS credentials in reach, and resolves with the exit status and output.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** What a CLI run ended with. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface CliOptions {
  /** Variables to add to (or override in) the credential-free environment. */
  env?: NodeJS.ProcessEnv;
  /** HOME of the run (no ~/.aws there). Default `/nonexistent`. */
  home?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** The environment of a user with no AWS credentials: no keys, profile or session, no NODE_OPTIONS. */
export function credentialFreeEnv(options: Pick<CliOptions, 'env' | 'home'> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: options.home ?? '/nonexistent', ...options.env };
  for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'NODE_OPTIONS']) {
    if (!options.env || !(k in options.env)) delete env[k];
  }
  return env;
}

/** Runs `scripts/<name>.ts` with `args`; an exit by signal or time-out counts as status 1. */
export function runCli(name: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  const script = join(ROOT, 'scripts', `${name}.ts`);
  return new Promise((resolve) => {
    execFile(
      TSX,
      [script, ...args],
      { env: credentialFreeEnv(options), cwd: options.cwd, timeout: options.timeoutMs ?? 90_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}
