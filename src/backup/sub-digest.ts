/**
 * An order-free digest of a set of `sub`s, by bucket (the `sub`'s first two characters): a count
 * and an XOR of hashes per bucket. Two listings in any order agree on a bucket when they hold the
 * same subs there (up to a 64-bit collision), in constant memory: the verify compares the
 * snapshot and the live pool with it, then looks closely only at the buckets that differ.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/** The bucket of a `sub`: its first two characters (256 buckets for UUIDs). */
export function bucketOf(sub: string): string {
  return sub.slice(0, 2);
}

interface Bucket {
  count: number;
  hi: number;
  lo: number;
}

export class SubDigest {
  private readonly buckets = new Map<string, Bucket>();

  add(sub: string): void {
    const h = createHash('sha1').update(sub).digest();
    const key = bucketOf(sub);
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { count: 0, hi: 0, lo: 0 }));
    b.count++;
    b.hi ^= h.readUInt32BE(0);
    b.lo ^= h.readUInt32BE(4);
  }

  /** Subs added. */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.count;
    return n;
  }

  /** The buckets where this digest and `other` differ, sorted. */
  differingBuckets(other: SubDigest): string[] {
    const keys = new Set([...this.buckets.keys(), ...other.buckets.keys()]);
    const same = (a?: Bucket, b?: Bucket) =>
      (a?.count ?? 0) === (b?.count ?? 0) && (a?.hi ?? 0) === (b?.hi ?? 0) && (a?.lo ?? 0) === (b?.lo ?? 0);
    return [...keys].filter((k) => !same(this.buckets.get(k), other.buckets.get(k))).sort();
  }
}
