import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResetSender } from '../send';
import type { JobDeps } from './context';
import { JobStateError } from './errors';

/** What the job's sends need beyond the engine: the journal table and the standby's reset call. */
export interface JobSendWiring {
  client: DynamoDBClient;
  table: string;
  poolId: string;
  gateway: ResetSender;
  resendUncertain?: boolean;
}

/**
 * The one place the job meets the DynamoDB send journal and the per-row sender (`send.ts`):
 * the journal on the failover table (`pk = <poolId>#<sub>`) and, per session, a row sender on it
 * with the session's stop signal.
 *
 * wiring: J1. Until the branch with `createRowSender` and `DynamoSendJournal` is merged, this is
 * a stub that refuses to send (dry-run jobs work). On merge, the body is:
 *
 *   import { createRowSender } from '../send';
 *   import { DynamoSendJournal } from '../journal';
 *   const journal = new DynamoSendJournal({ client: w.client, table: w.table, poolId: w.poolId });
 *   return {
 *     journal,
 *     createSender: (signal) =>
 *       createRowSender({ journal, gateway: w.gateway, signal, resendUncertain: w.resendUncertain }),
 *   };
 */
export function jobSendWiring(w: JobSendWiring): Pick<JobDeps, 'createSender' | 'journal'> {
  return {
    createSender: () => {
      throw new JobStateError(
        `the DynamoDB send journal is not wired into this build (table ${w.table}, pool ${w.poolId}): dry runs only`,
      );
    },
  };
}
