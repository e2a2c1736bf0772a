import {
  FileJobStore,
  JobExistsError,
  JobNotFoundError,
  jobStatusOf,
  pauseJob,
  renderJobStatus,
  resumeJob,
  startJob,
} from '../../../../src/failover/job';

const POOL = 'us-west-2_Cmds';
const options = { send: true, sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' };

describe('failover job commands', () => {
  it('start writes the job and invokes the function with its id; a second start is refused while it runs', async () => {
    const store = new FileJobStore();
    const invoked: unknown[] = [];
    const invoke = async (p: unknown) => void invoked.push(p);
    const job = await startJob(store, invoke, { poolId: POOL, options });
    expect(invoked).toEqual([{ action: 'continue', jobId: job.jobId }]);
    expect((await store.get(POOL))?.options).toEqual(options);
    await expect(startJob(store, invoke, { poolId: POOL, options })).rejects.toBeInstanceOf(JobExistsError);
    expect(invoked).toHaveLength(1);
  });

  it('pause sets the desired state without invoking; resume sets it running and invokes, unless the job is done', async () => {
    const store = new FileJobStore();
    const invoked: unknown[] = [];
    const invoke = async (p: unknown) => void invoked.push(p);
    const job = await startJob(store, invoke, { poolId: POOL, options });
    expect((await pauseJob(store, POOL)).desired).toBe('paused');
    expect(invoked).toHaveLength(1);
    expect((await resumeJob(store, invoke, POOL)).desired).toBe('running');
    expect(invoked).toEqual([
      { action: 'continue', jobId: job.jobId },
      { action: 'continue', jobId: job.jobId },
    ]);
    const held = await store.acquire(POOL, 'x', 1, 0);
    await store.save({ ...held, phase: 'done' }, 1);
    await resumeJob(store, invoke, POOL);
    expect(invoked).toHaveLength(2);
  });

  it('status: sent, left, rate, estimated end, errors by reason; counts only', async () => {
    const store = new FileJobStore();
    const job = await startJob(store, async () => {}, { poolId: POOL, options, now: 0 });
    const held = await store.acquire(POOL, 'x', 1, 0);
    held.phase = 'sending';
    held.shards[0].counts = {
      listed: 130,
      rows: 120,
      toSend: 100,
      excluded: { disabled: 10 },
      mfaRead: 0,
      mfaUnread: 0,
    };
    held.sendCounts = { ...held.sendCounts, sent: 48, failed: { 'limit-exceeded': 2 } };
    held.sendElapsedMs = 2_000;
    await store.save(held, 1);
    const status = await jobStatusOf(store, POOL, 10_000);
    expect(status).toMatchObject({
      jobId: job.jobId,
      phase: 'sending',
      listed: 130,
      toSend: 100,
      sent: 48,
      left: 50,
      rate: 24,
      failedByReason: { 'limit-exceeded': 2 },
      excludedByReason: { disabled: 10 },
    });
    expect(status.estimatedEnd).toBe(10_000 + (50 / 24) * 1000);
    const text = renderJobStatus(status, 10_000).join('\n');
    expect(text).toContain('sent 48, left 50');
    expect(text).toContain('24.0/s');
    expect(text).toContain('failed: limit-exceeded 2');
    expect(text).toContain('estimated end');
    await expect(jobStatusOf(store, 'us-west-2_None', 0)).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
