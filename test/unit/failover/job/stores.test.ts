import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type DynamoEmulator, startDynamoEmulator } from '../../../../scripts/local/dynamodb';
import {
  DirManifestStore,
  DynamoJobStore,
  FileJobStore,
  JobExistsError,
  type JobStore,
  LeaseHeldError,
  LeaseLostError,
  newJobState,
  S3ManifestStore,
} from '../../../../src/failover/job';
import type { ManifestPart } from '../../../../src/failover/job/types';

const POOL = 'us-west-2_Stores';
const options = { send: true, sourceSubAttribute: 'custom:source_sub', mfaMarkerAttribute: 'custom:source_mfa' };
const part: ManifestPart = {
  shard: 'a',
  generation: 0,
  rows: [
    {
      username: 'u1',
      sub: 'a1',
      contact: 'u1@example.com',
      channel: 'email',
      action: 'reset-password',
      mfa: 'NONE',
      status: 'CONFIRMED',
      emailOtp: false,
      send: true,
    },
  ],
  excluded: [
    { username: 'u2', sub: 'a2', status: 'CONFIRMED', enabled: false, reason: 'disabled', detail: 'disabled' },
  ],
};

/** The conditional semantics every job store keeps. */
function storeContract(name: string, make: () => Promise<JobStore>) {
  describe(name, () => {
    it('creates one job per pool; a running job blocks another, a finished one is replaced', async () => {
      const store = await make();
      await store.create(newJobState({ poolId: POOL, options, jobId: 'j1' }));
      await expect(store.create(newJobState({ poolId: POOL, options, jobId: 'j2' }))).rejects.toBeInstanceOf(
        JobExistsError,
      );
      const held = await store.acquire(POOL, 'a', 2_000, 1_000);
      await store.save({ ...held, phase: 'done' }, 2_000);
      await store.release(POOL, 'a');
      await store.create(newJobState({ poolId: POOL, options, jobId: 'j3' }));
      expect((await store.get(POOL))?.jobId).toBe('j3');
    });

    it('leases: a live lease of another owner refuses, a lapsed one is taken; saves need the lease and the version', async () => {
      const store = await make();
      await store.create(newJobState({ poolId: POOL, options }));
      const a = await store.acquire(POOL, 'a', 2_000, 1_000);
      await expect(store.acquire(POOL, 'b', 3_000, 1_500)).rejects.toBeInstanceOf(LeaseHeldError);
      const saved = await store.save({ ...a, sessions: 3 }, 2_500);
      expect(saved).toMatchObject({ sessions: 3, version: a.version + 1, lease: { owner: 'a', until: 2_500 } });
      await expect(store.save({ ...a, sessions: 4 }, 2_500)).rejects.toBeInstanceOf(LeaseLostError); // stale version
      const b = await store.acquire(POOL, 'b', 9_000, 2_600); // a's lease lapsed
      await expect(store.save({ ...saved, sessions: 5 }, 3_000)).rejects.toBeInstanceOf(LeaseLostError);
      await store.release(POOL, 'a'); // not a's any more: nothing happens
      expect((await store.get(POOL))?.lease?.owner).toBe('b');
      await store.save({ ...b, sessions: 6 }, 9_500);
      await store.release(POOL, 'b');
      expect((await store.get(POOL))?.lease).toBeUndefined();
    });

    it('keeps the desired state an operator set across the running session saves', async () => {
      const store = await make();
      await store.create(newJobState({ poolId: POOL, options }));
      const a = await store.acquire(POOL, 'a', 2_000, 1_000);
      await store.setDesired(POOL, 'paused');
      const saved = await store.save({ ...a, sessions: 1, desired: 'running' }, 2_000);
      expect(saved.desired).toBe('paused');
      expect((await store.get(POOL))?.desired).toBe('paused');
    });
  });
}

describe('job stores', () => {
  let dir: string;
  let dynamo: DynamoEmulator;
  let db: DynamoDBClient;
  let tables = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'job-stores-'));
    dynamo = await startDynamoEmulator();
    db = dynamo.client();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    db.destroy();
    await dynamo.stop();
  });

  storeContract('in memory', async () => new FileJobStore());
  storeContract('in a file', async () => new FileJobStore(join(dir, `job-${tables++}.json`)));
  storeContract('in DynamoDB (dynalite)', async () => {
    const table = `failover-${tables++}`;
    await db.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    return new DynamoJobStore(db, table);
  });

  it('the file store writes its file 0600, without contact data', async () => {
    const file = join(dir, 'perm.json');
    const store = new FileJobStore(file);
    await store.create(newJobState({ poolId: POOL, options }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('the directory manifest store writes parts 0600 and reads them back; a missing part is undefined', async () => {
    const store = new DirManifestStore(join(dir, 'manifests'));
    await store.putPart('job1', { shard: 'a', generation: 0, page: 7, session: 2 }, part);
    expect(await store.getPart('job1', { shard: 'a', generation: 0, page: 7, session: 2 })).toEqual(part);
    expect(await store.getPart('job1', { shard: 'a', generation: 0, page: 8, session: 2 })).toBeUndefined();
    const file = join(dir, 'manifests', 'job1', 'parts', 'a', 'g0', '00000007-s2.jsonl');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('{"shard":"a","generation":0,"rows":1,"excluded":1}');
  });

  it('the S3 manifest store puts each part under failover/<pool>/<job>/ with SSE, and reads it back', async () => {
    const s3 = mockClient(S3Client);
    const objects = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, input.Body);
      return {};
    });
    s3.on(GetObjectCommand).callsFake((input) => {
      const body = objects.get(input.Key);
      if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => body } };
    });
    const store = new S3ManifestStore(new S3Client({ region: 'us-west-2' }), 'state-bucket', POOL);
    await store.putPart('job1', { shard: 'a', generation: 1, page: 3, session: 1 }, part);
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toMatchObject({
      Bucket: 'state-bucket',
      Key: `failover/${POOL}/job1/parts/a/g1/00000003-s1.jsonl`,
      ServerSideEncryption: 'AES256',
    });
    expect(await store.getPart('job1', { shard: 'a', generation: 1, page: 3, session: 1 })).toEqual(part);
    expect(await store.getPart('job1', { shard: 'a', generation: 1, page: 4, session: 1 })).toBeUndefined();
    s3.restore();
  });

  it('a truncated part is refused, not read as a shorter one', async () => {
    const store = new DirManifestStore(join(dir, 'cut'));
    await store.putPart('j', { shard: 'a', generation: 0, page: 0, session: 1 }, part);
    const file = join(dir, 'cut', 'j', 'parts', 'a', 'g0', '00000000-s1.jsonl');
    const text = readFileSync(file, 'utf8').split('\n');
    require('node:fs').writeFileSync(file, text.slice(0, 2).join('\n'));
    await expect(store.getPart('j', { shard: 'a', generation: 0, page: 0, session: 1 })).rejects.toThrow('not whole');
  });
});
