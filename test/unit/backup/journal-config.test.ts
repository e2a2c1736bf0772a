/** The worker's backup journal settings: off unless BACKUP_BUCKET is set; the writer built from them. */
import { backupJournalOf } from '../../../src/config/wiring';
import { loadWorkerConfig } from '../../../src/config/worker';
import { ConfigError } from '../../../src/core/errors';

const workerEnv = {
  SOURCE_POOL_ID: 'us-east-1_AbCdEf123',
  AWS_REGION: 'us-east-1',
  STANDBY_POOL_ID: 'us-west-2_XyZ987',
  STANDBY_REGION: 'us-west-2',
  SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync-dlq',
};

test('no BACKUP_BUCKET (unset or empty): no journal', () => {
  for (const env of [workerEnv, { ...workerEnv, BACKUP_BUCKET: '', BACKUP_PREFIX: 'ignored' }]) {
    const config = loadWorkerConfig(env);
    expect(config.backup).toBeUndefined();
    expect(backupJournalOf(config)).toBeUndefined();
  }
});

test('BACKUP_BUCKET alone: the default prefix (the snapshot’s), the source pool’s Region', () => {
  expect(loadWorkerConfig({ ...workerEnv, BACKUP_BUCKET: 'acme-cognito-backups' }).backup).toEqual({
    bucket: 'acme-cognito-backups',
    prefix: 'cognito-backup',
    region: 'us-east-1',
    s3Endpoint: undefined,
  });
});

test('prefix, Region and endpoint; the writer writes under <prefix>/<pool>/', () => {
  const config = loadWorkerConfig({
    ...workerEnv,
    BACKUP_BUCKET: 'acme-cognito-backups',
    BACKUP_PREFIX: 'prod/cognito',
    BACKUP_REGION: 'eu-west-1',
    S3_ENDPOINT: 'http://127.0.0.1:4566',
  });
  expect(config.backup).toEqual({
    bucket: 'acme-cognito-backups',
    prefix: 'prod/cognito',
    region: 'eu-west-1',
    s3Endpoint: 'http://127.0.0.1:4566',
  });
  const journal = backupJournalOf(config);
  expect(journal?.root).toBe('prod/cognito/us-east-1_AbCdEf123/');
});

test('bad values are named', () => {
  const bad = () =>
    loadWorkerConfig({ ...workerEnv, BACKUP_BUCKET: 'Not_A_Bucket', BACKUP_PREFIX: 'a/../b', BACKUP_REGION: 'moon' });
  expect(bad).toThrow(ConfigError);
  expect(bad).toThrow(/BACKUP_BUCKET: expected an S3 bucket name/);
  expect(bad).toThrow(/BACKUP_PREFIX: expected an S3 key prefix/);
  expect(bad).toThrow(/BACKUP_REGION: expected an AWS Region/);
});
