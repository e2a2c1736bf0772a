/**
 * Fault: the scheduled snapshot's sessions are killed at a random put (a chunk, a checkpoint, the
 * manifest: the Lambda crashing, S3 failing) and paused at random pages (the invocation's time
 * up), several seeds. Each killed session is redone from the newest checkpoint, as Lambda's retry
 * of the asynchronous invocation or the next schedule does. Never a manifest before the end; at
 * the end one manifest naming every user once and every membership once, accepted by the
 * verification; nothing ever overwritten.
 */
import { CognitoModel } from '../../scripts/local/cognito-model';
import { poolRoot } from '../../src/backup/keys';
import { runSnapshotSession, type SnapshotSession } from '../../src/backup/snapshot';
import { readLatestCheckpoint } from '../../src/backup/snapshot-progress';
import { completeSnapshotIds, readChunk } from '../../src/backup/snapshot-read';
import { MemoryBackupStore } from '../../src/backup/store';
import type { BackedUpUser, SnapshotGroupLine } from '../../src/backup/types';
import { verifyBackup } from '../../src/backup/verify';
import { cognitoGateway } from '../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../unit/helpers';
import { seededRandom } from '../support/faults';

const USERS = 400;

/** A store whose `putNew` fails once armed at a chosen put; it never lets an object be replaced. */
class KillableStore extends MemoryBackupStore {
  killAt = Number.POSITIVE_INFINITY;
  puts = 0;
  overwrites = 0;
  override async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    if (++this.puts === this.killAt) throw new Error('killed');
    const result = await super.putNew(key, body);
    if (result === 'exists') this.overwrites++;
    return result;
  }
}

describe.each([1, 2, 3, 4, 5])('snapshot sessions killed at random puts (seed %i)', (seed) => {
  it('ends with one manifest naming every user and membership once', async () => {
    const random = seededRandom(seed);
    const clock = new VirtualClock();
    const model = new CognitoModel({ clock });
    const pool = model.addPool({ id: uniquePoolId('us-east-1') });
    for (let i = 0; i < USERS; i++) pool.put({ Username: `user${i}`, Attributes: { email: `user${i}@example.com` } });
    const big = pool.group('big');
    for (let i = 0; i < 150; i++) big.members.add(`user${i * 2}`);
    pool.group('few').members.add('user7');
    const gateway = cognitoGateway(
      { region: 'us-east-1', poolId: pool.options.id },
      { client: model.client, clock, headroom: 0 },
    );
    const store = new KillableStore();
    const root = poolRoot('b', pool.options.id);
    let pause = new AbortController();
    let pauseAt = Number.POSITIVE_INFINITY;
    let pages = 0;
    model.failNext = (op) => {
      if ((op === 'ListUsers' || op === 'ListUsersInGroup') && ++pages >= pauseAt) pause.abort();
      return undefined;
    };

    let snapshotId: string | undefined;
    let done: SnapshotSession | undefined;
    let kills = 0;
    for (let session = 0; !done && session < 200; session++) {
      pages = 0;
      pauseAt = 1 + Math.floor(random() * 12);
      pause = new AbortController();
      store.puts = 0;
      // The second session always dies (every session puts at least its checkpoint or the manifest).
      if (session === 1) store.killAt = 1 + Math.floor(random() * 3);
      else store.killAt = random() < 0.4 ? 1 + Math.floor(random() * 20) : Number.POSITIVE_INFINITY;
      const resume = snapshotId ? await readLatestCheckpoint(store, root, snapshotId) : undefined;
      try {
        const s = await clock.run(
          runSnapshotSession({
            pool: gateway,
            store,
            prefix: 'b',
            now: () => clock.now(),
            chunkLimits: { maxRecords: 30 },
            shards: ['0123', '4567', '89ab', 'cdef'].flatMap((g) => g.split('')),
            pause: pause.signal,
            resume,
          }),
        );
        if (s.status === 'complete') done = s;
        else snapshotId = s.checkpoint.snapshotId;
      } catch (err) {
        expect((err as Error).message).toBe('killed');
        kills++;
        // A first session killed before its first checkpoint leaves nothing to go on from: start again.
      }
      if (!done) expect(await completeSnapshotIds(store, root)).toEqual([]);
      clock.advance(1000);
    }
    if (done?.status !== 'complete') throw new Error('the snapshot did not finish');
    expect(kills).toBeGreaterThan(0);
    expect(store.overwrites).toBe(0);
    expect(await completeSnapshotIds(store, root)).toEqual([done.manifest.snapshotId]);

    const users = (
      await Promise.all(
        done.manifest.chunks.filter((c) => c.kind === 'users').map((c) => readChunk<BackedUpUser>(store, c)),
      )
    ).flat();
    expect(users.map((u) => u.username).sort()).toEqual(Array.from({ length: USERS }, (_, i) => `user${i}`).sort());
    const lines = (
      await Promise.all(
        done.manifest.chunks.filter((c) => c.kind === 'groups').map((c) => readChunk<SnapshotGroupLine>(store, c)),
      )
    ).flat();
    const bigMembers = lines.filter((l) => l.group === 'big').flatMap((l) => l.members);
    expect(bigMembers).toHaveLength(150);
    expect(new Set(bigMembers).size).toBe(150);
    expect(
      lines
        .filter((l) => l.definition)
        .map((l) => l.group)
        .sort(),
    ).toEqual(['big', 'few']);
    expect(done.manifest.counts).toEqual({ users: USERS, groups: 2, memberships: 151 });
    const report = await clock.run(verifyBackup({ pool: gateway, store, prefix: 'b', now: () => clock.now() }));
    expect(report.problems).toEqual([]);
  });
});
