import {
  CreateTableCommand,
  type DynamoDBClient,
  UpdateContinuousBackupsCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/**
 * The send journal's table (what serverless.yml creates for the failover job): one item per
 * user, key `pk = <poolId>#<sub>`, on-demand capacity (a wave writes at most 2 items a second per
 * reset sent, far below any table's limits), encrypted at rest, and point-in-time recovery on: it
 * is the record of who was already notified, so an accidental overwrite must be recoverable.
 */
export const SEND_JOURNAL_TABLE = {
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
  SSESpecification: { Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
};

/**
 * Creates a send journal table with {@link SEND_JOURNAL_TABLE}'s schema and waits until it is
 * active, for tests and local runs (deployments create it from serverless.yml). Point-in-time
 * recovery is a separate call (UpdateContinuousBackups); an emulator without it keeps the table.
 *
 * @example
 * await createJournalTable(new DynamoDBClient({ endpoint }), 'failover-journal');
 */
export async function createJournalTable(client: DynamoDBClient, name: string): Promise<void> {
  const { PointInTimeRecoverySpecification, ...table } = SEND_JOURNAL_TABLE;
  await client.send(new CreateTableCommand({ TableName: name, ...table }));
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  try {
    await client.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification }));
  } catch (err) {
    // dynalite does not implement UpdateContinuousBackups (UnknownOperationException).
    if ((err as Error).name !== 'UnknownOperationException') throw err;
  }
}
