/**
 * Where the report's inputs are read from: a local reports folder (searched recursively for
 * `.json` files) or an S3 prefix (`s3://bucket/prefix`, every `.json` object under it, as the
 * scheduled reconcile writes them under `reports/`).
 * @packageDocumentation
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { classifyDocument, emptyInputs } from './classify';
import type { ReportInputs } from './types';
import { parseS3Url, type S3Location } from '../core/s3-url';

/**
 * An `s3://bucket/prefix` location as a listing prefix (a folder: ending in `/` unless empty), or
 * `undefined` for anything else (a local folder).
 */
export function reportsLocation(from: string): S3Location | undefined {
  const at = parseS3Url(from);
  return at && { bucket: at.bucket, prefix: at.prefix ? `${at.prefix}/` : '' };
}

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await jsonFiles(path)));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
  }
  return out.sort();
}

/** Every report input in a local folder and its sub-folders. */
export async function readReportFolder(dir: string): Promise<ReportInputs> {
  const inputs = emptyInputs();
  for (const path of await jsonFiles(dir)) classifyDocument(inputs, relative(dir, path), await readFile(path, 'utf8'));
  return inputs;
}

/** Every report input under an S3 prefix. Objects over `maxBytes` (a checkpoint's spool) are skipped. */
export async function readReportPrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  maxBytes = 50 * 1024 * 1024,
): Promise<ReportInputs> {
  const inputs = emptyInputs();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key?.endsWith('.json')) continue;
      if ((o.Size ?? 0) > maxBytes) {
        inputs.skipped.push(o.Key);
        continue;
      }
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      classifyDocument(inputs, o.Key, (await r.Body?.transformToString('utf8')) ?? '');
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return inputs;
}
