import { createFailoverHandler, type FailoverEvent, MAX_SESSIONS } from '../../../../src/handlers/failover';
import { POOL_ID, replica, setup } from './fakes';

const many = (n: number) => Array.from({ length: n }, (_, i) => replica(i));

async function handlerFor(n: number, opts: { sendMs?: number } = {}) {
  const s = await setup(many(n), { sendMs: opts.sendMs ?? 100 });
  const continued: FailoverEvent[] = [];
  const handler = createFailoverHandler({
    config: { poolId: POOL_ID },
    store: s.store,
    manifests: s.manifests,
    session: () => ({ standby: s.standby, createSender: s.sending.createSender, journal: s.sending.journalPort }),
    continueJob: async (payload) => void continued.push(payload),
    now: s.clock.now,
  });
  return { ...s, handler, continued };
}

const context = (remainingMs: number, id = 'req-1') => ({
  getRemainingTimeInMillis: () => remainingMs,
  awsRequestId: id,
});

describe('failover handler', () => {
  it('runs a session until its budget, saves the cursor and invokes itself to continue; the continuations finish the job', async () => {
    const { handler, continued, state, sending, store } = await handlerFor(120);
    // 25 s left, 20 s margin: 5 s of sends at 100 ms each.
    const first = await handler({ action: 'continue', jobId: state.jobId }, context(25_000));
    expect(first).toMatchObject({ status: 'stopped', continued: true, phase: 'sending' });
    expect(first.sent).toBeGreaterThan(0);
    expect(first.left).toBe(120 - first.sent!);
    expect(continued).toEqual([{ action: 'continue', jobId: state.jobId }]);
    let last = first;
    for (let i = 0; i < 10 && last.status !== 'done'; i++)
      last = await handler(continued[continued.length - 1], context(25_000, `req-${i + 2}`));
    expect(last).toMatchObject({ status: 'done', sent: 120, left: 0 });
    expect(sending.sentOnce).toBe(120);
    expect(sending.sentTwice).toBe(0);
    expect((await store.get(POOL_ID))!.phase).toBe('done');
  });

  it('ignores a bad event and a continuation of a job that is not the pool’s current one', async () => {
    const { handler, sending } = await handlerFor(5);
    expect((await handler({ source: 'schedule' }, context(900_000))).status).toBe('ignored');
    expect((await handler({ action: 'continue', jobId: 'old-job' }, context(900_000))).status).toBe('ignored');
    expect(sending.totalSends).toBe(0);
  });

  it('does not continue while another invocation holds the lease, nor a paused job', async () => {
    const { handler, continued, state, store, clock } = await handlerFor(5);
    await store.acquire(POOL_ID, 'other', clock.now() + 60_000, clock.now());
    expect(await handler({ action: 'continue', jobId: state.jobId }, context(900_000))).toMatchObject({
      status: 'busy',
    });
    await store.release(POOL_ID, 'other');
    await store.setDesired(POOL_ID, 'paused');
    expect(await handler({ action: 'continue', jobId: state.jobId }, context(900_000))).toMatchObject({
      status: 'paused',
    });
    expect(continued).toEqual([]);
  });

  it('stops continuing a job past the cap on sessions', async () => {
    const { handler, state, store, sending } = await handlerFor(5);
    const held = await store.acquire(POOL_ID, 'x', 1, 0);
    await store.save({ ...held, sessions: MAX_SESSIONS }, 1);
    await store.release(POOL_ID, 'x');
    expect(await handler({ action: 'continue', jobId: state.jobId }, context(900_000))).toMatchObject({
      status: 'ignored',
      reason: 'too many sessions',
    });
    expect(sending.totalSends).toBe(0);
  });
});
