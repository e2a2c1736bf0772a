import { Condition, forEachLimit, Semaphore, TaskPool } from '../../../src/core/concurrency';

/** A promise settled by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending microtask and promise callback run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('forEachLimit', () => {
  test('never more than `limit` calls in flight; every item once, in order of start', async () => {
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const done = forEachLimit([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      most = Math.max(most, ++inFlight);
      await gates[i].promise;
      inFlight--;
    });
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  test('after a failure nothing new starts, and the error is thrown once the calls in flight settled', async () => {
    const slow = deferred();
    const started: number[] = [];
    let slowDone = false;
    const done = forEachLimit([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      if (i === 0) {
        await slow.promise;
        slowDone = true;
      }
      if (i === 1) throw new Error('boom');
    });
    let thrown: unknown;
    done.catch((e) => {
      thrown = e;
    });
    await settle();
    expect(thrown).toBeUndefined(); // item 0 still running
    slow.resolve();
    await expect(done).rejects.toThrow('boom');
    expect(slowDone).toBe(true);
    expect(started).toEqual([0, 1]);
  });

  test('an aborted signal starts nothing more; calls in flight finish', async () => {
    const controller = new AbortController();
    const gate = deferred();
    const started: number[] = [];
    const done = forEachLimit(
      [0, 1, 2, 3],
      1,
      async (i) => {
        started.push(i);
        if (i === 1) await gate.promise;
      },
      { signal: controller.signal },
    );
    await settle();
    expect(started).toEqual([0, 1]);
    controller.abort();
    gate.resolve();
    await done;
    expect(started).toEqual([0, 1]);
  });

  test('a limit below 1 still runs the items one at a time', async () => {
    const seen: number[] = [];
    await forEachLimit([1, 2, 3], 0, async (i) => {
      seen.push(i);
    });
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('Semaphore', () => {
  test('at most `limit` holders; the others get the place in arrival order; release is idempotent', async () => {
    const gate = new Semaphore(1);
    const first = await gate.acquire();
    const order: string[] = [];
    const b = gate.acquire().then((r) => (order.push('b'), r));
    const c = gate.acquire().then((r) => (order.push('c'), r));
    await settle();
    expect(gate.inUse).toBe(1);
    expect(gate.waiting).toBe(2);
    first();
    first();
    const releaseB = await b;
    await settle();
    expect(order).toEqual(['b']);
    releaseB();
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(gate.inUse).toBe(0);
  });

  test('refuses a limit that is not a whole number of at least 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });
});

describe('Condition', () => {
  test('resolves at once when the predicate holds, otherwise at the notify after it holds', async () => {
    const condition = new Condition();
    let ready = false;
    await condition.until(() => true);
    let resolved = false;
    const waiting = condition
      .until(() => ready)
      .then(() => {
        resolved = true;
      });
    await settle();
    condition.notify(); // not yet
    await settle();
    expect(resolved).toBe(false);
    expect(condition.waiting).toBe(1);
    ready = true;
    condition.notify();
    await waiting;
    expect(resolved).toBe(true);
    expect(condition.waiting).toBe(0);
  });

  test('a predicate that throws ends the wait with its error', async () => {
    const condition = new Condition();
    let failed = false;
    const waiting = condition.until(() => {
      if (failed) throw new Error('listing failed');
      return false;
    });
    failed = true;
    condition.notify();
    await expect(waiting).rejects.toThrow('listing failed');
  });

  test('an abort wakes the waiter, which rejects with the reason', async () => {
    const condition = new Condition();
    const controller = new AbortController();
    const waiting = condition.until(() => false, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(condition.waiting).toBe(0);
  });
});

describe('TaskPool', () => {
  test('add waits for a free place; onIdle resolves once every task settled', async () => {
    const pool = new TaskPool(2);
    const gates = [deferred(), deferred(), deferred()];
    await pool.add(() => gates[0].promise);
    await pool.add(() => gates[1].promise);
    expect(pool.size).toBe(2);
    let third = false;
    const adding = pool
      .add(() => gates[2].promise)
      .then(() => {
        third = true;
      });
    await settle();
    expect(third).toBe(false);
    gates[0].resolve();
    await adding;
    expect(pool.size).toBe(2);
    let idle = false;
    const idling = pool.onIdle().then(() => {
      idle = true;
    });
    gates[1].resolve();
    await settle();
    expect(idle).toBe(false);
    gates[2].resolve();
    await idling;
    expect(pool.size).toBe(0);
    await pool.onIdle(); // idle already: resolves at once
  });

  test('with onError every error is handed over and the pool goes on', async () => {
    const errors: unknown[] = [];
    const pool = new TaskPool(1, { onError: (e) => errors.push(e) });
    expect(await pool.add(() => Promise.reject(new Error('a')))).toBe(true);
    expect(await pool.add(() => Promise.reject(new Error('b')))).toBe(true);
    await pool.onIdle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['a', 'b']);
    expect(pool.failure).toBeUndefined();
  });

  test('without onError the first error is kept and no later task starts', async () => {
    const pool = new TaskPool(1);
    await pool.add(() => Promise.reject(new Error('first')));
    let ran = false;
    expect(
      await pool.add(async () => {
        ran = true;
      }),
    ).toBe(false);
    await pool.onIdle();
    expect(ran).toBe(false);
    expect(pool.failure?.error).toEqual(new Error('first'));
  });
});
