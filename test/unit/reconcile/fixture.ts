/** Shared set-up of the reconciler's unit tests: two fake Regions with a pool each, virtual time. */
import { mkdtempSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoModel as FakeCognito,
  isUserWrite,
  type ModelPool as FakePool,
  type PoolOptions as FakePoolOptions,
} from '../../../scripts/local/cognito-model';
import type { CognitoGateway } from '../../../src/cognito/gateway';
import { cognitoGateway } from '../../../src/config/wiring';
import type { Clock } from '../../../src/cognito/limiter';
import type { QuotaCategory } from '../../../src/cognito/quotas';
import { type CheckpointStore, MemoryCheckpointStore } from '../../../src/reconcile/checkpoint';
import { reconcile, type ReconcileOptions, type ReconcileResult } from '../../../src/reconcile/run';
import { uniquePoolId, VirtualClock } from '../helpers';

export interface PairOptions {
  usernameAttributes?: FakePoolOptions['usernameAttributes'];
  targetUsernameAttributes?: FakePoolOptions['usernameAttributes'];
  quotas?: Partial<Record<QuotaCategory, number>>;
  latencyMs?: number;
  /** Leave the suite's attributes out of the target schema. */
  bareTarget?: boolean;
  /** More settings of the target pool (MFA, auto-verified attributes). */
  target?: Pick<FakePoolOptions, 'mfaConfiguration' | 'autoVerifiedAttributes'>;
}

export class Pair {
  readonly clock = new VirtualClock();
  readonly east: FakeCognito;
  readonly west: FakeCognito;
  readonly source: FakePool;
  readonly target: FakePool;
  readonly dir = mkdtempSync(join(tmpdir(), 'reconcile-test-'));
  store: CheckpointStore;

  constructor(readonly options: PairOptions = {}) {
    this.east = new FakeCognito({ clock: this.clock, quotas: options.quotas, latencyMs: options.latencyMs });
    this.west = new FakeCognito({ clock: this.clock, quotas: options.quotas, latencyMs: options.latencyMs });
    this.source = this.east.addPool({
      id: uniquePoolId('us-east-1'),
      usernameAttributes: options.usernameAttributes,
      customAttributes: ['tier', 'source_sub', 'source_mfa'],
    });
    this.target = this.west.addPool({
      id: uniquePoolId('us-west-2'),
      usernameAttributes: options.targetUsernameAttributes ?? options.usernameAttributes,
      customAttributes: options.bareTarget ? ['tier'] : ['tier', 'source_sub', 'source_mfa'],
      ...options.target,
    });
    this.store = new MemoryCheckpointStore(this.dir);
  }

  gateways(clock: Clock = this.clock): { source: CognitoGateway; target: CognitoGateway } {
    // Each side its own limiter (another Region), no headroom: the tests set the quotas they mean.
    const budget = { clock, headroom: 0, quotas: this.options.quotas };
    return {
      source: cognitoGateway(
        { region: 'us-east-1', poolId: this.source.options.id },
        { client: this.east.client, ...budget },
      ),
      target: cognitoGateway(
        { region: 'us-west-2', poolId: this.target.options.id },
        { client: this.west.client, ...budget },
      ),
    };
  }

  /** Runs the reconciler on virtual time. */
  run(options: Partial<ReconcileOptions> = {}): Promise<ReconcileResult> {
    return this.clock.run(reconcile({ ...this.gateways(), store: this.store, clock: this.clock, ...options }));
  }

  /** A source user and (optionally) its in-sync replica. */
  user(
    name: string,
    options: {
      attributes?: Record<string, string>;
      groups?: string[];
      replica?: boolean;
      enabled?: boolean;
      status?: string;
    } = {},
  ) {
    const attributes = {
      email: `${name}@example.com`,
      email_verified: 'true',
      name: name.toUpperCase(),
      ...options.attributes,
    };
    const u = this.source.put({
      Username: name,
      Attributes: attributes,
      Enabled: options.enabled ?? true,
      UserStatus: options.status,
    });
    for (const g of options.groups ?? []) this.source.group(g).members.add(u.Username);
    let r: ReturnType<typeof this.target.put> | undefined;
    if (options.replica) {
      const replicaAttributes: Record<string, string> = { ...attributes, 'custom:source_sub': u.Attributes.sub };
      r = this.target.put({ Username: name, Attributes: replicaAttributes, Enabled: options.enabled ?? true });
      for (const g of options.groups ?? []) this.target.group(g).members.add(r.Username);
    }
    return { source: u, replica: r };
  }
}

/** Successful write calls of a fake, as `op user [group]` keys, in order. */
export function writeKeys(fake: FakeCognito): string[] {
  return fake.log
    .filter((c) => c.result === 'ok' && isUserWrite(c.op) && c.op !== 'CreateGroup')
    .map((c) => `${c.op} ${c.username ?? ''} ${c.detail ?? ''}`.trim());
}

/** An in-memory S3 bucket behind a mocked S3Client (every S3Client instance): `objects` is its content. */
export function fakeBucket() {
  const objects = new Map<string, Buffer>();
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).callsFake(async (input) => {
    const b = input.Body;
    objects.set(
      input.Key,
      typeof b === 'string' ? Buffer.from(b) : Buffer.isBuffer(b) ? b : Buffer.concat(await (b as Readable).toArray()),
    );
    return {};
  });
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const b = objects.get(input.Key);
    if (!b) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: Object.assign(Readable.from([b]), { transformToString: async () => b.toString('utf8') }) };
  });
  s3.on(ListObjectsV2Command).callsFake(async (input) => ({
    Contents: [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })),
    IsTruncated: false,
  }));
  s3.on(DeleteObjectCommand).callsFake(async (input) => {
    objects.delete(input.Key);
    return {};
  });
  return { objects, s3 };
}
