/**
 * The rebuilt state on local disk, so that a pool of tens of millions is served page by page
 * without being held in memory: users in one JSON-lines file per first character of their `sub`
 * (the reconciler lists in those shards), the same users again in files bucketed by a hash of their
 * username (a look-up by name reads one bucket), group members one file per group, and
 * `state.json` (groups, stats) written last. Files are mode 0600: they hold personal data.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Semaphore } from '../../core/semaphore';
import type { GroupInfo, UserRecord } from '../../core/types';
import type { StateSink, StateStats } from './types';

/** Username buckets: a look-up by name reads about users / NAME_BUCKETS records. */
const NAME_BUCKETS = 1024;
/** Buffered bytes after which every pending line is written out. */
const FLUSH_BYTES = 8 * 1024 * 1024;
/** Files read at once (a reconciler reads thousands of users at a time: never as many open files). */
const READS_AT_ONCE = 32;
/** Bytes read at a time when paging through a file. */
const READ_BLOCK = 64 * 1024;

/** What `state.json` holds. */
interface StateIndex {
  groups: GroupInfo[];
  /** Group name -> its members file number. */
  memberFiles: Record<string, number>;
  stats?: StateStats;
  /** What the state was built for (backup, restore point, selection): a state for another is rebuilt. */
  key?: string;
}

/** The shard file of a sub: its first character when it is a hex digit, `_` otherwise. */
export function shardOf(sub: string): string {
  const c = sub.charAt(0).toLowerCase();
  return /^[0-9a-f]$/.test(c) ? c : '_';
}

/** The shards, in listing order. */
export const SHARDS = [...'0123456789abcdef'.split(''), '_'];

function bucketOf(username: string): number {
  return createHash('sha1').update(username).digest().readUInt32BE(0) % NAME_BUCKETS;
}

/** A user as one state line (its `createdAt` as ISO). */
function encode(user: UserRecord): string {
  return JSON.stringify({ ...user, createdAt: user.createdAt?.toISOString() });
}

function decode(line: string): UserRecord {
  const u = JSON.parse(line) as Omit<UserRecord, 'createdAt'> & { createdAt?: string };
  return { ...u, createdAt: u.createdAt ? new Date(u.createdAt) : undefined };
}

/** Lines appended to many files, buffered and written out in bulk. */
class Appender {
  private pending = new Map<string, string[]>();
  private bytes = 0;

  constructor(private readonly dir: string) {}

  async add(file: string, line: string): Promise<void> {
    const lines = this.pending.get(file) ?? [];
    if (!lines.length) this.pending.set(file, lines);
    lines.push(line);
    this.bytes += line.length + 1;
    if (this.bytes >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    this.bytes = 0;
    for (const [file, lines] of pending)
      await appendFile(join(this.dir, file), `${lines.join('\n')}\n`, { mode: 0o600 });
  }
}

/**
 * Writes the state handed on by `stateAt` into `dir` (emptied first).
 *
 * @example
 * const writer = await StateWriter.create(dir);
 * await writer.finish(await stateAt(options, writer));
 */
export class StateWriter implements StateSink {
  private readonly out: Appender;
  private readonly memberFiles = new Map<string, number>();
  private groupList: GroupInfo[] = [];

  private constructor(readonly dir: string) {
    this.out = new Appender(dir);
  }

  static async create(dir: string): Promise<StateWriter> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new StateWriter(dir);
  }

  async user(user: UserRecord): Promise<void> {
    const line = encode(user);
    await this.out.add(`users-${shardOf(user.attributes.sub)}.jsonl`, line);
    await this.out.add(`names-${bucketOf(user.username)}.jsonl`, line);
    for (const group of user.groups ?? []) {
      let n = this.memberFiles.get(group);
      if (n === undefined) {
        n = this.memberFiles.size;
        this.memberFiles.set(group, n);
      }
      await this.out.add(`members-${n}.jsonl`, JSON.stringify(user.username));
    }
  }

  groups(groups: GroupInfo[]): void {
    this.groupList = groups;
  }

  /** Writes what is buffered, then `state.json` (last: a state without it is not complete). */
  async finish(stats: StateStats, key?: string): Promise<void> {
    await this.out.flush();
    const index: StateIndex = { groups: this.groupList, memberFiles: Object.fromEntries(this.memberFiles), stats, key };
    await writeFile(join(this.dir, 'state.json'), JSON.stringify(index), { mode: 0o600 });
  }
}

/** One page of lines from a byte offset. */
async function readLines(path: string, offset: number, limit: number): Promise<{ lines: string[]; next?: number }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [] };
    throw err;
  }
  try {
    const lines: string[] = [];
    let position = offset;
    let carry = Buffer.alloc(0);
    const block = Buffer.alloc(READ_BLOCK);
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, READ_BLOCK, position);
      if (bytesRead === 0) return { lines };
      // Bytes, not text: a character cut by the block boundary is decoded whole with its line.
      const bytes = Buffer.concat([carry, block.subarray(0, bytesRead)]);
      const base = position - carry.length;
      let start = 0;
      for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, start)) {
        const line = bytes.toString('utf8', start, end);
        start = end + 1;
        if (line) lines.push(line);
        if (lines.length === limit) {
          const next = base + start;
          return { lines, next: next < (await handle.stat()).size ? next : undefined };
        }
      }
      carry = Buffer.from(bytes.subarray(start));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Every line of a file, a block at a time. */
async function* allLines(path: string): AsyncGenerator<string> {
  let offset: number | undefined = 0;
  while (offset !== undefined) {
    const page = await readLines(path, offset, 1000);
    yield* page.lines;
    offset = page.next;
  }
}

/** The rebuilt state in `dir`, read page by page. */
export class RestoredState {
  private readonly reads = new Semaphore(READS_AT_ONCE);

  private constructor(
    readonly dir: string,
    private readonly index: StateIndex,
  ) {}

  /** The state in `dir`, or `undefined` when there is none or it was not finished. */
  static async open(dir: string): Promise<RestoredState | undefined> {
    try {
      return new RestoredState(dir, JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as StateIndex);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  get key(): string | undefined {
    return this.index.key;
  }

  get stats(): StateStats | undefined {
    return this.index.stats;
  }

  get groups(): GroupInfo[] {
    return this.index.groups;
  }

  /** Up to `limit` users of one shard from `offset`, and the offset of the next page. */
  async usersPage(shard: string, offset: number, limit: number): Promise<{ users: UserRecord[]; next?: number }> {
    const page = await this.gated(() => readLines(join(this.dir, `users-${shard}.jsonl`), offset, limit));
    return { users: page.lines.map(decode), next: page.next };
  }

  /** Up to `limit` members (usernames) of a group from `offset`. */
  async membersPage(group: string, offset: number, limit: number): Promise<{ usernames: string[]; next?: number }> {
    const n = this.index.memberFiles[group];
    if (n === undefined) return { usernames: [] };
    const page = await this.gated(() => readLines(join(this.dir, `members-${n}.jsonl`), offset, limit));
    return { usernames: page.lines.map((l) => JSON.parse(l) as string), next: page.next };
  }

  /** The user of that username (one bucket read). */
  async byUsername(username: string): Promise<UserRecord | undefined> {
    const needle = `"username":${JSON.stringify(username)},`;
    return this.gated(async () => {
      for await (const line of allLines(join(this.dir, `names-${bucketOf(username)}.jsonl`))) {
        if (!line.includes(needle)) continue;
        const user = decode(line);
        if (user.username === username) return user;
      }
      return undefined;
    });
  }

  private async gated<T>(read: () => Promise<T>): Promise<T> {
    const release = await this.reads.acquire();
    try {
      return await read();
    } finally {
      release();
    }
  }

  /** Every user of the shards given (all by default) that `match` accepts. */
  async *scan(match: (user: UserRecord) => boolean, shards = SHARDS): AsyncGenerator<UserRecord> {
    for (const shard of shards)
      for await (const line of allLines(join(this.dir, `users-${shard}.jsonl`))) {
        const user = decode(line);
        if (match(user)) yield user;
      }
  }
}
