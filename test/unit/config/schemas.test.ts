import { loadChangeCaptureConfig } from '../../../src/config/change-capture';
import { loadReconcileConfig } from '../../../src/config/reconcile';
import { loadTriggerConfig } from '../../../src/config/trigger';
import { loadWorkerConfig } from '../../../src/config/worker';
import { ConfigError } from '../../../src/core/errors';

const ROLE = 'arn:aws:iam::222222222222:role/standby-writer';
const pools = {
  SOURCE_POOL_ID: 'us-east-1_AbCdEf123',
  AWS_REGION: 'us-east-1',
  STANDBY_POOL_ID: 'us-west-2_XyZ987',
  STANDBY_REGION: 'us-west-2',
};
const workerEnv = {
  ...pools,
  SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync-dlq',
};
const reconcileEnv = { ...pools, STATE_BUCKET: 'state-bucket' };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('issue 11.4 one schema per function, from the shared fields', () => {
  test('the role ARN rule is the same for every function and setting', () => {
    const bad = 'arn:aws:iam::123456789012:role/has space';
    expect(errorOf(() => loadWorkerConfig({ ...workerEnv, STANDBY_ROLE_ARN: bad }))).toMatch(
      /^worker configuration is invalid: STANDBY_ROLE_ARN: expected an IAM role ARN/,
    );
    expect(errorOf(() => loadReconcileConfig({ ...reconcileEnv, STANDBY_ROLE_ARN: bad }))).toMatch(
      /^reconcile configuration is invalid: STANDBY_ROLE_ARN: expected an IAM role ARN/,
    );
    expect(errorOf(() => loadReconcileConfig({ ...reconcileEnv, IMPORT_LOGS_ROLE_ARN: bad }))).toMatch(
      /IMPORT_LOGS_ROLE_ARN: expected an IAM role ARN/,
    );
    expect(errorOf(() => loadChangeCaptureConfig({ ECHO_ROLE_ARNS: bad }))).toMatch(
      /^worker configuration is invalid: ECHO_ROLE_ARNS: .*is not an IAM role ARN/,
    );
    for (const load of [
      () => loadWorkerConfig({ ...workerEnv, STANDBY_ROLE_ARN: ROLE, ECHO_ROLE_ARNS: ROLE }),
      () => loadReconcileConfig({ ...reconcileEnv, STANDBY_ROLE_ARN: ROLE, IMPORT_LOGS_ROLE_ARN: ROLE }),
      () => loadChangeCaptureConfig({ ECHO_ROLE_ARNS: ROLE }),
    ])
      expect(load).not.toThrow();
  });

  test('the worker names its own and its change-capture problems in one message', () => {
    const message = errorOf(() =>
      loadWorkerConfig({ ...workerEnv, DLQ_URL: undefined, ECHO_ROLE_ARNS: 'worker', DYNAMODB_ENDPOINT: 'db' }),
    );
    expect(message).toMatch(/^worker configuration is invalid: /);
    for (const name of ['DLQ_URL: is not set', 'ECHO_ROLE_ARNS: "worker" is not an IAM role ARN', 'DYNAMODB_ENDPOINT:'])
      expect(message).toContain(name);
  });

  test('change capture alone: trimmed list, table and endpoint', () => {
    expect(
      loadChangeCaptureConfig({
        ECHO_ROLE_ARNS: ` ${ROLE} ,`,
        REPLICA_INDEX_TABLE: ' css-prod-replica-index ',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      }),
    ).toEqual({
      echoRoleArns: [ROLE],
      replicaIndexTable: 'css-prod-replica-index',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
    });
    expect(errorOf(() => loadChangeCaptureConfig({ REPLICA_INDEX_TABLE: 'a b' }))).toMatch(
      /REPLICA_INDEX_TABLE: expected a DynamoDB table name/,
    );
  });

  test('reconcile: defaults', () => {
    expect(loadReconcileConfig(reconcileEnv)).toEqual({
      sourcePoolId: 'us-east-1_AbCdEf123',
      sourceRegion: 'us-east-1',
      standbyPoolId: 'us-west-2_XyZ987',
      standbyRegion: 'us-west-2',
      standbyRoleArn: undefined,
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
      groupRoleMap: undefined,
      quotaHeadroom: 0.2,
      linkFederatedUsers: false,
      apply: false,
      deep: false,
      deleteOrphans: false,
      maxDeletes: 10,
      importThreshold: 1000,
      stateBucket: 'state-bucket',
      importLogsRoleArn: undefined,
      triggerFunctionArn: undefined,
      replicaIndexTable: undefined,
      dynamodbEndpoint: undefined,
      sourceEndpoint: undefined,
      standbyEndpoint: undefined,
      s3Endpoint: undefined,
      functionName: undefined,
    });
  });

  test('reconcile: options', () => {
    expect(
      loadReconcileConfig({
        ...reconcileEnv,
        SOURCE_REGION: 'eu-west-1',
        RECONCILE_MODE: 'apply',
        RECONCILE_DEEP: 'true',
        RECONCILE_DELETE_ORPHANS: '1',
        RECONCILE_MAX_DELETES: '0',
        RECONCILE_IMPORT_THRESHOLD: '50',
        QUOTA_HEADROOM: '0.5',
        REPLICA_INDEX_TABLE: 'idx',
        AWS_LAMBDA_FUNCTION_NAME: 'reconcile',
      }),
    ).toMatchObject({
      sourceRegion: 'eu-west-1',
      apply: true,
      deep: true,
      deleteOrphans: true,
      maxDeletes: 0,
      importThreshold: 50,
      quotaHeadroom: 0.5,
      replicaIndexTable: 'idx',
      functionName: 'reconcile',
    });
  });

  test.each(['SOURCE_POOL_ID', 'STANDBY_POOL_ID', 'STANDBY_REGION', 'STATE_BUCKET'])(
    'reconcile: missing %s is named',
    (name) => {
      expect(errorOf(() => loadReconcileConfig({ ...reconcileEnv, [name]: undefined }))).toMatch(
        new RegExp(`^reconcile configuration is invalid: .*${name}: is not set`),
      );
    },
  );

  test('reconcile: no Region at all is named with its fallback', () => {
    expect(errorOf(() => loadReconcileConfig({ ...reconcileEnv, AWS_REGION: undefined }))).toMatch(
      /SOURCE_REGION: is not set \(nor AWS_REGION\)/,
    );
  });

  test.each([
    ['RECONCILE_MODE', 'yes', /expected dry-run or apply/],
    ['RECONCILE_MAX_DELETES', '-1', /expected a whole number of at least 0/],
    ['RECONCILE_IMPORT_THRESHOLD', '0', /expected a whole number of at least 1/],
    ['STATE_BUCKET', 'My_Bucket', /expected an S3 bucket name/],
    ['QUOTA_HEADROOM', '1', /expected a fraction from 0 to 0.95/],
    ['S3_ENDPOINT', 'bucket', /expected a URL/],
    ['SOURCE_SUB_ATTRIBUTE', 'sub', /expected a custom attribute/],
    ['TRIGGER_FUNCTION_ARN', 'trigger', /expected a Lambda function ARN/],
  ])('reconcile: invalid %s=%s is named with what is expected', (name, value, message) => {
    const text = errorOf(() => loadReconcileConfig({ ...reconcileEnv, [name]: value }));
    expect(text).toMatch(new RegExp(`^reconcile configuration is invalid: ${name}: `));
    expect(text).toMatch(message);
  });

  test('trigger: its budget says the range it accepts', () => {
    expect(
      errorOf(() =>
        loadTriggerConfig({ ...workerEnv, SYNC_QUEUE_URL: workerEnv.SYNC_QUEUE_URL, TRIGGER_SEND_BUDGET_MS: '10' }),
      ),
    ).toMatch(/TRIGGER_SEND_BUDGET_MS: expected a whole number from 100 to 4000/);
  });
});
