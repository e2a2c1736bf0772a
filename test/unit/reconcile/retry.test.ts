/** Retries are the gateway's alone: the reconciler adds no rounds of its own, for reads or writes. */
import { InternalErrorException } from '@aws-sdk/client-cognito-identity-provider';
import { Pair } from './fixture';

const internal = () =>
  new InternalErrorException({
    message: 'We encountered an internal error. Please try again.',
    $metadata: { httpStatusCode: 500 },
  });

describe('issue 10.11: one retry policy for reads and writes', () => {
  // Deterministic back-off jitter, so one gateway call and the reconciler's call retry alike.
  beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0.5));
  afterEach(() => jest.restoreAllMocks());

  test('a --deep source read that fails transiently once or twice, then succeeds, does not fail the user nor block orphan deletion', async () => {
    const pair = new Pair();
    const alice = pair.user('alice', { replica: true });
    pair.user('bob', { replica: true });
    pair.user('carol', { replica: true });
    pair.target.put({
      Username: 'gone',
      Attributes: { email: 'gone@example.com', 'custom:source_sub': 'deadbeef-0000-4000-8000-000000000000' },
    });
    let failures = 0;
    pair.east.failNext = (op, input) =>
      op === 'AdminGetUser' && input.Username === alice.source.Username && failures++ < 2 ? internal() : undefined;
    const r = await pair.run({ apply: true, deep: true, deleteOrphans: true });
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(r.exitCode).toBe(0);
    expect(r.report.counts.failed).toBe(0);
    expect(r.report.readiness.buckets).toMatchObject({ inSync: 3, failed: 0 });
    expect(r.report.deletion.allowed).toBe(true);
    expect(r.report.counts.deleted).toBe(1);
  });

  test('a write is never sent more times than the gateway policy allows; the user fails and orphan deletion is refused', async () => {
    const pair = new Pair();
    pair.user('dave', { replica: true }).replica!.Attributes.name = 'stale';
    pair.user('erin', { replica: true });
    pair.user('frank', { replica: true });
    pair.target.put({
      Username: 'gone',
      Attributes: { email: 'gone@example.com', 'custom:source_sub': 'deadbeef-0000-4000-8000-000000000000' },
    });
    pair.west.failNext = (op) => (op === 'AdminUpdateUserAttributes' ? internal() : undefined);
    const sent = () => pair.west.log.filter((c) => c.op === 'AdminUpdateUserAttributes').length;
    // What one call through the gateway sends under its policy.
    const { target } = pair.gateways();
    await pair.clock.run(target.updateAttributes('dave', { name: 'DAVE' }).catch(() => undefined));
    const policy = sent();
    expect(policy).toBeGreaterThan(1);
    pair.west.log.length = 0;
    const r = await pair.run({ apply: true, deleteOrphans: true });
    expect(sent()).toBe(policy);
    expect(r.exitCode).toBe(1);
    expect(r.report.counts.failed).toBe(1);
    expect(r.report.readiness.buckets).toMatchObject({ inSync: 2, drifted: 0, failed: 1 });
    expect(r.report.deletion).toMatchObject({ allowed: false });
    expect(r.report.deletion.reason).toMatch(/failed/);
    expect(pair.target.users.has('gone')).toBe(true);
  });
});
