/**
 * One emulated AWS Region: its Cognito endpoint (the in-memory Cognito model over HTTP), its SQS, its
 * Lambda Invoke endpoint (where Cognito sends the trigger), its DynamoDB (the replica index) and
 * its sync queue pair. What runs on it (trigger, worker, change capture) is the Deployment.
 * @packageDocumentation
 */
import { type CognitoIdentityProviderClient, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type CognitoEmulator, startCognitoEmulator } from '../../local/cognito';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb';
import { type LambdaEndpoint, startLambdaEndpoint } from '../../local/lambda-endpoint';
import { createDrillPool, type DrillPool } from '../../local/pools';
import { createQueuePair, type QueuePair, type SqsEmulator, startSqsEmulator } from '../../local/sqs';
import {
  ACCOUNT_ID,
  functionArn,
  functionName,
  OPERATOR_CREDENTIALS,
  REPLICA_INDEX_TABLE,
  type Side,
  SYNC_QUEUE,
} from './names';

/** Groups the drill's primary pool has (the worker creates them in the standby when it first needs them). */
export const DRILL_GROUPS = [
  { GroupName: 'admins', Description: 'Back-office administrators', Precedence: 1 },
  { GroupName: 'editors', Description: 'Content editors', Precedence: 10 },
  { GroupName: 'beta', Description: 'Beta programme', Precedence: 20 },
] as const;

export interface RegionOptions {
  side: Side;
  region: string;
  /** Visibility timeout of the sync queue, seconds (production: 360, compressed in the drill). */
  visibilityTimeout: number;
  /** Receives before SQS itself moves a message to the DLQ (production: 35). */
  maxReceiveCount: number;
  /** Cognito endpoint port (default: any free one). */
  port?: number;
}

/** A started Region. */
export interface Region {
  readonly side: Side;
  readonly region: string;
  readonly cognito: CognitoEmulator;
  readonly sqs: SqsEmulator;
  readonly lambda: LambdaEndpoint;
  readonly dynamo: DynamoEmulator;
  readonly queues: QueuePair;
  /** The operator's Cognito client (admin calls, the app's calls): signed as an IAM user. */
  readonly admin: CognitoIdentityProviderClient;
  /** The operator's SQS client. */
  readonly sqsAdmin: SQSClient;
  pool: DrillPool;
  stop(): Promise<void>;
}

/**
 * Starts a Region's emulators (in parallel) and its queue pair and replica index table. Stops
 * whatever had started when something fails. The pool is created by {@link createRegionPool}.
 */
export async function startRegion(o: RegionOptions): Promise<Region> {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const lambda = await startLambdaEndpoint({ region: o.region, accountId: ACCOUNT_ID, timeoutMs: 3000 });
    stops.push(() => lambda.stop());
    const [cognito, sqs, dynamo] = await Promise.all([
      startCognitoEmulator({
        name: `drill-${o.side}`,
        region: o.region,
        accountId: ACCOUNT_ID,
        lambdaEndpoint: lambda.endpoint,
        triggers: { PostConfirmation: functionName('trigger') },
        port: o.port,
      }).then((c) => (stops.push(() => c.destroy()), c)),
      startSqsEmulator({ region: o.region, accountId: ACCOUNT_ID }).then((s) => (stops.push(() => s.stop()), s)),
      startDynamoEmulator({ region: o.region }).then((d) => (stops.push(() => d.stop()), d)),
    ]);
    const admin = cognito.client({ credentials: OPERATOR_CREDENTIALS });
    const sqsAdmin = sqs.client({ credentials: OPERATOR_CREDENTIALS, maxAttempts: 3 });
    stops.push(async () => {
      admin.destroy();
      sqsAdmin.destroy();
    });
    const [queues] = await Promise.all([
      createQueuePair(sqsAdmin, SYNC_QUEUE, {
        visibilityTimeout: o.visibilityTimeout,
        maxReceiveCount: o.maxReceiveCount,
      }),
      dynamo.createReplicaIndexTable(REPLICA_INDEX_TABLE),
    ]);
    return {
      side: o.side,
      region: o.region,
      cognito,
      sqs,
      lambda,
      dynamo,
      queues,
      admin,
      sqsAdmin,
      pool: undefined as unknown as DrillPool,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Creates the Region's pool as a production pool would be: e-mail as username, `custom:tier`,
 * the replica attributes (`custom:source_sub`, `custom:source_mfa`: on both pools, since at
 * failback the standby replicates back into the primary), account recovery by verified e-mail,
 * optional MFA, and the suite's trigger attached as PostConfirmation.
 */
export async function createRegionPool(region: Region, withGroups: boolean): Promise<DrillPool> {
  const pool = await createDrillPool(region.admin, {
    name: `drill-${region.side}`,
    usernameMode: 'email',
    replicaAttributes: true,
    mfaConfiguration: 'OPTIONAL',
    overrides: {
      LambdaConfig: { PostConfirmation: functionArn(region.region, 'trigger') },
      // As a production pool would be (what the doctor checks): e-mail through Amazon SES in the
      // pool's Region, not Cognito's default sender, whose daily limit would stop a failover's
      // reset wave; and deletion protection on.
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        SourceArn: `arn:aws:ses:${region.region}:${ACCOUNT_ID}:identity/example.com`,
        From: 'no-reply@example.com',
      },
      DeletionProtection: 'ACTIVE',
    },
  });
  if (withGroups) {
    for (const g of DRILL_GROUPS) await region.admin.send(new CreateGroupCommand({ UserPoolId: pool.poolId, ...g }));
  }
  region.pool = pool;
  return pool;
}
