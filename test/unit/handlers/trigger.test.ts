import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { TriggerConfig } from '../../../src/config/trigger';
import { ConfigError } from '../../../src/core/errors';
import { parseSyncMessage } from '../../../src/core/message';
import { createTriggerHandler } from '../../../src/handlers/trigger';
import { captureOutput } from '../helpers';

const SUB = '11111111-1111-4111-8111-111111111111';
const EMAIL = 'planted.person@example.com';
const PHONE = '+15555550123';
const POOL = 'us-east-1_AbCdEf123';

const config: TriggerConfig = {
  sourcePoolId: POOL,
  sourceRegion: 'us-east-1',
  syncQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
  sendBudgetMs: 1500,
  replicateForgotPassword: false,
};

function event(overrides: Partial<PostConfirmationTriggerEvent> = {}): PostConfirmationTriggerEvent {
  return {
    version: '1',
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    region: 'us-east-1',
    userPoolId: POOL,
    userName: 'alice',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client123' },
    request: {
      userAttributes: {
        sub: SUB,
        email: EMAIL,
        email_verified: 'true',
        phone_number: PHONE,
        'cognito:user_status': 'CONFIRMED',
      },
    },
    response: {},
    ...overrides,
  } as PostConfirmationTriggerEvent;
}

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  jest.useRealTimers();
  // Whatever happened in the test, no contact data reached the logs.
  expect(output.text()).not.toContain(EMAIL);
  expect(output.text()).not.toContain(PHONE);
});

function setup(overrides: Partial<TriggerConfig> = {}) {
  const sqs = new SQSClient({ region: 'us-east-1' });
  const mock = mockClient(sqs);
  const handler = createTriggerHandler({ config: { ...config, ...overrides }, sqs });
  return { sqs, mock, handler };
}

describe('post confirmation trigger', () => {
  test('sends exactly one versioned message that only locates the user, and returns the event unchanged', async () => {
    const { mock, handler } = setup();
    mock.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const e = event();
    const before = structuredClone(e);
    const result = await handler(e);
    expect(result).toBe(e);
    expect(e).toEqual(before);
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const input = mock.commandCalls(SendMessageCommand)[0].args[0].input;
    expect(input.QueueUrl).toBe(config.syncQueueUrl);
    const message = parseSyncMessage(input.MessageBody!);
    expect(message).toEqual({
      v: 1,
      sourceRegion: 'us-east-1',
      sourcePoolId: POOL,
      username: 'alice',
      sub: SUB,
      reason: 'PostConfirmation_ConfirmSignUp',
      at: expect.any(String),
    });
    expect(Math.abs(Date.parse(message.at) - Date.now())).toBeLessThan(60_000);
    expect(input.MessageBody).not.toContain(EMAIL);
    expect(input.MessageBody).not.toContain(PHONE);
    expect(input.MessageBody).not.toContain('client123');
    expect(output.text()).toContain(SUB);
  });

  test('an e-mail-as-username pool: the username (a UUID) is the only identifier in the body', async () => {
    const { mock, handler } = setup();
    mock.on(SendMessageCommand).resolves({});
    await handler(event({ userName: SUB }));
    const body = mock.commandCalls(SendMessageCommand)[0].args[0].input.MessageBody!;
    expect(JSON.parse(body)).toMatchObject({ username: SUB, sub: SUB });
  });

  test('ForgotPassword confirmations are ignored by default', async () => {
    const { mock, handler } = setup();
    const e = event({ triggerSource: 'PostConfirmation_ConfirmForgotPassword' });
    expect(await handler(e)).toBe(e);
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  test('ForgotPassword confirmations are queued when asked for', async () => {
    const { mock, handler } = setup({ replicateForgotPassword: true });
    mock.on(SendMessageCommand).resolves({});
    await handler(event({ triggerSource: 'PostConfirmation_ConfirmForgotPassword' }));
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(JSON.parse(mock.commandCalls(SendMessageCommand)[0].args[0].input.MessageBody!).reason).toBe(
      'PostConfirmation_ConfirmForgotPassword',
    );
  });

  test('other trigger sources and other pools are ignored', async () => {
    const { mock, handler } = setup();
    for (const e of [
      event({ triggerSource: 'PreSignUp_SignUp' as never }),
      event({ userPoolId: 'us-east-1_Other999' }),
    ]) {
      expect(await handler(e)).toBe(e);
    }
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  const good = event();
  const malformed: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'event'],
    ['a number', 42],
    ['an array', [good]],
    ['{}', {}],
    ['no request', { ...good, request: undefined }],
    ['request null', { ...good, request: null }],
    ['request a string', { ...good, request: 'x' }],
    ['no userAttributes', { ...good, request: {} }],
    ['userAttributes an array', { ...good, request: { userAttributes: [EMAIL] } }],
    ['an attribute that is a number', { ...good, request: { userAttributes: { sub: SUB, email: EMAIL, age: 42 } } }],
    ['userName a number', { ...good, userName: 7 }],
    ['userName empty', { ...good, userName: '' }],
    ['no userPoolId', { ...good, userPoolId: undefined }],
    ['no region', { ...good, region: undefined }],
    ['triggerSource an object', { ...good, triggerSource: { x: 1 } }],
  ];
  test.each(malformed)('malformed event (%s): returned as is, never thrown, nothing sent', async (_name, e) => {
    const { mock, handler } = setup();
    mock.on(SendMessageCommand).resolves({});
    await expect(handler(e as never)).resolves.toBe(e);
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  test('an SQS error: logged with the sub, event returned', async () => {
    const { mock, handler } = setup();
    mock
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Access to the queue is denied'), { name: 'AccessDenied' }));
    const e = event();
    expect(await handler(e)).toBe(e);
    const lines = output
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const error = lines.find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ sub: SUB, message: expect.stringContaining('could not queue') });
  });

  test('SQS never answering: returns once the budget is spent, not before', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { mock, handler } = setup({ sendBudgetMs: 1500 });
    mock.on(SendMessageCommand).callsFake(() => new Promise(() => undefined));
    let done = false;
    const e = event();
    const result = handler(e).then((r) => {
      done = true;
      return r;
    });
    await jest.advanceTimersByTimeAsync(1499);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await result).toBe(e);
    expect(output.text()).toContain('TimeoutError');
    expect(output.text()).toContain(SUB);
  });

  test('SQS answering after the budget: returns at the budget', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { mock, handler } = setup({ sendBudgetMs: 800 });
    mock
      .on(SendMessageCommand)
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ MessageId: 'late' }), 4000)));
    let done = false;
    const result = handler(event()).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(800);
    await result;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(1); // only the late answer remains; the budget timer was cleared
  });

  test('a quick answer clears the budget timer', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const { mock, handler } = setup();
    mock.on(SendMessageCommand).resolves({});
    await handler(event());
    expect(jest.getTimerCount()).toBe(0);
  });

  test('an invalid configuration: the event is returned and the problem logged', async () => {
    const sqs = new SQSClient({ region: 'us-east-1' });
    const mock = mockClient(sqs);
    const handler = createTriggerHandler(() => {
      throw new ConfigError('trigger configuration is invalid: SYNC_QUEUE_URL: is not set');
    });
    const e = event();
    expect(await handler(e)).toBe(e);
    expect(mock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(output.text()).toContain('SYNC_QUEUE_URL');
  });

  test('the configuration is read once', async () => {
    const sqs = new SQSClient({ region: 'us-east-1' });
    mockClient(sqs).on(SendMessageCommand).resolves({});
    const deps = jest.fn(() => ({ config, sqs }));
    const handler = createTriggerHandler(deps);
    await handler(event());
    await handler(event());
    expect(deps).toHaveBeenCalledTimes(1);
  });
});
