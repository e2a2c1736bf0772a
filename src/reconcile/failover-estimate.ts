import type { ReplicationPlan } from '../core/plan';
import type { UserRecord } from '../core/types';
import { classifyUser, type ManifestOptions } from '../failover/manifest';

/**
 * The readiness summary's failover estimate: which target users a failover `--send` would send
 * a reset code to. The decision is the failover kit's own (`classifyUser` of its manifest, with
 * its defaults), applied to each replica as it stands after this run; this module only works out
 * that replica and names the outcome. Pure.
 */

/** Options of the failover kit's classification for the target pool (its defaults otherwise). */
export type FailoverOptions = Pick<ManifestOptions, 'pool' | 'sourceSubAttribute' | 'mfaMarkerAttribute'>;

/**
 * The replica once `plan` is applied to `base` (the replica the plan was made against; none for
 * a create). Only what the failover classification reads is modelled: attributes, enabled state
 * and status (AdminCreateUser leaves FORCE_CHANGE_PASSWORD, a permanent password CONFIRMED).
 */
export function replicaAfter(base: UserRecord | undefined, plan: ReplicationPlan): UserRecord | undefined {
  if (plan.kind === 'create') {
    return {
      username: plan.standbyUsername ?? '',
      attributes: { ...plan.createAttributes, ...plan.afterMfaAttributes },
      enabled: plan.setEnabled ?? true,
      status: plan.setPassword ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD',
    };
  }
  if (!base) return undefined;
  if (plan.kind !== 'update') return base;
  const attributes = { ...base.attributes, ...plan.updateAttributes, ...plan.afterMfaAttributes };
  for (const name of plan.deleteAttributes) delete attributes[name];
  return {
    ...base,
    attributes,
    enabled: plan.setEnabled ?? base.enabled,
    status: plan.setPassword ? 'CONFIRMED' : base.status,
  };
}

/**
 * `send` when a failover would send this target user a reset code, otherwise why not: the
 * manifest's reason for listing the user apart (`disabled`, `no-verified-contact`, ...),
 * `reset-required` (already RESET_REQUIRED: not sent again without `--resend-reset-required`),
 * `federated`, `recovery-admin-only`, or `no-replica`. A replica whose only obstacle is an
 * unknown MFA (no marker, not read here) counts as `send`: the failover reads it in the target
 * and sends it a code on a channel that is not one of its factors, if it has one.
 */
export function failoverFate(replica: UserRecord | undefined, options: FailoverOptions): string {
  if (!replica) return 'no-replica';
  const { row, excluded } = classifyUser(replica, options);
  if (row?.send || excluded?.reason === 'mfa-unknown') return 'send';
  if (row)
    return row.action === 'none'
      ? 'federated'
      : row.status === 'RESET_REQUIRED'
        ? 'reset-required'
        : 'recovery-admin-only';
  return excluded?.reason ?? 'unknown';
}
