import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CheckpointState, CheckpointStore } from './checkpoint';

/**
 * A checkpoint in S3 for the scheduled Lambda: `<prefix>state.json` plus the scan spool files
 * (the listings, and their sorted forms and sort runs, each file at most a few hundred MB: one
 * PutObject each) under `<prefix>spool/`. The spool is worked on in a local directory (`/tmp`) and copied up
 * when the scan phase ends and whenever the run stops for the next invocation; the state is
 * written (small) at every checkpoint. Objects are encrypted by the bucket's default encryption.
 */
export class S3CheckpointStore implements CheckpointStore {
  private readonly uploaded = new Map<string, number>();

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** Key prefix ending in `/`, e.g. `checkpoints/us-east-1_A--us-west-2_B/`. */
    readonly prefix: string,
    readonly dir: string,
  ) {}

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}state.json`;
  }

  async load(): Promise<CheckpointState | undefined> {
    let text: string;
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}state.json` }));
      text = (await r.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw err;
    }
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch {
      return undefined;
    }
    if (state.version !== 1) return undefined;
    await this.restoreSpool();
    return state;
  }

  async save(state: CheckpointState): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${this.prefix}state.json`,
        Body: JSON.stringify(state),
        ContentType: 'application/json',
      }),
    );
  }

  async persistSpool(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    // Files removed locally (sort runs merged, intermediate sorted files) go from S3 too.
    const local = new Set(names);
    for (const name of [...this.uploaded.keys()]) {
      if (local.has(name)) continue;
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}spool/${name}` }));
      this.uploaded.delete(name);
    }
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path);
      if (!info.isFile()) continue; // import CSVs (import/) are rebuilt from the listing when needed
      const size = info.size;
      if (this.uploaded.get(name) === size) continue;
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `${this.prefix}spool/${name}`,
          Body: createReadStream(path),
          ContentLength: size,
        }),
      );
      this.uploaded.set(name, size);
    }
  }

  async clear(): Promise<void> {
    for (const key of await this.keys(this.prefix))
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    this.uploaded.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Writes another object of the bucket (the run's report). */
  async putObject(key: string, body: string | Buffer, contentType = 'application/json'): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  private async restoreSpool(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    const spoolPrefix = `${this.prefix}spool/`;
    for (const key of await this.keys(spoolPrefix)) {
      const name = key.slice(spoolPrefix.length);
      if (!name || name.includes('/')) continue;
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const path = join(this.dir, name);
      await pipeline(r.Body as Readable, createWriteStream(path, { mode: 0o600 }));
      this.uploaded.set(name, (await stat(path)).size);
    }
  }

  private async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}
