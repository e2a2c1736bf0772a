/** The readiness summary: every source user in one bucket, and the failover estimate by the failover kit's own rule. */
import {
  InternalErrorException,
  InvalidParameterException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { buildManifest } from '../../../src/failover/manifest';
import type { UserRecord } from '../../../src/core/types';
import { USER_BUCKETS } from '../../../src/reconcile/report';
import type { ReconcileReport } from '../../../src/reconcile/run';
import { formatSummary } from '../../../src/reconcile/summary';
import { Pair } from './fixture';

const internal = () =>
  new InternalErrorException({
    message: 'We encountered an internal error. Please try again.',
    $metadata: { httpStatusCode: 500 },
  });
const sumOf = (r: ReconcileReport) => USER_BUCKETS.reduce((n, b) => n + r.readiness.buckets[b], 0);

/** Every replica records its source's MFA (none), as the suite leaves it after a --deep run. */
function markReplicas(pair: Pair): void {
  for (const u of pair.target.users.values())
    if (u.Attributes['custom:source_sub']) u.Attributes['custom:source_mfa'] = 'NONE';
}

describe('issue 10.12: every source user lands in exactly one bucket', () => {
  /** One source user of every kind, in a pool that signs in with e-mail (so identities can collide). */
  function seed(pair: Pair): void {
    pair.user('insync', { replica: true });
    pair.user('missing');
    pair.user('drifted', { replica: true }).replica!.Attributes.name = 'stale';
    pair.user('unconfirmed', { status: 'UNCONFIRMED' });
    pair.user('federated', {
      status: 'EXTERNAL_PROVIDER',
      attributes: { identities: JSON.stringify([{ providerName: 'Google', userId: '1' }]) },
    });
    pair.user('unreadable', { replica: true });
    pair.user('vanished', { replica: true });
    pair.user('ambiguous');
    for (let i = 0; i < 2; i++)
      pair.target.put({ Attributes: { email: 'ambiguous@example.com', email_verified: 'true' } });
    markReplicas(pair);
  }

  function failReads(pair: Pair): void {
    const username = (name: string) =>
      [...pair.source.users.values()].find((u) => u.Attributes.email === `${name}@example.com`)!.Username;
    const unreadable = username('unreadable');
    const vanished = username('vanished');
    pair.east.failNext = (op, input) => {
      if (op !== 'AdminGetUser') return undefined;
      if (input.Username === unreadable) return internal(); // every attempt: fails after the gateway's retries
      if (input.Username === vanished)
        return new UserNotFoundException({ message: 'User does not exist.', $metadata: { httpStatusCode: 400 } });
      return undefined;
    };
  }

  test('dry run with --deep: a user whose read failed is counted as failed, neither missing nor drifted; the buckets add up to the source users', async () => {
    const pair = new Pair({ usernameAttributes: ['email'] });
    seed(pair);
    failReads(pair);
    const r = await pair.run({ deep: true });
    expect(r.exitCode).toBe(1);
    expect(r.report.readiness.buckets).toEqual({
      inSync: 1,
      mfaPending: 0,
      missing: 1,
      drifted: 1,
      notReplicable: 1,
      unconfirmed: 1,
      ambiguous: 1,
      failed: 1,
      vanished: 1,
    });
    expect(sumOf(r.report)).toBe(r.report.counts.sourceUsers);
    // The share is over every user a replica is expected for, the failed one included.
    expect(r.report.readiness).toMatchObject({ expected: 6, matching: 1, missing: 1, drifted: 1, failed: 1 });
    expect(r.report.readiness.share).toBeCloseTo(1 / 6);
    expect(formatSummary(r.report)).toMatch(
      /Readiness: 16\.7% of 6 expected users .*\(1 missing, 1 drifted, 1 failed, 1 not replicable, 1 ambiguous; aside: 1 unconfirmed, 1 gone since listed\)/,
    );
  });

  test('apply: a user whose write failed is failed, not drifted; repaired users are in sync', async () => {
    const pair = new Pair({ usernameAttributes: ['email'] });
    seed(pair);
    pair.user('badwrite', { replica: true }).replica!.Attributes.name = 'stale';
    const badwrite = [...pair.target.users.values()].find(
      (u) => u.Attributes.email === 'badwrite@example.com',
    )!.Username;
    pair.west.failNext = (op, input) =>
      op === 'AdminUpdateUserAttributes' && input.Username === badwrite
        ? new InvalidParameterException({ message: 'Invalid attribute value', $metadata: { httpStatusCode: 400 } })
        : undefined;
    const r = await pair.run({ apply: true });
    expect(r.exitCode).toBe(1);
    expect(r.report.readiness.buckets).toMatchObject({
      inSync: 5,
      missing: 0,
      drifted: 0,
      failed: 1,
      ambiguous: 1,
      notReplicable: 1,
      unconfirmed: 1,
    });
    expect(sumOf(r.report)).toBe(r.report.counts.sourceUsers);
    expect(r.report.readiness).toMatchObject({ missing: 0, drifted: 0, failed: 1, matching: 5, expected: 8 });
  });
});

describe('issue 10.13: the failover estimate counts what failover would send', () => {
  /** What the failover kit's manifest of the target would send to, from the target as it is now. */
  async function manifestSends(pair: Pair): Promise<number> {
    const { target } = pair.gateways();
    const pool = await pair.clock.run(target.describePool());
    const users: UserRecord[] = [...pair.target.users.values()].map((u) => ({
      username: u.Username,
      attributes: { ...u.Attributes },
      enabled: u.Enabled,
      status: u.UserStatus,
    }));
    return buildManifest(users, {
      pool,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
    }).rows.filter((r) => r.send).length;
  }

  function seed(pair: Pair): void {
    for (let i = 0; i < 4; i++) pair.user(`ok${i}`, { replica: true });
    pair.user('disabled', { replica: true, enabled: false });
    pair.user('nocontact', { replica: true, attributes: { email_verified: 'false' } });
    pair.user('wasreset', { replica: true });
    pair.target.users.get('wasreset')!.UserStatus = 'RESET_REQUIRED';
    pair.user('forced', { replica: true });
    pair.target.users.get('forced')!.UserStatus = 'FORCE_CHANGE_PASSWORD';
    pair.user('missing');
    pair.target.put({
      Username: 'orphan',
      Attributes: {
        email: 'orphan@example.com',
        email_verified: 'true',
        'custom:source_sub': 'deadbeef-0000-4000-8000-000000000000',
      },
    });
    pair.target.put({ Username: 'native', Attributes: { email: 'native@example.com', email_verified: 'true' } });
    markReplicas(pair);
  }

  test('dry run: disabled, unreachable, already-reset and temporary-password replicas are not counted; the orphan is', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run();
    const n = r.report.readiness.notifications;
    expect(n.users).toBe(await manifestSends(pair));
    expect(n.users).toBe(5); // ok0..ok3 and the orphan
    expect(n.notSent).toEqual({
      disabled: 1,
      'no-verified-contact': 1,
      'reset-required': 1,
      'force-change-password': 1,
      'no-replica': 1,
      'not-a-replica': 1,
    });
    expect(formatSummary(r.report)).toMatch(/failover notifications: 5 users at .*not sent: disabled 1, /);
  });

  test('apply: counted on the replicas as this run leaves them (the created user and the repaired password included)', async () => {
    const pair = new Pair();
    seed(pair);
    const r = await pair.run({ apply: true, deep: true, deleteOrphans: true });
    expect(r.exitCode).toBe(0);
    expect(r.report.counts.deleted).toBe(1);
    const n = r.report.readiness.notifications;
    expect(n.users).toBe(await manifestSends(pair));
    expect(n.users).toBe(6); // ok0..ok3, forced (now CONFIRMED), missing (created)
    expect(n.users).toBeLessThan(r.report.readiness.matching);
  });
});

describe('issue 10.3: unknown MFA is read in the standby, so the failover estimate counts such replicas', () => {
  test('unknown MFA is read in the standby: a replica whose only obstacle is a missing MFA marker counts as would-be-sent', async () => {
    const pair = new Pair();
    for (let i = 0; i < 3; i++) pair.user(`ok${i}`, { replica: true });
    pair.user('nomarker', { replica: true });
    pair.user('nomarkerdisabled', { replica: true, enabled: false });
    markReplicas(pair);
    // A replica made by a non-deep reconcile or an import job: no MFA marker.
    for (const name of ['nomarker', 'nomarkerdisabled'])
      delete pair.target.users.get(name)!.Attributes['custom:source_mfa'];
    const r = await pair.run();
    const n = r.report.readiness.notifications;
    // The failover reads the unmarked replica in the standby and sends it a code; the disabled one is not sent whatever its MFA.
    expect(n.users).toBe(4);
    expect(n.notSent).toEqual({ disabled: 1 });
    expect(n.notSent['mfa-unknown']).toBeUndefined();
  });
});
