/**
 * A local S3 on a loopback port: the few object operations the suite's stores use (reconcile
 * checkpoints and spool, failover job parts), path-style, in memory. Written here rather than
 * taken from npm: the JavaScript S3 emulators there are unmaintained (s3rver's last release is
 * from 2021) and the suite needs only buckets, PutObject (with `If-None-Match: *`), GetObject,
 * HeadObject, DeleteObject, DeleteObjects and ListObjectsV2. Behaviour follows the S3 API
 * reference: 404 NoSuchKey / NoSuchBucket, 412 PreconditionFailed on a conditional write of a key
 * that exists, ListObjectsV2 in UTF-8 binary key order, at most 1,000 keys a page.
 *
 * Faults for tests: `failNext(n, code)` answers the next `n` object requests with an S3 error
 * (`SlowDown` 503 by default, as S3 answers a request rate it cannot take yet).
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from './clients';
import { closeHard, createTrackedServer, listen, readBody } from './internal/http';

/** An object as the emulator holds it. */
export interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType?: string;
}

/** A running local S3. */
export interface S3Emulator {
  readonly endpoint: string;
  /** A client for it (path-style, one attempt per call unless `config` says otherwise). */
  client(config?: Partial<S3ClientConfig>): S3Client;
  createBucket(name: string): void;
  /** The objects of a bucket, by key (for tests to look at). */
  objects(bucket: string): ReadonlyMap<string, StoredObject>;
  /** Answers the next `count` object requests with an error (default `SlowDown`, 503). */
  failNext(count: number, code?: 'SlowDown' | 'InternalError'): void;
  /** Object requests served (faults included). */
  readonly requests: number;
  stop(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = {
  NoSuchKey: 404,
  NoSuchBucket: 404,
  PreconditionFailed: 412,
  SlowDown: 503,
  InternalError: 500,
  NotImplemented: 501,
  MalformedXML: 400,
};

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendError(res: http.ServerResponse, code: string, message: string, head = false): void {
  const body = head
    ? ''
    : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  res.writeHead(ERROR_STATUS[code] ?? 400, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendXml(res: http.ServerResponse, xml: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>${xml}`;
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The payload of an `aws-chunked` body (the SDK streams some uploads that way): chunks of
 * `hex-size[;chunk-signature=…]\r\n data \r\n`, ended by a zero-size chunk and optional trailers.
 */
function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Starts the local S3 on a free loopback port. */
export async function startS3Emulator(opts: { region?: string } = {}): Promise<S3Emulator> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  let failures: { left: number; code: string } = { left: 0, code: 'SlowDown' };
  let requests = 0;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    let body = await readBody(req);
    if (!bucketName) return sendError(res, 'NotImplemented', 'ListBuckets is not emulated', head);
    if (method === 'PUT' && !key) {
      buckets.set(bucketName, buckets.get(bucketName) ?? new Map());
      res.writeHead(200, { location: `/${bucketName}`, 'content-length': 0 });
      res.end();
      return;
    }
    const bucket = buckets.get(bucketName);
    if (!bucket) return sendError(res, 'NoSuchBucket', `The specified bucket does not exist: ${bucketName}`, head);
    requests++;
    if (failures.left > 0) {
      failures.left--;
      return sendError(res, failures.code, 'injected fault', head);
    }

    if (!key && method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
      const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
      const keys = [...bucket.keys()]
        .filter((k) => k.startsWith(prefix) && k > after)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const page = keys.slice(0, max);
      const truncated = keys.length > max;
      const contents = page
        .map((k) => {
          const o = bucket.get(k)!;
          return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        })
        .join('');
      const next = truncated
        ? `<NextContinuationToken>${xmlEscape(page[page.length - 1])}</NextContinuationToken>`
        : '';
      return sendXml(
        res,
        `<ListBucketResult><Name>${xmlEscape(bucketName)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
      );
    }
    if (!key && method === 'POST' && url.searchParams.has('delete')) {
      const deleted = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
        m[1].replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&'),
      );
      for (const k of deleted) bucket.delete(k);
      return sendXml(
        res,
        `<DeleteResult>${deleted.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
      );
    }
    if (!key) return sendError(res, 'NotImplemented', `${method} on a bucket is not emulated`, head);

    switch (method) {
      case 'PUT': {
        if (req.headers['x-amz-copy-source']) return sendError(res, 'NotImplemented', 'CopyObject is not emulated');
        if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) body = decodeAwsChunked(body);
        if (req.headers['if-none-match'] === '*' && bucket.has(key))
          return sendError(res, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        bucket.set(key, {
          body,
          etag,
          lastModified: new Date(),
          contentType: req.headers['content-type'],
        });
        res.writeHead(200, { etag, 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const o = bucket.get(key);
        if (!o) return sendError(res, 'NoSuchKey', 'The specified key does not exist.', head);
        res.writeHead(200, {
          etag: o.etag,
          'content-length': o.body.length,
          'content-type': o.contentType ?? 'application/octet-stream',
          'last-modified': o.lastModified.toUTCString(),
        });
        res.end(head ? undefined : o.body);
        return;
      }
      case 'DELETE':
        bucket.delete(key);
        res.writeHead(204);
        res.end();
        return;
      default:
        return sendError(res, 'NotImplemented', `${method} is not emulated`);
    }
  };

  const tracked = createTrackedServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 'InternalError', (err as Error).message);
      else res.destroy();
    });
  });
  const port = await listen(tracked.server, 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const region = opts.region ?? 'us-east-1';
  return {
    endpoint,
    client: (config = {}) =>
      new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
        ...config,
      }),
    createBucket(name) {
      buckets.set(name, buckets.get(name) ?? new Map());
    },
    objects(name) {
      return buckets.get(name) ?? new Map();
    },
    failNext(count, code = 'SlowDown') {
      failures = { left: count, code };
    },
    get requests() {
      return requests;
    },
    stop: () => closeHard(tracked),
  };
}
