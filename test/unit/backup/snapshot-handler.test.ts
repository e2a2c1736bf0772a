/** The scheduled snapshot and verify functions, and their configuration. */
import { CognitoModel } from '../../../scripts/local/cognito-model';
import { MemoryBackupStore } from '../../../src/backup/store';
import { loadBackupConfig } from '../../../src/config/backup';
import { cognitoGateway } from '../../../src/config/wiring';
import { BackupVerifyError, createSnapshotHandler, createVerifyHandler } from '../../../src/handlers/backup';
import { uniquePoolId, VirtualClock } from '../helpers';

function deps() {
  const clock = new VirtualClock(Date.now());
  const model = new CognitoModel({ clock });
  const poolId = uniquePoolId('us-east-1');
  const seeded = model.addPool({ id: poolId });
  for (let i = 0; i < 12; i++)
    seeded.put({ Username: `u${i}`, Attributes: { email: `u${i}@example.com` }, Created: new Date(0) });
  const config = loadBackupConfig({ SOURCE_POOL_ID: poolId, AWS_REGION: 'us-east-1', BACKUP_BUCKET: 'backup-bucket' });
  const pool = cognitoGateway({ region: 'us-east-1', poolId }, { client: model.client, clock, headroom: 0 });
  return { clock, seeded, d: { config, pool, store: new MemoryBackupStore() } };
}

describe('backup configuration', () => {
  it('reads the bucket, the prefix (default cognito-backup) and the Regions', () => {
    expect(
      loadBackupConfig({ SOURCE_POOL_ID: 'us-east-1_Abc', AWS_REGION: 'us-east-1', BACKUP_BUCKET: 'backup-bucket' }),
    ).toMatchObject({
      bucket: 'backup-bucket',
      prefix: 'cognito-backup',
      sourceRegion: 'us-east-1',
      bucketRegion: 'us-east-1',
    });
    expect(
      loadBackupConfig({
        SOURCE_POOL_ID: 'us-east-1_Abc',
        AWS_REGION: 'us-east-1',
        BACKUP_BUCKET: 'backup-bucket',
        BACKUP_PREFIX: 'team/cognito',
        BACKUP_REGION: 'eu-west-1',
      }),
    ).toMatchObject({ prefix: 'team/cognito', bucketRegion: 'eu-west-1' });
  });

  it('names every bad or missing variable', () => {
    expect(() =>
      loadBackupConfig({ SOURCE_POOL_ID: 'us-east-1_Abc', AWS_REGION: 'us-east-1', BACKUP_PREFIX: '/abs' }),
    ).toThrow(/backup configuration is invalid: .*BACKUP_BUCKET: is not set.*BACKUP_PREFIX: expected an S3 key prefix/);
  });
});

describe('the scheduled functions', () => {
  it('snapshot then verify: the verify passes and reports the snapshot', async () => {
    const { clock, seeded, d } = deps();
    const out = await clock.run(createSnapshotHandler(d)({}, { getRemainingTimeInMillis: () => 600_000 }));
    // The configuration, and one chunk per `sub` shard that has users (each shard writes its own).
    const shards = new Set([...seeded.users.values()].map((u) => u.Attributes.sub[0]));
    expect(out).toMatchObject({ counts: { users: 12, groups: 0 }, chunks: 1 + shards.size });
    expect(out.manifest).toMatch(/^memory:\/\/cognito-backup\/us-east-1_\w+\/snapshots\/.*\/manifest\.json$/);
    const report = await clock.run(createVerifyHandler(d)());
    expect(report.problems).toEqual([]);
    expect(report.snapshot?.id).toBe(out.snapshotId);
  });

  it('verify fails (its alarm goes off) when there is no snapshot, or a user is missing from it', async () => {
    const { clock, seeded, d } = deps();
    await expect(clock.run(createVerifyHandler(d)())).rejects.toBeInstanceOf(BackupVerifyError);
    await clock.run(createSnapshotHandler(d)({}));
    seeded.put({ Username: 'forgotten', Attributes: { email: 'f@example.com' }, Created: new Date(0) });
    await expect(clock.run(createVerifyHandler(d)())).rejects.toThrow(/1 live user\(s\) created before the snapshot/);
  });
});
