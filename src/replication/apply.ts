import { classifyError } from '../core/errors';
import { generatePassword } from '../core/password';
import type { ReplicationPlan } from '../core/plan';
import type { GroupInfo } from '../core/types';
import type { CognitoGateway } from '../cognito/gateway';

/** What applying a plan needs besides the plan. */
export interface ApplyContext {
  standby: CognitoGateway;
  /** Looks up a source group's description and precedence, to create it in the standby when missing. */
  sourceGroup(name: string): Promise<GroupInfo | undefined>;
  /** Source role ARN -> standby role ARN. Roles are only set on created groups through this map. */
  groupRoleMap?: Record<string, string>;
}

/**
 * Carries out a {@link ReplicationPlan} on the standby: the only code that writes a replica.
 * Calls are made in an order that always leaves a recoverable replica: create, password,
 * attributes, enabled state, groups, MFA (then the MFA marker), provider link. Returns the replica's username.
 */
export async function applyPlan(plan: ReplicationPlan, ctx: ApplyContext): Promise<string | undefined> {
  if (plan.kind === 'skip' || plan.kind === 'in-sync') return plan.standbyUsername;
  const { standby } = ctx;
  let username = plan.standbyUsername!;
  if (plan.kind === 'create') {
    const created = await standby.createUser(username, plan.createAttributes ?? {});
    username = created.username || username;
  }
  if (plan.setPassword) {
    const pool = await standby.describePool();
    await standby.setPermanentPassword(username, generatePassword(pool.passwordPolicy));
  }
  if (Object.keys(plan.updateAttributes).length) await standby.updateAttributes(username, plan.updateAttributes);
  if (plan.deleteAttributes.length) await standby.deleteAttributes(username, plan.deleteAttributes);
  if (plan.setEnabled !== undefined) await standby.setEnabled(username, plan.setEnabled);
  for (const group of plan.addGroups) await addToGroup(username, group, ctx);
  for (const group of plan.removeGroups) {
    try {
      await standby.removeUserFromGroup(username, group);
    } catch (err) {
      if (classifyError(err) !== 'not-found') throw err;
    }
  }
  if (plan.mfa) await standby.setMfaPreference(username, plan.mfa);
  if (plan.afterMfaAttributes && Object.keys(plan.afterMfaAttributes).length) await standby.updateAttributes(username, plan.afterMfaAttributes);
  if (plan.link) await standby.linkProvider(username, plan.link);
  return username;
}

/** Adds a member, creating the group in the standby first when it does not exist there yet. */
async function addToGroup(username: string, group: string, ctx: ApplyContext): Promise<void> {
  try {
    await ctx.standby.addUserToGroup(username, group);
    return;
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  const info = (await ctx.sourceGroup(group)) ?? { name: group };
  const roleArn = info.roleArn ? ctx.groupRoleMap?.[info.roleArn] : undefined;
  await ctx.standby.createGroup({ name: group, description: info.description, precedence: info.precedence, roleArn });
  await ctx.standby.addUserToGroup(username, group);
}
