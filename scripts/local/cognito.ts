/**
 * Starts one emulated Cognito "Region": the in-memory model (./cognito-model) behind its HTTP
 * transport (cognito-shim.ts), with Lambda triggers sent to the local Lambda endpoint.
 *
 * @example
 * const primary = await startCognitoEmulator({ name: 'primary', region: 'us-east-1', lambdaEndpoint: lambda.endpoint, triggers: { PostConfirmation: 'trigger' } });
 * const client = primary.client();
 * // ... outage drill:
 * await primary.stop();     // endpoint refuses connections, data kept
 * await primary.restart();  // same data, same endpoint
 * await primary.destroy();  // stop and forget the data
 * @packageDocumentation
 */
import http from 'node:http';
import type {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import type { QuotaCategory } from '../../src/cognito/quotas';
import { localCognitoClient } from './clients';
import { CognitoModel, ModelError } from './cognito-model';
import type { ModelPool } from './cognito-model/pool';
import type { Json } from './cognito-model/types';
import { type CognitoCallListener, CognitoShim } from './cognito-shim';

/** Settings of {@link startCognitoEmulator}. */
export interface CognitoEmulatorOptions {
  /** A label. */
  name: string;
  /** Lambda Invoke API endpoint the triggers are sent to (see lambda-endpoint.ts). */
  lambdaEndpoint?: string;
  /** Trigger name to function name, e.g. `{ PostConfirmation: 'sync-trigger' }`. Applies to every pool of this emulator. */
  triggers?: Record<string, string>;
  /** Region of this emulator: in pool ids (`us-east-1_AbC...`), ARNs and trigger events. Default `us-east-1`. */
  region?: string;
  /** Account id in ARNs. Default `000000000000`. */
  accountId?: string;
  /** Port of the endpoint. Default: any free port. */
  port?: number;
  /** A failing PostConfirmation trigger fails ConfirmSignUp/AdminConfirmSignUp, as in Cognito. Default true. */
  strictTriggers?: boolean;
  /** Trigger timeout (Cognito: 5 s). */
  lambdaTimeoutMs?: number;
  /** Listener of successful mutating calls. */
  onCall?: CognitoCallListener;
  /** Per-category quotas (requests per second). Default none: a test sets throttling as a fault. */
  quotas?: Partial<Record<QuotaCategory, number>>;
}

/** A running emulated Cognito endpoint. */
export interface CognitoEmulator {
  readonly name: string;
  readonly region: string;
  /** The URL clients use. Stable across `restart()`. */
  readonly endpoint: string;
  /** Where the data lives: `memory` (the model, in this process; kept across stop and restart). */
  readonly dataDir: string;
  /** The endpoint's controls: faults, call counters, outbox, user status, call listeners. */
  readonly shim: CognitoShim;
  /** The model behind the endpoint (seed or inspect it directly). */
  readonly model: CognitoModel;
  /** Whether the endpoint is up. */
  readonly running: boolean;
  /** Milliseconds the last start took. */
  readonly startupMs: number;
  /** A Cognito client for this endpoint (dummy credentials, one attempt per call unless overridden). */
  client(config?: Partial<CognitoIdentityProviderClientConfig>): CognitoIdentityProviderClient;
  /** Stops the endpoint (connections refused). Data is kept. */
  stop(): Promise<void>;
  /** Starts again on the same data and, when free, the same port. */
  restart(): Promise<void>;
  /** An abrupt failure: API connections are reset until `restart()`; answered writes are kept. */
  crash(): Promise<void>;
  /** `stop()` and forget the data. */
  destroy(): Promise<void>;
  /** Trigger failures seen (for diagnosing a failure). */
  logs(): string[];
}

/**
 * Invokes a function through the Lambda Invoke API. A function error answers
 * UserLambdaValidationException and an invocation that fails or times out
 * UnexpectedLambdaException, as Cognito does.
 */
function invokeTrigger(endpoint: string, fn: string, trigger: string, event: Json, timeoutMs: number): Promise<Json> {
  const url = new URL(`/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`, endpoint);
  const body = JSON.stringify(event);
  const unexpected = (why: string) =>
    new ModelError('UnexpectedLambdaException', `${trigger} invocation failed: ${why}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(unexpected(e.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) return reject(unexpected(`HTTP ${res.statusCode}`));
          const answer = (text ? JSON.parse(text) : {}) as Json;
          if (res.headers['x-amz-function-error'])
            return reject(
              new ModelError(
                'UserLambdaValidationException',
                `${trigger} failed with error ${answer.errorMessage ?? 'an error'}.`,
              ),
            );
          resolve(answer);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => reject(unexpected(e.message)));
    req.end(body);
  });
}

/** Starts an emulated Cognito Region on loopback. Resolves when it answers. */
export async function startCognitoEmulator(opts: CognitoEmulatorOptions): Promise<CognitoEmulator> {
  const region = opts.region ?? 'us-east-1';
  const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  let shim: CognitoShim | undefined;
  const model = new CognitoModel({
    clock: realClock,
    region,
    accountId: opts.accountId,
    quotas: opts.quotas ?? false,
    record: false,
    uploadUrl: (_poolId, jobId) => `${shim!.endpoint}/_shim/import/${jobId}`,
  });
  const failures: string[] = [];
  model.trigger = async (_pool: ModelPool, name: string, event: Json) => {
    const fn = opts.triggers?.[name];
    if (!fn) return undefined;
    try {
      if (!opts.lambdaEndpoint) throw new ModelError('UnexpectedLambdaException', 'no Lambda endpoint is set');
      return await invokeTrigger(opts.lambdaEndpoint, fn, name, event, opts.lambdaTimeoutMs ?? 5000);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).name}`);
      if (opts.strictTriggers === false) return undefined;
      throw e;
    }
  };
  if (opts.onCall) model.onCall(opts.onCall);
  const t0 = Date.now();
  shim = new CognitoShim(model, opts.port);
  await shim.start();
  let startupMs = Date.now() - t0;
  const s = shim;
  const stop = () => s.stop();
  return {
    name: opts.name,
    region,
    get endpoint() {
      return s.endpoint;
    },
    dataDir: 'memory',
    shim: s,
    model,
    get running() {
      return s.listening && !s.down;
    },
    get startupMs() {
      return startupMs;
    },
    client: (config) => localCognitoClient(s.endpoint, region, config),
    stop,
    async restart() {
      const t = Date.now();
      await stop();
      s.down = false;
      await s.start();
      startupMs = Date.now() - t;
    },
    async crash() {
      s.down = true;
    },
    async destroy() {
      await stop();
      model.pools.clear();
    },
    logs: () => [...failures],
  };
}
