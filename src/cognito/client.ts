import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Semaphore } from '../core/concurrency';
import type { PoolConfig } from '../core/types';

/** Sockets of a client's HTTP agent, and requests in flight at once (the SDK's own default, stated). */
export const DEFAULT_MAX_SOCKETS = 50;

/** Settings of {@link createCognitoClient}. */
export interface CognitoClientOptions {
  region: string;
  /** Endpoint override (VPC endpoint, local emulator). */
  endpoint?: string;
  /** Sockets of the HTTP agent. Default {@link DEFAULT_MAX_SOCKETS}. */
  maxSockets?: number;
  /** Time to connect a socket, ms. Default 3000. */
  connectionTimeoutMs?: number;
  /** Time to wait for the answer, ms. Default 10 000. */
  requestTimeoutMs?: number;
  /** Extra SDK client settings (credentials, ...); a `requestHandler` here replaces the one built here. */
  clientConfig?: CognitoIdentityProviderClientConfig;
}

/**
 * What gateways sharing one SDK client share, kept on the client itself (instance state of the
 * client, no process-wide table): its sockets, so its in-flight limit, and the pool
 * configurations read through it (a reconcile run, the drill and a warm Lambda container build
 * gateways on one client and read each pool's configuration once).
 */
interface ClientState {
  gate?: Semaphore;
  poolConfigs: Map<string, { at: number; config: Promise<PoolConfig> }>;
}
const CLIENT_STATE = Symbol('cognito-standby-sync.client-state');
type StatefulClient = CognitoIdentityProviderClient & { [CLIENT_STATE]?: ClientState };

export function stateOf(client: StatefulClient): ClientState {
  client[CLIENT_STATE] ??= { poolConfigs: new Map() };
  return client[CLIENT_STATE];
}

export function gateFor(client: CognitoIdentityProviderClient, limit = DEFAULT_MAX_SOCKETS): Semaphore {
  const state = stateOf(client);
  state.gate ??= new Semaphore(limit);
  return state.gate;
}

/**
 * The SDK client the gateway uses: one attempt per call (retries are the gateway's, through the
 * limiter), and an HTTP handler whose agents have exactly `maxSockets` sockets. Gateways on this
 * client keep at most that many requests in flight, so no request waits for a socket while its
 * connection timer runs (a queued request used to fail with "did not establish a connection").
 */
export function createCognitoClient(options: CognitoClientOptions): CognitoIdentityProviderClient {
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const client = new CognitoIdentityProviderClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    }),
    ...options.clientConfig,
  });
  if (!options.clientConfig?.requestHandler) stateOf(client).gate = new Semaphore(maxSockets);
  return client;
}
