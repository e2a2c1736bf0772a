import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import type { CheckpointState } from '../../src/reconcile/checkpoint';
import { S3CheckpointStore } from '../../src/reconcile/s3-store';

/**
 * The local S3 answers as the S3 API reference says for the operations the suite's stores use,
 * through the real SDK client (XML parsing, errors by name, conditional writes).
 */
describe('local S3 emulator', () => {
  let s3: S3Emulator;
  beforeAll(async () => {
    s3 = await startS3Emulator();
    s3.createBucket('state');
  });
  afterAll(() => s3.stop());

  it('puts, gets, heads, lists in key order with pages, and deletes', async () => {
    const client = s3.client();
    for (const key of ['b/2', 'a/1', 'b/1', 'b/3']) {
      await client.send(new PutObjectCommand({ Bucket: 'state', Key: key, Body: `body of ${key}` }));
    }
    const got = await client.send(new GetObjectCommand({ Bucket: 'state', Key: 'b/2' }));
    expect(await got.Body?.transformToString()).toBe('body of b/2');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'state', Key: 'a/1' }));
    expect(head.ContentLength).toBe('body of a/1'.length);

    const page1 = await client.send(new ListObjectsV2Command({ Bucket: 'state', Prefix: 'b/', MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['b/1', 'b/2']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await client.send(
      new ListObjectsV2Command({ Bucket: 'state', Prefix: 'b/', ContinuationToken: page1.NextContinuationToken }),
    );
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['b/3']);
    expect(page2.IsTruncated).toBe(false);

    await client.send(
      new DeleteObjectsCommand({ Bucket: 'state', Delete: { Objects: [{ Key: 'b/1' }, { Key: 'b/3' }] } }),
    );
    expect([...s3.objects('state').keys()].sort()).toEqual(['a/1', 'b/2']);
    client.destroy();
  });

  it('refuses a conditional write of a key that exists (412), and names missing keys and buckets', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'state', Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'state', Key: 'once', Body: 'second', IfNoneMatch: '*' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect(s3.objects('state').get('once')?.body.toString()).toBe('first');
    await expect(client.send(new GetObjectCommand({ Bucket: 'state', Key: 'absent' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    await expect(client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    client.destroy();
  });

  it('injects SlowDown (503) for the next requests, which the SDK retries with more attempts', async () => {
    const once = s3.client();
    s3.failNext(1);
    await expect(once.send(new GetObjectCommand({ Bucket: 'state', Key: 'a/1' }))).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    const retrying = s3.client({ maxAttempts: 3, retryStrategy: undefined });
    s3.failNext(2);
    const got = await retrying.send(new GetObjectCommand({ Bucket: 'state', Key: 'a/1' }));
    expect(await got.Body?.transformToString()).toBe('body of a/1');
    once.destroy();
    retrying.destroy();
  });

  it("carries the reconciler's S3 checkpoint store: state and spool saved, then restored in a fresh directory", async () => {
    const client = s3.client();
    s3.createBucket('checkpoints');
    const first = mkdtempSync(join(tmpdir(), 's3-store-a-'));
    const store = new S3CheckpointStore(client, 'checkpoints', 'checkpoints/p--q/', first);
    writeFileSync(join(first, 'source-0.spool'), Buffer.from([0, 1, 2, 3, 254, 255]));
    const state = { version: 1, key: 'k', runId: 'r', phase: 'scan' } as unknown as CheckpointState;
    await store.save(state);
    await store.persistSpool();

    const second = mkdtempSync(join(tmpdir(), 's3-store-b-'));
    const resumed = new S3CheckpointStore(client, 'checkpoints', 'checkpoints/p--q/', second);
    expect(await resumed.load()).toMatchObject({ runId: 'r', phase: 'scan' });
    expect([...readFileSync(join(second, 'source-0.spool'))]).toEqual([0, 1, 2, 3, 254, 255]);
    await resumed.clear();
    expect([...s3.objects('checkpoints').keys()]).toEqual([]);
    client.destroy();
  });
});
