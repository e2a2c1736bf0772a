import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminResetUserPasswordCommand,
  CognitoIdentityProviderClient,
  LimitExceededException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { toCognitoError } from '../../../src/cognito/errors';
import { cognitoGateway } from '../../../src/config/wiring';
import {
  FileSendJournal,
  JournalError,
  type JournalRecord,
  type JournalSink,
  openJournal,
  readJournal,
} from '../../../src/failover/journal';
import type { ManifestRow } from '../../../src/failover/manifest';
import { failoverLimiter } from '../../../src/failover/run';
import { planSends, type ResetSender, sendResets } from '../../../src/failover/send';
import { uniquePoolId, VirtualClock } from '../helpers';

const POOL = { region: 'us-west-2', poolId: 'us-west-2_P' };

/** The standby as the sender sees it: each reset notifies the user and sets RESET_REQUIRED. */
class FakeStandby implements ResetSender {
  readonly status = new Map<string, string>();
  readonly notified: string[] = [];
  /** The process "died": nothing more leaves. */
  dead = false;
  /** Errors by username, thrown instead of sending (after beforeSend unless `early`). */
  readonly errors = new Map<string, { error: Error; early?: boolean }>();

  constructor(users: string[]) {
    for (const u of users) this.status.set(u, 'CONFIRMED');
  }

  async resetPasswordAfter(username: string, beforeSend: () => Promise<void>): Promise<void> {
    if (this.dead) throw new JournalError('process is gone');
    const planned = this.errors.get(username);
    if (planned?.early) throw planned.error;
    await beforeSend();
    if (this.dead) throw new JournalError('process is gone');
    if (planned) throw planned.error;
    this.notified.push(username);
    this.status.set(username, 'RESET_REQUIRED');
  }

  rows(): ManifestRow[] {
    return [...this.status.entries()].map(([username, status]) => ({
      username,
      sub: `sub-${username}`,
      action: 'reset-password',
      mfa: 'NONE',
      status,
      emailOtp: false,
      send: status === 'CONFIRMED',
      channel: 'email',
    }));
  }
}

/** A journal sink that "crashes the process" at its k-th append: before the record is written, or just after. */
class CrashingSink implements JournalSink {
  private n = 0;
  constructor(
    private readonly inner: JournalSink,
    private readonly world: FakeStandby,
    private readonly at: number,
    private readonly mode: 'before' | 'after',
  ) {}

  async append(record: JournalRecord): Promise<void> {
    if (this.world.dead) throw new JournalError('process is gone');
    this.n++;
    if (this.n === this.at) {
      if (this.mode === 'after') await this.inner.append(record);
      this.world.dead = true;
      throw new JournalError('simulated crash');
    }
    await this.inner.append(record);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'send-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  world: FakeStandby,
  path: string,
  opts: {
    wrap?: (s: JournalSink) => JournalSink;
    concurrency?: number;
    resendUncertain?: boolean;
    signal?: AbortSignal;
  } = {},
) {
  const { state, sink } = await openJournal(path, POOL);
  const s = opts.wrap ? opts.wrap(sink) : sink;
  try {
    return await sendResets({
      rows: world.rows(),
      journal: new FileSendJournal(state, s),
      gateway: world,
      concurrency: opts.concurrency,
      resendUncertain: opts.resendUncertain,
      signal: opts.signal,
    });
  } finally {
    await sink.close();
  }
}

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];

test('a clean run sends each user once; a rerun sends nothing', async () => {
  const world = new FakeStandby(USERS);
  const path = join(dir, 'j.jsonl');
  const first = await run(world, path, { concurrency: 3 });
  expect(first).toEqual(
    expect.objectContaining({ sent: 6, alreadySent: 0, failed: [], maybeSent: [], notAttempted: 0 }),
  );
  expect([...world.notified].sort()).toEqual(USERS);
  const again = await run(world, path);
  expect(again.sent).toBe(0);
  expect(again.alreadySent).toBe(6);
  expect(world.notified).toHaveLength(6);
});

describe('interrupted at any journal write, then resumed', () => {
  // 2 records per user (intent, sent): every write of a full run is a crash point.
  const points = Array.from({ length: USERS.length * 2 }, (_, i) => i + 1);
  test.each(
    points.flatMap((k) => [1, 3].flatMap((c) => (['before', 'after'] as const).map((mode) => [k, mode, c] as const))),
  )('crash at write %i (%s it reaches the disk), concurrency %i', async (k, mode, concurrency) => {
    const world = new FakeStandby(USERS);
    const path = join(dir, 'j.jsonl');
    await expect(run(world, path, { concurrency, wrap: (s) => new CrashingSink(s, world, k, mode) })).rejects.toThrow(
      JournalError,
    );
    const afterCrash = [...world.notified];
    const journal = readJournal(path);
    // Nobody was notified without a durable intent.
    for (const u of afterCrash) expect(journal.bySub.has(`sub-${u}`)).toBe(true);

    world.dead = false;
    const resumed = await run(world, path, { concurrency });
    // No one is notified twice, ever.
    expect(new Set(world.notified).size).toBe(world.notified.length);
    // Users whose fate is unknown (intent journaled, process died before the outcome) were not
    // resent; those the standby shows in RESET_REQUIRED were resolved as sent.
    const unresolved = resumed.maybeSent.map((m) => m.sub.replace('sub-', ''));
    for (const u of unresolved) expect(world.notified).not.toContain(u);
    expect(unresolved.length).toBeLessThanOrEqual(concurrency);
    // Everyone else got exactly one code.
    expect([...world.notified, ...unresolved].sort()).toEqual(USERS);
    expect(resumed.alreadySent + resumed.resolved + resumed.sent + unresolved.length).toBe(USERS.length);

    const rerun = await run(world, path, { concurrency });
    expect(rerun.sent).toBe(0);
    expect(rerun.maybeSent.map((m) => m.sub).sort()).toEqual(resumed.maybeSent.map((m) => m.sub).sort());
    expect([...world.notified, ...unresolved].sort()).toEqual(USERS);
  });
});

test('interrupted by a signal: sends in flight finish and are journaled, the rest wait for the next run', async () => {
  const world = new FakeStandby(USERS);
  const path = join(dir, 'j.jsonl');
  const abort = new AbortController();
  const orig = world.resetPasswordAfter.bind(world);
  world.resetPasswordAfter = async (u, b) => {
    await orig(u, b);
    if (world.notified.length === 2) abort.abort();
  };
  const first = await run(world, path, { signal: abort.signal, concurrency: 1 });
  expect(first.sent).toBe(2);
  expect(first.notAttempted).toBe(4);
  expect(first.stoppedBecause).toBe('interrupted');
  const second = await run(world, path);
  expect(second.sent).toBe(4);
  expect([...world.notified].sort()).toEqual(USERS);
});

test('Cognito refusing a reset (4xx): failed, nothing sent, retried by the next run', async () => {
  const world = new FakeStandby(['u1', 'u2']);
  // What the Cognito adapter throws for it (issue 11.5: typed in one place, the SDK's error kept as cause).
  world.errors.set('u1', {
    error: toCognitoError(
      'AdminResetUserPassword',
      'us-west-2_Standby1',
      Object.assign(new Error('Attempt limit exceeded'), {
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    ),
  });
  const path = join(dir, 'j.jsonl');
  const first = await run(world, path);
  expect(first.sent).toBe(1);
  // issue 10.4: a limit names its reason (it used to be read as throttling)
  expect(first.failed).toEqual([
    {
      sub: 'sub-u1',
      error: expect.stringMatching(
        /^limit-exceeded: AdminResetUserPassword refused \(LimitExceededException\): this user has reached Cognito's limit of password reset attempts.*Cognito said: Attempt limit exceeded$/,
      ),
      reason: 'limit-exceeded',
    },
  ]);
  world.errors.clear();
  const second = await run(world, path);
  expect(second.sent).toBe(1);
  expect(world.notified.sort()).toEqual(['u1', 'u2']);
});

test('an outcome Cognito did not report (timeout, 5xx): maybe sent, never resent without --resend-uncertain', async () => {
  const world = new FakeStandby(['u1', 'u2']);
  world.errors.set('u1', { error: Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }) });
  const path = join(dir, 'j.jsonl');
  const first = await run(world, path);
  expect(first.maybeSent).toEqual([{ sub: 'sub-u1', error: 'TimeoutError: socket hang up' }]);
  world.errors.clear();
  const second = await run(world, path);
  expect(second.sent).toBe(0);
  expect(second.maybeSent.map((m) => m.sub)).toEqual(['sub-u1']);
  const third = await run(world, path, { resendUncertain: true });
  expect(third.sent).toBe(1);
  expect(world.notified.sort()).toEqual(['u1', 'u2']);
});

test('a maybe-sent user now in RESET_REQUIRED is journaled as sent', async () => {
  const world = new FakeStandby(['u1']);
  const path = join(dir, 'j.jsonl');
  const { sink } = await openJournal(path, POOL);
  await sink.append({ type: 'intent', sub: 'sub-u1', at: 't', status: 'CONFIRMED' });
  await sink.close();
  world.status.set('u1', 'RESET_REQUIRED');
  const r = await run(world, path);
  expect(r.resolved).toBe(1);
  expect(r.maybeSent).toEqual([]);
  expect(readJournal(path).bySub.get('sub-u1')?.state).toBe('sent');
});

test('a user already RESET_REQUIRED at its intent is not "resolved" by that status', () => {
  const rows: ManifestRow[] = [
    {
      username: 'u1',
      sub: 's1',
      action: 'reset-password',
      mfa: 'NONE',
      status: 'RESET_REQUIRED',
      emailOtp: false,
      send: true,
    },
  ];
  const journal = {
    bySub: new Map([['s1', { state: 'maybe-sent' as const, at: 't', statusAtIntent: 'RESET_REQUIRED' }]]),
    records: 1,
    tornTail: false,
  };
  expect(planSends(rows, journal).maybeSent.map((m) => m.sub)).toEqual(['s1']);
});

test('maybe-sent users no longer in the manifest are still listed', () => {
  const journal = {
    bySub: new Map([['gone', { state: 'maybe-sent' as const, at: 't' }]]),
    records: 1,
    tornTail: false,
  };
  expect(planSends([], journal).maybeSent.map((m) => m.sub)).toEqual(['gone']);
});

test('stops after repeated identical failures (a configuration problem)', async () => {
  const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
  const world = new FakeStandby(users);
  for (const u of users)
    world.errors.set(u, {
      error: Object.assign(new Error('no role'), {
        name: 'InvalidSmsRoleAccessPolicyException',
        $metadata: { httpStatusCode: 400 },
      }),
    });
  const r = await sendResets({
    rows: world.rows(),
    journal: new FileSendJournal(readJournal(join(dir, 'none')), {
      append: async () => undefined,
      close: async () => undefined,
    }),
    gateway: world,
    concurrency: 1,
    maxConsecutiveFailures: 3,
  });
  expect(r.failed).toHaveLength(3);
  expect(r.notAttempted).toBe(7);
  expect(r.stoppedBecause).toMatch(/3 sends in a row failed with InvalidSmsRoleAccessPolicyException/);
});

test('errors never carry contact data into the journal or the result', async () => {
  const world = new FakeStandby(['u1']);
  world.errors.set('u1', {
    error: Object.assign(new Error('User alice@example.com (+15551234567) does not exist'), {
      name: 'UserNotFoundException',
      $metadata: { httpStatusCode: 400 },
    }),
  });
  const path = join(dir, 'j.jsonl');
  const r = await run(world, path);
  expect(r.failed[0].error).toBe('UserNotFoundException: User <email> (<phone>) does not exist');
  expect(require('node:fs').readFileSync(path, 'utf8')).not.toMatch(/alice|5551234567/);
});

test('a send still waiting for its turn when the run is stopped never leaves and is not journaled', async () => {
  const world = new FakeStandby(['u1', 'u2', 'u3']);
  const path = join(dir, 'j.jsonl');
  const abort = new AbortController();
  const orig = world.resetPasswordAfter.bind(world);
  let calls = 0;
  world.resetPasswordAfter = async (u, before) => {
    if (++calls === 2) abort.abort(); // stopped while u2 waits for the limiter
    await orig(u, before);
  };
  const r = await run(world, path, { signal: abort.signal, concurrency: 1 });
  expect(world.notified).toEqual(['u1']);
  expect(r).toEqual(
    expect.objectContaining({ sent: 1, notAttempted: 2, failed: [], maybeSent: [], stoppedBecause: 'interrupted' }),
  );
  expect(readJournal(path).bySub.has('sub-u2')).toBe(false);
});

describe('issue 10.4: LimitExceededException is not throttling', () => {
  test('a user at their reset limit is recorded failed with reason limit-exceeded; the wave goes on at full pace', async () => {
    const clock = new VirtualClock();
    const client = new CognitoIdentityProviderClient({ region: 'us-west-2' });
    const { limiter, rate } = failoverLimiter({ clock }); // 24 a second
    const gateway = cognitoGateway(
      { region: 'us-west-2', poolId: uniquePoolId('us-west-2') },
      { client, clock, limiter },
    );
    const sendTimes: number[] = [];
    const mock = mockClient(client);
    mock.on(AdminResetUserPasswordCommand).callsFake(async () => (sendTimes.push(clock.now()), {}));
    // The SDK model's LimitExceededException (AdminResetUserPasswordCommand.d.ts), HTTP 400 like every Cognito client fault.
    mock.on(AdminResetUserPasswordCommand, { Username: 'u3' }).rejects(
      new LimitExceededException({
        message: 'Attempt limit exceeded, please try after some time.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const users = Array.from({ length: 72 }, (_, i) => `u${i}`);
    const world = new FakeStandby(users);
    const path = join(dir, 'j.jsonl');
    const { state, sink } = await openJournal(path, POOL);
    const result = await clock.run(
      sendResets({
        rows: world.rows(),
        journal: new FileSendJournal(state, sink),
        gateway,
        concurrency: 16,
        now: () => clock.now(),
      }),
    );
    await sink.close();

    expect(result.sent).toBe(71);
    expect(result.failed).toEqual([
      {
        sub: 'sub-u3',
        error: expect.stringMatching(/^limit-exceeded: AdminResetUserPassword refused \(LimitExceededException\)/),
        reason: 'limit-exceeded',
      },
    ]);
    expect(result.stoppedBecause).toBeUndefined();
    expect(mock.commandCalls(AdminResetUserPasswordCommand, { Username: 'u3' })).toHaveLength(1); // not retried
    expect(limiter.throttles.size).toBe(0); // nobody was slowed down for one user's limit
    expect(limiter.rate('UserAccountRecovery')).toBeCloseTo(rate);
    // full pace: 71 sends take (71 - 1) / 24 s, as if u3 were not there
    expect(sendTimes[sendTimes.length - 1] - sendTimes[0]).toBeLessThanOrEqual((71 / rate) * 1000);
    const journal = readJournal(path);
    expect(journal.bySub.get('sub-u3')).toMatchObject({ state: 'failed', reason: 'limit-exceeded' });
    const records = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    expect(
      records
        .filter((r: { sub?: string }) => r.sub === 'sub-u3')
        .map((r: { type: string; reason?: string }) => [r.type, r.reason]),
    ).toEqual([
      ['intent', undefined],
      ['failed', 'limit-exceeded'],
    ]);
    // a later run tries that user again (the limit may have lifted), and nobody else
    mock.on(AdminResetUserPasswordCommand, { Username: 'u3' }).resolves({});
    const again = await openJournal(path, POOL);
    const second = await clock.run(
      sendResets({
        rows: world.rows(),
        journal: new FileSendJournal(again.state, again.sink),
        gateway,
        now: () => clock.now(),
      }),
    );
    await again.sink.close();
    expect(second.sent).toBe(1);
    expect(second.alreadySent).toBe(71);
  });
});
