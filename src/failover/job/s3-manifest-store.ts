import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ManifestStore } from './ports';
import { decodePart, encodePart, partName } from './part-codec';
import type { ManifestPart, PartRef } from './types';

/**
 * The manifest's parts in the standby Region's state bucket, under
 * `failover/<poolId>/<jobId>/parts/`. Each part is one PutObject (whole or absent), encrypted at
 * rest (SSE-S3, asked for explicitly as well as by the bucket's default).
 */
export class S3ManifestStore implements ManifestStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly poolId: string,
  ) {}

  get location(): string {
    return `s3://${this.bucket}/failover/${this.poolId}/`;
  }

  /** The key of a part of job `jobId`. */
  key(jobId: string, ref: PartRef): string {
    return `failover/${this.poolId}/${jobId}/${partName(ref)}`;
  }

  async putPart(jobId: string, ref: PartRef, part: ManifestPart): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(jobId, ref),
        Body: encodePart(part),
        ContentType: 'application/x-ndjson',
        ServerSideEncryption: 'AES256',
      }),
    );
  }

  async getPart(jobId: string, ref: PartRef): Promise<ManifestPart | undefined> {
    const key = this.key(jobId, ref);
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await r.Body?.transformToString('utf8')) ?? '';
      return decodePart(text, `s3://${this.bucket}/${key}`);
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw err;
    }
  }
}
