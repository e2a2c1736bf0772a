/**
 * Child-process entry that runs cognito-local 5.3 with this project's corrections.
 *
 * Started by `startCognitoEmulator` (scripts/local/cognito.ts) with its working directory set
 * to the data folder (`.cognito/config.json`, `.cognito/db/*.json`, the same layout as
 * `npx cognito-local`). Compared with cognito-local's own `start.js` it:
 * - skips aws-sdk v2 and KMS (faster start): triggers are invoked over HTTP with the Lambda
 *   Invoke API at `LambdaClient.endpoint`;
 * - adds and corrects API operations (see host-targets.ts and docs/EMULATORS.md);
 * - lets a failing PostConfirmation trigger fail the confirmation call, as Cognito does;
 * - keeps every "sent" code in an outbox instead of printing it;
 * - writes its JSON files atomically and flushes them before exiting;
 * - exits when its parent goes away (IPC channel closed), so it never outlives a test run.
 *
 * Options come as JSON in `COGNITO_HOST_OPTIONS` ({@link HostProcessOptions}). When ready it
 * sends `{type: 'ready', port}` over IPC.
 * @packageDocumentation
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { createServer } from 'cognito-local/lib/server/server';
import { DateClock, LambdaService, TriggersService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import { otp } from 'cognito-local/lib/services/otp';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import {
  UserPoolServiceFactoryImpl,
  UserPoolServiceImpl,
  attributesToRecord,
} from 'cognito-local/lib/services/userPoolService';
import { Targets } from 'cognito-local/lib/targets/targets';
import { flushWrites, patchStormDb } from './host-storage';
import { IDLE_KEEP_ALIVE_MS } from './http';
import { type OutboxEntry, type TargetFactory, installTargets, outboxKind } from './host-targets';

/** Settings passed by the parent in `COGNITO_HOST_OPTIONS`. */
export interface HostProcessOptions {
  /** Port for cognito-local (0: any free one). */
  port?: number;
  /** Region used in pool ids, ARNs and trigger events. */
  region?: string;
  accountId?: string;
  /** A failing PostConfirmation trigger fails the confirmation call (Cognito behaviour). Default true. */
  strictTriggers?: boolean;
  /** How long a trigger may run; Cognito waits 5 s. */
  lambdaTimeoutMs?: number;
  /** pino level for cognito-local's own logs (default `error`; never `debug` with real data). */
  logLevel?: string;
  /** The URL clients use (the shim), used as token issuer. */
  publicUrl?: string;
}

interface InvokeParams {
  FunctionName: string;
  InvocationType?: string;
  Payload?: string;
}

/** A stand-in for aws-sdk v2's Lambda client: only `invoke(...).promise()`, over plain HTTP. */
function lambdaInvokeClient(endpoint: string | undefined, timeoutMs: number) {
  const call = (params: InvokeParams) =>
    new Promise<{ StatusCode?: number; FunctionError?: string; Payload: string; ExecutedVersion?: string }>(
      (resolve, reject) => {
        if (!endpoint) {
          reject(new Error('LambdaClient.endpoint is not set in .cognito/config.json'));
          return;
        }
        const url = new URL(`/2015-03-31/functions/${encodeURIComponent(params.FunctionName)}/invocations`, endpoint);
        const body = params.Payload ?? '';
        const req = http.request(
          url,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'x-amz-invocation-type': params.InvocationType ?? 'RequestResponse',
            },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const payload = Buffer.concat(chunks).toString('utf8');
              if ((res.statusCode ?? 500) >= 400) {
                reject(new Error(`Lambda Invoke answered ${res.statusCode}`));
                return;
              }
              resolve({
                StatusCode: res.statusCode,
                FunctionError: res.headers['x-amz-function-error'] as string | undefined,
                ExecutedVersion: res.headers['x-amz-executed-version'] as string | undefined,
                Payload: payload,
              });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('Lambda invocation timed out')));
        req.on('error', reject);
        req.end(body);
      },
    );
  return { invoke: (params: InvokeParams) => ({ promise: () => call(params) }) };
}

async function main(): Promise<void> {
  const opts: HostProcessOptions = JSON.parse(process.env.COGNITO_HOST_OPTIONS ?? '{}');
  const region = opts.region ?? 'us-east-1';
  const cognitoLocalDir = path.dirname(require.resolve('cognito-local/package.json'));
  patchStormDb(require(require.resolve('stormdb', { paths: [cognitoLocalDir] })));
  // cognito-local throws (HTTP 500) looking up a group in a pool that never had one.
  const proto = UserPoolServiceImpl.prototype as unknown as {
    getGroupByGroupName(ctx: unknown, name: string): Promise<unknown>;
    listGroups(ctx: unknown): Promise<readonly { GroupName?: string }[]>;
  };
  const getGroup = proto.getGroupByGroupName;
  proto.getGroupByGroupName = async function (this: typeof proto, c, name) {
    try {
      return await getGroup.call(this, c, name);
    } catch {
      return (await this.listGroups(c)).find((g) => g.GroupName === name) ?? null;
    }
  };
  const pino = require(require.resolve('pino', { paths: [cognitoLocalDir] }));
  const logger = pino({ level: opts.logLevel ?? 'error' });
  const ctx = { logger };

  const configDirectory = path.resolve('.cognito');
  const dataDirectory = path.join(configDirectory, 'db');
  const config = await loadConfig(ctx, new StormDBDataStoreFactory(configDirectory));
  config.UserPoolDefaults = {} as never;
  config.ServerConfig = {
    ...config.ServerConfig,
    port: opts.port ?? 0,
    hostname: '127.0.0.1',
    https: false,
    development: false,
  };
  if (opts.publicUrl) config.TokenConfig = { ...config.TokenConfig, IssuerDomain: opts.publicUrl };

  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(dataDirectory);
  const cognitoClient = await new CognitoServiceFactoryImpl(
    dataDirectory,
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  ).create(ctx, config.UserPoolDefaults);

  const endpoint = (config.LambdaClient as { endpoint?: string }).endpoint;
  const lambda = new LambdaService(
    config.TriggerFunctions,
    lambdaInvokeClient(endpoint, opts.lambdaTimeoutMs ?? 5000) as never,
  );
  // Trigger events as Cognito shapes them: real Region, version "1", admin calls without a client.
  const l = lambda as unknown as { createLambdaEvent: (e: { clientId?: string | null }) => Record<string, unknown> };
  const createEvent = l.createLambdaEvent.bind(lambda);
  l.createLambdaEvent = (event) => ({
    ...createEvent(event),
    version: '1',
    region,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: event.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
  });
  const kmsUnavailable = { encrypt: () => Promise.reject(new Error('KMS is not available locally')) };
  const triggers = new TriggersService(clock, cognitoClient, lambda, kmsUnavailable as never);
  if (opts.strictTriggers !== false) {
    // cognito-local swallows trigger failures; Cognito fails the confirmation call (the user stays confirmed).
    (triggers as unknown as { postConfirmation: unknown }).postConfirmation = async (
      c: typeof ctx,
      e: {
        clientId: string | null;
        clientMetadata?: Record<string, string>;
        source: string;
        userAttributes: never;
        username: string;
        userPoolId: string;
      },
    ) => {
      await lambda.invoke(c as never, 'PostConfirmation', {
        clientId: e.clientId,
        clientMetadata: e.clientMetadata,
        triggerSource: e.source as 'PostConfirmation_ConfirmSignUp',
        userAttributes: attributesToRecord(e.userAttributes),
        username: e.username,
        userPoolId: e.userPoolId,
      });
    };
  }

  const outbox: OutboxEntry[] = [];
  const record = installTargets(
    Targets as unknown as Record<string, TargetFactory>,
    { region, accountId: opts.accountId ?? '000000000000' },
    outbox,
  );
  const messages = {
    deliver: async (
      _c: unknown,
      source: string,
      _clientId: unknown,
      userPoolId: string,
      user: { Username: string },
      code: string,
      _m: unknown,
      delivery: { DeliveryMedium?: string },
    ) => {
      record({
        poolId: userPoolId,
        username: user.Username,
        kind: outboxKind(source),
        medium: delivery.DeliveryMedium === 'SMS' ? 'SMS' : 'EMAIL',
        code,
      });
    },
  };
  const services = {
    clock,
    cognito: cognitoClient,
    config,
    messages,
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, config.TokenConfig),
    triggers,
  };
  const server = await createServer(Router(services as never), logger, config.ServerConfig, services as never).start();
  (server as http.Server).keepAliveTimeout = IDLE_KEEP_ALIVE_MS; // see IDLE_KEEP_ALIVE_MS

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    server.close();
    (server as http.Server).closeAllConnections?.();
    await flushWrites();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('disconnect', () => void shutdown());
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((e) => {
  process.stderr.write(`cognito host failed to start: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
