/**
 * Faults of the failover job: the job killed at random points (no user sent twice, none skipped),
 * its storage briefly failing (the local S3 answering SlowDown, DynamoDB errors and a save whose
 * answer is lost). Cognito is the unit tests' fake standby; the storage is real emulators where
 * the fault is theirs. Seeded: the same kills on every run. No timing assertions.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoEmulator, startDynamoEmulator } from '../../scripts/local/dynamodb';
import { type S3Emulator, startS3Emulator } from '../../scripts/local/s3';
import {
  DynamoJobStore,
  type JobStore,
  jobStatus,
  listingTotals,
  type ManifestStore,
  runJobSession,
  S3ManifestStore,
} from '../../src/failover/job';
import { createFailoverTable } from '../support/failover-job';
import { POOL_ID, replica, setup } from '../unit/failover/job/fakes';

jest.setTimeout(120_000);

const many = (n: number) => Array.from({ length: n }, (_, i) => replica(i));

/** A seeded random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Killed extends Error {
  override readonly name = 'Killed';
}

/**
 * The process: every call to its storage and its sender counts as a step; at step `at` it dies,
 * and from then on nothing it does reaches anything (its lease is left held, as after a real kill).
 */
class Process {
  steps = 0;
  dead = false;
  constructor(readonly at: number) {}

  step(): void {
    if (this.dead) throw new Killed('dead');
    if (++this.steps >= this.at) {
      this.dead = true;
      throw new Killed(`killed at step ${this.at}`);
    }
  }

  store(inner: JobStore): JobStore {
    const wrap =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        this.step();
        return fn(...a);
      };
    return {
      location: inner.location,
      get: wrap(inner.get.bind(inner)),
      create: wrap(inner.create.bind(inner)),
      acquire: wrap(inner.acquire.bind(inner)),
      // The kill may fall after the write: the save is durable, its answer never arrives.
      save: async (state, until) => {
        if (this.dead) throw new Killed('dead');
        const saved = await inner.save(state, until);
        this.step();
        return saved;
      },
      release: wrap(inner.release.bind(inner)),
      setDesired: wrap(inner.setDesired.bind(inner)),
    };
  }

  manifests(inner: ManifestStore): ManifestStore {
    return {
      location: inner.location,
      putPart: async (...a) => {
        this.step();
        return inner.putPart(...a);
      },
      getPart: async (...a) => {
        this.step();
        return inner.getPart(...a);
      },
    };
  }
}

describe.each([1, 2, 3, 4])('failover job killed at random points (seed %i)', (seed) => {
  it('resumes after each kill until done: every user exactly one code, none skipped', async () => {
    const users = many(120);
    const s = await setup(users, { pageSize: 4 });
    const draw = random(seed);
    let kills = 0;
    let status = 'stopped';
    for (let session = 0; session < 200 && status !== 'done'; session++) {
      const proc = new Process(1 + Math.floor(draw() * 40));
      // A kill inside the sender: after the code went out, before its outcome was counted.
      if (draw() < 0.3) s.sending.killAfter(1 + Math.floor(draw() * 10));
      const deps = {
        ...s.deps,
        store: proc.store(s.store),
        manifests: proc.manifests(s.manifests),
        retry: { attempts: 1 },
      };
      try {
        status = (await runJobSession(deps, { poolId: POOL_ID, owner: `p${session}`, deadline: Date.now() + 60_000 }))
          .status;
      } catch (err) {
        if (!(err instanceof Killed) && (err as Error).message !== 'killed') throw err;
        kills++;
        status = 'killed';
      }
      s.clock.advance(121_000); // the dead process's lease lapses
    }
    expect(status).toBe('done');
    expect(kills).toBeGreaterThan(3);
    expect(s.sending.sentOnce).toBe(users.length);
    expect(s.sending.sentTwice).toBe(0);
    const end = (await s.store.get(POOL_ID))!;
    expect(listingTotals(end)).toMatchObject({ listed: users.length, toSend: users.length });
    expect(jobStatus(end, 0).left).toBe(0);
  });
});

describe('failover job storage briefly failing', () => {
  let dynamo: DynamoEmulator;
  let s3: S3Emulator;
  let db: DynamoDBClient;
  beforeAll(async () => {
    dynamo = await startDynamoEmulator();
    s3 = await startS3Emulator();
    s3.createBucket('state');
    db = dynamo.client({ maxAttempts: 1 });
  });
  afterAll(async () => {
    db.destroy();
    await s3.stop();
    await dynamo.stop();
  });

  it('S3 answering SlowDown and DynamoDB failing now and then: retried, the job finishes, one code each', async () => {
    await createFailoverTable(db, 'failover-faults');
    const s = await setup(many(90), { pageSize: 5 });
    const dynamoStore = new DynamoJobStore(db, 'failover-faults');
    await dynamoStore.create((await s.store.get(POOL_ID))!);
    let calls = 0;
    let failures = 0;
    // Every 7th DynamoDB call fails (a 500 past the SDK's retries), before it reaches the table.
    const flaky: JobStore = new Proxy(dynamoStore, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || prop === 'location') return v;
        return async (...a: unknown[]) => {
          if (++calls % 7 === 0) {
            failures++;
            throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalServerError' });
          }
          return v.apply(target, a);
        };
      },
    });
    const manifests = new S3ManifestStore(s3.client(), 'state', POOL_ID);
    const deps = { ...s.deps, store: flaky, manifests, retry: { attempts: 6, baseMs: 1 } };
    let n = 0;
    s.sending.onSend = () => {
      if (++n % 20 === 0) s3.failNext(2);
    };
    s3.failNext(3);
    let status = 'stopped';
    for (let i = 0; i < 20 && status !== 'done'; i++) {
      status = (await runJobSession(deps, { poolId: POOL_ID, owner: `p${i}`, deadline: Date.now() + 60_000 })).status;
      s.clock.advance(121_000);
    }
    expect(status).toBe('done');
    expect(failures).toBeGreaterThan(3);
    expect(s.sending.sentOnce).toBe(90);
    expect(s.sending.sentTwice).toBe(0);
    expect(jobStatus((await dynamoStore.get(POOL_ID))!, 0)).toMatchObject({ phase: 'done', left: 0 });
  });

  it('a save whose answer is lost: the session stops (lease lost), the next one goes on from the saved state', async () => {
    await createFailoverTable(db, 'failover-lost');
    const s = await setup(many(40), { pageSize: 5 });
    const dynamoStore = new DynamoJobStore(db, 'failover-lost');
    await dynamoStore.create((await s.store.get(POOL_ID))!);
    let saves = 0;
    const lossy: JobStore = Object.create(dynamoStore, {
      save: {
        value: async (state: Parameters<JobStore['save']>[0], until: number) => {
          const saved = await dynamoStore.save(state, until);
          if (++saves === 10) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          return saved;
        },
      },
    });
    const deps = { ...s.deps, store: lossy, retry: { attempts: 3, baseMs: 1 } };
    const first = await runJobSession(deps, { poolId: POOL_ID, owner: 'a', deadline: Date.now() + 60_000 });
    expect(first.status).toBe('lease-lost');
    const second = await runJobSession(deps, { poolId: POOL_ID, owner: 'b', deadline: Date.now() + 60_000 });
    expect(second.status).toBe('done');
    expect(s.sending.sentOnce).toBe(40);
    expect(s.sending.sentTwice).toBe(0);
  });
});
