import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

// What the wiring hands to the gateway and to STS is what is checked: the gateway's own
// behaviour is tested with it (test/unit/cognito).
const built: Record<string, any>[] = [];
jest.mock('../../../src/cognito/gateway', () => ({
  CognitoGateway: class {
    readonly limiter: unknown;
    constructor(options: Record<string, any>) {
      built.push(options);
      this.limiter = options.limiter;
    }
  },
}));
const assumed: Record<string, any>[] = [];
jest.mock('@aws-sdk/credential-providers', () => ({
  fromTemporaryCredentials: (options: Record<string, any>) => {
    assumed.push(options.params);
    return async () => ({ accessKeyId: 'assumed', secretAccessKey: 'x' });
  },
}));

import { QuotaLimiter } from '../../../src/cognito/limiter';
import { DEFAULT_QUOTAS } from '../../../src/cognito/quotas';
import { loadReconcileConfig } from '../../../src/config/reconcile';
import {
  assumeRoleCredentials,
  cognitoGateway,
  quotaLimiter,
  reconcileGateways,
  replicaIndex,
  replicaIndexOf,
  replicationContext,
  triggerQueueClient,
  workerQueueClient,
} from '../../../src/config/wiring';
import { loadTriggerConfig } from '../../../src/config/trigger';
import { loadWorkerConfig } from '../../../src/config/worker';
import { DEFAULT_QUOTA_HEADROOM } from '../../../src/core/constants';
import { ReplicaIndex } from '../../../src/replication/replica-index';

const ROLE = 'arn:aws:iam::222222222222:role/standby-writer';
const workerEnv = {
  SOURCE_POOL_ID: 'us-east-1_AbCdEf123',
  AWS_REGION: 'us-east-1',
  STANDBY_POOL_ID: 'us-west-2_XyZ987',
  STANDBY_REGION: 'us-west-2',
  SYNC_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/sync-dlq',
};

beforeEach(() => {
  built.length = 0;
  assumed.length = 0;
});

describe('issue 11.4 wiring: a gateway of one side', () => {
  test('its own limiter from the budget: defaults, headroom, quotas, share of concurrent instances', () => {
    const rate = (l: QuotaLimiter) => l.rate('UserUpdate');
    expect(rate(quotaLimiter())).toBeCloseTo(DEFAULT_QUOTAS.UserUpdate * (1 - DEFAULT_QUOTA_HEADROOM));
    expect(rate(quotaLimiter({ headroom: 0.5, quotas: { UserUpdate: 50 } }))).toBe(25);
    expect(rate(quotaLimiter({ headroom: 0.5, quotas: { UserUpdate: 50 }, instances: 5 }))).toBe(5);
    expect(quotaLimiter({ headroom: 0, instances: 4 }).rate('UserCreation')).toBe(DEFAULT_QUOTAS.UserCreation / 4);
  });

  test('endpoint and credentials of the side; the side credentials win over extra client settings', () => {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    cognitoGateway(
      { region: 'us-west-2', poolId: 'us-west-2_A', endpoint: 'http://127.0.0.1:1', credentials },
      { headroom: 0.3, clientConfig: { credentials: { accessKeyId: 'other', secretAccessKey: 'x' }, maxAttempts: 1 } },
    );
    expect(built[0]).toMatchObject({
      region: 'us-west-2',
      poolId: 'us-west-2_A',
      endpoint: 'http://127.0.0.1:1',
      clientConfig: { credentials, maxAttempts: 1 },
    });
    expect((built[0].limiter as QuotaLimiter).rate('UserUpdate')).toBeCloseTo(DEFAULT_QUOTAS.UserUpdate * 0.7);
  });

  test('no credentials: the standard chain (no client settings); a shared limiter and client are used as given', () => {
    const limiter = new QuotaLimiter({ headroom: 0 });
    const client = {} as CognitoIdentityProviderClient;
    cognitoGateway({ region: 'us-east-1', poolId: 'us-east-1_A' }, { limiter, client, retry: { budgetMs: 5 } });
    expect(built[0].clientConfig).toBeUndefined();
    expect(built[0].limiter).toBe(limiter);
    expect(built[0].client).toBe(client);
    expect(built[0].retry).toEqual({ budgetMs: 5 });
  });
});

describe('issue 11.4 wiring: assume-role credentials, built in one place', () => {
  test('none without a role; with one, a session named after the function', () => {
    expect(assumeRoleCredentials(undefined, 'worker')).toBeUndefined();
    expect(assumed).toEqual([]);
    expect(assumeRoleCredentials(ROLE, 'worker')).toEqual(expect.any(Function));
    expect(assumeRoleCredentials(ROLE, 'reconcile')).toEqual(expect.any(Function));
    expect(assumed).toEqual([
      { RoleArn: ROLE, RoleSessionName: 'cognito-standby-sync' },
      { RoleArn: ROLE, RoleSessionName: 'cognito-standby-sync-reconcile' },
    ]);
  });
});

describe('issue 11.4 wiring: from a function configuration', () => {
  test("the worker's replication context: each side its Region's limiter and the instance's share; the standby through the role", () => {
    const config = loadWorkerConfig({
      ...workerEnv,
      WORKER_MAX_CONCURRENCY: '2',
      QUOTA_HEADROOM: '0',
      STANDBY_ROLE_ARN: ROLE,
      STANDBY_ENDPOINT: 'https://vpce.example.com',
      GROUP_ROLE_MAP: '{"a":"b"}',
    });
    const context = replicationContext(config, { clientConfig: { maxAttempts: 1 }, retry: { budgetMs: 250 } });
    const [source, standby] = built;
    expect(source).toMatchObject({ region: 'us-east-1', poolId: 'us-east-1_AbCdEf123', retry: { budgetMs: 250 } });
    expect(source.clientConfig).toEqual({ maxAttempts: 1 });
    expect(standby).toMatchObject({
      region: 'us-west-2',
      poolId: 'us-west-2_XyZ987',
      endpoint: 'https://vpce.example.com',
      retry: { budgetMs: 250 },
      clientConfig: { maxAttempts: 1, credentials: expect.any(Function) },
    });
    expect(source.limiter).not.toBe(standby.limiter);
    for (const side of [source, standby])
      expect((side.limiter as QuotaLimiter).rate('UserUpdate')).toBe(DEFAULT_QUOTAS.UserUpdate / 2);
    expect(assumed).toEqual([{ RoleArn: ROLE, RoleSessionName: 'cognito-standby-sync' }]);
    expect(context).toMatchObject({
      sourceSubAttribute: 'custom:source_sub',
      mfaMarkerAttribute: 'custom:source_mfa',
      groupRoleMap: { a: 'b' },
      linkFederatedUsers: false,
    });
  });

  test('emulator clients per side are used as given', () => {
    const clients = { source: {} as CognitoIdentityProviderClient, standby: {} as CognitoIdentityProviderClient };
    replicationContext(loadWorkerConfig(workerEnv), { clients });
    expect(built.map((o) => o.client)).toEqual([clients.source, clients.standby]);
    expect(assumed).toEqual([]);
  });

  test("the reconciler's gateways: source and target (the standby, through the role), each its own limiter", () => {
    const config = loadReconcileConfig({
      ...workerEnv,
      STATE_BUCKET: 'bucket',
      QUOTA_HEADROOM: '0.5',
      STANDBY_ROLE_ARN: ROLE,
    });
    reconcileGateways(config);
    expect(built.map((o) => [o.region, o.poolId, o.clientConfig?.credentials ? 'role' : 'own'])).toEqual([
      ['us-east-1', 'us-east-1_AbCdEf123', 'own'],
      ['us-west-2', 'us-west-2_XyZ987', 'role'],
    ]);
    expect(built[0].limiter).not.toBe(built[1].limiter);
    expect((built[1].limiter as QuotaLimiter).rate('UserUpdate')).toBe(DEFAULT_QUOTAS.UserUpdate / 2);
    expect(assumed).toEqual([{ RoleArn: ROLE, RoleSessionName: 'cognito-standby-sync-reconcile' }]);
  });

  test('the replica index: none without a table; in the source Region, with its endpoint and credentials', async () => {
    const config = loadWorkerConfig(workerEnv);
    expect(replicaIndexOf(config, {})).toBeUndefined();
    const index = replicaIndexOf(
      config,
      { replicaIndexTable: 'idx', dynamodbEndpoint: 'http://127.0.0.1:8000' },
      {
        accessKeyId: 'k',
        secretAccessKey: 's',
      },
    );
    expect(index).toBeInstanceOf(ReplicaIndex);
    expect(index).toMatchObject({
      tableName: 'idx',
      sourcePoolId: 'us-east-1_AbCdEf123',
      standbyPoolId: 'us-west-2_XyZ987',
    });
    expect(await index!.client.config.region()).toBe('us-east-1');
    expect(await index!.client.config.credentials()).toMatchObject({ accessKeyId: 'k' });
    const endpoint = await index!.client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:8000');
    const shared = {} as DynamoDBClient;
    expect(
      replicaIndex({ tableName: 't', sourcePoolId: 'a', standbyPoolId: 'b', region: 'us-east-1', client: shared })!
        .client,
    ).toBe(shared);
  });
});

describe('issue 11.4 wiring: the queue clients', () => {
  test("the trigger's: two attempts, HTTP timeouts within the send budget, the function's Region and endpoint", async () => {
    const config = loadTriggerConfig({
      ...workerEnv,
      TRIGGER_SEND_BUDGET_MS: '800',
      SQS_ENDPOINT: 'http://127.0.0.1:9324',
    });
    const sqs = triggerQueueClient(config, { accessKeyId: 'trigger', secretAccessKey: 'x' });
    expect(await sqs.config.region()).toBe('us-east-1');
    expect(await sqs.config.maxAttempts()).toBe(2);
    expect(await sqs.config.credentials()).toMatchObject({ accessKeyId: 'trigger' });
    expect((await sqs.config.endpoint!()).hostname).toBe('127.0.0.1');
    const handler = sqs.config.requestHandler as unknown as { configProvider: Promise<Record<string, number>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 500, requestTimeout: 800 });
  });

  test("the worker's: the deployment's Region and endpoint", async () => {
    const sqs = workerQueueClient(loadWorkerConfig({ ...workerEnv, SQS_ENDPOINT: 'http://127.0.0.1:9324' }));
    expect(await sqs.config.region()).toBe('us-east-1');
    expect((await sqs.config.endpoint!()).port).toBe(9324);
  });
});
