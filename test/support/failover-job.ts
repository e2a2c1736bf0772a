/**
 * What the failover job's integration and fault tests share: the job's storage on the emulators
 * (dynalite, the local S3) and a row sender over an in-memory journal with the send journal's
 * semantics (claim before the request leaves, settle after; a claimed user is never sent again).
 *
 * The row sender stands in for `createRowSender` over the `DynamoSendJournal` (helper J1's part of
 * issue 12) until both are merged; then `jobSender` is their composition (see
 * src/failover/job/send-wiring.ts).
 * @packageDocumentation
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { JobRowSender } from '../../src/failover/job';
import type { RowOutcome } from '../../src/failover/journal-port';
import type { ManifestRow } from '../../src/failover/manifest';
import type { ResetSender } from '../../src/failover/send';

/** Creates the failover table (the job's item and the journal share it). */
export async function createFailoverTable(db: DynamoDBClient, name: string): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
}

/** A journal of claims and outcomes by sub, shared by every "process" of a test. */
export class SharedJournal {
  readonly entries = new Map<string, 'claimed' | 'sent' | 'failed'>();
}

/** A row sender over {@link SharedJournal}: claim when the request is about to leave, then send, then settle. */
export function jobSender(journal: SharedJournal, gateway: ResetSender, signal: AbortSignal): JobRowSender {
  return {
    async send(row: ManifestRow): Promise<RowOutcome> {
      if (!row.send) return 'not-to-send';
      const before = journal.entries.get(row.sub);
      if (before === 'sent') return 'already-sent';
      if (before === 'claimed') return 'left-maybe-sent';
      if (signal.aborted) return 'stopped';
      let claimed = false;
      try {
        await gateway.resetPasswordAfter(row.username, async () => {
          if (signal.aborted) throw new Error('stopped');
          if (journal.entries.get(row.sub) === 'sent' || journal.entries.get(row.sub) === 'claimed')
            throw new Error('claimed by another');
          journal.entries.set(row.sub, 'claimed');
          claimed = true;
        });
      } catch {
        if (!claimed) return signal.aborted ? 'stopped' : 'already-sent';
        journal.entries.set(row.sub, 'failed');
        return 'failed';
      }
      journal.entries.set(row.sub, 'sent');
      return 'sent';
    },
  };
}
