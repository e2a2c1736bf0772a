import { generatePassword } from '../core/password';
import { deferMfa, type MfaChange, type ReplicationPlan } from '../core/plan';
import type { GroupInfo } from '../core/types';
import { GroupNotFoundError, PasswordResetRequiredError, UserNotFoundError } from '../cognito/errors';
import type { CognitoPool } from '../cognito/pool';

/** What applying a plan needs besides the plan. */
export interface ApplyContext {
  standby: CognitoPool;
  /** Looks up a source group's description and precedence, to create it in the standby when missing. */
  sourceGroup(name: string): Promise<GroupInfo | undefined>;
  /** Source role ARN -> standby role ARN. Roles are only set on created groups through this map. */
  groupRoleMap?: Record<string, string>;
}

/** What applying a plan did. */
export interface ApplyResult {
  /** The replica's username. */
  standbyUsername?: string;
  /**
   * The MFA preference call was refused because the replica must reset its password first
   * (`PasswordResetRequiredException`): neither it nor the MFA marker was written, nor the
   * contact of a factor it switches off deleted. The caller reports the plan as `deferMfa` makes
   * it (the MFA pending); the first run after the user's reset sets it.
   */
  mfaDeferred: boolean;
}

/**
 * Carries out a {@link ReplicationPlan} on the standby: the only code that writes a replica.
 * Calls are made in an order that always leaves a recoverable replica: create, password,
 * attribute updates, enabled state, groups, MFA (then the MFA marker), attribute deletions,
 * provider link. The MFA call comes after the updates and before the deletions because Cognito
 * refuses to switch SMS (e-mail) MFA on, and even *off*, for a user without `phone_number`
 * (`email`): a factor is switched on once its contact is written (with its verified flag, in the
 * same call) and off while its contact is still there. The marker follows the MFA call, so a stop
 * between the two leaves the old marker and the next run makes the call again.
 */
export async function applyPlan(plan: ReplicationPlan, ctx: ApplyContext): Promise<ApplyResult> {
  if (plan.kind === 'skip' || plan.kind === 'in-sync')
    return { standbyUsername: plan.standbyUsername, mfaDeferred: false };
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
  if (plan.setEnabled !== undefined) await standby.setEnabled(username, plan.setEnabled);
  for (const group of plan.addGroups) await addToGroup(username, group, ctx);
  for (const group of plan.removeGroups) {
    try {
      await standby.removeUserFromGroup(username, group);
    } catch (err) {
      // The user or the group is gone: nothing to remove (a missing pool is thrown).
      if (!(err instanceof UserNotFoundError || err instanceof GroupNotFoundError)) throw err;
    }
  }
  const mfaDeferred = plan.mfa ? !(await setMfa(standby, username, plan.mfa)) : false;
  // A refused call leaves the MFA pending: neither the marker nor the contact of a factor it
  // switches off is written (the same plan the planner makes for a replica it sees RESET_REQUIRED).
  const rest = mfaDeferred ? deferMfa(plan) : plan;
  if (rest.afterMfaAttributes && Object.keys(rest.afterMfaAttributes).length)
    await standby.updateAttributes(username, rest.afterMfaAttributes);
  if (rest.deleteAttributes.length) await standby.deleteAttributes(username, rest.deleteAttributes);
  if (plan.link) await standby.linkProvider(username, plan.link);
  return { standbyUsername: username, mfaDeferred };
}

/**
 * Sets the MFA preference; false when Cognito refuses it because the user is in `RESET_REQUIRED`
 * (`PasswordResetRequiredException`, SDK model `AdminSetUserMFAPreferenceCommand.d.ts`): the
 * planner defers the call for a replica it sees in that state, and this covers a status that
 * changed since the replica was read. Not a failure: the MFA waits for the user's reset.
 */
async function setMfa(standby: CognitoPool, username: string, change: MfaChange): Promise<boolean> {
  try {
    await standby.setMfaPreference(username, change);
    return true;
  } catch (err) {
    if (err instanceof PasswordResetRequiredError) return false;
    throw err;
  }
}

/** Adds a member, creating the group in the standby first when it does not exist there yet. */
async function addToGroup(username: string, group: string, ctx: ApplyContext): Promise<void> {
  try {
    await ctx.standby.addUserToGroup(username, group);
    return;
  } catch (err) {
    if (!(err instanceof GroupNotFoundError)) throw err;
  }
  const info = (await ctx.sourceGroup(group)) ?? { name: group };
  const roleArn = info.roleArn ? ctx.groupRoleMap?.[info.roleArn] : undefined;
  await ctx.standby.createGroup({ name: group, description: info.description, precedence: info.precedence, roleArn });
  await ctx.standby.addUserToGroup(username, group);
}
