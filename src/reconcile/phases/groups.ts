/**
 * The groups of the source that the target lacks, created before the pass (apply mode) so that
 * members can be added as users are replicated. Touches the target (CreateGroup), the
 * checkpoint's target group list, the report's `groupsCreated` and the warnings.
 */
import { describeError } from '../../core/errors';
import { RunStoppedError } from '../scan';
import type { Session } from '../session';

export async function createMissingGroups(session: Session): Promise<void> {
  const { scan } = session.state;
  const have = new Set((scan.target.groups ?? []).map((g) => g.name));
  for (const group of scan.source.groups ?? []) {
    if (have.has(group.name) || session.stopping) continue;
    const roleArn = group.roleArn ? session.replication.groupRoleMap?.[group.roleArn] : undefined;
    try {
      await session.target.createGroup({
        name: group.name,
        description: group.description,
        precedence: group.precedence,
        roleArn,
      });
      session.report.counts.groupsCreated++;
      scan.target.groups?.push({ ...group, roleArn });
    } catch (err) {
      if (err instanceof RunStoppedError || session.stopping) throw new RunStoppedError();
      session.warn(
        `could not create group ${group.name} in the target: ${describeError(err)} (its members are added as they are replicated, creating it then)`,
      );
    }
  }
}
