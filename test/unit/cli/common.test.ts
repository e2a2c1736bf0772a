import { PassThrough } from 'node:stream';
import {
  awsClientConfig,
  confirm,
  DUMMY_CREDENTIALS,
  etaMs,
  hasAwsCredentials,
  isLoopback,
  optPoolId,
  optRegion,
  Progress,
  UsageError,
} from '../../../scripts/cli/common';

const NO_CREDS = { HOME: '/nonexistent-home' };

test('isLoopback', () => {
  expect(isLoopback('http://127.0.0.1:9229')).toBe(true);
  expect(isLoopback('http://localhost:1')).toBe(true);
  expect(isLoopback('http://[::1]:1')).toBe(true);
  expect(isLoopback('https://vpce-123.cognito-idp.us-west-2.vpce.amazonaws.com')).toBe(false);
});

test('dummy credentials only for a local endpoint when the environment names none', () => {
  expect(hasAwsCredentials(NO_CREDS)).toBe(false);
  expect(awsClientConfig('us-west-2', 'http://127.0.0.1:1', NO_CREDS)).toEqual({
    region: 'us-west-2',
    endpoint: 'http://127.0.0.1:1',
    credentials: DUMMY_CREDENTIALS,
  });
  expect(awsClientConfig('us-west-2', 'http://127.0.0.1:1', { ...NO_CREDS, AWS_PROFILE: 'ops' })).toEqual({
    region: 'us-west-2',
    endpoint: 'http://127.0.0.1:1',
  });
  expect(awsClientConfig('us-west-2', 'https://vpce.example.com', NO_CREDS)).toEqual({
    region: 'us-west-2',
    endpoint: 'https://vpce.example.com',
  });
  expect(awsClientConfig('us-west-2', undefined, NO_CREDS)).toEqual({ region: 'us-west-2' });
});

test('option parsers reject bad values', () => {
  expect(optRegion('eu-west-1')).toBe('eu-west-1');
  expect(() => optRegion('europe')).toThrow(/AWS Region/);
  expect(optPoolId('us-west-2_AbC123')).toBe('us-west-2_AbC123');
  expect(() => optPoolId('pool')).toThrow(/user pool id/);
});

test('confirm: --yes does not ask; no terminal is refused; only "yes" confirms', async () => {
  await expect(confirm('?', { yes: true })).resolves.toBe(true);
  const notTty = Object.assign(new PassThrough(), { isTTY: false });
  await expect(confirm('?', { input: notTty })).rejects.toThrow(UsageError);
  for (const [answer, expected] of [
    ['yes\n', true],
    ['y\n', false],
    ['no\n', false],
  ] as const) {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    const p = confirm('Send? ', { input, output });
    input.write(answer);
    await expect(p).resolves.toBe(expected);
  }
});

test('etaMs: from the pace so far, or from the expected rate before the first item', () => {
  expect(etaMs(0, 100, 0, 10)).toBe(10_000);
  expect(etaMs(50, 100, 5_000)).toBe(5_000);
  expect(etaMs(100, 100, 5_000)).toBe(0);
  expect(etaMs(0, 100, 0)).toBeUndefined();
});

test('Progress: rate and ETA; rewritten in place on a terminal, throttled lines elsewhere', () => {
  let t = 0;
  const chunks: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: false });
  stream.on('data', (c) => chunks.push(String(c)));
  const p = new Progress({
    label: 'sending resets',
    total: 100,
    rate: 10,
    stream,
    now: () => t,
    plainIntervalMs: 10_000,
  });
  expect(p.line(0)).toBe('sending resets 0/100 (0%) ETA 10s');
  t = 5_000;
  expect(p.line(50)).toBe('sending resets 50/100 (50%) 10.0/s ETA 5s');
  p.update(50);
  t = 6_000;
  p.update(60); // within 10 s of the last line: skipped
  p.done(100);
  expect(chunks.join('')).toBe(
    'sending resets 50/100 (50%) 10.0/s ETA 5s\nsending resets 100/100 (100%) 16.7/s ETA 0s\n',
  );

  const tty: string[] = [];
  const term = Object.assign(new PassThrough(), { isTTY: true });
  term.on('data', (c) => tty.push(String(c)));
  const q = new Progress({ label: 'x', total: 2, stream: term, now: () => t });
  q.update(1);
  q.done(2);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line's terminal codes are what is checked
  expect(tty.join('')).toMatch(/^\r\x1b\[Kx 1\/2.*\r\x1b\[Kx 2\/2.*\n$/);
});
