/**
 * What every CLI of the suite shares: option parsers, AWS client settings (dummy credentials for
 * local emulators), a gateway from flags, exit codes, a confirmation prompt and a progress line.
 * Thin: the work is in src/. The light parts live apart (./options, ./command, ./exit-codes: a
 * tool's flags and help load only those) and are offered here too.
 */
import type { DEFAULT_QUOTA_HEADROOM } from '../../src/core/constants';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoGateway } from '../../src/cognito/gateway';
import { cognitoGateway } from '../../src/config/wiring';
import type { QuotaLimiter } from '../../src/cognito/limiter';
import type { QuotaCategory } from '../../src/cognito/quotas';
import { formatDuration } from '../../src/failover/summary';
import { UsageError } from './command';

export { note, parseArgs, runMain, UsageError } from './command';
export { EXIT, type ExitCode } from './exit-codes';
export * from './options';

// ----------------------------------------------------------------------------- AWS clients

/** True for an endpoint on this machine (a local emulator). */
export function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** True when the environment names some AWS credentials (keys, profile, web identity, container role, shared files). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const home = env.HOME ?? homedir();
  return (
    existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')) ||
    existsSync(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'))
  );
}

/** Dummy credentials for a local emulator (they are never checked). */
export const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * SDK client settings from flags: region, endpoint, and dummy credentials when the endpoint is a
 * local emulator and the environment names no credentials (a VPC endpoint keeps the default chain).
 */
export function awsClientConfig(region: string, endpoint?: string, env: NodeJS.ProcessEnv = process.env) {
  const local = !!endpoint && isLoopback(endpoint) && !hasAwsCredentials(env);
  return { region, ...(endpoint ? { endpoint } : {}), ...(local ? { credentials: { ...DUMMY_CREDENTIALS } } : {}) };
}

/** Flags that build a gateway on one pool. */
export interface GatewayFlags {
  region: string;
  poolId: string;
  endpoint?: string;
  /** Fraction of every quota left for live traffic. Default {@link DEFAULT_QUOTA_HEADROOM}. */
  headroom?: number;
  /** Requests per second per category, overriding the AWS defaults (before headroom). */
  quotas?: Partial<Record<QuotaCategory, number>>;
  /** Share one limiter (one per account and Region) between gateways. */
  limiter?: QuotaLimiter;
  /** Share one SDK client. */
  client?: CognitoIdentityProviderClient;
}

/**
 * A Cognito gateway from CLI flags, built by the wiring (src/config/wiring.ts): its own limiter
 * unless one is given; dummy credentials for a local emulator (see {@link awsClientConfig}).
 */
export function buildGateway(flags: GatewayFlags): CognitoGateway {
  return cognitoGateway(
    {
      region: flags.region,
      poolId: flags.poolId,
      endpoint: flags.endpoint,
      credentials: awsClientConfig(flags.region, flags.endpoint).credentials,
    },
    { headroom: flags.headroom, quotas: flags.quotas, limiter: flags.limiter, client: flags.client },
  );
}

// ----------------------------------------------------------------------------- running

/**
 * Asks for confirmation on a terminal: true only for the answer "yes". With `yes` it does not
 * ask. Without a terminal on stdin it refuses (UsageError) rather than act unconfirmed.
 */
export async function confirm(
  question: string,
  options: { yes?: boolean; input?: NodeJS.ReadableStream & { isTTY?: boolean }; output?: NodeJS.WritableStream } = {},
): Promise<boolean> {
  if (options.yes) return true;
  const input = options.input ?? process.stdin;
  if (!input.isTTY) throw new UsageError('stdin is not a terminal: pass --yes to confirm');
  const rl = createInterface({ input, output: options.output ?? process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/** Time left at the pace so far (or at `rate` per second when nothing is done yet). */
export function etaMs(done: number, total: number, elapsedMs: number, rate?: number): number | undefined {
  const left = Math.max(0, total - done);
  if (left === 0) return 0;
  if (done > 0 && elapsedMs > 0) return (left * elapsedMs) / done;
  return rate && rate > 0 ? (left / rate) * 1000 : undefined;
}

/** Settings of a {@link Progress} line. */
export interface ProgressOptions {
  label: string;
  total?: number;
  /** Expected items per second, for the ETA before the first item is done. */
  rate?: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
  /** Minimum time between two lines when the stream is not a terminal. Default 10 s. */
  plainIntervalMs?: number;
}

/**
 * A progress line on stderr: `label 120/5000 (2%) 23.9/s ETA 3m 24s`. On a terminal it is
 * rewritten in place (at most 5 times a second); elsewhere a line is printed every 10 s.
 */
export class Progress {
  private readonly started: number;
  private last = -Infinity;
  private drawn = false;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.stream = options.stream ?? process.stderr;
    this.started = this.now();
  }

  /** The line for `done` items (pure apart from the clock). */
  line(done: number, total = this.options.total, extra?: string): string {
    const elapsed = this.now() - this.started;
    const parts = [this.options.label, total !== undefined ? `${done}/${total}` : String(done)];
    if (total) parts.push(`(${Math.floor((done / total) * 100)}%)`);
    if (done > 0 && elapsed > 0) parts.push(`${((done * 1000) / elapsed).toFixed(1)}/s`);
    if (total !== undefined) {
      const eta = etaMs(done, total, elapsed, this.options.rate);
      if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    }
    if (extra) parts.push(extra);
    return parts.join(' ');
  }

  update(done: number, total = this.options.total, extra?: string): void {
    const t = this.now();
    const tty = !!this.stream.isTTY;
    if (t - this.last < (tty ? 200 : (this.options.plainIntervalMs ?? 10_000))) return;
    this.last = t;
    this.write(this.line(done, total, extra), tty);
  }

  /** Prints the final line (always). */
  done(done: number, total = this.options.total, extra?: string): void {
    this.write(this.line(done, total, extra), !!this.stream.isTTY);
    if (this.stream.isTTY) this.stream.write('\n');
    this.drawn = false;
  }

  private write(text: string, tty: boolean): void {
    if (tty) {
      this.stream.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends an in-place line so other output starts on a new line. */
  break(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
