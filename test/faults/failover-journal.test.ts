/**
 * Fault: the DynamoDB send journal failing under a wave. The journal's client is mocked
 * (aws-sdk-client-mock) and passes its calls through to dynalite, except the faults injected:
 * throttling (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded:
 * HTTP 400, the request was refused and wrote nothing) and InternalServerError (HTTP 500: the
 * write may or may not have landed), on the claim (PutItem), its read-back (GetItem), the
 * settle (UpdateItem) and the entries read ahead (BatchGetItem); the exceptions those commands' models list (PutItemCommand.d.ts,
 * GetItemCommand.d.ts, UpdateItemCommand.d.ts). The mock answers as the SDK does once its own
 * retries are spent.
 *
 * Every case checks: nothing was sent unjournaled, no user is left "maybe sent" who was certainly
 * not sent, and a resumed wave gives every user exactly one code.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  RequestLimitExceeded,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoSendJournal, JournalError } from '../../src/failover/journal';
import type { ManifestRow } from '../../src/failover/manifest';
import { type ResetSender, sendResets } from '../../src/failover/send';
import { useJournalTable } from '../support/failover-job';

const current = useJournalTable('journal-faults');

const POOL = 'us-west-2_Standby';
type Command = typeof PutItemCommand | typeof GetItemCommand | typeof UpdateItemCommand | typeof BatchGetItemCommand;

/** A fault: thrown by the n-th call (1-based) of a command on, `times` times; `landed`: after the call reached the table. */
interface Fault {
  command: Command;
  from: number;
  times: number;
  error: () => Error;
  landed?: boolean;
}

/** A journal whose client goes to dynalite through a mock that injects `faults`. */
function faultyJournal(faults: Fault[]): DynamoSendJournal {
  const client = new DynamoDBClient({ region: 'us-west-2' });
  const mock = mockClient(client);
  for (const Cmd of [PutItemCommand, GetItemCommand, UpdateItemCommand, BatchGetItemCommand] as Command[]) {
    let calls = 0;
    mock.on(Cmd as any).callsFake(async (input: any) => {
      const n = ++calls;
      const fault = faults.find((f) => f.command === Cmd && n >= f.from && n < f.from + f.times);
      if (fault && !fault.landed) throw fault.error();
      const out = await current().client.send(new (Cmd as any)(input));
      if (fault) throw fault.error();
      return out;
    });
  }
  return new DynamoSendJournal({ client, table: current().table, poolId: POOL });
}
const cleanJournal = () => new DynamoSendJournal({ ...current(), poolId: POOL });

const throttled = {
  ProvisionedThroughputExceededException: () =>
    new ProvisionedThroughputExceededException({ message: 'Throughput exceeded', $metadata: { httpStatusCode: 400 } }),
  ThrottlingException: () => new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
  RequestLimitExceeded: () =>
    new RequestLimitExceeded({ message: 'Account limit', $metadata: { httpStatusCode: 400 } }),
};
const serverError = () =>
  new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });

/** The standby: counts each user's codes; `refuse` makes Cognito refuse some users (4xx, nothing sent). */
class CountingStandby implements ResetSender {
  readonly codes = new Map<string, number>();
  readonly refuse = new Set<string>();
  constructor(readonly users: string[]) {}

  async resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void> {
    await beforeSend();
    if (this.refuse.has(username))
      throw Object.assign(new Error('User is disabled.'), {
        name: 'NotAuthorizedException',
        $metadata: { httpStatusCode: 400 },
      });
    this.codes.set(username, (this.codes.get(username) ?? 0) + 1);
  }

  rows(): ManifestRow[] {
    return this.users.map((username) => ({
      username,
      sub: `sub-${username}`,
      action: 'reset-password',
      mfa: 'NONE',
      status: 'CONFIRMED',
      emailOtp: false,
      send: true,
    }));
  }
}

const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

/** The invariants after any fault: then a clean resume completes the wave, one code each. */
async function expectConsistentThenResume(world: CountingStandby): Promise<void> {
  const journal = cleanJournal();
  for (const u of world.users) {
    const entry = await journal.entry(`sub-${u}`);
    const codes = world.codes.get(u) ?? 0;
    // Nobody was sent unjournaled; nobody never sent reads "sent" or "maybe sent".
    if (codes > 0) expect(entry?.state).toMatch(/^(sent|maybe-sent)$/);
    else expect(entry?.state ?? 'none').toMatch(/^(none|failed)$/);
  }
  world.refuse.clear();
  const resumed = await sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 3 });
  expect(resumed.failed).toEqual([]);
  expect(resumed.maybeSent).toEqual([]);
  expect(world.codes.size).toBe(world.users.length);
  expect([...world.codes.values()].every((n) => n === 1)).toBe(true);
}

describe.each(Object.entries(throttled))('claim throttled (%s)', (_name, error) => {
  test('the run stops; nothing sent unjournaled; the resume sends the rest once', async () => {
    const world = new CountingStandby(users(12));
    const journal = faultyJournal([{ command: PutItemCommand, from: 5, times: 1000, error }]);
    await expect(sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 2 })).rejects.toThrow(
      /cannot record the intent \(nothing sent\)/,
    );
    await journal.close();
    expect(world.codes.size).toBe(4);
    await expectConsistentThenResume(world);
  });
});

test('claim 5xx that landed: read back, recorded failed, not sent; the wave goes on', async () => {
  const world = new CountingStandby(users(6));
  const journal = faultyJournal([{ command: PutItemCommand, from: 2, times: 1, error: serverError, landed: true }]);
  const r = await sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 });
  await journal.close();
  expect(r.sent).toBe(5);
  expect(r.failed).toEqual([{ sub: 'sub-u1', error: 'not sent: journal write uncertain' }]);
  expect(world.codes.has('u1')).toBe(false);
  expect(await cleanJournal().entry('sub-u1')).toMatchObject({ state: 'failed' });
  await expectConsistentThenResume(world);
});

test('claim 5xx that did not land: not sent, nothing recorded; the wave goes on', async () => {
  const world = new CountingStandby(users(6));
  const journal = faultyJournal([{ command: PutItemCommand, from: 2, times: 1, error: serverError }]);
  const r = await sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 });
  await journal.close();
  expect(r.sent).toBe(5);
  expect(r.failed.map((f) => f.sub)).toEqual(['sub-u1']);
  expect(await cleanJournal().entry('sub-u1')).toBeUndefined();
  await expectConsistentThenResume(world);
});

test('claim 5xx on every write: each user failed, never maybe sent; the failure streak stops the run', async () => {
  const world = new CountingStandby(users(10));
  const journal = faultyJournal([{ command: PutItemCommand, from: 1, times: 1000, error: serverError, landed: true }]);
  const r = await sendResets({
    rows: world.rows(),
    journal,
    gateway: world,
    concurrency: 1,
    maxConsecutiveFailures: 4,
  });
  await journal.close();
  expect(world.codes.size).toBe(0);
  expect(r.failed).toHaveLength(4);
  expect(r.notAttempted).toBe(6);
  expect(r.stoppedBecause).toMatch(/4 sends in a row failed with JournalWriteUncertain/);
  await expectConsistentThenResume(world);
});

test('claim 5xx and its read-back failing too: the run stops; close records the landed intent failed', async () => {
  const world = new CountingStandby(users(6));
  const journal = faultyJournal([
    { command: PutItemCommand, from: 3, times: 1, error: serverError, landed: true },
    // The rows' entries are read ahead (BatchGetItem): the first GetItem is the read-back of u2's claim.
    { command: GetItemCommand, from: 1, times: 1, error: serverError },
  ]);
  await expect(sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 })).rejects.toThrow(
    /cannot record the intent, nor read it back/,
  );
  expect(world.codes.has('u2')).toBe(false);
  expect(await cleanJournal().entry('sub-u2')).toMatchObject({ state: 'maybe-sent' });
  await journal.close(); // the table answers again
  expect(await cleanJournal().entry('sub-u2')).toMatchObject({ state: 'failed' });
  await expectConsistentThenResume(world);
});

describe.each([
  ['throttled', throttled.ProvisionedThroughputExceededException, false],
  ['5xx, not landed', serverError, false],
  ['5xx, landed', serverError, true],
] as const)('settle %s', (_name, error, landed) => {
  test('after a send: the run stops, the user reads "maybe sent" until close records it sent', async () => {
    const world = new CountingStandby(users(6));
    const journal = faultyJournal([{ command: UpdateItemCommand, from: 3, times: 1, error, landed }]);
    await expect(sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 })).rejects.toThrow(
      JournalError,
    );
    expect(world.codes.size).toBe(3);
    expect(await cleanJournal().entry('sub-u2')).toMatchObject({ state: landed ? 'sent' : 'maybe-sent' });
    await journal.close();
    expect(await cleanJournal().entry('sub-u2')).toMatchObject({ state: 'sent' });
    await expectConsistentThenResume(world);
  });

  test('after Cognito refused: the run stops, and close records the user failed, not "maybe sent"', async () => {
    const world = new CountingStandby(users(6));
    world.refuse.add('u2');
    const journal = faultyJournal([{ command: UpdateItemCommand, from: 3, times: 1, error, landed }]);
    await expect(sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 })).rejects.toThrow(
      JournalError,
    );
    expect(world.codes.has('u2')).toBe(false);
    await journal.close();
    expect(await cleanJournal().entry('sub-u2')).toMatchObject({ state: 'failed' });
    await expectConsistentThenResume(world);
  });
});

test('entries read ahead failing (BatchGetItem throttled): each is read on its own, the wave goes on', async () => {
  const world = new CountingStandby(users(6));
  const journal = faultyJournal([
    { command: BatchGetItemCommand, from: 1, times: 1000, error: throttled.ProvisionedThroughputExceededException },
  ]);
  const r = await sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 2 });
  await journal.close();
  expect(r.sent).toBe(6);
  await expectConsistentThenResume(world);
});

test('a settle that still cannot be written at close is reported', async () => {
  const world = new CountingStandby(users(2));
  const journal = faultyJournal([{ command: UpdateItemCommand, from: 1, times: 1000, error: serverError }]);
  await expect(sendResets({ rows: world.rows(), journal, gateway: world, concurrency: 1 })).rejects.toThrow(
    JournalError,
  );
  await expect(journal.close()).rejects.toThrow(/1 outcome\(s\) could not be written/);
  // The one user sent reads "maybe sent" (true: the code went out); never resent automatically.
  expect(await cleanJournal().entry('sub-u0')).toMatchObject({ state: 'maybe-sent' });
  const resumed = await sendResets({ rows: world.rows(), journal: cleanJournal(), gateway: world });
  expect(resumed.maybeSent.map((m) => m.sub)).toEqual(['sub-u0']);
  expect(world.codes.get('u0')).toBe(1);
  expect(world.codes.get('u1')).toBe(1);
});
