/**
 * The journal writer: collects what one worker batch saw and writes it as ONE object (gzip JSON
 * lines) under `journal/`, plus one erasure ledger entry per self-deleted user, through the
 * put-new-only {@link BackupStore}.
 *
 * Sequence numbers: each writer (one per Lambda container) has a random `writerId` and numbers
 * its objects 1, 2, 3, ... A number advances only once its object is known to be stored, so a
 * writer's numbers have no holes: a reader that finds one has found a lost object. A write that
 * failed may still have landed (a timeout after S3 stored it): the number is then used again with
 * a later time in the key, so a number may appear twice (the same records twice: replaying them
 * is harmless), never be skipped. An `exists` answer (the key is taken) moves on to the next
 * number.
 *
 * Failure policy: a batch whose journal object or erasure entries cannot be written has every
 * message that contributed to it reported failed, so SQS delivers them again and the retry
 * re-reads and re-records the users (replication is idempotent: the retry writes nothing to the
 * standby). A write is never dropped silently; after the queue's `maxReceiveCount` the messages
 * land in the DLQ, where the redrive tool finds them.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { ConfigError, describeError } from '../core/errors';
import { logger, MetricUnit, metrics } from '../observability';
import { JournalKeysTakenError } from './journal-errors';
import { encodeJournal, JOURNAL_CONTENT_TYPE } from './journal-format';
import type { JournalEntries } from './journal-records';
import { erasureKey, journalKey, poolRoot } from './keys';
import type { BackupStore } from './store';
import type { ErasureRecord, JournalRecord } from './types';

/** How often a taken key (`exists`) moves the writer to the next number before it gives up. */
const MAX_TAKEN_KEYS = 3;

/** A writer id: lower-case letters and digits (the key separates its parts with `-`). */
const WRITER_ID = /^[0-9a-z]{1,32}$/;

/** Where and how a {@link JournalWriter} writes. */
export interface JournalWriterOptions {
  store: BackupStore;
  /** The source pool: objects go under `<prefix>/<poolId>/`. */
  poolId: string;
  prefix?: string;
  /** Default: 12 random hex digits (one writer per container; 48 bits keep containers apart). */
  writerId?: string;
  /** Milliseconds since the epoch (the key's time). Default `Date.now`. */
  now?: () => number;
}

/** What one write stored. */
export interface JournalWrite {
  /** The journal object's key; absent when the batch had no record. */
  key?: string;
  seq?: number;
  records: number;
  erasures: number;
}

/**
 * Writes journal objects for one source pool. Writes are serialised, so that numbers follow the
 * order objects are stored in.
 *
 * @example
 * const journal = new JournalWriter({ store: new S3BackupStore(s3, 'backups'), poolId, prefix: 'cognito' });
 * const batch = journal.batch();
 * batch.add(record.messageId, journalEntriesOf(change));
 * const retry = await batch.flush(); // message ids to report failed
 */
export class JournalWriter {
  readonly writerId: string;
  readonly root: string;
  private nextSeq = 1;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: JournalWriterOptions) {
    this.writerId = options.writerId ?? randomUUID().replace(/-/g, '').slice(0, 12);
    if (!WRITER_ID.test(this.writerId)) throw new ConfigError(`writer id "${this.writerId}" must be 1-32 of [0-9a-z]`);
    this.root = poolRoot(options.prefix ?? '', options.poolId);
    this.now = options.now ?? Date.now;
  }

  /** A collector for one worker batch. */
  batch(): JournalBatch {
    return new JournalBatch(this);
  }

  /** The number the next object will carry. */
  get sequence(): number {
    return this.nextSeq;
  }

  /**
   * Writes the erasure entries (an entry already there is kept: it says the same), then the
   * records as one object. Throws when either cannot be stored; nothing is numbered then.
   */
  write(records: readonly JournalRecord[], erasures: readonly ErasureRecord[] = []): Promise<JournalWrite> {
    const run = this.tail.then(() => this.writeNow(records, erasures));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async writeNow(records: readonly JournalRecord[], erasures: readonly ErasureRecord[]): Promise<JournalWrite> {
    for (const e of erasures) {
      await this.options.store.putNew(erasureKey(this.root, e.sub), Buffer.from(JSON.stringify(e)), 'application/json');
    }
    if (records.length === 0) return { records: 0, erasures: erasures.length };
    const body = encodeJournal(records);
    for (let taken = 0; ; taken++) {
      const seq = this.nextSeq;
      const key = journalKey(this.root, new Date(this.now()), this.writerId, seq);
      const answer = await this.options.store.putNew(key, body, JOURNAL_CONTENT_TYPE);
      // Stored, or the key is taken (by an earlier write of this number that failed late): either
      // way the number is used.
      this.nextSeq = seq + 1;
      if (answer === 'written') return { key, seq, records: records.length, erasures: erasures.length };
      if (taken + 1 >= MAX_TAKEN_KEYS)
        throw new JournalKeysTakenError(`journal keys taken ${MAX_TAKEN_KEYS} times in a row (${key})`);
    }
  }
}

/** What one worker batch contributes to the journal, by the queue message that brought it. */
export class JournalBatch {
  private readonly records: JournalRecord[] = [];
  private readonly erasures: ErasureRecord[] = [];
  private readonly contributors = new Set<string>();

  constructor(private readonly writer: JournalWriter) {}

  /** Adds a handled message's entries (nothing is kept for a message with none). */
  add(messageId: string, entries: JournalEntries): void {
    if (entries.unlocatable) metrics.addMetric('JournalUnlocatableDeletions', MetricUnit.Count, 1);
    if (entries.records.length === 0 && entries.erasures.length === 0) return;
    this.records.push(...entries.records);
    this.erasures.push(...entries.erasures);
    this.contributors.add(messageId);
  }

  /** Records collected so far. */
  get size(): number {
    return this.records.length;
  }

  /**
   * Writes the batch's object and erasure entries. Returns the message ids to report failed: none
   * when stored, every contributor when not (see the module notes).
   */
  async flush(): Promise<string[]> {
    if (this.contributors.size === 0) return [];
    try {
      const w = await this.writer.write(this.records, this.erasures);
      if (w.key) metrics.addMetric('JournalObjectsWritten', MetricUnit.Count, 1);
      metrics.addMetric('JournalRecords', MetricUnit.Count, w.records);
      if (w.erasures) metrics.addMetric('ErasuresRecorded', MetricUnit.Count, w.erasures);
      return [];
    } catch (err) {
      logger.error('could not write the backup journal; the batch messages will be retried', {
        writerId: this.writer.writerId,
        records: this.records.length,
        erasures: this.erasures.length,
        error: describeError(err),
      });
      metrics.addMetric('JournalWriteFailures', MetricUnit.Count, 1);
      return [...this.contributors];
    }
  }
}
