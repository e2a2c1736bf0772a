/** The snapshot writer over the Cognito model (direct transport) and the in-memory backup store. */
import { CognitoModel, ModelError } from '../../../scripts/local/cognito-model';
import { poolRoot } from '../../../src/backup/keys';
import { takeSnapshot, type SnapshotOptions, SnapshotStoppedError } from '../../../src/backup/snapshot';
import { ChunkWriter } from '../../../src/backup/snapshot-chunks';
import { ChunkMismatchError, completeSnapshotIds, latestSnapshot, readChunk } from '../../../src/backup/snapshot-read';
import { type BackupStore, MemoryBackupStore } from '../../../src/backup/store';
import type { BackedUpUser, SnapshotConfig, SnapshotGroupLine } from '../../../src/backup/types';
import { cognitoGateway } from '../../../src/config/wiring';
import { uniquePoolId, VirtualClock } from '../helpers';

/** A store that fails every put after the first `k` (a writer killed mid-way). */
class FailingStore extends MemoryBackupStore {
  puts = 0;
  readonly order: string[] = [];
  constructor(private readonly k: number) {
    super();
  }
  override async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    if (this.puts++ >= this.k) throw new Error('connection reset');
    this.order.push(key);
    return super.putNew(key, body);
  }
}

function fixture(users = 150) {
  const clock = new VirtualClock();
  const model = new CognitoModel({ clock });
  const pool = model.addPool({ id: uniquePoolId('us-east-1'), customAttributes: ['tier'] });
  for (let i = 0; i < users; i++)
    pool.put({
      Username: `user${i}`,
      Attributes: { email: `user${i}@example.com`, email_verified: 'true', 'custom:tier': String(i % 3) },
      Enabled: i % 10 !== 0,
      UserStatus: i % 7 === 0 ? 'FORCE_CHANGE_PASSWORD' : 'CONFIRMED',
    });
  const big = pool.group('big', { Description: 'many members', Precedence: 1 });
  for (let i = 0; i < 70; i++) big.members.add(`user${i}`);
  pool.group('small', { Precedence: 5 }).members.add('user3');
  pool.group('empty');
  const gateway = cognitoGateway(
    { region: 'us-east-1', poolId: pool.options.id },
    { client: model.client, clock, headroom: 0 },
  );
  const run = (store: BackupStore, options: Partial<SnapshotOptions> = {}) =>
    clock.run(
      takeSnapshot({
        pool: gateway,
        store,
        prefix: 'backups/',
        now: () => clock.now(),
        chunkLimits: { maxRecords: 40 },
        ...options,
      }),
    );
  return { clock, model, pool, gateway, run, root: poolRoot('backups', pool.options.id) };
}

describe('takeSnapshot', () => {
  it('writes users, groups and the configuration in checked chunks, the manifest last', async () => {
    const f = fixture();
    const store = new FailingStore(Number.POSITIVE_INFINITY);
    const { manifest, manifestKey } = await f.run(store);

    expect(store.order.at(-1)).toBe(manifestKey);
    expect(manifestKey).toBe(`${f.root}snapshots/${manifest.snapshotId}/manifest.json`);
    expect(manifest.snapshotId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    expect(manifest).toMatchObject({ format: 1, poolId: f.pool.options.id, region: 'us-east-1' });
    expect(manifest.counts).toEqual({ users: 150, groups: 3, memberships: 71 });
    // Bounded chunks: 150 users at most 40 a chunk.
    const userChunks = manifest.chunks.filter((c) => c.kind === 'users');
    expect(userChunks.length).toBeGreaterThanOrEqual(4);
    expect(userChunks.every((c) => c.records <= 40)).toBe(true);

    const users = (await Promise.all(userChunks.map((c) => readChunk<BackedUpUser>(store, c)))).flat();
    expect(users).toHaveLength(150);
    expect(new Set(users.map((u) => u.sub))).toEqual(new Set([...f.pool.users.values()].map((u) => u.Attributes.sub)));
    const u0 = users.find((u) => u.username === 'user0')!;
    expect(u0).toMatchObject({
      enabled: false,
      status: 'FORCE_CHANGE_PASSWORD',
      attributes: { email: 'user0@example.com', email_verified: 'true', 'custom:tier': '0' },
    });
    expect(u0.groups).toBeUndefined(); // joined by the reader from the groups chunks
    expect(u0.createdAt).toBe(new Date(0).toISOString());

    const lines = (
      await Promise.all(
        manifest.chunks.filter((c) => c.kind === 'groups').map((c) => readChunk<SnapshotGroupLine>(store, c)),
      )
    ).flat();
    const members = (g: string) => new Set(lines.filter((l) => l.group === g).flatMap((l) => l.members));
    const subOf = (name: string) => f.pool.users.get(name)!.Attributes.sub;
    expect(members('big')).toEqual(new Set(Array.from({ length: 70 }, (_, i) => subOf(`user${i}`))));
    expect(members('small')).toEqual(new Set([subOf('user3')]));
    expect(lines.filter((l) => l.group === 'empty')).toEqual([
      { group: 'empty', definition: { name: 'empty' }, members: [] },
    ]);
    // Each group's definition once, on its first line.
    expect(lines.filter((l) => l.definition).map((l) => l.definition)).toEqual(
      expect.arrayContaining([
        { name: 'big', description: 'many members', precedence: 1 },
        { name: 'small', precedence: 5 },
      ]),
    );
    expect(lines.filter((l) => l.definition)).toHaveLength(3);

    const [config] = await readChunk<SnapshotConfig>(store, manifest.chunks.find((c) => c.kind === 'config')!);
    expect(config.pool).toMatchObject({ Id: f.pool.options.id, MfaConfiguration: 'OFF' });
    expect(config.mfa).toBeDefined();

    // List calls and pool reads only: nothing billed as an active user (the pool has no app
    // client, provider or domain, so nothing is described beyond the lists).
    expect(Object.keys(f.model.counts).sort()).toEqual(
      [
        'DescribeUserPool',
        'GetUserPoolMfaConfig',
        'ListGroups',
        'ListIdentityProviders',
        'ListResourceServers',
        'ListUserPoolClients',
        'ListUsers',
        'ListUsersInGroup',
      ].sort(),
    );
    expect(await latestSnapshot(store, f.root)).toEqual(manifest);
  });

  it.each([0, 1, 3, 6])(
    'a writer killed after %i puts leaves no manifest; a rerun makes a new complete snapshot',
    async (k) => {
      const f = fixture();
      const store = new FailingStore(k);
      await expect(f.run(store)).rejects.toThrow('connection reset');
      expect([...store.objects.keys()].some((key) => key.endsWith('manifest.json'))).toBe(false);
      expect(await latestSnapshot(store, f.root)).toBeUndefined();

      // The same bucket, the writer back: a new snapshot, complete; the partial one stays invisible.
      const rerun = new MemoryBackupStore();
      for (const [key, body] of store.objects) rerun.objects.set(key, body);
      f.clock.advance(1000);
      const { manifest } = await f.run(rerun);
      expect(await completeSnapshotIds(rerun, f.root)).toEqual([manifest.snapshotId]);
      expect(manifest.counts.users).toBe(150);
    },
  );

  it('a failure at the very last put (the manifest) leaves no manifest', async () => {
    const f = fixture();
    const probe = new MemoryBackupStore();
    await f.run(probe);
    const puts = probe.objects.size;
    const store = new FailingStore(puts - 1);
    await expect(f.run(store)).rejects.toThrow('connection reset');
    expect(store.objects.size).toBe(puts - 1);
    expect(await completeSnapshotIds(store, f.root)).toEqual([]);
  });

  it('a Cognito failure mid-listing stops every listing and writes no manifest', async () => {
    const f = fixture(400);
    let listed = 0;
    f.model.failNext = (op) =>
      op === 'ListUsers' && ++listed === 5 ? new ModelError('NotAuthorizedException', 'denied') : undefined;
    const store = new MemoryBackupStore();
    await expect(f.run(store)).rejects.toThrow(/denied/);
    expect(await completeSnapshotIds(store, f.root)).toEqual([]);
  });

  it('a stopped snapshot writes no manifest', async () => {
    const f = fixture();
    const stop = new AbortController();
    const store = new MemoryBackupStore();
    await expect(
      f.run(store, {
        signal: stop.signal,
        onProgress: (p) => {
          if (p.users > 0) stop.abort();
        },
      }),
    ).rejects.toBeInstanceOf(SnapshotStoppedError);
    expect(await completeSnapshotIds(store, f.root)).toEqual([]);
  });

  it('never overwrites: a snapshot id already taken fails the snapshot', async () => {
    const f = fixture(10);
    const store = new MemoryBackupStore();
    const same = { randomId: () => 'abcdef', now: () => 1_700_000_000_000 };
    await f.run(store, same);
    await expect(f.run(store, same)).rejects.toThrow(/already exists/);
  });

  it('the reader refuses a chunk that differs from its manifest', async () => {
    const f = fixture(10);
    const store = new MemoryBackupStore();
    const { manifest } = await f.run(store);
    const chunk = manifest.chunks.find((c) => c.kind === 'users')!;
    const body = Buffer.from(store.objects.get(chunk.key)!);
    body[body.length - 5] ^= 0xff;
    store.objects.set(chunk.key, body);
    await expect(readChunk(store, chunk)).rejects.toBeInstanceOf(ChunkMismatchError);
    store.objects.delete(chunk.key);
    await expect(readChunk(store, chunk)).rejects.toThrow(/missing/);
  });

  it('picks the latest complete snapshot, or the latest started by a given time', async () => {
    const f = fixture(5);
    const store = new MemoryBackupStore();
    const first = (await f.run(store)).manifest;
    f.clock.advance(3_600_000);
    const second = (await f.run(store)).manifest;
    expect((await latestSnapshot(store, f.root))?.snapshotId).toBe(second.snapshotId);
    expect((await latestSnapshot(store, f.root, new Date(Date.parse(second.startedAt) - 1)))?.snapshotId).toBe(
      first.snapshotId,
    );
    expect(await latestSnapshot(store, f.root, new Date(Date.parse(first.startedAt) - 1))).toBeUndefined();
  });
});

describe('ChunkWriter', () => {
  it('closes a chunk at its byte bound; parallel writers lose no line and number chunks in order', async () => {
    const store = new MemoryBackupStore();
    const writer = new ChunkWriter(store, 'f/', 'users', { maxBytes: 200, maxRecords: 1000 });
    await Promise.all(
      Array.from({ length: 4 }, (_, lane) =>
        (async () => {
          for (let page = 0; page < 5; page++)
            await writer.add(Array.from({ length: 3 }, (_, i) => ({ lane, page, i, pad: 'x'.repeat(20) })));
        })(),
      ),
    );
    const chunks = await writer.close();
    expect(writer.records).toBe(60);
    expect(chunks.map((c) => c.key)).toEqual(chunks.map((_, n) => `f/users-${String(n).padStart(5, '0')}.jsonl.gz`));
    expect(chunks.length).toBeGreaterThan(5);
    const lines = (
      await Promise.all(chunks.map((c) => readChunk<{ lane: number; page: number; i: number }>(store, c)))
    ).flat();
    expect(new Set(lines.map((l) => `${l.lane}-${l.page}-${l.i}`)).size).toBe(60);
    expect(await new ChunkWriter(store, 'g/', 'groups').close()).toEqual([]); // nothing buffered, nothing written
  });
});
