import { mfaMarker, parseMfaMarker, poolHasAttribute, usesTotp } from '../core/attributes';
import type { MfaState, PoolConfig, UserRecord } from '../core/types';

/**
 * The notification manifest: who must do what to sign in to the standby pool, decided from the
 * standby alone (ListUsers attributes: the source `sub` and the MFA marker the worker and the
 * reconciler leave on every replica; for a replica without a readable marker, its MFA as read in
 * the standby, see `read-mfa.ts`). Pure: users and the pool's configuration in, rows out.
 */

/** What a user must do. */
export type FailoverAction = 'reset-password' | 'reset-password+re-enroll-totp' | 'none';

/** The channel Cognito delivers a reset code on. */
export type Channel = 'email' | 'sms';

/** One user who must act (or, for federated users, be told that nothing changes). */
export interface ManifestRow {
  username: string;
  sub: string;
  sourceSub?: string;
  /** The verified e-mail or phone the reset code goes to (personal data: the manifest file only). */
  contact?: string;
  channel?: Channel;
  locale?: string;
  action: FailoverAction;
  /**
   * The source's MFA set-up from the marker (`SMS_MFA;SMS_MFA`, `NONE`); without a readable
   * marker, the replica's own as read in the standby (`standby:NONE`, `standby:SMS_MFA;SMS_MFA`),
   * or `unknown` when it was not read (such a row is never sent a code).
   */
  mfa: string;
  status: string;
  /** The user could sign in with an e-mailed one-time code instead (pool allows EMAIL_OTP first, verified e-mail, no MFA). */
  emailOtp: boolean;
  /** True when `--send` sends this user a code (false: already RESET_REQUIRED, or federated). */
  send: boolean;
  note?: string;
}

/** Why a user is listed apart instead of being notified. */
export type ExcludedReason =
  | 'disabled'
  | 'no-verified-contact'
  | 'no-recovery-channel'
  | 'unconfirmed'
  | 'force-change-password'
  | 'not-a-replica'
  | 'unsupported-status'
  | 'mfa-unknown';

/** A user listed apart, with the reason. */
export interface ExcludedRow {
  username: string;
  sub: string;
  sourceSub?: string;
  contact?: string;
  channel?: Channel;
  status: string;
  enabled: boolean;
  reason: ExcludedReason;
  detail: string;
}

/** How to read the standby's users. */
export interface ManifestOptions {
  /** The standby pool (its account recovery setting decides the channel; its sign-in policy the e-mail OTP column). */
  pool: PoolConfig;
  sourceSubAttribute: string;
  mfaMarkerAttribute: string;
  /** Treat users without the source-`sub` attribute as replicas too (pools replicated before the attribute existed). */
  includeUnmarked?: boolean;
  /** Also send to users already in RESET_REQUIRED (their earlier code may have expired). */
  resendResetRequired?: boolean;
}

/** The manifest of a whole pool. */
export interface Manifest {
  rows: ManifestRow[];
  excluded: ExcludedRow[];
  /** Whether Cognito can deliver reset codes at all in this pool (account recovery is not admin-only). */
  canSend: boolean;
}

type Mechanism = 'verified_email' | 'verified_phone_number';

/**
 * The recovery mechanisms Cognito tries, in order. Without an AccountRecoverySetting Cognito uses
 * its legacy order, SMS before e-mail (AWS docs, AccountRecoverySettingType). `admin_only` alone
 * means Cognito delivers no code: the manifest then names e-mail before phone for the operator's
 * own notice, and nothing can be sent.
 */
export function recoveryOrder(pool: PoolConfig): { order: Mechanism[]; canSend: boolean } {
  const known = pool.accountRecovery.filter(
    (m): m is Mechanism => m === 'verified_email' || m === 'verified_phone_number',
  );
  if (known.length) return { order: known, canSend: true };
  if (pool.accountRecovery.includes('admin_only'))
    return { order: ['verified_email', 'verified_phone_number'], canSend: false };
  return { order: ['verified_phone_number', 'verified_email'], canSend: true };
}

/**
 * Decides one user's row: notified (`row`) or listed apart (`excluded`).
 *
 * The replica's MFA is `user.mfa` when it was read (AdminGetUser in the standby: the factors
 * Cognito itself weighs when it picks the channel of a code), otherwise the marker. A user whose
 * MFA is neither read nor marked is listed apart as `mfa-unknown` when it would be sent a code
 * (the failover reads such users, see `read-mfa.ts`), and kept as a row marked not sent otherwise
 * (already RESET_REQUIRED, admin-only recovery): its contact may be its second factor.
 */
export function classifyUser(
  user: UserRecord,
  options: ManifestOptions,
): { row?: ManifestRow; excluded?: ExcludedRow } {
  const a = user.attributes;
  const sub = a.sub ?? '';
  const sourceSub = a[options.sourceSubAttribute] || undefined;
  const { order, canSend } = recoveryOrder(options.pool);
  const marker = parseMfaMarker(a[options.mfaMarkerAttribute]);
  const mfa = user.mfa ?? marker;
  const verified = verifiedContacts(a);
  const chosen = chooseChannel(verified, order, mfa);
  const base = { username: user.username, sub, sourceSub };
  const apart = (reason: ExcludedReason, detail: string) => ({
    excluded: {
      ...base,
      contact: chosen?.contact ?? verified[0]?.contact,
      channel: chosen?.channel ?? verified[0]?.channel,
      status: user.status,
      enabled: user.enabled,
      reason,
      detail,
    },
  });

  const federated = user.status === 'EXTERNAL_PROVIDER' || !!a.identities;
  if (!sourceSub && !options.includeUnmarked && !federated) {
    return apart(
      'not-a-replica',
      `no ${options.sourceSubAttribute}: created in the standby (e.g. signed up during the outage), so the user knows its password`,
    );
  }
  if (!user.enabled) return apart('disabled', 'disabled in the standby: cannot sign in whatever it is told');
  if (federated) {
    const contact = verified[0];
    return {
      row: {
        ...base,
        contact: contact?.contact,
        channel: contact?.channel,
        locale: a.locale || undefined,
        action: 'none',
        mfa: mfaText(a[options.mfaMarkerAttribute], marker, user.mfa),
        status: user.status,
        emailOtp: false,
        send: false,
        note: 'federated: signs in with its identity provider, which must be configured in the standby',
      },
    };
  }
  switch (user.status) {
    case 'CONFIRMED':
    case 'RESET_REQUIRED':
      break;
    case 'UNCONFIRMED':
      return apart('unconfirmed', 'never confirmed its sign-up: must confirm (ResendConfirmationCode), not reset');
    case 'FORCE_CHANGE_PASSWORD':
      return apart(
        'force-change-password',
        'has only a temporary password, which Cognito cannot reset: run the reconciler (it gives replicas a recoverable password) or re-invite (admin-create-user --message-action RESEND)',
      );
    default:
      return apart('unsupported-status', `status ${user.status} cannot be reset`);
  }
  if (!verified.length)
    return apart(
      'no-verified-contact',
      'no verified e-mail or phone: Cognito has nowhere to send a code; verify a contact as an administrator first',
    );
  if (!chosen) {
    return apart(
      'no-recovery-channel',
      `its verified ${verified.map((v) => v.channel).join(' and ')} is not a recovery mechanism of the pool (account recovery: ${options.pool.accountRecovery.join(', ') || 'legacy'}; a factor also used for MFA does not count)`,
    );
  }
  const alreadyReset = user.status === 'RESET_REQUIRED';
  const send = canSend && (!alreadyReset || !!options.resendResetRequired);
  // Without a readable marker or a read the replica's MFA is unknown, not none: its phone or
  // e-mail may be its second factor, and a reset code must not go to the factor it would unlock.
  if (!mfa && send) return apart('mfa-unknown', mfaUnknownDetail(options));
  // TOTP cannot be replicated: a TOTP user of the primary enrolls again, unless the replica has
  // an authenticator of its own in the standby (enrolled there), which a reset keeps.
  const reEnroll = usesTotp(marker) && !usesTotp(user.mfa);
  const emailOtp =
    !!options.pool.allowedFirstAuthFactors?.includes('EMAIL_OTP') &&
    verified.some((v) => v.channel === 'email') &&
    !!mfa &&
    mfa.enabled.length === 0;
  const notes: string[] = [];
  if (alreadyReset)
    notes.push(
      'already RESET_REQUIRED: sent a code before, or imported and never sent one; sign-in sends it to "Forgot password", which sends a fresh code',
    );
  if (!mfa)
    notes.push('MFA unknown (no marker; not read, as no code is sent): the contact shown may be its second factor');
  else if (!marker && !usesTotp(user.mfa)) notes.push('TOTP use in the primary unknown (no marker)');
  if (!canSend) notes.push('account recovery is admin-only: Cognito sends nothing, tell the user yourself');
  return {
    row: {
      ...base,
      contact: chosen.contact,
      channel: chosen.channel,
      locale: a.locale || undefined,
      action: reEnroll ? 'reset-password+re-enroll-totp' : 'reset-password',
      mfa: mfaText(a[options.mfaMarkerAttribute], marker, user.mfa),
      status: user.status,
      emailOtp,
      send,
      note: notes.length ? notes.join('; ') : undefined,
    },
  };
}

/** Builds the manifest of a list of standby users, rows in a stable order (by `sub`). */
export function buildManifest(users: Iterable<UserRecord>, options: ManifestOptions): Manifest {
  return collectManifest(
    [...users].map((u) => classifyUser(u, options)),
    options.pool,
  );
}

/** Gathers classified users (see {@link classifyUser}) into a manifest, rows in a stable order (by `sub`). */
export function collectManifest(classified: Iterable<ReturnType<typeof classifyUser>>, pool: PoolConfig): Manifest {
  const rows: ManifestRow[] = [];
  const excluded: ExcludedRow[] = [];
  for (const r of classified) {
    if (r.row) rows.push(r.row);
    if (r.excluded) excluded.push(r.excluded);
  }
  const bySub = (x: { sub: string; username: string }, y: { sub: string; username: string }) =>
    x.sub < y.sub ? -1 : x.sub > y.sub ? 1 : x.username < y.username ? -1 : 1;
  return { rows: rows.sort(bySub), excluded: excluded.sort(bySub), canSend: recoveryOrder(pool).canSend };
}

interface Contact {
  channel: Channel;
  contact: string;
  mechanism: Mechanism;
}

/** The user's verified contacts, e-mail first. */
function verifiedContacts(a: Record<string, string>): Contact[] {
  const list: Contact[] = [];
  if (a.email && a.email_verified === 'true')
    list.push({ channel: 'email', contact: a.email, mechanism: 'verified_email' });
  if (a.phone_number && a.phone_number_verified === 'true')
    list.push({ channel: 'sms', contact: a.phone_number, mechanism: 'verified_phone_number' });
  return list;
}

/** Why a user without a readable MFA marker is listed apart, and what the operator does about it. */
function mfaUnknownDetail(options: ManifestOptions): string {
  const attribute = options.mfaMarkerAttribute;
  const first = poolHasAttribute(options.pool, attribute)
    ? `no readable MFA marker (${attribute}): MFA unknown`
    : `the pool has no ${attribute} attribute, so no replica records its MFA (add it: npm run doctor shows how)`;
  return (
    `${first}; its e-mail or phone may be its second factor, which must not receive the reset code: read or reconcile first ` +
    '(the failover reads it in the standby unless run with --no-read-unknown-mfa; npm run reconcile -- --apply --deep records the marker while the primary answers)'
  );
}

/**
 * The detail of a user left `mfa-unknown` because its read in the standby did not give its MFA
 * (`why`: not found, the error, or why it was not read).
 */
export function mfaUnreadDetail(why: string): string {
  return (
    `no MFA marker, and ${why}: MFA unknown; its e-mail or phone may be its second factor, which must not receive the reset code: ` +
    'run the failover again (a rerun reads it again), or read the user with aws cognito-idp admin-get-user and tell the user yourself'
  );
}

/**
 * The contact Cognito will use: the first recovery mechanism the user has verified. A factor the
 * user also uses for MFA does not qualify for recovery (AWS docs: SMS with SMS MFA, e-mail with
 * e-mail MFA). With an unknown MFA state every verified contact is taken; such a user is then
 * listed apart (`mfa-unknown`) or marked not sent, and the contact only shown, never sent a code.
 */
function chooseChannel(verified: Contact[], order: Mechanism[], mfa: MfaState | undefined): Contact | undefined {
  for (const mechanism of order) {
    const c = verified.find((v) => v.mechanism === mechanism);
    if (!c) continue;
    if (c.channel === 'sms' && mfa?.enabled.includes('SMS_MFA')) continue;
    if (c.channel === 'email' && mfa?.enabled.includes('EMAIL_OTP')) continue;
    return c;
  }
  return undefined;
}

/** The manifest's `mfa` column: the marker as written, else the MFA read in the standby, else `unknown`. */
function mfaText(raw: string | undefined, marker: MfaState | undefined, read: MfaState | undefined): string {
  if (marker && raw) return raw;
  return read ? `standby:${mfaMarker(read)}` : 'unknown';
}

/** Counts of a manifest for the summary: by action, by channel, excluded by reason. No personal data. */
export interface ManifestCounts {
  users: number;
  byAction: Record<string, number>;
  byChannel: Record<string, number>;
  excludedByReason: Record<string, number>;
  toSend: number;
  alreadyResetRequired: number;
  reEnrollTotp: number;
  /** Users listed apart because their MFA is unknown (no readable marker, and not read in the standby). */
  mfaUnknown: number;
  emailOtpEligible: number;
}

export function countManifest(m: Manifest): ManifestCounts {
  const inc = (o: Record<string, number>, k: string) => void (o[k] = (o[k] ?? 0) + 1);
  const c: ManifestCounts = {
    users: m.rows.length + m.excluded.length,
    byAction: {},
    byChannel: {},
    excludedByReason: {},
    toSend: 0,
    alreadyResetRequired: 0,
    reEnrollTotp: 0,
    mfaUnknown: 0,
    emailOtpEligible: 0,
  };
  for (const r of m.rows) {
    inc(c.byAction, r.action);
    inc(c.byChannel, r.channel ?? 'none');
    if (r.send) c.toSend++;
    if (r.status === 'RESET_REQUIRED') c.alreadyResetRequired++;
    if (r.action === 'reset-password+re-enroll-totp') c.reEnrollTotp++;
    if (r.emailOtp) c.emailOtpEligible++;
  }
  for (const e of m.excluded) inc(c.excludedByReason, e.reason);
  c.mfaUnknown = c.excludedByReason['mfa-unknown'] ?? 0;
  return c;
}
