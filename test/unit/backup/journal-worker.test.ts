/**
 * The worker's backup stream (mocked Cognito and SQS, the in-memory backup store): every handled
 * change of one batch lands in ONE journal object; deletions as tombstones at CloudTrail's time;
 * self-deletions in the erasure ledger; a journal that cannot be written fails the messages it
 * records, and only those.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type AdminGetUserCommandOutput,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  ListUsersCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeJournal } from '../../../src/backup/journal-format';
import { JournalWriter } from '../../../src/backup/journal-writer';
import { MemoryBackupStore } from '../../../src/backup/store';
import type { JournalRecord } from '../../../src/backup/types';
import { targetBody } from '../../../src/change-capture/rule';
import { cognitoGateway } from '../../../src/config/wiring';
import { buildSyncMessage } from '../../../src/core/message';
import { createWorkerHandler } from '../../../src/handlers/worker';
import {
  captureOutput,
  describeUserPoolAnswer,
  InstantClock,
  MANAGED_SCHEMA,
  STANDARD_SCHEMA,
  workerTestConfig,
} from '../helpers';
import { adminEvent, selfServiceEvent } from '../change-capture/fixtures';

const EMAIL = (n: string) => `${n}.journal@example.com`;
const MODIFIED = new Date('2026-11-30T09:40:59Z');
/** The worker's clock: a year off, to show that no ordering time comes from it. */
const SKEWED_NOW = Date.parse('2027-12-31T23:59:59.000Z');

class FailingStore extends MemoryBackupStore {
  failing = false;
  override async putNew(key: string, body: Uint8Array): Promise<'written' | 'exists'> {
    if (this.failing) throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
    return super.putNew(key, body);
  }
}

function world() {
  const clock = new InstantClock();
  const { config, sourcePoolId, standbyPoolId } = workerTestConfig({ MAX_ATTEMPTS: '5' });
  const clients = {
    source: new CognitoIdentityProviderClient({ region: 'us-east-1' }),
    standby: new CognitoIdentityProviderClient({ region: 'us-west-2' }),
    sqs: new SQSClient({ region: 'us-east-1' }),
  };
  const source = mockClient(clients.source);
  const standby = mockClient(clients.standby);
  const sqs = mockClient(clients.sqs);
  source.on(DescribeUserPoolCommand).resolves({ UserPool: describeUserPoolAnswer({ poolId: sourcePoolId }) });
  source.on(ListGroupsCommand).resolves({ Groups: [] });
  source.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
  source.on(ListUsersCommand).resolves({ Users: [] });
  standby.on(DescribeUserPoolCommand).resolves({
    UserPool: describeUserPoolAnswer({ poolId: standbyPoolId, schema: [...STANDARD_SCHEMA, ...MANAGED_SCHEMA] }),
  });
  standby.on(ListGroupsCommand).resolves({ Groups: [] });
  standby.on(ListUsersCommand).resolves({ Users: [] });
  standby.on(AdminCreateUserCommand).resolves({});
  standby.on(AdminSetUserPasswordCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  const store = new FailingStore();
  const journal = new JournalWriter({
    store,
    poolId: sourcePoolId,
    prefix: 'b',
    writerId: 'w1',
    now: () => SKEWED_NOW,
  });
  const deps = {
    config,
    sqs: clients.sqs,
    now: () => SKEWED_NOW,
    replication: {
      source: cognitoGateway(
        { region: 'us-east-1', poolId: sourcePoolId },
        { client: clients.source, clock, retry: { maxAttempts: 1 } },
      ),
      standby: cognitoGateway(
        { region: 'us-west-2', poolId: standbyPoolId },
        { client: clients.standby, clock, retry: { maxAttempts: 1 } },
      ),
      sourceSubAttribute: config.sourceSubAttribute,
      mfaMarkerAttribute: config.mfaMarkerAttribute,
    },
    journal,
  };
  const handler = createWorkerHandler(deps);
  /** A source user the worker can read. */
  const user = (username: string, sub: string, groups: string[] = [], modified = MODIFIED) => {
    const answer: AdminGetUserCommandOutput = {
      Username: username,
      Enabled: true,
      UserStatus: 'CONFIRMED',
      UserAttributes: [
        { Name: 'sub', Value: sub },
        { Name: 'email', Value: EMAIL(username) },
        { Name: 'email_verified', Value: 'true' },
      ],
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
      UserCreateDate: new Date('2025-01-01T00:00:00Z'),
      UserLastModifiedDate: modified,
      $metadata: {},
    };
    // Change-capture events name the user by sub: AdminGetUser takes it as username.
    for (const name of [username, sub]) source.on(AdminGetUserCommand, { Username: name }).resolves(answer);
    source
      .on(AdminListGroupsForUserCommand, { Username: username })
      .resolves({ Groups: groups.map((GroupName) => ({ GroupName })) });
  };
  let n = 0;
  const rec = (body: unknown): SQSRecord => {
    n += 1;
    return {
      messageId: `m${n}`,
      receiptHandle: `r${n}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1' },
    } as never;
  };
  const signUp = (username: string, sub: string) =>
    rec(
      buildSyncMessage({
        sourceRegion: 'us-east-1',
        sourcePoolId,
        username,
        sub,
        reason: 'PostConfirmation_ConfirmSignUp',
      }),
    );
  const captured = (name: string, sub: string) => rec(targetBody(adminEvent(name, { pool: sourcePoolId, sub })));
  const selfService = (name: string, sub: string) => rec(targetBody(selfServiceEvent(name, { sub })));
  const journalObjects = () => [...store.objects.keys()].filter((k) => k.includes('/journal/')).sort();
  const journalRecords = (): JournalRecord[] => journalObjects().flatMap((k) => decodeJournal(store.objects.get(k)!));
  /** Another container's worker: its own journal writer and clock, the same pools and bucket. */
  const otherContainer = (now: number) =>
    createWorkerHandler({
      ...deps,
      now: () => now,
      journal: new JournalWriter({ store, poolId: sourcePoolId, prefix: 'b', writerId: 'w2', now: () => now }),
    });
  return {
    handler,
    otherContainer,
    store,
    journal,
    user,
    signUp,
    captured,
    selfService,
    journalObjects,
    journalRecords,
    sourcePoolId,
  };
}

const batch = (...Records: SQSRecord[]): SQSEvent => ({ Records });

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  expect(output.text()).not.toContain('.journal@example.com');
});

test('a batch of changes: one journal object with each user’s full state as re-read', async () => {
  const w = world();
  w.user('alice', 'sub-a', ['admins']);
  w.user('bob', 'sub-b');
  w.user('carol', 'sub-c');
  const r = await w.handler(
    batch(w.signUp('alice', 'sub-a'), w.signUp('bob', 'sub-b'), w.captured('AdminEnableUser', 'sub-c')),
  );
  expect(r.batchItemFailures).toEqual([]);
  expect(w.journalObjects()).toHaveLength(1);
  const records = w.journalRecords();
  expect(records.map((x) => x.kind === 'user' && x.user.sub).sort()).toEqual(['sub-a', 'sub-b', 'sub-c']);
  const alice = records.find((x) => x.kind === 'user' && x.user.sub === 'sub-a');
  expect(alice).toEqual({
    kind: 'user',
    at: new Date(SKEWED_NOW).toISOString(),
    user: {
      username: 'alice',
      sub: 'sub-a',
      attributes: { sub: 'sub-a', email: EMAIL('alice'), email_verified: 'true' },
      enabled: true,
      status: 'CONFIRMED',
      groups: ['admins'],
      mfa: { enabled: ['SOFTWARE_TOKEN_MFA'], preferred: 'SOFTWARE_TOKEN_MFA' },
      createdAt: '2025-01-01T00:00:00.000Z',
      // The service's clock, whatever the worker's says.
      lastModifiedAt: MODIFIED.toISOString(),
    },
  });
});

test('the next batch writes the next object, numbered one more', async () => {
  const w = world();
  w.user('alice', 'sub-a');
  await w.handler(batch(w.signUp('alice', 'sub-a')));
  await w.handler(batch(w.signUp('alice', 'sub-a')));
  expect(w.journalObjects().map((k) => k.slice(-17, -9))).toEqual(['00000001', '00000002']);
});

test('clock skew between writers: two states of one user carry Cognito’s times, whatever the writers’ clocks say', async () => {
  const w = world();
  const behind = w.otherContainer(SKEWED_NOW - 2 * 3_600_000); // this container's clock is two hours behind
  const first = new Date('2026-11-30T09:40:00Z');
  const second = new Date('2026-11-30T09:41:00Z');
  // The first change is handled by the container whose clock is ahead, the second by the one behind.
  w.user('alice', 'sub-a', [], first);
  await w.handler(batch(w.signUp('alice', 'sub-a')));
  w.user('alice', 'sub-a', [], second);
  await behind(batch(w.signUp('alice', 'sub-a')));
  const states = w.journalRecords().flatMap((r) => (r.kind === 'user' ? [r] : []));
  expect(states).toHaveLength(2);
  const [byAt, byService] = [
    [...states].sort((a, b) => a.at.localeCompare(b.at)),
    [...states].sort((a, b) => (a.user.lastModifiedAt ?? '').localeCompare(b.user.lastModifiedAt ?? '')),
  ];
  // The writers' clocks would put them in the wrong order; Cognito's puts the second change last.
  expect(byAt.map((r) => r.user.lastModifiedAt)).toEqual([second.toISOString(), first.toISOString()]);
  expect(byService.map((r) => r.user.lastModifiedAt)).toEqual([first.toISOString(), second.toISOString()]);
  // Each writer numbers its own objects from 1.
  expect(
    w
      .journalObjects()
      .map((k) => k.slice(-20, -9))
      .sort(),
  ).toEqual(['w1-00000001', 'w2-00000001']);
});

test('AdminDeleteUser: a tombstone at CloudTrail’s eventTime, with the event as cause; no erasure', async () => {
  const w = world();
  const r = await w.handler(batch(w.captured('AdminDeleteUser', 'sub-gone')));
  expect(r.batchItemFailures).toEqual([]);
  expect(w.journalRecords()).toEqual([
    { kind: 'tombstone', at: '2026-10-01T10:15:31Z', sub: 'sub-gone', cause: 'AdminDeleteUser' },
  ]);
  expect([...w.store.objects.keys()].some((k) => k.includes('/erasures/'))).toBe(false);
});

test('DeleteUser (the user’s own deletion): a tombstone and an erasure ledger entry', async () => {
  const w = world();
  const r = await w.handler(batch(w.selfService('DeleteUser', 'sub-erased')));
  expect(r.batchItemFailures).toEqual([]);
  expect(w.journalRecords()).toEqual([
    { kind: 'tombstone', at: '2026-10-01T10:15:31Z', sub: 'sub-erased', cause: 'DeleteUser' },
  ]);
  const entry = w.store.objects.get(`b/${w.sourcePoolId}/erasures/sub-erased.json`);
  expect(JSON.parse(Buffer.from(entry!).toString())).toEqual({
    sub: 'sub-erased',
    at: new Date(SKEWED_NOW).toISOString(),
    cause: 'DeleteUser',
  });
});

test('a self-service change of a sub this pool does not have (another pool’s user): nothing recorded', async () => {
  const w = world();
  await w.handler(batch(w.selfService('UpdateUserAttributes', 'sub-elsewhere')));
  expect(w.store.objects.size).toBe(0);
});

test('a journal write that fails: the messages it records are reported failed (SQS retries them), the others are not', async () => {
  const w = world();
  w.user('alice', 'sub-a');
  w.store.failing = true;
  const a = w.signUp('alice', 'sub-a');
  const del = w.captured('AdminDeleteUser', 'sub-gone');
  const elsewhere = w.selfService('UpdateUserAttributes', 'sub-elsewhere');
  const r = await w.handler(batch(a, del, elsewhere));
  expect(r.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([a.messageId, del.messageId].sort());
  // The retry records them; no number was used by the failed write.
  w.store.failing = false;
  expect((await w.handler(batch(a, del))).batchItemFailures).toEqual([]);
  expect(w.journalObjects().map((k) => k.slice(-17, -9))).toEqual(['00000001']);
  expect(w.journalRecords()).toHaveLength(2);
});
