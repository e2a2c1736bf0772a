/**
 * The worker's change-capture steps around `replicateUser` (kept here so that the worker handler
 * only calls them): keep the replica index up to date, and delete the replica of a source user
 * that no longer exists. Logs and metrics carry the `sub`, never a username.
 * @packageDocumentation
 */
import { describeError } from '../core/errors';
import { logger, MetricUnit, metrics } from '../observability';
import { propagateDeletion } from './propagate-deletion';
import type { ReplicaIndex } from './replica-index';
import type { ReplicationContext, ReplicationOutcome } from './replicate-user';

/**
 * After a replication: a replica that exists is remembered in the index (no write when the index
 * already knows it); a source user that is gone has its replica deleted. Index failures while
 * remembering are logged and counted, never fatal (the replication itself succeeded, and the
 * reconciler can rebuild the index); deletion failures are thrown, so the message is retried.
 */
export async function afterReplication(
  ctx: ReplicationContext,
  index: ReplicaIndex | undefined,
  outcome: ReplicationOutcome,
  message: { sub?: string; reason: string },
  poolStated: boolean,
): Promise<void> {
  if (outcome.result === 'source-missing') {
    const sub = outcome.sourceSub ?? message.sub;
    const deletion = await propagateDeletion(ctx, index, { sub, poolStated });
    const fields = { sub, reason: message.reason, result: deletion.result, why: deletion.reason };
    if (deletion.result === 'deleted') {
      logger.info('source user gone: replica deleted', fields);
      metrics.addMetric('ReplicasDeleted', MetricUnit.Count, 1);
    } else if (deletion.result === 'deferred') {
      logger.warn('source user gone: replica left to the reconciler', fields);
      metrics.addMetric('DeletionsDeferred', MetricUnit.Count, 1);
    } else if (deletion.result === 'not-indexed') {
      logger.info(
        'no user with this sub in the source pool nor in the replica index (a user of another pool?)',
        fields,
      );
      metrics.addMetric('UnmatchedEvents', MetricUnit.Count, 1);
    } else {
      logger.info('source user gone: replica already gone', fields);
    }
    return;
  }
  if (!index || !outcome.sourceSub || !outcome.standbyUsername) return;
  try {
    const r = await index.remember(outcome.sourceSub, outcome.standbyUsername);
    if (r === 'written') metrics.addMetric('ReplicaIndexWrites', MetricUnit.Count, 1);
  } catch (err) {
    logger.warn('could not update the replica index', { sub: outcome.sourceSub, error: describeError(err) });
    metrics.addMetric('ReplicaIndexErrors', MetricUnit.Count, 1);
  }
}
