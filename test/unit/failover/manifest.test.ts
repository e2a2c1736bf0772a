import {
  buildManifest,
  classifyUser,
  countManifest,
  type ManifestOptions,
  recoveryOrder,
} from '../../../src/failover/manifest';
import type { PoolConfig, UserRecord } from '../../../src/core/types';
import { standbyPool } from '../helpers';

const SUB = 'aaaaaaaa-0000-4000-8000-000000000001';
const SOURCE_SUB = 'bbbbbbbb-0000-4000-8000-000000000001';

function options(pool: Partial<PoolConfig> = {}, extra: Partial<ManifestOptions> = {}): ManifestOptions {
  return {
    pool: standbyPool(pool),
    sourceSubAttribute: 'custom:source_sub',
    mfaMarkerAttribute: 'custom:source_mfa',
    ...extra,
  };
}

function user(overrides: Partial<UserRecord> & { attrs?: Record<string, string | undefined> } = {}): UserRecord {
  const attributes: Record<string, string> = {
    sub: SUB,
    'custom:source_sub': SOURCE_SUB,
    'custom:source_mfa': 'NONE',
    email: 'a@example.com',
    email_verified: 'true',
  };
  for (const [k, v] of Object.entries(overrides.attrs ?? {})) {
    if (v === undefined) delete attributes[k];
    else attributes[k] = v;
  }
  const { attrs: _a, ...rest } = overrides;
  return { username: 'u1', attributes, enabled: true, status: 'CONFIRMED', ...rest };
}

describe('recoveryOrder', () => {
  test('follows the pool setting, in priority order', () => {
    expect(recoveryOrder(standbyPool({ accountRecovery: ['verified_phone_number', 'verified_email'] }))).toEqual({
      order: ['verified_phone_number', 'verified_email'],
      canSend: true,
    });
  });
  test("without a setting, Cognito's legacy order: SMS before e-mail", () => {
    expect(recoveryOrder(standbyPool({ accountRecovery: [] }))).toEqual({
      order: ['verified_phone_number', 'verified_email'],
      canSend: true,
    });
  });
  test('admin-only: nothing can be sent', () => {
    expect(recoveryOrder(standbyPool({ accountRecovery: ['admin_only'] })).canSend).toBe(false);
  });
});

describe('classifyUser', () => {
  test('a confirmed replica with a verified e-mail: reset by e-mail, sent', () => {
    const { row, excluded } = classifyUser(user({ attrs: { locale: 'fr-FR' } }), options());
    expect(excluded).toBeUndefined();
    expect(row).toEqual(
      expect.objectContaining({
        username: 'u1',
        sub: SUB,
        sourceSub: SOURCE_SUB,
        contact: 'a@example.com',
        channel: 'email',
        locale: 'fr-FR',
        action: 'reset-password',
        mfa: 'NONE',
        send: true,
      }),
    );
  });

  test('TOTP marker: reset and re-enroll', () => {
    const { row } = classifyUser(
      user({ attrs: { 'custom:source_mfa': 'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' } }),
      options(),
    );
    expect(row?.action).toBe('reset-password+re-enroll-totp');
    expect(row?.send).toBe(true);
  });

  test('SMS MFA only: reset only (SMS MFA is replicated)', () => {
    const { row } = classifyUser(
      user({
        attrs: { 'custom:source_mfa': 'SMS_MFA;SMS_MFA', phone_number: '+15550001111', phone_number_verified: 'true' },
      }),
      options(),
    );
    expect(row?.action).toBe('reset-password');
  });

  test('e-mail not verified, phone verified: SMS', () => {
    const { row } = classifyUser(
      user({ attrs: { email_verified: 'false', phone_number: '+15550001111', phone_number_verified: 'true' } }),
      options({ accountRecovery: ['verified_email', 'verified_phone_number'] }),
    );
    expect(row).toEqual(expect.objectContaining({ contact: '+15550001111', channel: 'sms' }));
  });

  test("both verified: the pool's first mechanism wins", () => {
    const both = user({ attrs: { phone_number: '+15550001111', phone_number_verified: 'true' } });
    expect(
      classifyUser(both, options({ accountRecovery: ['verified_email', 'verified_phone_number'] })).row?.channel,
    ).toBe('email');
    expect(
      classifyUser(both, options({ accountRecovery: ['verified_phone_number', 'verified_email'] })).row?.channel,
    ).toBe('sms');
    expect(classifyUser(both, options({ accountRecovery: [] })).row?.channel).toBe('sms');
  });

  test('a factor used for MFA does not qualify for recovery', () => {
    const smsMfa = user({
      attrs: { phone_number: '+15550001111', phone_number_verified: 'true', 'custom:source_mfa': 'SMS_MFA;SMS_MFA' },
    });
    expect(
      classifyUser(smsMfa, options({ accountRecovery: ['verified_phone_number', 'verified_email'] })).row?.channel,
    ).toBe('email');
    const emailMfaOnly = user({ attrs: { 'custom:source_mfa': 'EMAIL_OTP;EMAIL_OTP' } });
    expect(classifyUser(emailMfaOnly, options()).excluded?.reason).toBe('no-recovery-channel');
  });

  test('verified contact that is not a recovery mechanism: listed apart', () => {
    const phoneOnly = user({
      attrs: {
        email: undefined,
        email_verified: undefined,
        phone_number: '+15550001111',
        phone_number_verified: 'true',
      },
    });
    const r = classifyUser(phoneOnly, options({ accountRecovery: ['verified_email'] }));
    expect(r.excluded).toEqual(expect.objectContaining({ reason: 'no-recovery-channel', channel: 'sms' }));
  });

  test('no verified contact: listed apart', () => {
    for (const attrs of [
      { email_verified: 'false' },
      { email: undefined, email_verified: undefined },
      { email_verified: undefined, phone_number: '+15550001111' },
    ]) {
      expect(classifyUser(user({ attrs }), options()).excluded?.reason).toBe('no-verified-contact');
    }
  });

  test('disabled: listed apart whatever else is true', () => {
    expect(classifyUser(user({ enabled: false }), options()).excluded).toEqual(
      expect.objectContaining({ reason: 'disabled', enabled: false, contact: 'a@example.com' }),
    );
  });

  test('RESET_REQUIRED: in the manifest, not sent again unless asked', () => {
    const r = classifyUser(user({ status: 'RESET_REQUIRED' }), options());
    expect(r.row).toEqual(expect.objectContaining({ action: 'reset-password', send: false }));
    expect(r.row?.note).toMatch(/already RESET_REQUIRED/);
    expect(classifyUser(user({ status: 'RESET_REQUIRED' }), options({}, { resendResetRequired: true })).row?.send).toBe(
      true,
    );
  });

  test('federated users: action none, never sent', () => {
    const ext = user({
      status: 'EXTERNAL_PROVIDER',
      attrs: { 'custom:source_sub': undefined, identities: '[{"providerName":"Google","userId":"1"}]' },
    });
    expect(classifyUser(ext, options()).row).toEqual(expect.objectContaining({ action: 'none', send: false }));
    const linked = user({ status: 'CONFIRMED', attrs: { identities: '[{"providerName":"Google","userId":"1"}]' } });
    expect(classifyUser(linked, options()).row?.action).toBe('none');
  });

  test.each([
    ['UNCONFIRMED', 'unconfirmed'],
    ['FORCE_CHANGE_PASSWORD', 'force-change-password'],
    ['ARCHIVED', 'unsupported-status'],
    ['COMPROMISED', 'unsupported-status'],
    ['UNKNOWN', 'unsupported-status'],
  ])('status %s: listed apart as %s', (status, reason) => {
    expect(classifyUser(user({ status }), options()).excluded?.reason).toBe(reason);
  });

  test('users without the source sub signed up in the standby: listed apart, unless asked', () => {
    const native = user({ attrs: { 'custom:source_sub': undefined } });
    expect(classifyUser(native, options()).excluded?.reason).toBe('not-a-replica');
    expect(classifyUser(native, options({}, { includeUnmarked: true })).row?.action).toBe('reset-password');
  });

  test('admin-only recovery: rows kept with a contact for the operator, nothing sent', () => {
    const { row } = classifyUser(user(), options({ accountRecovery: ['admin_only'] }));
    expect(row).toEqual(expect.objectContaining({ channel: 'email', send: false }));
    expect(row?.note).toMatch(/admin-only/);
  });

  test('e-mail OTP column: pool allows it, verified e-mail, no MFA', () => {
    const pool = { allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] };
    expect(classifyUser(user(), options(pool)).row?.emailOtp).toBe(true);
    expect(classifyUser(user(), options()).row?.emailOtp).toBe(false);
    expect(
      classifyUser(
        user({
          attrs: { 'custom:source_mfa': 'SMS_MFA;SMS_MFA', phone_number: '+1555', phone_number_verified: 'true' },
        }),
        options(pool),
      ).row?.emailOtp,
    ).toBe(false);
    expect(classifyUser(user({ attrs: { 'custom:source_mfa': undefined } }), options(pool)).row).toBeUndefined(); // MFA unknown: listed apart
  });
});

/** True when one of the user's verified contacts is a recovery mechanism of the pool (any MFA aside). */
function recoverable(u: UserRecord, accountRecovery: string[]): boolean {
  const known = accountRecovery.filter((m) => m === 'verified_email' || m === 'verified_phone_number');
  const order = known.length ? known : ['verified_email', 'verified_phone_number'];
  return (
    (order.includes('verified_email') && u.attributes.email_verified === 'true' && !!u.attributes.email) ||
    (order.includes('verified_phone_number') &&
      u.attributes.phone_number_verified === 'true' &&
      !!u.attributes.phone_number)
  );
}

describe('every state and contact combination', () => {
  const statuses = [
    'CONFIRMED',
    'RESET_REQUIRED',
    'UNCONFIRMED',
    'FORCE_CHANGE_PASSWORD',
    'EXTERNAL_PROVIDER',
    'ARCHIVED',
    'COMPROMISED',
    'UNKNOWN',
  ];
  const emails: Record<string, string | undefined>[] = [
    {},
    { email: 'x@example.com' },
    { email: 'x@example.com', email_verified: 'false' },
    { email: 'x@example.com', email_verified: 'true' },
  ];
  const phones: Record<string, string | undefined>[] = [
    {},
    { phone_number: '+15550002222' },
    { phone_number: '+15550002222', phone_number_verified: 'true' },
  ];
  const markers = [
    undefined,
    'NONE',
    'SMS_MFA;SMS_MFA',
    'EMAIL_OTP;EMAIL_OTP',
    'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA',
    'SMS_MFA,SOFTWARE_TOKEN_MFA;SMS_MFA',
  ];
  const recoveries = [
    ['verified_email'],
    ['verified_phone_number'],
    ['verified_email', 'verified_phone_number'],
    [],
    ['admin_only'],
  ];
  const users: UserRecord[] = [];
  let n = 0;
  for (const status of statuses)
    for (const enabled of [true, false])
      for (const e of emails)
        for (const p of phones)
          for (const marker of markers)
            for (const sourceSub of [SOURCE_SUB, undefined]) {
              n++;
              const sub = `sub-${String(n).padStart(5, '0')}`;
              const attributes: Record<string, string> = { sub };
              for (const [k, v] of Object.entries({
                ...e,
                ...p,
                'custom:source_mfa': marker,
                'custom:source_sub': sourceSub,
              }))
                if (v !== undefined) attributes[k] = v;
              users.push({ username: `user${n}`, attributes, enabled, status });
            }

  test.each(recoveries.map((r) => [r.join('>') || 'legacy', r]))(
    'recovery %s: each user once, invariants hold',
    (_name, accountRecovery) => {
      const opts = options({ accountRecovery: accountRecovery as string[] });
      const m = buildManifest(users, opts);
      expect(m.rows.length + m.excluded.length).toBe(users.length);
      expect(new Set([...m.rows, ...m.excluded].map((r) => r.sub)).size).toBe(users.length);
      const byId = new Map(users.map((u) => [u.attributes.sub, u]));
      for (const row of m.rows) {
        const u = byId.get(row.sub)!;
        expect(u.enabled).toBe(true);
        if (row.action === 'none') {
          expect(u.status).toBe('EXTERNAL_PROVIDER');
          expect(row.send).toBe(false);
          continue;
        }
        expect(['CONFIRMED', 'RESET_REQUIRED']).toContain(u.status);
        expect(u.attributes['custom:source_sub']).toBeDefined();
        if (row.mfa === 'unknown') expect(row.send).toBe(false); // never sent a code with an unknown MFA
        // the contact is verified, on the channel named
        const flag = row.channel === 'email' ? 'email_verified' : 'phone_number_verified';
        expect(u.attributes[flag]).toBe('true');
        expect(row.contact).toBe(row.channel === 'email' ? u.attributes.email : u.attributes.phone_number);
        expect(row.action === 'reset-password+re-enroll-totp').toBe(
          !!u.attributes['custom:source_mfa']?.includes('SOFTWARE_TOKEN_MFA'),
        );
        expect(row.send).toBe(m.canSend && u.status === 'CONFIRMED');
      }
      for (const x of m.excluded) {
        const u = byId.get(x.sub)!;
        const expected =
          !u.attributes['custom:source_sub'] && u.status !== 'EXTERNAL_PROVIDER'
            ? 'not-a-replica'
            : !u.enabled
              ? 'disabled'
              : u.status === 'UNCONFIRMED'
                ? 'unconfirmed'
                : u.status === 'FORCE_CHANGE_PASSWORD'
                  ? 'force-change-password'
                  : !['CONFIRMED', 'RESET_REQUIRED'].includes(u.status)
                    ? 'unsupported-status'
                    : u.attributes.email_verified !== 'true' && u.attributes.phone_number_verified !== 'true'
                      ? 'no-verified-contact'
                      : !u.attributes['custom:source_mfa'] &&
                          recoverable(u, accountRecovery as string[]) &&
                          m.canSend &&
                          u.status === 'CONFIRMED'
                        ? 'mfa-unknown'
                        : 'no-recovery-channel';
        expect(x.reason).toBe(expected);
      }
      const counts = countManifest(m);
      expect(counts.users).toBe(users.length);
      expect(counts.toSend).toBe(m.rows.filter((r) => r.send).length);
    },
  );
});

describe('issue 10.3: a missing MFA marker is unknown in the failover manifest', () => {
  test('missing MFA marker is unknown: listed apart, never sent a code to a contact that may be its second factor', () => {
    // Old code: a row sent by SMS, to a phone that may be the user's SMS MFA factor.
    const phoneOnly = user({
      attrs: {
        'custom:source_mfa': undefined,
        email: undefined,
        email_verified: undefined,
        phone_number: '+15550001111',
        phone_number_verified: 'true',
      },
    });
    const { row, excluded } = classifyUser(phoneOnly, options({ accountRecovery: ['verified_phone_number'] }));
    expect(row).toBeUndefined();
    expect(excluded).toEqual(expect.objectContaining({ reason: 'mfa-unknown', channel: 'sms' }));
    expect(excluded?.detail).toMatch(/MFA unknown.*read or reconcile first/);
    expect(excluded?.detail).not.toContain('+15550001111');
  });

  test('missing MFA marker is unknown: an unreadable marker too; the pool without the attribute is named', () => {
    expect(classifyUser(user({ attrs: { 'custom:source_mfa': 'garbage' } }), options()).excluded?.reason).toBe(
      'mfa-unknown',
    );
    const noAttribute = options({ schema: standbyPool().schema.filter((a) => a.name !== 'custom:source_mfa') });
    expect(classifyUser(user({ attrs: { 'custom:source_mfa': undefined } }), noAttribute).excluded?.detail).toMatch(
      /pool has no custom:source_mfa attribute/,
    );
  });

  test('missing MFA marker is unknown: counted, and federated users are not concerned', () => {
    const m = buildManifest(
      [
        user({ attrs: { 'custom:source_mfa': undefined } }),
        user({ username: 'u2', attrs: { sub: 'aaaaaaaa-0000-4000-8000-000000000002' } }),
        user({
          username: 'g',
          status: 'EXTERNAL_PROVIDER',
          attrs: {
            sub: 'aaaaaaaa-0000-4000-8000-000000000003',
            'custom:source_mfa': undefined,
            identities: '[{"providerName":"Google","userId":"1"}]',
          },
        }),
      ],
      options(),
    );
    const counts = countManifest(m);
    expect(counts.mfaUnknown).toBe(1);
    expect(counts.excludedByReason).toEqual({ 'mfa-unknown': 1 });
    expect(counts.toSend).toBe(1);
    expect(m.rows.find((r) => r.username === 'g')?.mfa).toBe('unknown');
  });
});

describe('issue 10.3: unknown MFA is read in the standby (classifyUser with the MFA read)', () => {
  const noMarker = (attrs: Record<string, string | undefined> = {}, extra: Partial<UserRecord> = {}) =>
    user({ attrs: { 'custom:source_mfa': undefined, ...attrs }, ...extra });
  const both = { phone_number: '+15550001111', phone_number_verified: 'true' };

  test('unknown MFA is read in the standby: the MFA read decides the channel, never one of its factors', () => {
    const o = options({ accountRecovery: ['verified_phone_number', 'verified_email'] });
    expect(classifyUser(noMarker(both), o).excluded?.reason).toBe('mfa-unknown'); // not read: apart
    const sms = classifyUser(noMarker(both, { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } }), o).row;
    expect(sms).toEqual(
      expect.objectContaining({
        channel: 'email',
        mfa: 'standby:SMS_MFA;SMS_MFA',
        action: 'reset-password',
        send: true,
      }),
    );
    expect(sms?.note).toBe('TOTP use in the primary unknown (no marker)');
    const none = classifyUser(noMarker(both, { mfa: { enabled: [] } }), o).row;
    expect(none).toEqual(expect.objectContaining({ channel: 'sms', mfa: 'standby:NONE', send: true }));
    const phoneOnly = noMarker(
      { ...both, email_verified: 'false' },
      { mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' } },
    );
    expect(classifyUser(phoneOnly, o).excluded?.reason).toBe('no-recovery-channel');
  });

  test('unknown MFA is read in the standby: the read wins over the marker for the channel; the marker keeps deciding TOTP re-enrolment', () => {
    const o = options({ accountRecovery: ['verified_phone_number', 'verified_email'] });
    const stale = user({
      attrs: { ...both, 'custom:source_mfa': 'NONE' },
      mfa: { enabled: ['SMS_MFA'], preferred: 'SMS_MFA' },
    });
    expect(classifyUser(stale, o).row).toEqual(expect.objectContaining({ channel: 'email', mfa: 'NONE' }));
    const totp = (mfa?: UserRecord['mfa']) =>
      classifyUser(user({ attrs: { 'custom:source_mfa': 'SOFTWARE_TOKEN_MFA;SOFTWARE_TOKEN_MFA' }, mfa }), o).row
        ?.action;
    expect(totp()).toBe('reset-password+re-enroll-totp');
    expect(totp({ enabled: [] })).toBe('reset-password+re-enroll-totp');
    expect(totp({ enabled: ['SOFTWARE_TOKEN_MFA'] })).toBe('reset-password'); // enrolled in the standby already: the reset keeps it
    const enrolledHere = classifyUser(noMarker({}, { mfa: { enabled: ['SOFTWARE_TOKEN_MFA'] } }), o).row;
    expect(enrolledHere).toEqual(expect.objectContaining({ action: 'reset-password', send: true }));
    expect(enrolledHere?.note).toBeUndefined();
  });

  test('unknown MFA is read in the standby: e-mail one-time codes follow the MFA read', () => {
    const pool = { allowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] };
    expect(classifyUser(noMarker({}, { mfa: { enabled: [] } }), options(pool)).row?.emailOtp).toBe(true);
    expect(classifyUser(noMarker({}, { mfa: { enabled: ['EMAIL_OTP'] } }), options(pool)).excluded?.reason).toBe(
      'no-recovery-channel',
    );
  });

  test('unknown MFA is read in the standby only when a code would be sent: otherwise a row marked not sent, MFA unknown', () => {
    const reset = noMarker({}, { status: 'RESET_REQUIRED' });
    expect(classifyUser(reset, options()).row).toEqual(expect.objectContaining({ mfa: 'unknown', send: false }));
    expect(classifyUser(reset, options()).row?.note).toMatch(/MFA unknown \(no marker; not read, as no code is sent\)/);
    expect(classifyUser(reset, options({}, { resendResetRequired: true })).excluded?.reason).toBe('mfa-unknown');
    expect(classifyUser(noMarker(), options({ accountRecovery: ['admin_only'] })).row).toEqual(
      expect.objectContaining({ mfa: 'unknown', send: false }),
    );
  });
});
