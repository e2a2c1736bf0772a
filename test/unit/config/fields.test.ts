import type { z } from 'zod';
import {
  bool,
  bucketName,
  customAttribute,
  functionArn,
  jsonMap,
  parseQuota,
  poolId,
  quotaHeadroom,
  region,
  roleArn,
  roleArnList,
  tableName,
  url,
  wholeNumber,
} from '../../../src/config/fields';
import { parseEnv } from '../../../src/config/parse';
import { ConfigError } from '../../../src/core/errors';
import { z as zod } from 'zod';

/** The field's value for `text`, or its message. */
function check<T>(field: z.ZodType<T>, text: string): { ok: T } | { error: string } {
  const r = field.safeParse(text);
  return r.success ? { ok: r.data } : { error: r.error.issues.map((i) => i.message).join('; ') };
}

describe('issue 11.4 shared fields: each setting has one rule and a message saying what is expected', () => {
  test.each([
    ['arn:aws:iam::123456789012:role/standby-writer', true],
    ['arn:aws:iam::123456789012:role/service-role/path/name+=,.@-_1', true],
    ['arn:aws-cn:iam::123456789012:role/x', true],
    ['arn:aws-us-gov:iam::123456789012:role/x', true],
    ['role/standby', false],
    ['arn:aws:iam::123:role/x', false],
    ['arn:aws:iam::123456789012:user/x', false],
    ['arn:aws:iam::123456789012:role/', false],
    ['arn:aws:iam::123456789012:role/has space', false],
    ['arn:aws:sts::123456789012:assumed-role/x/session', false],
  ])('one role ARN rule: %s -> %s', (text, ok) => {
    const r = check(roleArn, text);
    expect('ok' in r).toBe(ok);
    if (!ok) expect(r).toEqual({ error: expect.stringMatching(/^expected an IAM role ARN like arn:aws:iam::/) });
  });

  test('a role ARN list: comma-separated, blanks ignored, each bad one named', () => {
    expect(check(roleArnList, ' arn:aws:iam::111111111111:role/a ,, arn:aws:iam::222222222222:role/b,')).toEqual({
      ok: ['arn:aws:iam::111111111111:role/a', 'arn:aws:iam::222222222222:role/b'],
    });
    const r = check(roleArnList, 'arn:aws:iam::111111111111:role/a,worker,arn:aws:iam::123:user/x');
    expect(r).toEqual({ error: expect.stringContaining('"worker" is not an IAM role ARN') });
    expect(r).toEqual({ error: expect.stringContaining('"arn:aws:iam::123:user/x" is not an IAM role ARN') });
  });

  test.each<[string, z.ZodType<unknown>, string, unknown]>([
    ['region', region, 'eu-central-2', 'eu-central-2'],
    ['region', region, 'us-gov-west-1', 'us-gov-west-1'],
    ['pool id', poolId, 'us-west-2_AbC123', 'us-west-2_AbC123'],
    [
      'url',
      url,
      'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      'https://sqs.us-east-1.amazonaws.com/123456789012/q',
    ],
    ['url', url, 'http://127.0.0.1:9229', 'http://127.0.0.1:9229'],
    ['bool', bool, 'true', true],
    ['bool', bool, '1', true],
    ['bool', bool, '0', false],
    ['custom attribute', customAttribute, 'custom:source_sub', 'custom:source_sub'],
    ['table', tableName, 'css-prod-replica-index', 'css-prod-replica-index'],
    ['bucket', bucketName, 'state-bucket', 'state-bucket'],
    [
      'function ARN',
      functionArn,
      'arn:aws:lambda:us-east-1:123456789012:function:css-prod-trigger:live',
      'arn:aws:lambda:us-east-1:123456789012:function:css-prod-trigger:live',
    ],
    ['headroom', quotaHeadroom, '0.95', 0.95],
    ['headroom', quotaHeadroom, '0', 0],
    ['whole number', wholeNumber(1, 10), '10', 10],
    ['json map', jsonMap, '{"a":"b"}', { a: 'b' }],
  ])('%s accepts %s', (_what, field, text, value) => {
    expect(check(field, text)).toEqual({ ok: value });
  });

  test.each<[string, z.ZodType<unknown>, string, RegExp]>([
    ['region', region, 'US East', /expected an AWS Region like us-east-1/],
    ['pool id', poolId, 'pool', /expected a user pool id like us-east-1_AbCdEf123/],
    ['url', url, 'localhost', /expected a URL like/],
    ['url', url, 'ftp://x', /expected a URL like/],
    ['bool', bool, 'yes', /./],
    ['custom attribute', customAttribute, 'source_sub', /expected a custom attribute name like custom:source_sub/],
    ['custom attribute', customAttribute, 'custom:this_name_is_far_too_long', /1 to 20 characters/],
    ['table', tableName, 'a b', /expected a DynamoDB table name/],
    ['bucket', bucketName, 'Bucket', /expected an S3 bucket name/],
    ['function ARN', functionArn, 'not-an-arn', /expected a Lambda function ARN like arn:aws:lambda:/],
    ['headroom', quotaHeadroom, '0.99', /expected a fraction from 0 to 0.95/],
    ['headroom', quotaHeadroom, '-0.1', /expected a fraction from 0 to 0.95/],
    ['headroom', quotaHeadroom, 'much', /expected a fraction from 0 to 0.95/],
    ['whole number', wholeNumber(1, 10), '2.5', /expected a whole number from 1 to 10/],
    ['whole number', wholeNumber(1, 10), '11', /expected a whole number from 1 to 10/],
    ['whole number', wholeNumber(0), '-1', /expected a whole number of at least 0/],
    ['whole number', wholeNumber(0), 'many', /expected a whole number of at least 0/],
    ['json map', jsonMap, '["a"]', /expected a JSON object of strings/],
  ])('%s refuses %s', (_what, field, text, message) => {
    expect(check(field, text)).toEqual({ error: expect.stringMatching(message) });
  });

  test('--quota values', () => {
    expect(parseQuota('UserCreation=100', parseQuota('UserUpdate=12.5'))).toEqual({
      UserCreation: 100,
      UserUpdate: 12.5,
    });
    expect(() => parseQuota('UserUpdate')).toThrow(ConfigError);
    expect(() => parseQuota('Speed=1')).toThrow(/unknown category Speed \(one of .*UserUpdate/);
    expect(() => parseQuota('UserUpdate=0')).toThrow(/above 0/);
  });
});

describe('issue 11.4 parseEnv: every problem at once, each named with what it expects', () => {
  const schema = zod.object({ A: poolId, B: region.optional(), C: region.optional(), D: wholeNumber(1).default(3) });
  const errorOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('values are trimmed; empty and blank count as not set; defaults apply', () => {
    expect(parseEnv(schema, { A: ' us-east-1_Abc ', B: '  ', C: 'us-east-1' }, 'x', { B: 'C' })).toEqual({
      A: 'us-east-1_Abc',
      B: 'us-east-1',
      C: 'us-east-1',
      D: 3,
    });
  });
  test('a fallback: the variable wins over it; neither set is named with both', () => {
    expect(parseEnv(schema, { A: 'us-east-1_Abc', B: 'eu-west-1', C: 'us-east-1' }, 'x', { B: 'C' }).B).toBe(
      'eu-west-1',
    );
    expect(errorOf(() => parseEnv(schema, { A: 'us-east-1_Abc' }, 'x', { B: 'C' }))).toBe(
      'x configuration is invalid: B: is not set (nor C)',
    );
  });
  test('missing and bad together, prefixed by the function', () => {
    expect(errorOf(() => parseEnv(schema, { D: '0', C: 'nowhere' }, 'worker', { B: 'C' }))).toBe(
      'worker configuration is invalid: A: is not set; C: expected an AWS Region like us-east-1; D: expected a whole number of at least 1',
    );
  });
});
