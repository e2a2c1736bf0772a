/**
 * The one door to the backup bucket: put a new object (never overwrite), read one, list keys under
 * a prefix. The writers need only {@link BackupStore.putNew}: their IAM role grants PutObject and
 * nothing else, and the bucket's Object Lock keeps what they wrote.
 * @packageDocumentation
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Where backups live and how they are reached. */
export interface BackupStore {
  /** `s3://bucket/key` (or a local description) for messages. */
  location(key: string): string;
  /**
   * Writes `body` at `key` only if no object is there (`If-None-Match: *`); `'exists'` when one
   * is (a retried batch, or a name taken): the existing object is never replaced.
   */
  putNew(key: string, body: Uint8Array, contentType: string): Promise<'written' | 'exists'>;
  /** The object's bytes, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under `prefix` in UTF-8 binary order (S3's), after `startAfter` when given. */
  list(prefix: string, startAfter?: string): AsyncIterable<string>;
}

/** A {@link BackupStore} in memory, for tests and the pure parts of the local drill. */
export class MemoryBackupStore implements BackupStore {
  readonly objects = new Map<string, Uint8Array>();

  location(key: string): string {
    return `memory://${key}`;
  }

  async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, body);
    return 'written';
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && (!startAfter || k > startAfter));
    yield* keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}

/**
 * A {@link BackupStore} on S3. Objects are encrypted by the bucket's default encryption (the
 * backup bucket's KMS key); a PutObject carries a SHA-256 checksum, which S3 requires of uploads
 * to a bucket with Object Lock retention (Content-MD5 or an `x-amz-checksum-*` header).
 */
export class S3BackupStore implements BackupStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  location(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async putNew(key: string, body: Uint8Array, contentType: string): Promise<'written' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          IfNoneMatch: '*',
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return 'written';
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      // 412 PreconditionFailed: an object is already there (S3 API reference, conditional writes).
      if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) return 'exists';
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter: token ? undefined : startAfter,
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
