import {
  AdminResetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InternalErrorException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cognitoGateway } from '../../../src/config/wiring';
import { FileSendJournal, type JournalRecord } from '../../../src/failover/journal';
import type { ManifestRow } from '../../../src/failover/manifest';
import { failoverLimiter } from '../../../src/failover/run';
import { sendResets } from '../../../src/failover/send';
import { uniquePoolId, VirtualClock } from '../helpers';

function rows(n: number): ManifestRow[] {
  return Array.from({ length: n }, (_, i) => ({
    username: `u${i}`,
    sub: `s${i}`,
    action: 'reset-password',
    mfa: 'NONE',
    status: 'CONFIRMED',
    emailOtp: false,
    send: true,
  }));
}

const emptyJournal = () => ({ bySub: new Map(), records: 0, tornTail: false });

function setup(options: { rate?: number; headroom?: number } = {}) {
  const clock = new VirtualClock();
  const client = new CognitoIdentityProviderClient({ region: 'us-west-2' });
  const mock = mockClient(client);
  const { limiter, rate } = failoverLimiter({ rate: options.rate, headroom: options.headroom, clock });
  const gateway = cognitoGateway(
    { region: 'us-west-2', poolId: uniquePoolId('us-west-2') },
    { client, clock, limiter },
  );
  const records: { at: number; record: JournalRecord }[] = [];
  const sendTimes: number[] = [];
  mock.on(AdminResetUserPasswordCommand).callsFake(async () => {
    sendTimes.push(clock.now());
    return {};
  });
  const sink = {
    append: async (record: JournalRecord) => void records.push({ at: clock.now(), record }),
    close: async () => undefined,
  };
  return { clock, mock, gateway, rate, records, sendTimes, sink };
}

/** Most sends in any one-second window (a microsecond of slack for floating-point schedules). */
function peakPerSecond(times: number[]): number {
  let peak = 0;
  for (let i = 0; i < times.length; i++)
    peak = Math.max(peak, times.filter((t) => t >= times[i] && t < times[i] + 1000 - 1e-3).length);
  return peak;
}

test('default pace: the UserAccountRecovery quota (30/s) less 20 % headroom', () => {
  expect(failoverLimiter({}).rate).toBe(24);
  expect(failoverLimiter({ headroom: 0.5 }).rate).toBe(15);
  expect(failoverLimiter({ rate: 5 }).rate).toBe(5);
  expect(failoverLimiter({ rate: 5 }).limiter.rate('UserAccountRecovery')).toBeCloseTo(5);
  // other categories keep their quota less the headroom
  expect(failoverLimiter({ rate: 5 }).limiter.rate('UserList')).toBeCloseTo(24);
});

test("issue 12.3 --quota: the account's own quotas pace every category the failover calls", () => {
  const raised = failoverLimiter({ quotas: { UserList: 60, UserRead: 200 } });
  expect(raised.limiter.rate('UserList')).toBeCloseTo(48);
  expect(raised.limiter.rate('UserRead')).toBeCloseTo(160);
  expect(raised.rate).toBe(24); // UserAccountRecovery keeps its default
  const lowered = failoverLimiter({ quotas: { UserAccountRecovery: 10 } });
  expect(lowered.rate).toBe(8); // the sends follow the quota given, less the headroom
  expect(lowered.limiter.rate('UserAccountRecovery')).toBeCloseTo(8);
  // --rate still decides the sends' pace; the other quotas stay as given
  const both = failoverLimiter({ rate: 5, quotas: { UserList: 60 } });
  expect(both.limiter.rate('UserAccountRecovery')).toBeCloseTo(5);
  expect(both.limiter.rate('UserList')).toBeCloseTo(48);
});

test.each([
  [undefined, 24],
  [10, 10],
  [3, 3],
])('--rate %s: sends never exceed %i in any second, whatever the concurrency', async (rate, perSecond) => {
  const { clock, gateway, records, sendTimes, sink } = setup({ rate });
  const n = perSecond * 4;
  const result = await clock.run(
    sendResets({
      rows: rows(n),
      journal: new FileSendJournal(emptyJournal(), sink),
      gateway,
      concurrency: 16,
      now: () => clock.now(),
    }),
  );
  expect(result.sent).toBe(n);
  expect(sendTimes).toHaveLength(n);
  expect(peakPerSecond(sendTimes)).toBeLessThanOrEqual(perSecond);
  // n sends at `perSecond` take about (n - 1) / perSecond seconds of (virtual) time
  expect(sendTimes[n - 1] - sendTimes[0]).toBeGreaterThanOrEqual(((n - 1) / perSecond) * 1000 - 1);
  expect(result.elapsedMs).toBeGreaterThanOrEqual(sendTimes[n - 1] - sendTimes[0]);
  // each intent is journaled when its turn comes, not while it waits
  const intents = records.filter((r) => r.record.type === 'intent').map((r) => r.at);
  expect(intents).toEqual(sendTimes);
});

test('throttling is retried (Cognito did nothing); the user is sent once, with one intent', async () => {
  const { clock, mock, gateway, records, sink } = setup({ rate: 10 });
  mock
    .on(AdminResetUserPasswordCommand)
    .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
    .resolves({});
  const result = await clock.run(
    sendResets({ rows: rows(1), journal: new FileSendJournal(emptyJournal(), sink), gateway, now: () => clock.now() }),
  );
  expect(result.sent).toBe(1);
  expect(mock).toHaveReceivedCommandTimes(AdminResetUserPasswordCommand, 2);
  expect(records.map((r) => r.record.type)).toEqual(['intent', 'sent']);
});

test('a 5xx answer is not retried by the failover gateway: maybe sent', async () => {
  const { clock, mock, gateway, records, sink } = setup({ rate: 10 });
  mock
    .on(AdminResetUserPasswordCommand)
    .rejects(new InternalErrorException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
  const result = await clock.run(
    sendResets({ rows: rows(1), journal: new FileSendJournal(emptyJournal(), sink), gateway, now: () => clock.now() }),
  );
  expect(mock).toHaveReceivedCommandTimes(AdminResetUserPasswordCommand, 1);
  expect(result.maybeSent.map((m) => m.sub)).toEqual(['s0']);
  expect(records.map((r) => r.record.type)).toEqual(['intent', 'uncertain']);
});
