import type { CheckpointState } from '../checkpoint';
import type { Session } from '../session';

/**
 * One step of a run. The run goes through the table of phases in order (`phases/index.ts`); a
 * phase runs when the checkpoint is at it, and moves `state.phase` on when it is done, so a
 * resumed run starts at the phase it stopped in.
 */
export interface Phase {
  /** The checkpoint phase this step runs in. */
  readonly name: CheckpointState['phase'];
  /** Does the phase's work; throws `RunStoppedError` when the run stops. */
  run(session: Session): Promise<void>;
  /**
   * Runs once the phase is over, whether it ran in this session or an earlier one: counts that
   * later phases and the report read.
   */
  settled?(session: Session): Promise<void>;
}
