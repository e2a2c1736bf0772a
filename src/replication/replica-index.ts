/**
 * The replica index: which standby user replicates which source user, keyed by the source pool
 * and the source `sub`. Change-capture events name users by `sub` only, and a deleted source user
 * can no longer be read, while the standby keeps the `sub` in a custom attribute that ListUsers
 * cannot search. The index answers "which standby user was `sub`?" in one read.
 *
 * One DynamoDB table per deployment, in the deployment's own Region (on demand, encrypted):
 *
 * | attribute | value |
 * |---|---|
 * | `pk` (hash key) | `<sourcePoolId>#<sourceSub>` |
 * | `standbyUsername` | the replica's username in the standby pool |
 * | `standbyPoolId` | the standby pool (an entry of another standby is ignored) |
 * | `updatedAt` | ISO time of the last write |
 *
 * Cost: {@link ReplicaIndex.remember} first checks a small in-process cache, then reads the item
 * (eventually consistent GetItem, half a read request unit) and writes only when the value
 * differs; {@link ReplicaIndex.lookup} is one strongly consistent GetItem (one read unit), used on
 * deletions only. Who calls what:
 * - the worker: `remember` after every replication that leaves a replica (created, updated, in
 *   sync), `lookup` + `forget` when the source user is gone;
 * - the reconciler (rebuild): `remember(sourceSub, standbyUsername)` for every standby user that
 *   carries a source `sub` in its custom attribute (free of Cognito reads: the standby listing
 *   already has the attribute).
 * @packageDocumentation
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

/** Settings of a {@link ReplicaIndex}. */
export interface ReplicaIndexOptions {
  tableName: string;
  sourcePoolId: string;
  standbyPoolId: string;
  /** An existing client (tests), or settings to build one (region = the deployment's own). */
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
  /** Entries kept in memory to skip reads for users seen recently. Default 10,000. */
  cacheSize?: number;
  now?: () => Date;
}

/** What {@link ReplicaIndex.remember} did. */
export type RememberResult = 'cached' | 'unchanged' | 'written';

/** The replica index of one source pool toward one standby pool. */
export class ReplicaIndex {
  readonly tableName: string;
  readonly sourcePoolId: string;
  readonly standbyPoolId: string;
  readonly client: DynamoDBClient;
  /** Requests sent, by kind (for tests and benchmarks). */
  readonly calls = { get: 0, put: 0, delete: 0 };
  private readonly cache = new Map<string, string>();
  private readonly cacheSize: number;
  private readonly now: () => Date;

  constructor(options: ReplicaIndexOptions) {
    this.tableName = options.tableName;
    this.sourcePoolId = options.sourcePoolId;
    this.standbyPoolId = options.standbyPoolId;
    this.client = options.client ?? new DynamoDBClient({ maxAttempts: 3, ...options.clientConfig });
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  private key(sourceSub: string): string {
    return `${this.sourcePoolId}#${sourceSub}`;
  }

  private cachePut(sourceSub: string, standbyUsername: string | undefined): void {
    this.cache.delete(sourceSub);
    if (standbyUsername === undefined) return;
    this.cache.set(sourceSub, standbyUsername);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** The standby username recorded for a source `sub`, or `undefined`. Strongly consistent. */
  async lookup(sourceSub: string): Promise<string | undefined> {
    this.calls.get++;
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: this.key(sourceSub) } }, ConsistentRead: true }),
    );
    const item = r.Item;
    if (!item || item.standbyPoolId?.S !== this.standbyPoolId) return undefined;
    return item.standbyUsername?.S || undefined;
  }

  /**
   * Records that `standbyUsername` replicates `sourceSub`. Costs nothing when this process saw the
   * same pair recently, one read when the table already has it, one read and one write otherwise.
   */
  async remember(sourceSub: string, standbyUsername: string): Promise<RememberResult> {
    if (this.cache.get(sourceSub) === standbyUsername) return 'cached';
    this.calls.get++;
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: this.key(sourceSub) } } }),
    );
    if (r.Item?.standbyUsername?.S === standbyUsername && r.Item?.standbyPoolId?.S === this.standbyPoolId) {
      this.cachePut(sourceSub, standbyUsername);
      return 'unchanged';
    }
    this.calls.put++;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: this.key(sourceSub) },
          standbyUsername: { S: standbyUsername },
          standbyPoolId: { S: this.standbyPoolId },
          updatedAt: { S: this.now().toISOString() },
        },
      }),
    );
    this.cachePut(sourceSub, standbyUsername);
    return 'written';
  }

  /**
   * Removes the entry of `sourceSub`; with `expectedUsername`, only while it still names that
   * replica (a newer mapping written meanwhile is kept). True when an entry was removed.
   */
  async forget(sourceSub: string, expectedUsername?: string): Promise<boolean> {
    this.cachePut(sourceSub, undefined);
    this.calls.delete++;
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: this.key(sourceSub) } },
          ...(expectedUsername
            ? {
                ConditionExpression: 'standbyUsername = :u',
                ExpressionAttributeValues: { ':u': { S: expectedUsername } },
              }
            : { ConditionExpression: 'attribute_exists(pk)' }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException')
        return false;
      throw err;
    }
  }
}

/** The table definition (also what serverless.yml creates), for tests and local runs. */
export const REPLICA_INDEX_KEY_SCHEMA = {
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};
