/**
 * Starts one emulated Cognito "Region": cognito-local (in a child process, see
 * internal/cognito-host.ts) behind the loopback shim (cognito-shim.ts).
 *
 * @example
 * const primary = await startCognitoEmulator({ name: 'primary', region: 'us-east-1', lambdaEndpoint: lambda.endpoint, triggers: { PostConfirmation: 'trigger' } });
 * const client = primary.client();
 * // ... outage drill:
 * await primary.stop();     // endpoint refuses connections, data kept
 * await primary.restart();  // same data, same endpoint
 * await primary.destroy();  // stop and delete the temporary data folder
 * @packageDocumentation
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import { localCognitoClient, LOCAL_CREDENTIALS } from './clients';
import { type CognitoCallListener, CognitoShim } from './cognito-shim';
import { trackChild, trackTempDir, untrackTempDir } from './internal/cleanup';
import type { HostProcessOptions } from './internal/cognito-host';
import { LOOPBACK, sleep } from './internal/http';

/** Settings of {@link startCognitoEmulator}. */
export interface CognitoEmulatorOptions {
  /** A label (used in the temporary folder name). */
  name: string;
  /** Data folder; a fresh temporary one when omitted (removed by `destroy()` and at process exit). */
  dataDir?: string;
  /** Lambda Invoke API endpoint the triggers are sent to (see lambda-endpoint.ts). */
  lambdaEndpoint?: string;
  /** Trigger name to function name, e.g. `{ PostConfirmation: 'sync-trigger' }`. Applies to every pool of this emulator. */
  triggers?: Record<string, string>;
  /** Region of this emulator: in pool ids (`us-east-1_AbC...`), ARNs and trigger events. Default `us-east-1`. */
  region?: string;
  /** Account id in ARNs. Default `000000000000`. */
  accountId?: string;
  /** Port of the shim (the public endpoint). Default: any free port. */
  port?: number;
  /** A failing PostConfirmation trigger fails ConfirmSignUp/AdminConfirmSignUp, as in Cognito. Default true. */
  strictTriggers?: boolean;
  /** Trigger timeout (Cognito: 5 s). */
  lambdaTimeoutMs?: number;
  /** Listener of successful mutating calls. */
  onCall?: CognitoCallListener;
  /** cognito-local's log level (default `error`). */
  logLevel?: string;
  /** Give up starting after this long. Default 30 s. */
  startTimeoutMs?: number;
}

/** A running emulated Cognito endpoint. */
export interface CognitoEmulator {
  readonly name: string;
  readonly region: string;
  /** The URL clients use (the shim). Stable across `restart()`. */
  readonly endpoint: string;
  /** cognito-local's own URL (no shim features). May change after `restart()` if its port was taken. */
  readonly rawEndpoint: string;
  readonly dataDir: string;
  /** The shim: faults, call counters, outbox, user status, call listeners. */
  readonly shim: CognitoShim;
  /** Whether the endpoint is up. */
  readonly running: boolean;
  /** Milliseconds the last start took (spawn to ready). */
  readonly startupMs: number;
  /** A Cognito client for this endpoint (dummy credentials, one attempt per call unless overridden). */
  client(config?: Partial<CognitoIdentityProviderClientConfig>): CognitoIdentityProviderClient;
  /** Stops the endpoint (connections refused) and cognito-local (flushing its data). Data is kept. */
  stop(): Promise<void>;
  /** Starts again on the same data folder and, when free, the same ports. */
  restart(): Promise<void>;
  /** Kills cognito-local abruptly (SIGKILL); the shim stays up and resets API connections. */
  crash(): Promise<void>;
  /** `stop()` and delete the data folder if this emulator created it. */
  destroy(): Promise<void>;
  /** The last lines cognito-local wrote (errors only, by default). For diagnosing a failure. */
  logs(): string[];
}

const HOST_ENTRY = path.join(__dirname, 'internal', 'cognito-host.ts');

function tsxRegister(): string {
  return path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cjs', 'index.cjs');
}

interface HostHandle {
  child: ChildProcess;
  port: number;
  logs: string[];
}

function spawnHost(dataDir: string, options: HostProcessOptions, timeoutMs: number): Promise<HostHandle> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COGNITO_HOST_OPTIONS: JSON.stringify(options),
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
  delete env.NODE_OPTIONS; // no inherited --inspect etc. in the child
  const child = spawn(process.execPath, ['-r', tsxRegister(), HOST_ENTRY], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  trackChild(child);
  const logs: string[] = [];
  const keep = (chunk: Buffer) => {
    logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (logs.length > 100) logs.splice(0, logs.length - 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`cognito-local did not start within ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    const onMessage = (m: { type?: string; port?: number }) => {
      if (m?.type !== 'ready' || !m.port) return;
      cleanup();
      resolve({ child, port: m.port, logs });
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(Object.assign(new Error(`cognito-local exited (${code}) while starting:\n${logs.join('\n')}`), { logs }));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stopChild(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Starts cognito-local with this project's corrections behind a shim on loopback, in a fresh
 * temporary data folder unless `dataDir` is given. Resolves when both answer.
 */
export async function startCognitoEmulator(opts: CognitoEmulatorOptions): Promise<CognitoEmulator> {
  const region = opts.region ?? 'us-east-1';
  const ownsDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), `cognito-${opts.name.replace(/[^\w-]/g, '_')}-`));
  if (ownsDir) trackTempDir(dataDir);
  mkdirSync(path.join(dataDir, '.cognito', 'db'), { recursive: true });
  writeFileSync(
    path.join(dataDir, '.cognito', 'config.json'),
    JSON.stringify(
      {
        LambdaClient: { endpoint: opts.lambdaEndpoint, region, credentials: LOCAL_CREDENTIALS },
        TriggerFunctions: opts.triggers ?? {},
      },
      null,
      2,
    ),
  );

  const shim = new CognitoShim({ stateDir: dataDir, region, port: opts.port, onCall: opts.onCall });
  await shim.start();
  const hostOptions: HostProcessOptions = {
    port: 0,
    region,
    accountId: opts.accountId ?? '000000000000',
    strictTriggers: opts.strictTriggers ?? true,
    lambdaTimeoutMs: opts.lambdaTimeoutMs ?? 5000,
    logLevel: opts.logLevel ?? 'error',
    publicUrl: shim.endpoint,
  };
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let host: HostHandle | undefined;
  let startupMs = 0;

  const launch = async () => {
    const t0 = Date.now();
    try {
      host = await spawnHost(dataDir, hostOptions, timeoutMs);
    } catch (e) {
      const logs = ((e as { logs?: string[] }).logs ?? []).join('\n');
      if (!hostOptions.port || !logs.includes('EADDRINUSE')) throw e;
      hostOptions.port = 0; // the old port was taken meanwhile
      host = await spawnHost(dataDir, hostOptions, timeoutMs);
    }
    hostOptions.port = host.port;
    startupMs = Date.now() - t0;
    shim.setUpstream(`http://${LOOPBACK}:${host.port}`);
  };

  try {
    await launch();
  } catch (e) {
    await shim.stop();
    if (ownsDir) {
      rmSync(dataDir, { recursive: true, force: true });
      untrackTempDir(dataDir);
    }
    throw e;
  }

  const stop = async () => {
    shim.setUpstream(undefined);
    await shim.stop();
    await stopChild(host?.child);
  };

  const emulator: CognitoEmulator = {
    name: opts.name,
    region,
    get endpoint() {
      return shim.endpoint;
    },
    get rawEndpoint() {
      return `http://${LOOPBACK}:${hostOptions.port}`;
    },
    dataDir,
    shim,
    get running() {
      return shim.listening && !!host && host.child.exitCode === null && host.child.signalCode === null;
    },
    get startupMs() {
      return startupMs;
    },
    client: (config) => localCognitoClient(shim.endpoint, region, config),
    stop,
    async restart() {
      await stop();
      await launch();
      await shim.start();
    },
    async crash() {
      await stopChild(host?.child, 'SIGKILL');
      shim.setUpstream(undefined);
    },
    logs: () => [...(host?.logs ?? [])],
    async destroy() {
      await stop();
      if (ownsDir) {
        rmSync(dataDir, { recursive: true, force: true });
        untrackTempDir(dataDir);
      }
    },
  };
  return emulator;
}
