/**
 * The DynamoDB send journal's conditional semantics, on dynalite: several journals stand for
 * several processes (each its own `owner`) sharing one table, as the failover job's invocations do.
 */
import { DynamoSendJournal, JournalError } from '../../../src/failover/journal';
import type { ManifestRow } from '../../../src/failover/manifest';
import { createRowSender, type ResetSender, sendResets } from '../../../src/failover/send';
import { useJournalTable } from '../../support/failover-job';

const current = useJournalTable('send-journal');

const POOL = 'us-west-2_Standby';
const journal = (poolId = POOL) => new DynamoSendJournal({ ...current(), poolId });

/** The standby as senders see it, shared by every "process": counts the codes each user got. */
class CountingStandby implements ResetSender {
  readonly codes = new Map<string, number>();
  readonly status = new Map<string, string>();

  constructor(users: string[]) {
    for (const u of users) this.status.set(u, 'CONFIRMED');
  }

  async resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void> {
    await beforeSend();
    await new Promise((r) => setImmediate(r)); // the request is in flight: let the other "process" run
    this.codes.set(username, (this.codes.get(username) ?? 0) + 1);
    this.status.set(username, 'RESET_REQUIRED');
  }

  /** The manifest as a listing taken before any send would have it. */
  rows(): ManifestRow[] {
    return [...this.status.keys()].map((username) => ({
      username,
      sub: `sub-${username}`,
      action: 'reset-password',
      mfa: 'NONE',
      status: 'CONFIRMED',
      emailOtp: false,
      send: true,
    }));
  }
}

const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
const at = () => new Date().toISOString();

test('the table helper creates the documented schema', async () => {
  const j = journal();
  expect(j.location).toBe(`dynamodb://${current().table}/${POOL}`);
  expect(await j.entry('nobody')).toBeUndefined();
});

test('exactly one of several concurrent claims of a user wins', async () => {
  const journals = Array.from({ length: 5 }, () => journal());
  const results = await Promise.all(journals.map((j) => j.claim('s1', { at: at(), status: 'CONFIRMED' })));
  expect(results.filter((r) => r.claimed)).toHaveLength(1);
  for (const r of results.filter((r) => !r.claimed)) expect(r).toMatchObject({ entry: { state: 'maybe-sent' } });
});

test('two processes sending the same wave at once: every user gets exactly one code', async () => {
  const world = new CountingStandby(users(40));
  const rows = world.rows();
  const [a, b] = [journal(), journal()];
  const [ra, rb] = await Promise.all([
    sendResets({ rows, journal: a, gateway: world, concurrency: 4 }),
    sendResets({ rows, journal: b, gateway: world, concurrency: 4 }),
  ]);
  expect(world.codes.size).toBe(40);
  expect([...world.codes.values()].every((n) => n === 1)).toBe(true);
  expect(ra.sent + rb.sent).toBe(40);
  expect(ra.failed.concat(rb.failed)).toEqual([]);
  // What one process found claimed by the other is either sent already or in flight there ("maybe sent" then).
  expect(ra.sent + ra.alreadySent + ra.maybeSent.length).toBe(40);
  for (const u of users(40)) expect((await a.entry(`sub-${u}`))?.state).toBe('sent');
});

test('resumed after a crash between intent and outcome: maybe sent, not resent; RESET_REQUIRED resolves it', async () => {
  const world = new CountingStandby(['u1', 'u2', 'u3']);
  const rows = world.rows();
  // The first process journaled its intent for u1 and died before the outcome (the code may have left).
  const dead = journal();
  expect(await dead.claim('sub-u1', { at: at(), status: 'CONFIRMED' })).toEqual({ claimed: true });

  const second = await sendResets({ rows, journal: journal(), gateway: world });
  expect(second.sent).toBe(2);
  expect(second.maybeSent).toEqual([
    { sub: 'sub-u1', error: 'stopped between journaling and sending', at: expect.any(String) },
  ]);
  expect(world.codes.has('u1')).toBe(false);

  // The dead process's code did reach u1 after all: the standby shows RESET_REQUIRED.
  const third = await sendResets({
    rows: rows.map((r) => (r.sub === 'sub-u1' ? { ...r, status: 'RESET_REQUIRED', send: false } : r)),
    journal: journal(),
    gateway: world,
  });
  expect(third).toMatchObject({ sent: 0, resolved: 1, alreadySent: 2, maybeSent: [] });
  expect((await journal().entry('sub-u1'))?.state).toBe('sent');
  // The late outcome of the dead process cannot overwrite what another process recorded.
  await expect(dead.settle('sub-u1', { type: 'uncertain', at: at(), error: 'late' })).rejects.toThrow(JournalError);
  expect((await journal().entry('sub-u1'))?.state).toBe('sent');
});

test('a failed send is retried by the next run; a sent one never again', async () => {
  const first = journal();
  expect(await first.claim('sub-u1', { at: at() })).toEqual({ claimed: true });
  await first.settle('sub-u1', { type: 'failed', at: at(), error: 'LimitExceededException', reason: 'limit-exceeded' });
  expect(await journal().entry('sub-u1')).toMatchObject({ state: 'failed', reason: 'limit-exceeded' });

  const world = new CountingStandby(['u1']);
  const r = await sendResets({ rows: world.rows(), journal: journal(), gateway: world });
  expect(r.sent).toBe(1);
  expect(world.codes.get('u1')).toBe(1);
  const again = await sendResets({ rows: world.rows(), journal: journal(), gateway: world });
  expect(again).toMatchObject({ sent: 0, alreadySent: 1 });
  expect(world.codes.get('u1')).toBe(1);
  expect(await journal().entry('sub-u1')).toEqual({ state: 'sent', at: expect.any(String) });
});

test('--resend-uncertain: of two processes taking over the same "maybe sent" user, one wins', async () => {
  const first = journal();
  await first.claim('sub-u1', { at: at(), status: 'CONFIRMED' });
  await first.settle('sub-u1', { type: 'uncertain', at: at(), error: 'TimeoutError: socket hang up' });
  // A fresh intent may be a send in flight in a live process: not taken over.
  const live = journal();
  await live.claim('sub-u2', { at: at(), status: 'CONFIRMED' });
  expect(await journal().claim('sub-u2', { at: at(), resendUncertain: true })).toMatchObject({ claimed: false });
  // One older than the lease is a dead process's: taken over, by one contender only.
  const later = () => Date.now() + 16 * 60_000;
  const late = Array.from({ length: 3 }, () => new DynamoSendJournal({ ...current(), poolId: POOL, now: later }));
  const takeovers = await Promise.all(
    late.map((j) => j.claim('sub-u2', { at: new Date(later()).toISOString(), resendUncertain: true })),
  );
  expect(takeovers.filter((c) => c.claimed)).toHaveLength(1);
  for (let round = 0; round < 5; round++) {
    const contenders = Array.from({ length: 4 }, () => journal());
    const claims = await Promise.all(contenders.map((j) => j.claim('sub-u1', { at: at(), resendUncertain: true })));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    const winner = contenders[claims.findIndex((c) => c.claimed)];
    await winner.settle('sub-u1', { type: 'uncertain', at: at(), error: 'again' });
  }
  // Without the flag, a "maybe sent" user is never claimed.
  expect(await journal().claim('sub-u1', { at: at() })).toMatchObject({
    claimed: false,
    entry: { state: 'maybe-sent' },
  });
});

test('pools never meet: the same sub in two pools has two entries', async () => {
  const a = journal('us-west-2_A');
  const b = journal('us-west-2_B');
  expect(await a.claim('s1', { at: at() })).toEqual({ claimed: true });
  await a.settle('s1', { type: 'sent', at: at() });
  expect(await b.entry('s1')).toBeUndefined();
  expect(await b.claim('s1', { at: at() })).toEqual({ claimed: true });
});

test('the row sender: one row at a time, callable concurrently, the same outcomes as the wave', async () => {
  const world = new CountingStandby(['u1', 'u2']);
  const [r1, r2] = world.rows();
  const sender = createRowSender({ journal: journal(), gateway: world });
  const outcomes = await Promise.all([sender.send(r1), sender.send(r1), sender.send(r2)]);
  expect(outcomes.filter((o) => o === 'sent')).toHaveLength(2);
  expect(['already-sent', 'left-maybe-sent']).toContain(outcomes[1]);
  expect(world.codes.get('u1')).toBe(1);
  expect(await sender.send(r1)).toBe('already-sent');
  expect(await sender.send({ ...r2, send: false, sub: 'sub-other' })).toBe('not-to-send');
  expect(sender.result.sent).toBe(2);
});

test('entries read ahead (BatchGetItem, 100 a call) are the entries a GetItem reads', async () => {
  const writer = journal();
  const subs = Array.from({ length: 250 }, (_, i) => `s${i}`);
  for (const sub of subs.filter((_, i) => i % 3 === 0)) {
    await writer.claim(sub, { at: at(), status: 'CONFIRMED' });
    if (sub.endsWith('0')) await writer.settle(sub, { type: 'sent', at: at() });
    else if (sub.endsWith('3')) await writer.settle(sub, { type: 'failed', at: at(), error: 'e' });
  }
  const reader = journal();
  await reader.prefetch(subs);
  const direct = journal();
  for (const sub of subs) expect(await reader.entry(sub)).toEqual(await direct.entry(sub));
});

test('--resend-uncertain through the wave: an abandoned intent is resent once, a maybe-sent one once', async () => {
  const world = new CountingStandby(['u1', 'u2', 'u3']);
  const dead = journal();
  await dead.claim('sub-u1', { at: new Date(Date.now() - 20 * 60_000).toISOString(), status: 'CONFIRMED' });
  await dead.claim('sub-u2', { at: at(), status: 'CONFIRMED' });
  await dead.settle('sub-u2', { type: 'uncertain', at: at(), error: 'TimeoutError' });
  await dead.claim('sub-u3', { at: at(), status: 'CONFIRMED' }); // young: may still be in flight
  const r = await sendResets({ rows: world.rows(), journal: journal(), gateway: world, resendUncertain: true });
  expect(r.sent).toBe(2);
  expect(r.maybeSent.map((m) => m.sub)).toEqual(['sub-u3']);
  expect(Object.fromEntries(world.codes)).toEqual({ u1: 1, u2: 1 });
  const again = await sendResets({ rows: world.rows(), journal: journal(), gateway: world, resendUncertain: true });
  expect(again).toMatchObject({ sent: 0, alreadySent: 2 });
  expect(Object.fromEntries(world.codes)).toEqual({ u1: 1, u2: 1 });
});
