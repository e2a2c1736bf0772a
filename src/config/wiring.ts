/**
 * The one place that builds what talks to AWS from a validated configuration or from CLI
 * settings: the Cognito gateway of one side (its own quota limiter, headroom, quotas and share of
 * the account's budget, endpoint, credentials), the assume-role credentials of a cross-account
 * standby, the replication context of the worker, the gateways of a reconcile and the replica
 * index. The Lambda handlers, the CLIs, the drill and the tests build through it, so that a
 * change of how a side is reached is a change here only.
 * @packageDocumentation
 */
import type {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { JournalWriter } from '../backup/journal-writer';
import { S3BackupStore } from '../backup/store';
import { CognitoGateway } from '../cognito/gateway';
import { type Clock, QuotaLimiter } from '../cognito/limiter';
import { DEFAULT_QUOTAS, type QuotaCategory } from '../cognito/quotas';
import type { RetryPolicy } from '../core/backoff';
import { DEFAULT_QUOTA_HEADROOM } from '../core/constants';
import { ReplicaIndex } from '../replication/replica-index';
import type { ReplicationContext } from '../replication/replicate-user';
import type { ChangeCaptureConfig } from './change-capture';
import type { ReconcileConfig } from './reconcile';
import type { WorkerConfig } from './worker';

/** AWS credentials (fixed ones, or a provider such as an assumed role's). */
export type Credentials = CognitoIdentityProviderClientConfig['credentials'];

/** One pool and how to reach it. */
export interface PoolSide {
  region: string;
  poolId: string;
  /** Endpoint override (VPC endpoint, local emulator). */
  endpoint?: string;
  /** Credentials other than the standard AWS chain (an assumed role; dummy ones for a local emulator). */
  credentials?: Credentials;
}

/** The share of Cognito's quotas one side may use (quotas are per account and Region). */
export interface QuotaBudget {
  /** Share of every quota left to live traffic. Default {@link DEFAULT_QUOTA_HEADROOM}. */
  headroom?: number;
  /** Requests per second per category where the account's differ from the defaults (before headroom). */
  quotas?: Partial<Record<QuotaCategory, number>>;
  /** Instances that may run at once on the same budget: each takes its share. Default 1. */
  instances?: number;
  /** The clock of the limiter (and of the gateway) where it is not the system's (tests, benches on virtual time). */
  clock?: Clock;
}

/** How a gateway is built beyond its side. */
export interface GatewayWiring extends QuotaBudget {
  /** Share this limiter (one per account and Region) instead of building one from the budget. */
  limiter?: QuotaLimiter;
  /** Share this SDK client (or an emulator's) instead of building one. */
  client?: CognitoIdentityProviderClient;
  /** Extra SDK settings of the client built (the side's credentials win over these). */
  clientConfig?: CognitoIdentityProviderClientConfig;
  /** The gateway's retry policy where it differs from the default (the drill compresses time). */
  retry?: Partial<RetryPolicy>;
  /** Random source of the back-off jitter (tests). */
  random?: () => number;
}

/** Session names of the assumed standby role, per function (they show in the standby's CloudTrail). */
export const ROLE_SESSION_NAMES = {
  worker: 'cognito-standby-sync',
  reconcile: 'cognito-standby-sync-reconcile',
} as const;

/**
 * The quota limiter of one side: the account's quotas (defaults unless given), less the headroom,
 * divided among the instances that may run at once.
 *
 * @example
 * const limiter = quotaLimiter({ headroom: 0.2, instances: 4 }); // a quarter of 80% of each quota
 */
export function quotaLimiter(budget: QuotaBudget = {}): QuotaLimiter {
  const instances = budget.instances ?? 1;
  const quotas =
    instances === 1
      ? budget.quotas
      : Object.fromEntries(
          Object.entries({ ...DEFAULT_QUOTAS, ...budget.quotas }).map(([category, rps]) => [category, rps / instances]),
        );
  return new QuotaLimiter({ headroom: budget.headroom ?? DEFAULT_QUOTA_HEADROOM, quotas, clock: budget.clock });
}

/**
 * The Cognito gateway of one side, with its own quota limiter unless one is shared (each side is
 * another Region, so another budget), signed with `side.credentials` or else the standard AWS
 * credential chain.
 *
 * @example
 * const standby = cognitoGateway(
 *   { region: 'us-west-2', poolId: 'us-west-2_AbC123', credentials: assumeRoleCredentials(roleArn, 'worker') },
 *   { headroom: 0.2 },
 * );
 */
export function cognitoGateway(side: PoolSide, wiring: GatewayWiring = {}): CognitoGateway {
  const clientConfig = side.credentials
    ? { ...wiring.clientConfig, credentials: side.credentials }
    : wiring.clientConfig;
  return new CognitoGateway({
    region: side.region,
    poolId: side.poolId,
    endpoint: side.endpoint,
    limiter: wiring.limiter ?? quotaLimiter(wiring),
    client: wiring.client,
    clientConfig,
    retry: wiring.retry,
    clock: wiring.clock,
    random: wiring.random,
  });
}

/**
 * Credentials of an assumed role (a standby pool in another account), refreshed by the SDK; none
 * without a role (the function's own credentials).
 */
export function assumeRoleCredentials(
  roleArn: string | undefined,
  who: keyof typeof ROLE_SESSION_NAMES,
): Credentials | undefined {
  if (!roleArn) return undefined;
  return fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAMES[who] } });
}

/** How the worker's gateways are built beyond its configuration. */
export interface ReplicationWiring {
  /** SDK settings of both clients (the function's own credentials, e.g. in the local runtime). */
  clientConfig?: CognitoIdentityProviderClientConfig;
  /** The gateways' retry policy where it differs from the default. */
  retry?: Partial<RetryPolicy>;
  /** Existing SDK clients per side (an emulator's): used instead of building them. */
  clients?: { source?: CognitoIdentityProviderClient; standby?: CognitoIdentityProviderClient };
}

/**
 * The worker's replication context: a gateway on the source pool (the deployment's own) and one
 * on the target pool (its peer, named `standby` in the configuration: the primary, in the standby
 * Region's deployment), each with its own Region's limiter and the instance's share of the
 * quotas; the target signed with the assumed role when `standbyRoleArn` is set.
 *
 * @example
 * const replication = replicationContext(loadWorkerConfig());
 */
export function replicationContext(config: WorkerConfig, wiring: ReplicationWiring = {}): ReplicationContext {
  const budget: GatewayWiring = {
    headroom: config.quotaHeadroom,
    instances: config.maxConcurrency,
    clientConfig: wiring.clientConfig,
    retry: wiring.retry,
  };
  return {
    source: cognitoGateway(
      { region: config.sourceRegion, poolId: config.sourcePoolId, endpoint: config.sourceEndpoint },
      { ...budget, client: wiring.clients?.source },
    ),
    standby: cognitoGateway(
      {
        region: config.standbyRegion,
        poolId: config.standbyPoolId,
        endpoint: config.standbyEndpoint,
        credentials: assumeRoleCredentials(config.standbyRoleArn, 'worker'),
      },
      { ...budget, client: wiring.clients?.standby },
    ),
    sourceSubAttribute: config.sourceSubAttribute,
    mfaMarkerAttribute: config.mfaMarkerAttribute,
    groupRoleMap: config.groupRoleMap,
    linkFederatedUsers: config.linkFederatedUsers,
  };
}

/**
 * The gateways of the scheduled reconcile: source (the deployment's own pool) and target (its
 * peer, `STANDBY_*`, through the assumed role when `standbyRoleArn` is set), each with its own
 * limiter.
 */
export function reconcileGateways(config: ReconcileConfig): { source: CognitoGateway; target: CognitoGateway } {
  const budget = { headroom: config.quotaHeadroom };
  return {
    source: cognitoGateway(
      { region: config.sourceRegion, poolId: config.sourcePoolId, endpoint: config.sourceEndpoint },
      budget,
    ),
    target: cognitoGateway(
      {
        region: config.standbyRegion,
        poolId: config.standbyPoolId,
        endpoint: config.standbyEndpoint,
        credentials: assumeRoleCredentials(config.standbyRoleArn, 'reconcile'),
      },
      budget,
    ),
  };
}

/** Where the replica index is and how to reach it. */
export interface ReplicaIndexSettings {
  /** None: no replica index (deletions are left to the reconciler). */
  tableName?: string;
  sourcePoolId: string;
  standbyPoolId: string;
  /** The table's Region: the deployment's own (the source's). */
  region: string;
  endpoint?: string;
  credentials?: Credentials;
  /** An existing client (an emulator's, a test's). */
  client?: DynamoDBClient;
}

/** The replica index (source sub -> standby username), or none without a table. */
export function replicaIndex(settings: ReplicaIndexSettings): ReplicaIndex | undefined {
  if (!settings.tableName) return undefined;
  return new ReplicaIndex({
    tableName: settings.tableName,
    sourcePoolId: settings.sourcePoolId,
    standbyPoolId: settings.standbyPoolId,
    client: settings.client,
    clientConfig: {
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
    },
  });
}

/** The replica index of a function's configuration (the worker's with its change capture, or the reconciler's). */
export function replicaIndexOf(
  config: Pick<WorkerConfig, 'sourcePoolId' | 'standbyPoolId' | 'sourceRegion'>,
  table: Pick<ChangeCaptureConfig, 'replicaIndexTable' | 'dynamodbEndpoint'>,
  credentials?: Credentials,
): ReplicaIndex | undefined {
  return replicaIndex({
    tableName: table.replicaIndexTable,
    sourcePoolId: config.sourcePoolId,
    standbyPoolId: config.standbyPoolId,
    region: config.sourceRegion,
    endpoint: table.dynamodbEndpoint,
    credentials,
  });
}

/**
 * The worker's backup journal (one object per batch, see {@link JournalWriter}) on the configured
 * bucket, or none when `BACKUP_BUCKET` is not set. The writer only ever puts new objects: its
 * role needs `s3:PutObject` on `<prefix>/<pool>/journal/*` and `<prefix>/<pool>/erasures/*`.
 *
 * @example
 * const journal = backupJournalOf(loadWorkerConfig());
 */
export function backupJournalOf(
  config: Pick<WorkerConfig, 'sourcePoolId' | 'backup'>,
  credentials?: Credentials,
): JournalWriter | undefined {
  const b = config.backup;
  if (!b) return undefined;
  const s3Config: S3ClientConfig = {
    region: b.region,
    ...(b.s3Endpoint ? { endpoint: b.s3Endpoint, forcePathStyle: true } : {}),
    ...(credentials ? { credentials: credentials as S3ClientConfig['credentials'] } : {}),
  };
  return new JournalWriter({
    store: new S3BackupStore(new S3Client(s3Config), b.bucket),
    poolId: config.sourcePoolId,
    prefix: b.prefix,
  });
}

export { triggerQueueClient, workerQueueClient } from './queues';
