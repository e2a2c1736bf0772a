import {
  type AttributeGap,
  cannotHold,
  isPoolOwnedAttribute,
  type ManagedAttributes,
  mapAttributes,
  mfaMarker,
  parseMfaMarker,
  poolHasAttribute,
  REPLICABLE_MFA,
  schemaAttributeOf,
  usesTotp,
} from './attributes';
import { standbyUsernameFor } from './identity';
import type { MfaFactor, MfaState, PoolConfig, UserRecord } from './types';

/** What the planner needs to know besides the two users. */
export interface PlanContext extends ManagedAttributes {
  sourcePool: PoolConfig;
  standbyPool: PoolConfig;
  /** Replicate federated users as local users linked to the same provider identity (the provider must exist in the standby). */
  linkFederatedUsers?: boolean;
  /**
   * Names of the source pool's groups (ListGroups). A target's membership is removed only for a
   * group named here: a group the source pool does not have is no evidence that the user left it.
   * `undefined` (not listed) removes no membership.
   */
  sourceGroups?: ReadonlySet<string>;
}

/** Something about a user the replica cannot carry, or a reason the user was not replicated. */
export type PlanIssue =
  | { code: 'attribute-gap'; attribute: string; reason: AttributeGap['reason'] }
  | { code: 'totp' }
  | { code: 'federated'; provider?: string }
  | { code: 'unconfirmed' }
  | { code: 'no-identity'; attribute: string }
  /** The MFA preference waits for the replica's password reset (see {@link ReplicationPlan.mfaPending}). */
  | { code: 'mfa-pending' };

/** An MFA factor setting for AdminSetUserMFAPreference. */
export interface MfaFactorSetting {
  enabled: boolean;
  preferred: boolean;
}

/** The MFA preference to write: only the factors named are sent. */
export interface MfaChange {
  sms?: MfaFactorSetting;
  email?: MfaFactorSetting;
}

/** A federated identity to link to the local replica. */
export interface ProviderLink {
  providerName: string;
  providerUserId: string;
}

/**
 * Everything that must be written to make the standby's copy of one user match the source.
 * An empty plan (`kind: 'in-sync'`) costs no call at all.
 */
export interface ReplicationPlan {
  kind: 'create' | 'update' | 'in-sync' | 'skip';
  sourceUsername: string;
  sourceSub?: string;
  /** The replica's username: the existing one, or the one to create. */
  standbyUsername?: string;
  /** Attributes for AdminCreateUser (kind `create` only). */
  createAttributes?: Record<string, string>;
  /** Give the replica a random permanent password so it ends CONFIRMED and can recover. */
  setPassword: boolean;
  updateAttributes: Record<string, string>;
  /**
   * Attributes to delete, after the MFA call (see `applyPlan`): Cognito refuses to switch SMS
   * (e-mail) MFA even *off* for a user without `phone_number` (`email`), so a contact goes only
   * once the factor it carried is off.
   */
  deleteAttributes: string[];
  /** Set when the enabled state must change. */
  setEnabled?: boolean;
  addGroups: string[];
  removeGroups: string[];
  mfa?: MfaChange;
  /**
   * Attributes written only once the MFA preference call has succeeded: the MFA marker, when
   * `mfa` is set. A marker written before a failed MFA call would make the next comparison
   * (which reads the marker, not the replica's MFA) believe the MFA is in step, for good.
   */
  afterMfaAttributes?: Record<string, string>;
  /**
   * The MFA preference left for later: the replica is in `RESET_REQUIRED`, and
   * AdminSetUserMFAPreference refuses such a user (`PasswordResetRequiredException`, SDK model
   * `AdminSetUserMFAPreferenceCommand.d.ts`). No call is sent and the marker is left as it is, so
   * the first run after the user's reset plans the call again. Comes with the issue `mfa-pending`.
   */
  mfaPending?: MfaChange;
  link?: ProviderLink;
  issues: PlanIssue[];
}

/** Number of write calls a plan makes (group creation aside). */
export function writeCount(plan: ReplicationPlan): number {
  return (
    (plan.kind === 'create' ? 1 : 0) +
    (plan.setPassword ? 1 : 0) +
    (Object.keys(plan.updateAttributes).length ? 1 : 0) +
    (plan.deleteAttributes.length ? 1 : 0) +
    (plan.setEnabled !== undefined ? 1 : 0) +
    plan.addGroups.length +
    plan.removeGroups.length +
    (plan.mfa ? 1 : 0) +
    (plan.afterMfaAttributes && Object.keys(plan.afterMfaAttributes).length ? 1 : 0) +
    (plan.link ? 1 : 0)
  );
}

const VERIFIED_FLAG: Record<string, string> = { email: 'email_verified', phone_number: 'phone_number_verified' };

/**
 * Plans how to make `replica` (or a new replica, when `undefined`) match `source`. Pure: the same
 * users and context always give the same plan. Parts of a user that were not read (`mfa` or
 * `groups` left `undefined` on either side) are left alone.
 */
export function planReplication(
  source: UserRecord,
  replica: UserRecord | undefined,
  ctx: PlanContext,
): ReplicationPlan {
  const plan: ReplicationPlan = {
    kind: 'in-sync',
    sourceUsername: source.username,
    sourceSub: source.attributes.sub,
    standbyUsername: replica?.username,
    setPassword: false,
    updateAttributes: {},
    deleteAttributes: [],
    addGroups: [],
    removeGroups: [],
    issues: [],
  };
  const skip = (issue: PlanIssue): ReplicationPlan => ({ ...plan, kind: 'skip', issues: [...plan.issues, issue] });

  if (source.status === 'UNCONFIRMED') return skip({ code: 'unconfirmed' });
  const federated = source.status === 'EXTERNAL_PROVIDER';
  const identity = federated ? firstIdentity(source.attributes.identities) : undefined;
  if (federated && !(ctx.linkFederatedUsers && identity))
    return skip({ code: 'federated', provider: identity?.providerName });

  const mapped = mapAttributes(source.attributes, ctx.standbyPool, ctx);
  for (const gap of mapped.gaps) plan.issues.push({ code: 'attribute-gap', attribute: gap.name, reason: gap.reason });
  if (usesTotp(source.mfa)) plan.issues.push({ code: 'totp' });
  const desired = { ...mapped.attributes };
  // At failback the source is itself a replica and the target user is the original it was copied
  // from: bring back what changed, but the original is nobody's copy and keeps its own password.
  const homeCopy = isOriginalOf(replica, source, ctx.sourceSubAttribute);
  if (homeCopy) {
    delete desired[ctx.sourceSubAttribute];
    plan.issues = plan.issues.filter((i) => !(i.code === 'attribute-gap' && i.attribute === ctx.sourceSubAttribute));
  }
  const markerWritable = marksMfa(source, replica, ctx);
  if (source.mfa && markerWritable) desired[ctx.mfaMarkerAttribute] = mfaMarker(source.mfa);
  if (source.mfa && !homeCopy && !markerWritable)
    plan.issues.push({ code: 'attribute-gap', attribute: ctx.mfaMarkerAttribute, reason: 'missing-in-standby-schema' });
  dropFalseVerifiedFlags(desired);

  if (!replica) {
    const usernameAttributes = ctx.standbyPool.usernameAttributes;
    if (usernameAttributes.length && !usernameAttributes.some((a) => source.attributes[a])) {
      return skip({ code: 'no-identity', attribute: usernameAttributes.join('|') });
    }
    plan.kind = 'create';
    plan.standbyUsername = standbyUsernameFor(source, ctx.standbyPool);
    plan.createAttributes = desired;
    plan.setPassword = !federated;
    if (!source.enabled) plan.setEnabled = false;
    plan.addGroups = [...(source.groups ?? [])].sort();
    plan.mfa = source.mfa ? mfaChange(source.mfa, { enabled: [] }) : undefined;
    if (plan.mfa) holdMarkerBack(plan, plan.createAttributes, ctx.mfaMarkerAttribute);
    if (identity) plan.link = identity;
    return plan;
  }

  const current = { ...replica.attributes };
  dropFalseVerifiedFlags(current);
  for (const [name, value] of Object.entries(desired)) {
    if (current[name] === value) continue;
    const schema = schemaAttributeOf(ctx.standbyPool, name);
    if (schema && !schema.mutable) {
      plan.issues.push({ code: 'attribute-gap', attribute: name, reason: 'immutable-in-standby' });
      continue;
    }
    plan.updateAttributes[name] = value;
  }
  // Changing e-mail or phone resets its verified flag unless the flag is sent in the same call.
  for (const [attribute, flag] of Object.entries(VERIFIED_FLAG)) {
    if (attribute in plan.updateAttributes && desired[flag] !== undefined) plan.updateAttributes[flag] = desired[flag];
    // A flag the source no longer has (or has as false) is written false, in the same call as
    // its attribute, rather than deleted: an admin may always set it.
    if (current[flag] !== undefined && desired[flag] === undefined) plan.updateAttributes[flag] = 'false';
  }
  const gapNames = new Set(mapped.gaps.map((g) => g.name));
  for (const name of Object.keys(current).sort()) {
    if (name in desired || gapNames.has(name) || isPoolOwnedAttribute(name)) continue;
    // An attribute the source pool cannot hold (not in its schema, or a value longer than its
    // schema allows) is no evidence that it was removed: at failback the target is the original,
    // which carries what the standby never could. Replication only deletes what the source could have.
    if (cannotHold(ctx.sourcePool, name, current[name])) continue;
    if (name === ctx.sourceSubAttribute || name === ctx.mfaMarkerAttribute) continue;
    if (Object.values(VERIFIED_FLAG).includes(name)) continue;
    if (schemaAttributeOf(ctx.standbyPool, name)?.required) continue;
    if (ctx.standbyPool.usernameAttributes.includes(name as 'email')) continue;
    plan.deleteAttributes.push(name);
  }

  if (source.enabled !== replica.enabled) plan.setEnabled = source.enabled;
  if (!federated && !homeCopy && replica.status === 'FORCE_CHANGE_PASSWORD') plan.setPassword = true;

  if (source.groups && replica.groups) {
    const want = new Set(source.groups);
    const have = new Set(replica.groups);
    plan.addGroups = [...want].filter((g) => !have.has(g)).sort();
    // Only from groups the source pool has: a group it lacks (the target's own, or at failback a
    // group of the original's pool that the standby never had) says nothing about the user.
    plan.removeGroups = [...have].filter((g) => !want.has(g) && !!ctx.sourceGroups?.has(g)).sort();
  }

  if (source.mfa) {
    const known =
      replica.mfa ?? (markerWritable ? parseMfaMarker(replica.attributes[ctx.mfaMarkerAttribute]) : undefined);
    if (known) plan.mfa = sameReplicableMfa(source.mfa, known) ? undefined : mfaChange(source.mfa, known);
    // A replica whose MFA was not read and has no readable marker (made before the marker
    // existed, by another tool, by hand) has *unknown* MFA, not none: a factor switched on in the
    // standby would stay on for good, and the NONE marker written next would hide it from every
    // later run. The planner cannot read, so it sets every factor that can be on to exactly the
    // source's state: one AdminSetUserMFAPreference call, once (the marker written after it makes
    // the MFA known from then on), where a read would cost an AdminGetUser and often that call
    // too. Without a marker to record the result the call would be repeated every run, so only the
    // source's factors are sent then, and callers that can read do so first (the worker:
    // findReplica; a `--deep` reconcile and every restore: needsReplicaMfa).
    else
      plan.mfa = mfaChange(source.mfa, {
        enabled: markerWritable ? factorsThatCanBeOn(replica, plan, ctx.standbyPool) : [],
      });
    if (plan.mfa) holdMarkerBack(plan, plan.updateAttributes, ctx.mfaMarkerAttribute);
  }

  const final = plan.mfa && replica.status === 'RESET_REQUIRED' ? deferMfa(plan) : plan;
  if (writeCount(final) > 0) final.kind = 'update';
  return final;
}

/**
 * `plan` with its MFA preference call (and the marker held back for it) left for later, as
 * {@link ReplicationPlan.mfaPending}: for a replica in `RESET_REQUIRED`, whether the planner saw
 * the status or the call was refused with `PasswordResetRequiredException` (the status changed in
 * between). The contact of a factor the call switches off is kept too: once deleted, Cognito
 * would refuse switching the factor off after the reset, for good. An update left with no write
 * is in sync.
 */
export function deferMfa(plan: ReplicationPlan): ReplicationPlan {
  if (!plan.mfa) return plan;
  const { mfa, afterMfaAttributes: _marker, ...rest } = plan;
  const keep = contactsSwitchedOff(mfa);
  const deferred: ReplicationPlan = {
    ...rest,
    deleteAttributes: plan.deleteAttributes.filter((a) => !keep.includes(a)),
    mfaPending: mfa,
    issues: [...plan.issues, { code: 'mfa-pending' }],
  };
  if (deferred.kind === 'update' && writeCount(deferred) === 0) deferred.kind = 'in-sync';
  return deferred;
}

/** The contact attribute each replicable MFA factor needs. */
const FACTOR_CONTACT: Partial<Record<MfaFactor, string>> = { SMS_MFA: 'phone_number', EMAIL_OTP: 'email' };

/**
 * The contacts of the factors `change` switches off: each must still be there when the call is
 * made (Cognito refuses even an *off* setting for a user without the contact: "User does not have
 * a phone_number set to turn on SMS MFA", recorded in aws-amplify/amplify-js#5766 and #846).
 */
export function contactsSwitchedOff(change: MfaChange | undefined): string[] {
  const off: string[] = [];
  if (change?.sms && !change.sms.enabled) off.push(FACTOR_CONTACT.SMS_MFA!);
  if (change?.email && !change.email.enabled) off.push(FACTOR_CONTACT.EMAIL_OTP!);
  return off;
}

/**
 * The replicable factors that can be on for `replica` when the MFA call is made, after `plan`'s
 * attribute updates and before its deletions: a factor needs its contact (Cognito refuses even
 * switching SMS MFA *off* for a user without `phone_number`: "User does not have a phone_number
 * set to turn on SMS MFA", recorded in aws-amplify/amplify-js#5766), and e-mail MFA an Essentials
 * or Plus pool (AWS API reference, `EmailMfaSettingsType`; a Lite pool: not sent, not verified
 * whether it would be refused). A contact the plan deletes is still there for the call, so a
 * stray factor is switched off before its contact goes.
 */
function factorsThatCanBeOn(replica: UserRecord, plan: ReplicationPlan, standbyPool: PoolConfig): MfaFactor[] {
  const present = (name: string) => !!(plan.updateAttributes[name] ?? replica.attributes[name]);
  return REPLICABLE_MFA.filter(
    (f) => present(FACTOR_CONTACT[f]!) && !(f === 'EMAIL_OTP' && standbyPool.featurePlan === 'LITE'),
  );
}

/**
 * True when the plan records the user's MFA in the target's marker attribute: the source's MFA was
 * read, the target pool has the attribute, and the target user is a replica (an original, at
 * failback or in a restore into the backed-up pool, is nobody's copy and gets no marker).
 */
function marksMfa(source: UserRecord, replica: UserRecord | undefined, ctx: PlanContext): boolean {
  return (
    !isOriginalOf(replica, source, ctx.sourceSubAttribute) &&
    source.mfa !== undefined &&
    poolHasAttribute(ctx.standbyPool, ctx.mfaMarkerAttribute)
  );
}

/**
 * True when planning `source` against `replica` needs the replica's MFA read first: the source's
 * MFA is known, the replica's was not read, and no marker can record it (the pool has no marker
 * attribute, or the target is an original: a restore into the backed-up pool, a failback).
 * - A replica is read when the source has an SMS or e-mail factor on: unread, the plan would set
 *   it again on every run.
 * - An original is read whatever the source's MFA: it is a live user, and a factor switched on
 *   since (by the user, or by the bad script a restore undoes) must be switched off again, which
 *   only a read can show. A restore knows the MFA of the users its journal read, not of every user.
 */
export function needsReplicaMfa(source: UserRecord, replica: UserRecord | undefined, ctx: PlanContext): boolean {
  if (!replica || replica.mfa !== undefined || !source.mfa || marksMfa(source, replica, ctx)) return false;
  return (
    isOriginalOf(replica, source, ctx.sourceSubAttribute) || source.mfa.enabled.some((f) => REPLICABLE_MFA.includes(f))
  );
}

/**
 * True when `target` is the user `source` was replicated from (the source carries its `sub`), or
 * the very same user (a backup restored into its own pool: same `sub`).
 */
function isOriginalOf(target: UserRecord | undefined, source: UserRecord, sourceSubAttribute: string): boolean {
  const sub = target?.attributes.sub;
  return !!sub && (source.attributes[sourceSubAttribute] === sub || source.attributes.sub === sub);
}

/** Moves the MFA marker out of `attributes` into `afterMfaAttributes` (see there). */
function holdMarkerBack(
  plan: ReplicationPlan,
  attributes: Record<string, string> | undefined,
  markerAttribute: string,
): void {
  if (!attributes || attributes[markerAttribute] === undefined) return;
  plan.afterMfaAttributes = { [markerAttribute]: attributes[markerAttribute] };
  delete attributes[markerAttribute];
}

/** A verified flag of `false` means the same as no flag: compare and write only `true`. */
function dropFalseVerifiedFlags(attributes: Record<string, string>): void {
  for (const flag of Object.values(VERIFIED_FLAG)) if (attributes[flag] === 'false') delete attributes[flag];
}

function replicable(mfa: MfaState): { enabled: MfaFactor[]; preferred?: MfaFactor } {
  const enabled = mfa.enabled.filter((f) => REPLICABLE_MFA.includes(f)).sort();
  const preferred = mfa.preferred && REPLICABLE_MFA.includes(mfa.preferred) ? mfa.preferred : undefined;
  return { enabled, preferred };
}

function sameReplicableMfa(a: MfaState, b: MfaState): boolean {
  const x = replicable(a);
  const y = replicable(b);
  return x.enabled.join() === y.enabled.join() && x.preferred === y.preferred;
}

/** The preference call that turns `current` into the replicable part of `wanted`; factors neither side uses are not sent. */
function mfaChange(wanted: MfaState, current: MfaState): MfaChange | undefined {
  const want = replicable(wanted);
  const have = replicable(current);
  const setting = (factor: MfaFactor): MfaFactorSetting | undefined =>
    want.enabled.includes(factor) || have.enabled.includes(factor)
      ? { enabled: want.enabled.includes(factor), preferred: want.preferred === factor }
      : undefined;
  const change: MfaChange = { sms: setting('SMS_MFA'), email: setting('EMAIL_OTP') };
  if (!change.sms) delete change.sms;
  if (!change.email) delete change.email;
  return change.sms || change.email ? change : undefined;
}

/** The first identity of a federated user's `identities` attribute (a JSON array). */
export function firstIdentity(identities: string | undefined): ProviderLink | undefined {
  if (!identities) return undefined;
  try {
    const list = JSON.parse(identities) as { providerName?: string; userId?: string }[];
    const first = Array.isArray(list) ? list.find((i) => i.providerName && i.userId) : undefined;
    return first ? { providerName: first.providerName!, providerUserId: first.userId! } : undefined;
  } catch {
    return undefined;
  }
}
