/**
 * The run over listings sorted on disk and merge-joined: the result does not depend on how the
 * sort cuts its runs, and a run stopped while sorting resumes to the same result.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { S3CheckpointStore } from '../../../src/reconcile/s3-store';
import { fakeBucket, Pair } from './fixture';

/** An e-mail pool pair with every kind of user the join must pair (or not). */
function seed(pair: Pair): void {
  pair.source.group('g1');
  pair.source.group('g2');
  pair.target.group('g1');
  for (let i = 0; i < 12; i++) pair.user(`insync${i}`, { replica: true, groups: i % 2 ? ['g1'] : [] });
  for (let i = 0; i < 5; i++) pair.user(`missing${i}`, { groups: ['g1', 'g2'] });
  for (let i = 0; i < 4; i++) pair.user(`drifted${i}`, { replica: true }).replica!.Attributes.name = 'stale';
  // Group drift: the replica is in no group.
  const { source } = pair.user('regrouped', { replica: true });
  pair.source.group('g2').members.add(source.Username);
  // Two target users under one e-mail, neither carrying the source sub: ambiguous, neither an orphan.
  pair.user('ambiguous');
  for (let i = 0; i < 2; i++)
    pair.target.put({ Attributes: { email: 'ambiguous@example.com', email_verified: 'true' } });
  // Two target users under one e-mail, one carrying the source sub: that one is the replica, the other left over.
  const { source: twin } = pair.user('twin');
  pair.target.put({ Attributes: { email: 'twin@example.com', 'custom:source_sub': twin.Attributes.sub } });
  pair.target.put({ Attributes: { email: 'twin@example.com', 'custom:source_sub': 'gone-sub' } });
  // Orphans (made from source users now gone) and standby-only users (made in the target).
  for (let i = 0; i < 3; i++)
    pair.target.put({ Attributes: { email: `orphan${i}@example.com`, 'custom:source_sub': `gone-${i}` } });
  for (let i = 0; i < 2; i++) pair.target.put({ Attributes: { email: `local${i}@example.com` } });
}

describe('reconcile over listings sorted on disk', () => {
  test('runs of two lines give the same report as one run: pairs, groups, ambiguous keys, orphans', async () => {
    const pair = new Pair({ usernameAttributes: ['email'] });
    seed(pair);
    const whole = await pair.run({ shards: ['all'] });
    const small = await pair.run({ sortRunLines: 2 });
    expect(whole.status).toBe('complete');
    expect(small.status).toBe('complete');
    expect(small.report.counts).toEqual(whole.report.counts);
    expect(small.report.readiness.buckets).toEqual(whole.report.readiness.buckets);
    expect(whole.report.counts).toMatchObject({
      sourceUsers: 24,
      standbyUsers: 26,
      inSync: 12,
      create: 5,
      orphans: 4,
      standbyOnly: 2,
    });
    expect(whole.report.readiness.buckets.ambiguous).toBe(1);
  });

  test('stopped while sorting the listings, the run resumes (no listing again) and ends as an uninterrupted one', async () => {
    const reference = new Pair({ usernameAttributes: ['email'] });
    seed(reference);
    const expected = await reference.run({ sortRunLines: 3 });

    const pair = new Pair({ usernameAttributes: ['email'] });
    seed(pair);
    const stop = new AbortController();
    const progress = {
      phase() {},
      update() {},
      log(line: string) {
        if (line.startsWith('sorting')) stop.abort();
      },
      end() {},
    };
    const first = await pair.run({ sortRunLines: 3, signal: stop.signal, progress });
    expect(first.status).toBe('stopped');
    const listed = pair.east.counts.ListUsers + pair.west.counts.ListUsers;
    const second = await pair.run({ sortRunLines: 3 });
    expect(second.status).toBe('complete');
    expect(second.report.resumed).toBe(true);
    expect(pair.east.counts.ListUsers + pair.west.counts.ListUsers).toBe(listed);
    expect(second.report.counts).toEqual(expected.report.counts);
  });

  test('the S3 store deletes the objects of spool files removed locally (sort runs once merged)', async () => {
    const { objects, s3 } = fakeBucket();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'reconcile-s3-'));
      const store = new S3CheckpointStore(new S3Client({ region: 'us-east-1' }), 'bucket', 'p/', dir);
      writeFileSync(join(dir, 'target-by-username.run-0.0.gz'), 'run');
      writeFileSync(join(dir, 'target-users-0.gz'), 'listing');
      await store.persistSpool();
      expect([...objects.keys()].sort()).toEqual([
        'p/spool/target-by-username.run-0.0.gz',
        'p/spool/target-users-0.gz',
      ]);
      rmSync(join(dir, 'target-by-username.run-0.0.gz'));
      await store.persistSpool();
      expect([...objects.keys()]).toEqual(['p/spool/target-users-0.gz']);
    } finally {
      s3.restore();
    }
  });
});
