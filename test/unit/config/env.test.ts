import { loadTriggerConfig, loadWorkerConfig } from '../../../src/config';
import { ConfigError } from '../../../src/core/errors';

const triggerEnv = {
  SOURCE_POOL_ID: 'us-east-1_AbCdEf123',
  AWS_REGION: 'us-east-1',
  SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
};
const workerEnv = {
  ...triggerEnv,
  STANDBY_POOL_ID: 'us-west-2_XyZ987',
  STANDBY_REGION: 'us-west-2',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync-dlq',
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadTriggerConfig', () => {
  test('defaults', () => {
    expect(loadTriggerConfig(triggerEnv)).toEqual({
      sourcePoolId: 'us-east-1_AbCdEf123',
      sourceRegion: 'us-east-1',
      syncQueueUrl: triggerEnv.SYNC_QUEUE_URL,
      sqsEndpoint: undefined,
      sendBudgetMs: 1500,
      replicateForgotPassword: false,
    });
  });
  test('SOURCE_REGION wins over AWS_REGION; options parsed', () => {
    const c = loadTriggerConfig({
      ...triggerEnv,
      SOURCE_REGION: 'eu-west-1',
      TRIGGER_SEND_BUDGET_MS: '800',
      REPLICATE_FORGOT_PASSWORD: 'true',
      SQS_ENDPOINT: 'http://127.0.0.1:9324',
    });
    expect(c).toMatchObject({
      sourceRegion: 'eu-west-1',
      sendBudgetMs: 800,
      replicateForgotPassword: true,
      sqsEndpoint: 'http://127.0.0.1:9324',
    });
  });
  test.each(['SOURCE_POOL_ID', 'SYNC_QUEUE_URL'])('missing %s is named', (name) => {
    const env: Record<string, string | undefined> = { ...triggerEnv, [name]: undefined };
    expect(errorOf(() => loadTriggerConfig(env)).message).toMatch(new RegExp(`${name}: is not set`));
  });
  test('an empty variable counts as missing', () => {
    expect(errorOf(() => loadTriggerConfig({ ...triggerEnv, SYNC_QUEUE_URL: '' })).message).toMatch(
      /SYNC_QUEUE_URL: is not set/,
    );
  });
  test('no Region at all is named', () => {
    expect(errorOf(() => loadTriggerConfig({ ...triggerEnv, AWS_REGION: undefined })).message).toMatch(
      /SOURCE_REGION: is not set/,
    );
  });
  test.each([
    ['SOURCE_POOL_ID', 'pool'],
    ['SOURCE_REGION', 'US East'],
    ['SYNC_QUEUE_URL', 'not a url'],
    ['SQS_ENDPOINT', 'nope'],
    ['TRIGGER_SEND_BUDGET_MS', '10'],
    ['TRIGGER_SEND_BUDGET_MS', '6000'],
    ['TRIGGER_SEND_BUDGET_MS', 'fast'],
    ['REPLICATE_FORGOT_PASSWORD', 'yes'],
  ])('invalid %s=%s is named', (name, value) => {
    expect(errorOf(() => loadTriggerConfig({ ...triggerEnv, [name]: value })).message).toMatch(
      new RegExp(`^trigger configuration is invalid: .*${name}`),
    );
  });
  test('every problem is named at once', () => {
    const message = errorOf(() => loadTriggerConfig({ AWS_REGION: 'us-east-1', TRIGGER_SEND_BUDGET_MS: '1' })).message;
    for (const name of ['SOURCE_POOL_ID', 'SYNC_QUEUE_URL', 'TRIGGER_SEND_BUDGET_MS']) expect(message).toContain(name);
  });
});

describe('loadWorkerConfig', () => {
  test('defaults', () => {
    expect(loadWorkerConfig(workerEnv)).toMatchObject({
      sourcePoolId: 'us-east-1_AbCdEf123',
      sourceRegion: 'us-east-1',
      standbyPoolId: 'us-west-2_XyZ987',
      standbyRegion: 'us-west-2',
      dlqUrl: workerEnv.DLQ_URL,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
      groupRoleMap: undefined,
      quotaHeadroom: 0.2,
      maxAttempts: 30,
      linkFederatedUsers: false,
    });
  });
  test('options', () => {
    const c = loadWorkerConfig({
      ...workerEnv,
      GROUP_ROLE_MAP: '{"arn:aws:iam::111111111111:role/a":"arn:aws:iam::222222222222:role/b"}',
      QUOTA_HEADROOM: '0.5',
      MAX_ATTEMPTS: '5',
      LINK_FEDERATED_USERS: '1',
      SOURCE_SUB_ATTRIBUTE: 'custom:origin_sub',
      STANDBY_ROLE_ARN: 'arn:aws:iam::222222222222:role/standby-writer',
    });
    expect(c).toMatchObject({
      groupRoleMap: { 'arn:aws:iam::111111111111:role/a': 'arn:aws:iam::222222222222:role/b' },
      quotaHeadroom: 0.5,
      maxAttempts: 5,
      linkFederatedUsers: true,
      sourceSubAttribute: 'custom:origin_sub',
      standbyRoleArn: 'arn:aws:iam::222222222222:role/standby-writer',
    });
  });
  test.each(['SOURCE_POOL_ID', 'STANDBY_POOL_ID', 'STANDBY_REGION', 'SYNC_QUEUE_URL', 'DLQ_URL'])(
    'missing %s is named',
    (name) => {
      expect(errorOf(() => loadWorkerConfig({ ...workerEnv, [name]: undefined })).message).toMatch(
        new RegExp(`${name}: is not set`),
      );
    },
  );
  test.each([
    ['STANDBY_POOL_ID', 'us-west-2'],
    ['STANDBY_REGION', 'west'],
    ['DLQ_URL', 'queue'],
    ['SOURCE_SUB_ATTRIBUTE', 'source_sub'],
    ['MFA_MARKER_ATTRIBUTE', 'custom:this_name_is_far_too_long'],
    ['GROUP_ROLE_MAP', 'not json'],
    ['GROUP_ROLE_MAP', '["a"]'],
    ['GROUP_ROLE_MAP', '{"a":1}'],
    ['QUOTA_HEADROOM', '0.99'],
    ['QUOTA_HEADROOM', '-0.1'],
    ['MAX_ATTEMPTS', '0'],
    ['MAX_ATTEMPTS', '2.5'],
    ['LINK_FEDERATED_USERS', 'maybe'],
    ['STANDBY_ROLE_ARN', 'role/standby'],
    ['STANDBY_ENDPOINT', 'localhost'],
  ])('invalid %s=%s is named', (name, value) => {
    expect(errorOf(() => loadWorkerConfig({ ...workerEnv, [name]: value })).message).toMatch(
      new RegExp(`^worker configuration is invalid: .*${name}`),
    );
  });
});
