/**
 * A local DynamoDB (dynalite, pure JavaScript, in memory) on a loopback port, and the replica
 * index table the change-capture worker uses (the same key schema serverless.yml creates).
 * @packageDocumentation
 */
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { REPLICA_INDEX_KEY_SCHEMA } from '../../src/replication/replica-index';
import { LOCAL_CREDENTIALS } from './clients';
import { IDLE_KEEP_ALIVE_MS, LOOPBACK } from './internal/http';

/** A running local DynamoDB. */
export interface DynamoEmulator {
  readonly endpoint: string;
  client(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** Creates a replica index table (ACTIVE at once). */
  createReplicaIndexTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts dynalite on a free loopback port. */
export async function startDynamoEmulator(opts: { region?: string } = {}): Promise<DynamoEmulator> {
  const dynalite = require('dynalite') as (o: {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS; // see IDLE_KEEP_ALIVE_MS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const endpoint = `http://${LOOPBACK}:${port}`;
  const region = opts.region ?? 'us-east-1';
  const client = (config: Partial<DynamoDBClientConfig> = {}) =>
    new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 2, ...config });
  return {
    endpoint,
    client,
    async createReplicaIndexTable(name: string) {
      const c = client();
      await c.send(new CreateTableCommand({ TableName: name, ...REPLICA_INDEX_KEY_SCHEMA }));
      c.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
