/** A place in S3: a bucket and a key prefix (no leading or trailing `/`; empty for the whole bucket). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/**
 * `s3://bucket/prefix` as its parts, or `undefined` when `url` is not such an address (bucket names
 * as S3 allows them: 3 to 63 lower-case letters, digits, dots and hyphens).
 * @example
 * parseS3Url('s3://backups/cognito/') // { bucket: 'backups', prefix: 'cognito' }
 */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  return m ? { bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') } : undefined;
}
