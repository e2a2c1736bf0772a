import { TaskPool } from '../core/concurrency';
import { describeError } from '../core/errors';
import type { Session } from './session';

/** Writes to the replica index in flight at once (DynamoDB, not Cognito). */
const INDEX_CONCURRENCY = 32;

/**
 * Keeps the change-capture replica index (source sub -> replica username) in step with what an
 * apply run finds and makes: every pair remembered, every deleted orphan forgotten. Writes run in
 * the background, at most {@link INDEX_CONCURRENCY} at once; a failure is a warning, never a
 * failed user. Does nothing when the run was given no index.
 */
export class ReplicaIndexSync {
  private readonly writes: TaskPool;

  constructor(private readonly session: Pick<Session, 'options' | 'report' | 'warn'>) {
    this.writes = new TaskPool(INDEX_CONCURRENCY, {
      onError: (err) =>
        session.warn(
          `the replica index could not be updated (change capture may miss deletions until the next run): ${describeError(err)}`,
        ),
    });
  }

  /** Records a pair (waits only for a free place, not for the write). */
  async remember(sourceSub: string | undefined, replicaUsername: string): Promise<void> {
    const index = this.session.options.replicaIndex;
    if (!sourceSub || !index) return;
    await this.write(() => index.remember(sourceSub, replicaUsername));
  }

  /** Forgets the pair of a deleted replica. */
  async forget(sourceSub: string, replicaUsername: string): Promise<void> {
    const index = this.session.options.replicaIndex;
    if (!index) return;
    await this.write(() => index.forget(sourceSub, replicaUsername));
  }

  /** Resolves once every write started has settled. */
  onIdle(): Promise<void> {
    return this.writes.onIdle();
  }

  private async write(call: () => Promise<unknown>): Promise<void> {
    await this.writes.add(async () => {
      if ((await call()) === 'written') this.session.report.counts.indexWrites++;
    });
  }
}
