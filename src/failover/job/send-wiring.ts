import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoSendJournal } from '../journal';
import { createRowSender, type ResetSender } from '../send';
import type { JobDeps } from './context';

/** What the job's sends need beyond the engine: the journal table and the standby's reset call. */
export interface JobSendWiring {
  client: DynamoDBClient;
  table: string;
  poolId: string;
  gateway: ResetSender;
  resendUncertain?: boolean;
}

/**
 * The one place the job meets the DynamoDB send journal and the per-row sender (`send/`): the
 * journal on the failover table (`pk = <poolId>#<sub>`, next to the job's own item) and, per
 * session, a row sender on it with the session's stop signal. The same row sender serves the
 * local wave, so both modes share the journal's semantics (journal-port.ts).
 */
export function jobSendWiring(w: JobSendWiring): Pick<JobDeps, 'createSender' | 'journal'> {
  const journal = new DynamoSendJournal({ client: w.client, table: w.table, poolId: w.poolId });
  return {
    journal,
    createSender: (signal) =>
      createRowSender({ journal, gateway: w.gateway, signal, resendUncertain: w.resendUncertain }),
  };
}
