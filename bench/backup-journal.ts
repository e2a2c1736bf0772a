/**
 * Backup journal bench (issue 13): `npm run -s bench:backup-journal [-- --changes 1000] [--json]`.
 *
 * The real sync worker (`createWorkerHandler`) with its backup journal on the production S3 store
 * (`S3BackupStore`, the SDK's S3 client) against the local S3 emulator, Cognito the in-process
 * model (no quota, no latency: only the S3 side is measured). `--changes` messages, as change
 * capture delivers them: 94% attribute edits of existing users (a user's state recorded), 5%
 * AdminDeleteUser (a tombstone), 1% DeleteUser (a tombstone and an erasure ledger entry), handed
 * to the worker in SQS batches of a given size: 10 (the event source's batch size: a busy pool)
 * down to 1 (a quiet pool: each change alone in its batch, the worst case).
 *
 * Measured per 1,000 changes: S3 requests (what the emulator served), against the limit of one
 * PutObject per batch plus one per erasure (the design), and against the baseline of one object
 * per change; bytes stored per change (compressed journal objects and ledger entries).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { JournalWriter } from '../src/backup/journal-writer';
import { S3BackupStore } from '../src/backup/store';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../src/cognito/quotas';
import { cognitoGateway } from '../src/config/wiring';
import { loadWorkerConfig } from '../src/config/worker';
import { createWorkerHandler } from '../src/handlers/worker';
import { logger, metrics } from '../src/observability';
import { CognitoModel } from '../scripts/local/cognito-model';
import { startS3Emulator } from '../scripts/local/s3';
import { ScaledClock } from './reconcile';

logger.setLogLevel('SILENT');
Object.assign(metrics, { disabled: true });

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CHANGES = arg('changes', 1000);
const JSON_OUT = process.argv.includes('--json');
const BATCH_SIZES = [10, 5, 1];
const SOURCE_POOL = 'us-east-1_JournalSrc';
const STANDBY_POOL = 'us-west-2_JournalStb';
const BUCKET = 'bench-backups';

/** Cognito is not what is measured: the gateways' limiters let everything through. */
const UNBOUNDED = Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((c) => [c, 1_000_000])) as Record<
  QuotaCategory,
  number
>;

/** The SQS client the worker needs only for the DLQ and retry delays: nothing fails here. */
const NO_SQS = { send: async () => ({}) } as unknown as SQSClient;

interface Run {
  batchSize: number;
  changes: number;
  batches: number;
  erasures: number;
  requests: number;
  /** One PutObject per batch and one per erasure. */
  limit: number;
  bytes: number;
  objects: number;
  failures: number;
}

async function run(batchSize: number): Promise<Run> {
  const clock = new ScaledClock(1);
  const east = new CognitoModel({ clock, quotas: false, record: false, region: 'us-east-1' });
  const west = new CognitoModel({ clock, quotas: false, record: false, region: 'us-west-2' });
  const source = east.addPool({ id: SOURCE_POOL });
  west.addPool({ id: STANDBY_POOL, customAttributes: ['source_sub', 'source_mfa'] });
  const staff = source.group('staff', { Description: 'Staff', Precedence: 1 });
  const users = Array.from({ length: CHANGES }, (_, i) => {
    const u = source.put({
      Username: `user${i}`,
      Attributes: {
        email: `user${i}@example.com`,
        email_verified: 'true',
        phone_number: `+1555${String(i).padStart(7, '0')}`,
        phone_number_verified: 'false',
        name: `User Number ${i}`,
        given_name: 'User',
        family_name: `Number ${i}`,
        locale: 'en-GB',
      },
      UserStatus: 'CONFIRMED',
    });
    if (i % 3 === 0) staff.members.add(u.Username);
    return u;
  });

  const s3 = await startS3Emulator();
  s3.createBucket(BUCKET);
  try {
    const config = loadWorkerConfig({
      SOURCE_POOL_ID: SOURCE_POOL,
      SOURCE_REGION: 'us-east-1',
      STANDBY_POOL_ID: STANDBY_POOL,
      STANDBY_REGION: 'us-west-2',
      SYNC_QUEUE_URL: 'http://127.0.0.1:9/sync',
      DLQ_URL: 'http://127.0.0.1:9/dlq',
    });
    const journal = new JournalWriter({
      store: new S3BackupStore(s3.client({ maxAttempts: 3 }), BUCKET),
      poolId: SOURCE_POOL,
      prefix: 'cognito-backup',
    });
    const worker = createWorkerHandler({
      config,
      sqs: NO_SQS,
      journal,
      replication: {
        source: cognitoGateway(
          { region: 'us-east-1', poolId: SOURCE_POOL },
          { client: east.client, clock, quotas: UNBOUNDED },
        ),
        standby: cognitoGateway(
          { region: 'us-west-2', poolId: STANDBY_POOL },
          { client: west.client, clock, quotas: UNBOUNDED },
        ),
        sourceSubAttribute: config.sourceSubAttribute,
        mfaMarkerAttribute: config.mfaMarkerAttribute,
      },
    });

    // The changes, as change capture's rule target delivers them (the EventBridge event itself).
    let erasures = 0;
    const bodies = users.map((u, i) => {
      const sub = u.Attributes.sub;
      const kind = i % 100 === 0 ? 'DeleteUser' : i % 100 <= 5 ? 'AdminDeleteUser' : 'AdminUpdateUserAttributes';
      if (kind !== 'AdminUpdateUserAttributes') source.remove(u);
      if (kind === 'DeleteUser') erasures++;
      const admin = kind !== 'DeleteUser';
      return JSON.stringify({
        version: '0',
        source: 'aws.cognito-idp',
        'detail-type': 'AWS API Call via CloudTrail',
        time: '2026-11-30T09:41:00Z',
        region: 'us-east-1',
        detail: {
          eventSource: 'cognito-idp.amazonaws.com',
          eventName: kind,
          eventTime: '2026-11-30T09:41:00Z',
          awsRegion: 'us-east-1',
          requestParameters: admin
            ? { userPoolId: SOURCE_POOL, username: 'HIDDEN_DUE_TO_SECURITY_REASONS' }
            : { accessToken: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
          additionalEventData: { sub },
          userIdentity: { type: 'IAMUser', userName: 'ops' },
        },
      });
    });

    const requestsBefore = s3.requests;
    let batches = 0;
    let failures = 0;
    for (let i = 0; i < bodies.length; i += batchSize) {
      const Records = bodies.slice(i, i + batchSize).map(
        (body, k) =>
          ({
            messageId: `m${i + k}`,
            receiptHandle: `r${i + k}`,
            body,
            attributes: { ApproximateReceiveCount: '1' },
          }) as unknown as SQSRecord,
      );
      const out = await worker({ Records } as SQSEvent);
      failures += out.batchItemFailures.length;
      batches++;
    }
    const stored = [...s3.objects(BUCKET).values()];
    return {
      batchSize,
      changes: bodies.length,
      batches,
      erasures,
      requests: s3.requests - requestsBefore,
      limit: batches + erasures,
      bytes: stored.reduce((n, o) => n + o.body.length, 0),
      objects: stored.length,
      failures,
    };
  } finally {
    await s3.stop();
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (const size of BATCH_SIZES) {
    runs.push(await run(size));
    if (!JSON_OUT) process.stderr.write(`batch size ${size} done\n`);
  }
  if (JSON_OUT) {
    console.log(JSON.stringify({ bench: 'backup-journal', changes: CHANGES, runs, node: process.version }));
    return;
  }
  const per1000 = (n: number, r: Run) => Math.round((n * 1000 * 10) / r.changes) / 10;
  console.log(
    '| batch size | changes | S3 requests / 1,000 changes | limit (1 per batch + 1 per erasure) / 1,000 | requests / limit | vs one object per change | bytes / change | failures |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    console.log(
      `| ${r.batchSize} | ${r.changes} | ${per1000(r.requests, r)} | ${per1000(r.limit, r)} | ${(r.requests / r.limit).toFixed(3)} | ${(r.requests / r.changes).toFixed(3)} | ${Math.round(r.bytes / r.changes)} | ${r.failures} |`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
