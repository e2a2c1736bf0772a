/**
 * The backup journal end to end on the emulators: the primary's deployment (worker, change
 * capture, replica index) runs with BACKUP_BUCKET set, against the local S3 with the production
 * S3 client and store. Admin changes reach the journal as the users' full states, one object per
 * worker batch with contiguous numbers; a deletion as a tombstone at CloudTrail's time; a user's
 * own deletion also in the erasure ledger; an S3 outage delays the records, never loses them.
 *
 * The Cognito model has no self-service DeleteUser: its event is put on the sync queue as
 * EventBridge would deliver it, after the user is removed without an event of its own.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJournal } from '../../src/backup/journal-format';
import type { ErasureRecord, JournalRecord } from '../../src/backup/types';
import { targetBody } from '../../src/change-capture/rule';
import { logger } from '../../src/observability';
import { type CaptureDeployment, startCaptureDeployment } from '../../scripts/local/deployment';
import { type DynamoEmulator, startDynamoEmulator } from '../../scripts/local/dynamodb';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import { queueDepth } from '../../scripts/local/sqs';
import { selfServiceEvent } from '../unit/change-capture/fixtures';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);
logger.setLogLevel('SILENT');

const BUCKET = 'cognito-backups';
const PREFIX = 'it/backup';

const emu = useEmulators();
let dynamo: DynamoEmulator;
let s3: S3Emulator;
let east: CaptureDeployment;
let root = '';

beforeAll(async () => {
  const e = emu();
  dynamo = await startDynamoEmulator();
  s3 = await startS3Emulator();
  s3.createBucket(BUCKET);
  root = `${PREFIX}/${e.pools.primary.poolId}/`;
  east = await startCaptureDeployment({
    sqs: e.sqs,
    dynamo,
    visibilityTimeout: 2,
    local: { emulator: e.primary, poolId: e.pools.primary.poolId },
    peer: { emulator: e.standby, poolId: e.pools.standby.poolId },
    env: { BACKUP_BUCKET: BUCKET, BACKUP_PREFIX: PREFIX, S3_ENDPOINT: s3.endpoint },
  });
}, 60_000);

afterAll(async () => {
  await east?.stop();
  await dynamo?.stop();
  await s3?.stop();
});

const journalKeys = () => [...s3.objects(BUCKET).keys()].filter((k) => k.startsWith(`${root}journal/`)).sort();
const records = (): JournalRecord[] => journalKeys().flatMap((k) => decodeJournal(s3.objects(BUCKET).get(k)!.body));
const statesOf = (sub: string) => records().filter((r) => r.kind === 'user' && r.user.sub === sub);
const tombstonesOf = (sub: string) => records().filter((r) => r.kind === 'tombstone' && r.sub === sub);
const attrs = (list: { Name?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.Name, a.Value]));

async function createUser(address: string): Promise<{ username: string; sub: string }> {
  const { primaryClient, pools } = emu();
  const created = await primaryClient.send(
    new AdminCreateUserCommand({
      UserPoolId: pools.primary.poolId,
      Username: address,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: address },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  return { username: created.User!.Username!, sub: attrs(created.User!.Attributes).sub! };
}

test('admin changes: the journal holds each user’s latest full state; objects numbered 1, 2, 3 ... per writer', async () => {
  const { primaryClient, pools } = emu();
  const P = pools.primary.poolId;
  const u = await createUser('journal.one@example.com');
  await east.settle();
  await primaryClient.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'support' }));
  await primaryClient.send(
    new AdminAddUserToGroupCommand({ UserPoolId: P, Username: u.username, GroupName: 'support' }),
  );
  await primaryClient.send(new AdminDisableUserCommand({ UserPoolId: P, Username: u.username }));
  await east.settle();

  const states = statesOf(u.sub);
  expect(states.length).toBeGreaterThanOrEqual(2);
  const last = states.at(-1);
  expect(last?.kind === 'user' && last.user).toMatchObject({
    sub: u.sub,
    attributes: { email: 'journal.one@example.com', email_verified: 'true', sub: u.sub },
    enabled: false,
    groups: ['support'],
    mfa: { enabled: [] },
  });
  expect(last?.kind === 'user' && Date.parse(last.user.lastModifiedAt ?? '')).not.toBeNaN();

  // Keys: <root>journal/yyyy/mm/dd/hh/<time>-<writer>-<seq>.jsonl.gz, numbers contiguous from 1.
  const keys = journalKeys();
  const parsed = keys.map((k) =>
    /journal\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z-([0-9a-f]{12})-(\d{8})\.jsonl\.gz$/.exec(k),
  );
  expect(parsed.every(Boolean)).toBe(true);
  expect(new Set(parsed.map((m) => m![1])).size).toBe(1);
  expect(parsed.map((m) => Number(m![2])).sort((a, b) => a - b)).toEqual(keys.map((_, i) => i + 1));
});

test('AdminDeleteUser: a tombstone at the event’s time with the event as cause; no erasure', async () => {
  const { primaryClient, pools } = emu();
  const u = await createUser('journal.two@example.com');
  await east.settle();
  const before = Date.now();
  await primaryClient.send(new AdminDeleteUserCommand({ UserPoolId: pools.primary.poolId, Username: u.username }));
  await east.settle();
  const [t] = tombstonesOf(u.sub);
  expect(t).toMatchObject({ kind: 'tombstone', sub: u.sub, cause: 'AdminDeleteUser' });
  // CloudTrail's eventTime: whole seconds.
  expect(t.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(Date.parse(t.at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  expect(s3.objects(BUCKET).has(`${root}erasures/${u.sub}.json`)).toBe(false);
});

test('DeleteUser (the user’s own deletion): a tombstone and an erasure ledger entry', async () => {
  const { primaryClient, pools } = emu();
  const u = await createUser('journal.three@example.com');
  await east.settle();
  // The user deletes itself: gone from the pool, and EventBridge delivers the self-service event.
  await east.stopCapture();
  await primaryClient.send(new AdminDeleteUserCommand({ UserPoolId: pools.primary.poolId, Username: u.username }));
  east.startCapture();
  await east.send(targetBody(selfServiceEvent('DeleteUser', { sub: u.sub })));
  await east.settle();
  expect(tombstonesOf(u.sub)).toEqual([
    expect.objectContaining({ kind: 'tombstone', sub: u.sub, cause: 'DeleteUser' }),
  ]);
  const entry = s3.objects(BUCKET).get(`${root}erasures/${u.sub}.json`);
  expect(JSON.parse(entry!.body.toString()) as ErasureRecord).toMatchObject({ sub: u.sub, cause: 'DeleteUser' });
});

test('S3 refusing writes for a while: the batch is retried by SQS and its records land; nothing in the DLQ', async () => {
  const { primaryClient, pools, sqsClient } = emu();
  const u = await createUser('journal.four@example.com');
  await east.settle();
  const objectsBefore = journalKeys().length;
  const requestsBefore = s3.requests;
  // Every attempt of the SDK's (3) for the next write fails: the batch's message is reported failed.
  s3.failNext(3, 'SlowDown');
  await primaryClient.send(new AdminDisableUserCommand({ UserPoolId: pools.primary.poolId, Username: u.username }));
  await east.settle();
  const last = statesOf(u.sub).at(-1);
  expect(last?.kind === 'user' && last.user.enabled).toBe(false);
  expect(journalKeys().length).toBeGreaterThan(objectsBefore);
  // The three refused attempts, then the retry's write.
  expect(s3.requests - requestsBefore).toBeGreaterThanOrEqual(4);
  expect((await queueDepth(sqsClient, east.queue.dlqUrl)).visible).toBe(0);
});
