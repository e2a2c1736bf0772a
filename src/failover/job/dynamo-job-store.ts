import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { JobExistsError, JobNotFoundError, LeaseHeldError, LeaseLostError } from './errors';
import type { JobStore } from './ports';
import type { DesiredState, JobState } from './types';

/** The key of a pool's job item in the failover table (the send journal's items are `<poolId>#<sub>`). */
export function jobKey(poolId: string): string {
  return `job#${poolId}`;
}

/**
 * The job's state as one DynamoDB item of the failover table (`pk = job#<poolId>`): the state as
 * JSON in `state`, and beside it the attributes the conditions read: `phase`, `desired`,
 * `leaseOwner`, `leaseUntil`, `version`. Every write is conditional (see {@link JobStore}).
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBClient,
    readonly table: string,
  ) {}

  get location(): string {
    return `dynamodb://${this.table}`;
  }

  async get(poolId: string): Promise<JobState | undefined> {
    const r = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: jobKey(poolId) } }, ConsistentRead: true }),
    );
    return r.Item ? fromItem(r.Item) : undefined;
  }

  async create(state: JobState): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: jobKey(state.poolId) },
            state: { S: JSON.stringify(body(state)) },
            phase: { S: state.phase },
            desired: { S: state.desired },
            version: { N: '1' },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR phase IN (:done, :failed)',
          ExpressionAttributeValues: { ':done': { S: 'done' }, ':failed': { S: 'failed' } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get(state.poolId);
      throw new JobExistsError(
        `job ${current?.jobId ?? '?'} of pool ${state.poolId} is ${current?.phase ?? '?'} (${current?.desired ?? '?'})`,
      );
    }
  }

  async acquire(poolId: string, owner: string, until: number, now: number): Promise<JobState> {
    try {
      const r = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: jobKey(poolId) } },
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :o OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':o': { S: owner }, ':u': { N: String(until) }, ':now': { N: String(now) } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(r.Attributes!);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get(poolId);
      if (!current) throw new JobNotFoundError(`no failover job for pool ${poolId}`);
      throw new LeaseHeldError(`job ${current.jobId} is being worked on by ${current.lease?.owner ?? '?'}`);
    }
  }

  async save(state: JobState, until: number): Promise<JobState> {
    const owner = state.lease?.owner;
    if (!owner) throw new LeaseLostError(`job ${state.jobId}: saved without a lease`);
    try {
      const r = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: jobKey(state.poolId) } },
          UpdateExpression: 'SET #s = :s, phase = :p, version = :v1, leaseUntil = :u',
          ConditionExpression: 'version = :v AND leaseOwner = :o',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: {
            ':s': { S: JSON.stringify(body(state)) },
            ':p': { S: state.phase },
            ':v': { N: String(state.version) },
            ':v1': { N: String(state.version + 1) },
            ':u': { N: String(until) },
            ':o': { S: owner },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(r.Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        throw new LeaseLostError(`job ${state.jobId}: the state changed under this invocation (lease lost)`);
      throw err;
    }
  }

  async release(poolId: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: jobKey(poolId) } },
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :o',
          ExpressionAttributeValues: { ':o': { S: owner } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async setDesired(poolId: string, desired: DesiredState): Promise<JobState> {
    try {
      const r = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: jobKey(poolId) } },
          UpdateExpression: 'SET desired = :d',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':d': { S: desired } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(r.Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        throw new JobNotFoundError(`no failover job for pool ${poolId}`);
      throw err;
    }
  }
}

/** What goes in the `state` attribute: everything but what the conditions read. */
function body(state: JobState): Omit<JobState, 'desired' | 'lease' | 'version'> {
  const { desired: _d, lease: _l, version: _v, ...rest } = state;
  return rest;
}

function fromItem(item: Record<string, AttributeValue>): JobState {
  const rest = JSON.parse(item.state?.S ?? '{}') as Omit<JobState, 'desired' | 'lease' | 'version'>;
  const owner = item.leaseOwner?.S;
  return {
    ...rest,
    phase: (item.phase?.S as JobState['phase']) ?? rest.phase,
    desired: (item.desired?.S as DesiredState) ?? 'running',
    lease: owner ? { owner, until: Number(item.leaseUntil?.N ?? 0) } : undefined,
    version: Number(item.version?.N ?? 0),
  };
}
