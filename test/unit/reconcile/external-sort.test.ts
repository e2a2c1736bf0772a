import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalSort, LINE_OVERHEAD_BYTES, sortedOutput } from '../../../src/reconcile/external-sort';
import { encodeUserWithGroups, identityKeyOf } from '../../../src/reconcile/keyed-listing';
import { compareKeys, escapeKey, keyedLine, keyOf, mergeJoin } from '../../../src/reconcile/merge-join';
import { LineCursor, type SortedFileInfo, sortedFrames } from '../../../src/reconcile/sorted-file';

const dir = () => mkdtempSync(join(tmpdir(), 'reconcile-sort-'));

async function* from(lines: string[], skip = 0): AsyncGenerator<string> {
  for (const line of lines.slice(skip)) yield line;
}

async function read(d: string, info: SortedFileInfo): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of sortedFrames(d, info)) out.push(...frame);
  return out;
}

/** A deterministic shuffle of `n` lines with repeated values. */
function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `k${((i * 7919) % 97).toString().padStart(3, '0')}\t${(i * 31) % 13}`);
}

describe('external sort', () => {
  test('sorts across many runs and merge rounds, keeping duplicates, in parts of a bounded size', async () => {
    const d = dir();
    const input = lines(1000);
    const info = await externalSort((skip) => from(input, skip), {
      dir: d,
      name: 'x',
      tag: 't',
      runLines: 37,
      fanIn: 3,
      partLines: 300,
    });
    expect(await read(d, info)).toEqual([...input].sort());
    expect(info.lines).toBe(1000);
    expect(info.parts.map((p) => p.name)).toEqual(['x.0.gz', 'x.1.gz', 'x.2.gz', 'x.3.gz']);
    // Runs and merge rounds are gone; the output and its manifest stay.
    expect(readdirSync(d).sort()).toEqual(['x.0.gz', 'x.1.gz', 'x.2.gz', 'x.3.gz', 'x.sort.json']);
    rmSync(d, { recursive: true, force: true });
  });

  test('a run is bounded by memory, counted as characters plus a per-line overhead: short lines make short runs', async () => {
    const d = dir();
    // 100 lines of 6 characters; a budget of 10 such lines per run. By characters alone, the
    // 600 characters would fit in two runs of 50 lines (group-member lines are this short).
    const input = Array.from({ length: 100 }, (_, i) => `k${String(99 - i).padStart(3, '0')}\t1`);
    let runs = 0;
    const info = await externalSort((skip) => from(input, skip), {
      dir: d,
      name: 'b',
      tag: 't',
      runBytes: 10 * (6 + LINE_OVERHEAD_BYTES),
      checkpoint: () => void runs++, // called once before each run is written (and every 65,536 lines merged)
    });
    expect(runs).toBe(10);
    expect(await read(d, info)).toEqual([...input].sort());
    rmSync(d, { recursive: true, force: true });
  });

  test('an empty input gives an empty file; a complete sort is not done again', async () => {
    const d = dir();
    const empty = await externalSort(() => from([]), { dir: d, name: 'e', tag: 't' });
    expect(empty.lines).toBe(0);
    expect(await read(d, empty)).toEqual([]);
    let reads = 0;
    const again = await externalSort(
      () => {
        reads++;
        return from([]);
      },
      { dir: d, name: 'e', tag: 't' },
    );
    expect(again).toEqual(empty);
    expect(reads).toBe(0);
    expect(await sortedOutput(d, 'e', 't')).toEqual(empty);
    expect(await sortedOutput(d, 'e', 'another input')).toBeUndefined();
  });

  test('stopped between runs, it resumes with the runs written and reads its input on from there', async () => {
    const d = dir();
    const input = lines(500);
    let runs = 0;
    const stopAfterThree = () => {
      if (++runs > 3) throw new Error('stop');
    };
    await expect(
      externalSort((skip) => from(input, skip), {
        dir: d,
        name: 's',
        tag: 't',
        runLines: 50,
        checkpoint: stopAfterThree,
      }),
    ).rejects.toThrow('stop');
    const skips: number[] = [];
    const info = await externalSort(
      (skip) => {
        skips.push(skip);
        return from(input, skip);
      },
      { dir: d, name: 's', tag: 't', runLines: 50 },
    );
    expect(skips).toEqual([150]);
    expect(await read(d, info)).toEqual([...input].sort());
  });

  test('stopped mid-merge, it keeps the output parts already closed and writes only the rest', async () => {
    const d = dir();
    const input = lines(1000);
    let calls = 0;
    const options = { dir: d, name: 'm', tag: 't', runLines: 100, partLines: 100, checkEvery: 50 };
    // 10 calls between runs, then one every 50 merged lines: stop at the 250th line merged.
    await expect(
      externalSort((skip) => from(input, skip), {
        ...options,
        checkpoint: () => {
          if (++calls === 15) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    const manifest = JSON.parse(readFileSync(join(d, 'm.sort.json'), 'utf8'));
    expect(manifest.partial.lines).toBe(200);
    const kept = statSync(join(d, 'm.1.gz')).mtimeMs;
    const skips: number[] = [];
    const info = await externalSort((skip) => {
      skips.push(skip);
      return from(input, skip);
    }, options);
    expect(skips).toEqual([1000]); // every run was written: nothing read again
    expect(await read(d, info)).toEqual([...input].sort());
    expect(info.parts).toHaveLength(10);
    expect(statSync(join(d, 'm.1.gz')).mtimeMs).toBe(kept);
  });

  test('a run lost since (a lost /tmp) is sorted again from its input; another input starts over', async () => {
    const d = dir();
    const input = lines(300);
    let runs = 0;
    await expect(
      externalSort((skip) => from(input, skip), {
        dir: d,
        name: 'l',
        tag: 't',
        runLines: 50,
        checkpoint: () => {
          if (++runs > 4) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    rmSync(join(d, 'l.run-1.0.gz'));
    const skips: number[] = [];
    const info = await externalSort(
      (skip) => {
        skips.push(skip);
        return from(input, skip);
      },
      { dir: d, name: 'l', tag: 't', runLines: 50 },
    );
    expect(skips).toEqual([50]);
    expect(await read(d, info)).toEqual([...input].sort());
    const other = ['b', 'a'];
    const fresh = await externalSort((skip) => from(other, skip), { dir: d, name: 'l', tag: 'u', runLines: 50 });
    expect(await read(d, fresh)).toEqual(['a', 'b']);
  });
});

describe('keyed lines and the merge join', () => {
  const cursor = async (values: string[]) =>
    LineCursor.open(
      (async function* () {
        // Frames of two lines: the join crosses frame boundaries.
        for (let i = 0; i < values.length; i += 2) yield values.slice(i, i + 2);
      })(),
    );
  const join2 = async (left: string[], right: string[]) => {
    const out: { key: string; left: string[]; right: string[] }[] = [];
    for await (const g of mergeJoin(await cursor(left), await cursor(right))) out.push(g);
    return out;
  };

  test('every key once, in order, with its lines on each side: keys on one side only, duplicates on both', async () => {
    const left = ['a\t1', 'b\t1', 'b\t2', 'd\t1'].sort();
    const right = ['b\tx', 'b\ty', 'c\tx', 'd\tx', 'e\tx'].sort();
    expect(await join2(left, right)).toEqual([
      { key: 'a', left: ['a\t1'], right: [] },
      { key: 'b', left: ['b\t1', 'b\t2'], right: ['b\tx', 'b\ty'] },
      { key: 'c', left: [], right: ['c\tx'] },
      { key: 'd', left: ['d\t1'], right: ['d\tx'] },
      { key: 'e', left: [], right: ['e\tx'] },
    ]);
  });

  test('empty sides', async () => {
    expect(await join2([], [])).toEqual([]);
    expect(await join2(['a\t1'], [])).toEqual([{ key: 'a', left: ['a\t1'], right: [] }]);
    expect(await join2([], ['a\t1'])).toEqual([{ key: 'a', left: [], right: ['a\t1'] }]);
  });

  test('a key that is a prefix of another sorts first, as whole lines sort; escaped keys never hold a TAB', async () => {
    const keys = ['ab', 'a', 'a b', 'a\tb', 'a\\b', 'a\nb', 'é', 'a!'].map(escapeKey);
    for (const k of keys) expect([...k].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    const left = keys.map((k) => keyedLine(k, 'L')).sort();
    const right = keys.map((k) => keyedLine(k, 'R')).sort();
    expect(left.map(keyOf)).toEqual([...keys].sort(compareKeys));
    const groups = await join2(left, right);
    expect(groups.map((g) => [g.left.length, g.right.length])).toEqual(keys.map(() => [1, 1]));
  });

  test('identity keys: the username, or the lower-cased e-mail or phone; none for a user without one', () => {
    const user = { username: 'Ann', attributes: { email: 'Ann@Example.com', sub: 's' } };
    expect(identityKeyOf(user, ['username'])).toBe('Ann');
    expect(identityKeyOf(user, ['email', 'phone_number'])).toBe('email=ann@example.com');
    expect(identityKeyOf({ username: 'x', attributes: {} }, ['email', 'phone_number'])).toBe('');
    expect(encodeUserWithGroups({ ...user, enabled: true, status: 'CONFIRMED', groups: ['g'] })).toBe(
      '["Ann",1,"CONFIRMED",["email","Ann@Example.com","sub","s"],["g"]]',
    );
  });
});
