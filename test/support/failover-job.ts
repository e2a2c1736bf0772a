/**
 * What the failover job's integration and fault tests share: the job's table on dynalite (the
 * journal's schema: the job's item and the users' send records share it) and, for tests without
 * DynamoDB, the row sender over the local file journal. Both are the production send path
 * (`createRowSender` over a `SendJournal`); the job's own wiring is `jobSendWiring`.
 * @packageDocumentation
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoEmulator, startDynamoEmulator } from '../../scripts/local/dynamodb';
import type { JobDeps } from '../../src/failover/job';
import { createJournalTable, FileSendJournal } from '../../src/failover/journal';
import { createRowSender, type ResetSender } from '../../src/failover/send';

/** Creates the failover table (the job's item and the journal share it). */
export async function createFailoverTable(db: DynamoDBClient, name: string): Promise<void> {
  await createJournalTable(db, name);
}

/**
 * One session's sends over the local file journal at `path` (opened per session: the session
 * closes its journal when it ends, as the job's does).
 */
export async function fileJobSending(
  path: string,
  poolId: string,
  gateway: ResetSender,
): Promise<Pick<JobDeps, 'createSender' | 'journal'>> {
  const journal = await FileSendJournal.open(path, { region: 'local', poolId });
  return { journal, createSender: (signal) => createRowSender({ journal, gateway, signal }) };
}

/**
 * A dynalite for the test file and a fresh journal table for each test (named `<prefix>-N`):
 * `current()` gives the client and the table of the running test.
 */
export function useJournalTable(prefix: string): () => { client: DynamoDBClient; table: string } {
  let dynamo: DynamoEmulator;
  let client: DynamoDBClient;
  let tables = 0;
  let table: string;
  beforeAll(async () => {
    dynamo = await startDynamoEmulator();
    client = dynamo.client();
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });
  beforeEach(async () => {
    table = `${prefix}-${++tables}`;
    await createJournalTable(client, table);
  });
  return () => ({ client, table });
}
