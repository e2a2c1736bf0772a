import { constants as fsConstants, promises as fsp, readFileSync } from 'node:fs';
import { acquireLockFile, LockHeldError } from '../../core/lockfile';
import { JournalError } from '../errors';
import type { ClaimResult, JournalEntry, SendJournal, SendOutcome } from '../journal-port';

/**
 * The send journal of the failover script: an append-only JSON-lines file, one record per line,
 * each fsynced before the next step. It names users by their standby `sub` only (no contact
 * data). Every reset is journaled as an `intent` *before* the request leaves and as an outcome
 * after, so a run stopped at any point is resumed without notifying anyone twice:
 *
 * - `sent`: done; never sent again.
 * - `failed`: Cognito answered with an error, so nothing was sent; a later run tries again.
 *   `reason: 'limit-exceeded'` marks a per-user or per-account limit (LimitExceededException).
 * - `uncertain`: the request may have reached Cognito (timeout, connection reset, 5xx).
 * - an `intent` with no outcome: the process died between the two records: the code may or may
 *   not have gone out.
 *
 * The last two are "maybe sent": never resent automatically, listed for the operator, and
 * resolved as sent when the standby shows the user in RESET_REQUIRED.
 */

export const JOURNAL_VERSION = 1;

export type JournalRecord =
  | { type: 'header'; v: number; region: string; poolId: string; at: string }
  | { type: 'intent'; sub: string; at: string /** The user's status when the send was decided. */; status?: string }
  | { type: 'sent'; sub: string; at: string }
  | { type: 'failed'; sub: string; at: string; error: string; reason?: 'limit-exceeded' }
  | { type: 'uncertain'; sub: string; at: string; error: string }
  | { type: 'resolved'; sub: string; at: string; outcome: 'sent'; by: string };

/** The journal replayed. */
export interface JournalState {
  header?: { region: string; poolId: string };
  bySub: Map<string, JournalEntry>;
  /** Records read. */
  records: number;
  /** The file ended in a partial line (a write cut short): ignored, it was never fsynced as a record. */
  tornTail: boolean;
}

/** Replays a journal's text. Pure. A `sent` state is final: no later record takes it back. */
export function replayJournal(text: string): JournalState {
  const state: JournalState = { bySub: new Map(), records: 0, tornTail: false };
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  if (last.trim() !== '') state.tornTail = true;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: JournalRecord;
    try {
      r = JSON.parse(line) as JournalRecord;
    } catch {
      throw new JournalError(
        `journal line ${i + 1} is not JSON: the file is damaged; do not delete it, it records who was already notified`,
      );
    }
    state.records++;
    if (r.type === 'header') {
      if (r.v !== JOURNAL_VERSION)
        throw new JournalError(`journal version ${r.v} is not supported (expected ${JOURNAL_VERSION})`);
      state.header ??= { region: r.region, poolId: r.poolId };
      return;
    }
    applyRecord(state, r);
  });
  return state;
}

/** Applies one outcome or intent record to the replayed state. A `sent` state is final. */
function applyRecord(state: JournalState, r: Exclude<JournalRecord, { type: 'header' }>): void {
  const current = state.bySub.get(r.sub);
  if (current?.state === 'sent') return;
  switch (r.type) {
    case 'intent':
      state.bySub.set(r.sub, {
        state: 'maybe-sent',
        at: r.at,
        error: 'stopped between journaling and sending',
        statusAtIntent: r.status,
      });
      break;
    case 'sent':
    case 'resolved':
      state.bySub.set(r.sub, { state: 'sent', at: r.at });
      break;
    case 'failed':
      state.bySub.set(r.sub, { state: 'failed', at: r.at, error: r.error, ...(r.reason && { reason: r.reason }) });
      break;
    case 'uncertain':
      state.bySub.set(r.sub, {
        state: 'maybe-sent',
        at: r.at,
        error: r.error,
        statusAtIntent: current?.statusAtIntent,
      });
      break;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new JournalError(`cannot read the journal ${path}: ${(err as Error).message}`);
  }
}

/** Reads and replays a journal file; an absent file is an empty journal. */
export function readJournal(path: string): JournalState {
  return replayJournal(readText(path));
}

/** Where journal records go. Each `append` resolves only once the record is durable. */
export interface JournalSink {
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a journal for appending: checks it belongs to this pool, takes its lock (one sender per
 * journal), cuts off a torn last line so the next record starts on its own line, and writes the
 * header of a new journal. Returns the replayed state and the sink.
 */
export async function openJournal(
  path: string,
  pool: { region: string; poolId: string },
): Promise<{ state: JournalState; sink: JournalSink }> {
  const text = readText(path);
  const state = replayJournal(text);
  if (state.header && (state.header.region !== pool.region || state.header.poolId !== pool.poolId)) {
    throw new JournalError(
      `journal ${path} belongs to pool ${state.header.region}/${state.header.poolId}, not ${pool.region}/${pool.poolId}: pass --journal with another file`,
    );
  }
  const releaseLock = await lock(`${path}.lock`);
  try {
    const handle = await fsp.open(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o600);
    // A torn last line was never a durable record (each record is one write, then fsync): cut it off.
    if (state.tornTail) await handle.truncate(Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    const sink = new FileJournalSink(handle, releaseLock);
    if (!state.header)
      await sink.append({
        type: 'header',
        v: JOURNAL_VERSION,
        region: pool.region,
        poolId: pool.poolId,
        at: new Date().toISOString(),
      });
    return { state, sink };
  } catch (err) {
    await releaseLock();
    throw err instanceof JournalError
      ? err
      : new JournalError(`cannot open the journal ${path}: ${(err as Error).message}`);
  }
}

/** Appends through one file handle, one record at a time, each followed by fsync. */
class FileJournalSink implements JournalSink {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly handle: fsp.FileHandle,
    private readonly releaseLock: () => Promise<void>,
  ) {}

  append(record: JournalRecord): Promise<void> {
    const text = `${JSON.stringify(record)}\n`;
    const next = this.chain.then(async () => {
      if (this.closed) throw new JournalError('journal is closed');
      try {
        await this.handle.appendFile(text, 'utf8');
        await this.handle.sync();
      } catch (err) {
        throw new JournalError(`cannot write the journal: ${(err as Error).message}`);
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
    await this.releaseLock();
  }
}

/** Takes the journal's lock file (one sender per journal); a lock whose process is gone is taken over. */
async function lock(path: string): Promise<() => Promise<void>> {
  try {
    const held = await acquireLockFile(path);
    return () => held.release();
  } catch (err) {
    if (err instanceof LockHeldError) {
      throw new JournalError(
        `another failover run (pid ${err.pid}) is using this journal; wait for it, or remove ${path} if that process is not a failover run`,
      );
    }
    throw new JournalError(`cannot lock the journal (${path}): ${(err as Error).message}`);
  }
}

/**
 * The file journal behind the {@link SendJournal} port: the replayed state in memory (local mode
 * is for small pools and the drill) and the sink that makes each record durable before the call
 * resolves. One process holds the file (its lock); concurrent claims of one user within that
 * process are made exclusive here.
 *
 * @example
 * const journal = await FileSendJournal.open('failover-journal.jsonl', { region, poolId });
 * try {
 *   const claim = await journal.claim(sub, { at: new Date().toISOString(), status: 'CONFIRMED' });
 *   // ... send, then journal.settle(sub, { type: 'sent', at })
 * } finally {
 *   await journal.close();
 * }
 */
export class FileSendJournal implements SendJournal {
  /** Users claimed and not yet settled by this process. */
  private readonly inFlight = new Set<string>();

  /**
   * @param state the journal as replayed (updated as records are written)
   * @param sink where records go
   * @param location the file, for messages
   */
  constructor(
    readonly state: JournalState,
    private readonly sink: JournalSink,
    readonly location = 'journal',
  ) {}

  /** Opens (or creates) the journal file of a pool: see {@link openJournal}. */
  static async open(path: string, pool: { region: string; poolId: string }): Promise<FileSendJournal> {
    const { state, sink } = await openJournal(path, pool);
    return new FileSendJournal(state, sink, path);
  }

  async entry(sub: string): Promise<JournalEntry | undefined> {
    return this.state.bySub.get(sub);
  }

  async claim(sub: string, intent: { at: string; status?: string; resendUncertain?: boolean }): Promise<ClaimResult> {
    const current = this.state.bySub.get(sub);
    const open =
      !this.inFlight.has(sub) &&
      (current === undefined ||
        current.state === 'failed' ||
        (!!intent.resendUncertain && current.state === 'maybe-sent'));
    if (!open) return { claimed: false, entry: current ?? { state: 'maybe-sent', at: intent.at } };
    this.inFlight.add(sub);
    const record = { type: 'intent' as const, sub, at: intent.at, status: intent.status };
    try {
      await this.sink.append(record);
    } catch (err) {
      this.inFlight.delete(sub);
      throw err;
    }
    applyRecord(this.state, record);
    return { claimed: true };
  }

  async settle(sub: string, outcome: SendOutcome): Promise<void> {
    const record = outcomeRecord(sub, outcome);
    await this.sink.append(record);
    this.inFlight.delete(sub);
    applyRecord(this.state, record);
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}

/** The file record of an outcome. */
function outcomeRecord(sub: string, outcome: SendOutcome): Exclude<JournalRecord, { type: 'header' | 'intent' }> {
  switch (outcome.type) {
    case 'sent':
      return { type: 'sent', sub, at: outcome.at };
    case 'failed':
      return {
        type: 'failed',
        sub,
        at: outcome.at,
        error: outcome.error,
        ...(outcome.reason && { reason: outcome.reason }),
      };
    case 'uncertain':
      return { type: 'uncertain', sub, at: outcome.at, error: outcome.error };
    case 'resolved':
      return { type: 'resolved', sub, at: outcome.at, outcome: 'sent', by: outcome.by };
  }
}
