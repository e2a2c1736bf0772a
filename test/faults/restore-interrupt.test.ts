/**
 * Fault: a restore stopped part-way (its abort signal fires after the k-th write to the target:
 * Ctrl-C, a session cut short) and run again with the same command. The second run resumes from
 * the reconciler's checkpoint and the rebuilt state on disk, completes, and no write is ever
 * repeated: both runs together make exactly the writes of one uninterrupted restore.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolRoot } from '../../src/backup/keys';
import { restore } from '../../src/backup/restore/run';
import { MemoryBackupStore } from '../../src/backup/store';
import { WRITE_OPERATIONS } from '../../src/cognito/quotas';
import { backedUp, POOL, tombstone, writeBatch, writeSnapshot } from '../unit/backup/restore/fixtures';
import { Pair, writeKeys } from '../unit/reconcile/fixture';

const root = poolRoot('backups', POOL);
const AT = new Date('2026-11-30T09:41:00.000Z');
const USERS = 40;

/** 40 users in the snapshot, all deleted after the restore point: the restore makes them all again. */
async function backup(): Promise<MemoryBackupStore> {
  const store = new MemoryBackupStore();
  const users = Array.from({ length: USERS }, (_, i) =>
    backedUp(i, { groups: i % 2 ? ['staff'] : [], enabled: i % 5 !== 0 }),
  );
  await writeSnapshot(store, root, {
    snapshotId: 's',
    startedAt: '2026-11-30T00:00:00.000Z',
    users,
    groups: [{ name: 'staff' }],
  });
  await writeBatch(
    store,
    root,
    '2026-11-30T09:50:00.000Z',
    'w',
    1,
    users.map((u) => tombstone('2026-11-30T09:50:00.000Z', u)),
  );
  return store;
}

async function restoreOnce(pair: Pair, store: MemoryBackupStore, stateDir: string, stopAfterWrites?: number) {
  const stop = new AbortController();
  let writes = 0;
  const target = pair.gateways().target.intercept({
    afterSend: (call) => {
      if (WRITE_OPERATIONS.has(call.operation) && ++writes === stopAfterWrites) stop.abort();
    },
  });
  return pair.clock.run(
    restore({
      backup: store,
      root,
      at: AT,
      target,
      checkpoint: pair.store,
      stateDir,
      apply: true,
      reconcile: { clock: pair.clock, signal: stop.signal, saveIntervalMs: 0 },
    }),
  );
}

describe('a restore interrupted and resumed', () => {
  let reference: string[];
  beforeAll(async () => {
    const pair = new Pair();
    const result = await restoreOnce(pair, await backup(), join(mkdtempSync(join(tmpdir(), 'restore-ref-')), 'state'));
    expect(result.exitCode).toBe(0);
    reference = writeKeys(pair.west).sort();
    expect(pair.target.users.size).toBe(USERS);
  });

  it.each([1, 7, 23, 61])('stopped after write %i, the same command completes it with no write repeated', async (k) => {
    const pair = new Pair();
    const store = await backup();
    const stateDir = join(mkdtempSync(join(tmpdir(), 'restore-fault-')), 'state');
    const first = await restoreOnce(pair, store, stateDir, k);
    expect(first.exitCode).toBe(130);
    expect(first.run?.status).toBe('stopped');
    const second = await restoreOnce(pair, store, stateDir);
    expect(second.exitCode).toBe(0);
    expect(second.run?.report).toMatchObject({ status: 'complete', resumed: true, counts: { failed: 0 } });
    const writes = writeKeys(pair.west);
    expect(new Set(writes).size).toBe(writes.length);
    expect(writes.sort()).toEqual(reference);
    expect(pair.target.users.size).toBe(USERS);
    const staff = pair.target.group('staff').members;
    expect(staff.size).toBe(USERS / 2);
  });
});
