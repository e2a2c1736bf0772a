import { jobStatus, listingTotals, runJobSession } from '../../../../src/failover/job';
import { POOL_ID, replica, setup } from './fakes';

const FAR = () => Date.now() + 3_600_000;
const many = (n: number) => Array.from({ length: n }, (_, i) => replica(i));

describe('failover job session', () => {
  it('lists every shard into parts, then sends every row once, and is done', async () => {
    const { deps, sending, store, manifests } = await setup(many(50));
    const r = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() });
    expect(r.status).toBe('done');
    const state = (await store.get(POOL_ID))!;
    expect(state.phase).toBe('done');
    expect(listingTotals(state)).toMatchObject({ listed: 50, rows: 50, toSend: 50 });
    expect(state.sendCounts.sent).toBe(50);
    expect(sending.sentOnce).toBe(50);
    expect(sending.sentTwice).toBe(0);
    expect(manifests.parts.size).toBe(state.shards.reduce((n, s) => n + s.pages, 0));
    expect(state.lease).toBeUndefined();
    expect(jobStatus(state, 0)).toMatchObject({ sent: 50, left: 0, toSend: 50 });
  });

  it('a dry run lists and counts, sends nothing, and is done', async () => {
    const { deps, sending, store } = await setup(many(20), { send: false });
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() })).status).toBe('done');
    const state = (await store.get(POOL_ID))!;
    expect(listingTotals(state).toSend).toBe(20);
    expect(sending.totalSends).toBe(0);
  });

  it('counts users listed apart by reason, and does not send them', async () => {
    const users = [...many(5), replica(100, {}, { enabled: false }), replica(101, { email_verified: 'false' })];
    const { deps, sending, store } = await setup(users);
    await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() });
    const totals = listingTotals((await store.get(POOL_ID))!);
    expect(totals).toMatchObject({
      listed: 7,
      rows: 5,
      toSend: 5,
      excluded: { disabled: 1, 'no-verified-contact': 1 },
    });
    expect(sending.totalSends).toBe(5);
  });

  it('reads the MFA of replicas without a marker in the standby before classifying them', async () => {
    const users = [replica(1, { 'custom:source_mfa': '' }), replica(2)];
    const { deps, sending, store, standby } = await setup(users);
    await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() });
    const totals = listingTotals((await store.get(POOL_ID))!);
    expect(standby.reads).toBe(1);
    expect(totals).toMatchObject({ mfaRead: 1, toSend: 2 });
    expect(sending.totalSends).toBe(2);
  });

  it('stops at the time budget with its cursor saved, and the next session goes on from it', async () => {
    const { deps, sending, store, clock } = await setup(many(60), { sendMs: 100 });
    const deadline = clock.now() + 2_000; // 20 sends
    const first = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline });
    expect(first.status).toBe('stopped');
    const mid = (await store.get(POOL_ID))!;
    expect(mid.phase).toBe('sending');
    expect(mid.sendCounts.sent).toBeGreaterThan(0);
    expect(mid.sendCounts.sent).toBeLessThan(60);
    expect(mid.sendCounts.sent).toBe(sending.totalSends);
    const second = await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() });
    expect(second.status).toBe('done');
    const end = (await store.get(POOL_ID))!;
    expect(end.sendCounts.sent).toBe(60);
    expect(end.sessions).toBe(2);
    expect(sending.sentOnce).toBe(60);
    expect(sending.sentTwice).toBe(0);
  });

  it('stops mid-listing at the time budget and resumes each shard from its token', async () => {
    const { deps, store, standby, clock, sending } = await setup(many(200), { listMs: 10 });
    const first = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: clock.now() + 300 });
    expect(first.status).toBe('stopped');
    const mid = (await store.get(POOL_ID))!;
    expect(mid.phase).toBe('listing');
    const callsBefore = standby.listCalls;
    await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() });
    const end = (await store.get(POOL_ID))!;
    expect(listingTotals(end).listed).toBe(200);
    // Pages of 3 per shard: resuming lists what was left, not the whole pool again.
    const pages = end.shards.reduce((n, s) => n + s.pages, 0);
    expect(standby.listCalls).toBeLessThanOrEqual(pages + 16);
    expect(standby.listCalls - callsBefore).toBeLessThan(pages);
    expect(sending.sentOnce).toBe(200);
  });

  it('restarts a shard whose pagination token expired under a new generation: counts exact, earlier pages never read', async () => {
    const { deps, store, standby, clock, sending, manifests } = await setup(many(200), { listMs: 10 });
    await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: clock.now() + 300 });
    const mid = (await store.get(POOL_ID))!;
    const started = mid.shards.find((s) => s.nextToken)!;
    standby.expire(started.prefix);
    const r = await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() });
    expect(r.status).toBe('done');
    const end = (await store.get(POOL_ID))!;
    const shard = end.shards.find((s) => s.prefix === started.prefix)!;
    expect(shard.generation).toBe(1);
    expect(listingTotals(end)).toMatchObject({ listed: 200, toSend: 200 });
    // The first generation's pages stay in the store, never read again.
    expect([...manifests.parts.keys()].some((k) => k.includes(`/${started.prefix}/g0/`))).toBe(true);
    expect(end.sendCounts.sent).toBe(200);
    expect(jobStatus(end, 0).left).toBe(0);
    expect(sending.sentOnce).toBe(200);
    expect(sending.sentTwice).toBe(0);
  });

  it('pauses when the operator sets the desired state, and resumes where it stopped', async () => {
    const { deps, store, sending } = await setup(many(90));
    sending.onSend = () => {
      if (sending.totalSends === 30) void store.setDesired(POOL_ID, 'paused');
    };
    const first = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR(), pollMs: 0 });
    expect(first.status).toBe('paused');
    expect(sending.totalSends).toBeLessThan(90);
    // Paused: a session does nothing.
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() })).status).toBe('paused');
    const paused = sending.totalSends;
    expect(paused).toBe((await store.get(POOL_ID))!.sendCounts.sent);
    await store.setDesired(POOL_ID, 'running');
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'c', deadline: FAR() })).status).toBe('done');
    expect(sending.sentOnce).toBe(90);
    expect(sending.sentTwice).toBe(0);
  });

  it('stops on the abort signal', async () => {
    const { deps, sending } = await setup(many(90));
    const abort = new AbortController();
    sending.onSend = () => {
      if (sending.totalSends === 10) abort.abort();
    };
    const r = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR(), signal: abort.signal });
    expect(r.status).toBe('interrupted');
    expect(sending.totalSends).toBeLessThan(90);
  });

  it('does nothing while another session holds a live lease, and takes the job once it lapses', async () => {
    const { deps, store, clock, sending } = await setup(many(10));
    await store.acquire(POOL_ID, 'other', clock.now() + 60_000, clock.now());
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() })).status).toBe('busy');
    expect(sending.totalSends).toBe(0);
    expect((await store.get(POOL_ID))!.lease?.owner).toBe('other');
    clock.advance(60_001);
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() })).status).toBe('done');
    expect(sending.sentOnce).toBe(10);
  });

  it('counts failed sends by reason, and a later session does not resend the sent ones', async () => {
    const { deps, store, sending } = await setup(many(12));
    sending.failSubs = new Set([replica(3).attributes.sub, replica(7).attributes.sub]);
    await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() });
    const state = (await store.get(POOL_ID))!;
    expect(state.sendCounts).toMatchObject({ sent: 10, failed: { 'limit-exceeded': 2 } });
    expect(jobStatus(state, 0)).toMatchObject({ left: 0, failedByReason: { 'limit-exceeded': 2 } });
  });

  it('pauses the job with the error when the sender gives up (too many failures in a row)', async () => {
    const { deps, store } = await setup(many(30));
    let n = 0;
    const result: { stoppedBecause?: string } = {};
    deps.createSender = () => ({
      result,
      send: async () => {
        if (++n > 5) {
          result.stoppedBecause = '5 sends in a row failed with NotAuthorizedException';
          return 'stopped';
        }
        return 'sent';
      },
    });
    const r = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() });
    expect(r.status).toBe('paused');
    const state = (await store.get(POOL_ID))!;
    expect(state.desired).toBe('paused');
    expect(state.error).toContain('NotAuthorizedException');
    expect(state.sendCounts.sent).toBe(5);
  });

  it('a listing error (after the gateway’s retries) stops every shard, is saved on the job and thrown; the next session resumes', async () => {
    const { deps, store, standby, sending } = await setup(many(300));
    const list = standby.listUsersPage.bind(standby);
    let broken = true;
    standby.listUsersPage = async (o) => {
      if (broken && o?.filter?.includes('"7"') && o.nextToken)
        throw Object.assign(new Error('AccessDeniedException: not authorized'), { name: 'AccessDeniedException' });
      return list(o);
    };
    await expect(runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() })).rejects.toThrow(
      'not authorized',
    );
    const failed = (await store.get(POOL_ID))!;
    expect(failed.error).toContain('not authorized');
    expect(failed.lease).toBeUndefined();
    expect(failed.shards.some((s) => !s.done)).toBe(true);
    broken = false;
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() })).status).toBe('done');
    expect(listingTotals((await store.get(POOL_ID))!).listed).toBe(300);
    expect(sending.sentOnce).toBe(300);
  });

  it('a session killed after a code went out resumes without sending it again or skipping anyone', async () => {
    const { deps, store, sending, clock } = await setup(many(40));
    sending.killAfter(17);
    await expect(runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: FAR() })).rejects.toThrow('killed');
    clock.advance(200_000);
    expect((await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: FAR() })).status).toBe('done');
    const state = (await store.get(POOL_ID))!;
    expect(sending.sentOnce).toBe(40);
    expect(sending.sentTwice).toBe(0);
    expect(state.sendCounts.sent + state.sendCounts.alreadySent).toBeGreaterThanOrEqual(40);
  });
});
