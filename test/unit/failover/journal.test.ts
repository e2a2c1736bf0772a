import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSendJournal, JournalError, openJournal, readJournal, replayJournal } from '../../../src/failover/journal';

const line = (o: object) => `${JSON.stringify(o)}\n`;
const header = line({ type: 'header', v: 1, region: 'us-west-2', poolId: 'us-west-2_P', at: 't' });
const pool = { region: 'us-west-2', poolId: 'us-west-2_P' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('replayJournal', () => {
  test('intent then sent: sent; intent alone: maybe sent; failed: failed; uncertain: maybe sent', () => {
    const s = replayJournal(
      header +
        line({ type: 'intent', sub: 'a', at: '1' }) +
        line({ type: 'sent', sub: 'a', at: '2' }) +
        line({ type: 'intent', sub: 'b', at: '3', status: 'CONFIRMED' }) +
        line({ type: 'intent', sub: 'c', at: '4' }) +
        line({ type: 'failed', sub: 'c', at: '5', error: 'UserNotFoundException: x' }) +
        line({ type: 'intent', sub: 'd', at: '6', status: 'CONFIRMED' }) +
        line({ type: 'uncertain', sub: 'd', at: '7', error: 'TimeoutError' }),
    );
    expect(s.header).toEqual(pool);
    expect(s.bySub.get('a')?.state).toBe('sent');
    expect(s.bySub.get('b')).toEqual(expect.objectContaining({ state: 'maybe-sent', statusAtIntent: 'CONFIRMED' }));
    expect(s.bySub.get('c')).toEqual(expect.objectContaining({ state: 'failed', error: 'UserNotFoundException: x' }));
    expect(s.bySub.get('d')).toEqual(
      expect.objectContaining({ state: 'maybe-sent', error: 'TimeoutError', statusAtIntent: 'CONFIRMED' }),
    );
    expect(s.tornTail).toBe(false);
  });

  test('sent is final; a failed user is tried again; resolved counts as sent', () => {
    const s = replayJournal(
      header +
        line({ type: 'sent', sub: 'a', at: '1' }) +
        line({ type: 'intent', sub: 'a', at: '2' }) +
        line({ type: 'failed', sub: 'b', at: '3', error: 'x' }) +
        line({ type: 'intent', sub: 'b', at: '4' }) +
        line({ type: 'sent', sub: 'b', at: '5' }) +
        line({ type: 'intent', sub: 'c', at: '6' }) +
        line({ type: 'resolved', sub: 'c', at: '7', outcome: 'sent', by: 'status' }),
    );
    expect([...s.bySub.values()].map((e) => e.state)).toEqual(['sent', 'sent', 'sent']);
  });

  test('a torn last line is ignored; a damaged line in the middle is an error', () => {
    const s = replayJournal(`${header}${line({ type: 'sent', sub: 'a', at: '1' })}{"type":"inte`);
    expect(s.tornTail).toBe(true);
    expect(s.bySub.size).toBe(1);
    expect(() => replayJournal(`${header}{"type":"inte\n${line({ type: 'sent', sub: 'a', at: '1' })}`)).toThrow(
      JournalError,
    );
  });

  test('an unknown version is refused', () => {
    expect(() => replayJournal(line({ type: 'header', v: 99, region: 'r', poolId: 'p', at: 't' }))).toThrow(
      /version 99/,
    );
  });
});

describe('openJournal', () => {
  test('creates the file 0600 with a header; records are appended, one per line', async () => {
    const path = join(dir, 'j.jsonl');
    const { state, sink } = await openJournal(path, pool);
    expect(state.records).toBe(0);
    await sink.append({ type: 'intent', sub: 'a', at: '1' });
    await sink.append({ type: 'sent', sub: 'a', at: '2' });
    await sink.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['header', 'intent', 'sent']);
    expect(readJournal(path).bySub.get('a')?.state).toBe('sent');
  });

  test('an absent journal reads as empty', () => {
    expect(readJournal(join(dir, 'none.jsonl')).bySub.size).toBe(0);
  });

  test('refuses a journal of another pool', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, header);
    await expect(openJournal(path, { region: 'us-west-2', poolId: 'us-west-2_Other' })).rejects.toThrow(
      /belongs to pool/,
    );
  });

  test('after a torn write the next record starts on its own line', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, header);
    appendFileSync(path, '{"type":"intent","sub":"x"');
    const { sink } = await openJournal(path, pool);
    await sink.append({ type: 'sent', sub: 'a', at: '1' });
    await sink.close();
    const s = readJournal(path);
    expect(s.bySub.get('a')?.state).toBe('sent');
    expect(s.bySub.has('x')).toBe(false);
  });

  test('one sender per journal: a live lock is refused, a stale one taken over, the lock released on close', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(`${path}.lock`, String(process.ppid)); // a live process that is not us
    await expect(openJournal(path, pool)).rejects.toThrow(/another failover run/);
    writeFileSync(`${path}.lock`, '999999999'); // no such process
    const { sink } = await openJournal(path, pool);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    await sink.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test('a closed sink refuses writes', async () => {
    const { sink } = await openJournal(join(dir, 'j.jsonl'), pool);
    await sink.close();
    await expect(sink.append({ type: 'sent', sub: 'a', at: '1' })).rejects.toThrow(JournalError);
  });
});

describe('FileSendJournal (the port over the file)', () => {
  test('claim and settle write the same records a replay reads back', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = await FileSendJournal.open(path, pool);
    expect(journal.location).toBe(path);
    expect(await journal.claim('a', { at: '1', status: 'CONFIRMED' })).toEqual({ claimed: true });
    await journal.settle('a', { type: 'sent', at: '2' });
    await journal.claim('b', { at: '3' });
    await journal.settle('b', {
      type: 'failed',
      at: '4',
      error: 'LimitExceededException: x',
      reason: 'limit-exceeded',
    });
    await journal.claim('c', { at: '5', status: 'CONFIRMED' });
    await journal.settle('c', { type: 'uncertain', at: '6', error: 'TimeoutError' });
    await journal.claim('d', { at: '7', status: 'CONFIRMED' });
    await journal.settle('d', { type: 'resolved', at: '8', by: 'status RESET_REQUIRED' });
    await journal.claim('e', { at: '9' }); // the process "dies" here
    await journal.close();
    const replayed = readJournal(path);
    for (const sub of ['a', 'b', 'c', 'd', 'e']) expect(replayed.bySub.get(sub)).toEqual(await journal.entry(sub));
    expect(replayed.bySub.get('b')).toMatchObject({ state: 'failed', reason: 'limit-exceeded' });
    expect(replayed.bySub.get('c')).toMatchObject({ state: 'maybe-sent', statusAtIntent: 'CONFIRMED' });
    expect(replayed.bySub.get('e')).toMatchObject({
      state: 'maybe-sent',
      error: 'stopped between journaling and sending',
    });
  });

  test('a claim succeeds on no entry or a failed one; maybe sent only with resendUncertain; sent never', async () => {
    const journal = await FileSendJournal.open(join(dir, 'j.jsonl'), pool);
    await journal.claim('sent', { at: '1' });
    await journal.settle('sent', { type: 'sent', at: '2' });
    await journal.claim('failed', { at: '1' });
    await journal.settle('failed', { type: 'failed', at: '2', error: 'x' });
    await journal.claim('maybe', { at: '1' });
    await journal.settle('maybe', { type: 'uncertain', at: '2', error: 'TimeoutError' });
    expect(await journal.claim('sent', { at: '3', resendUncertain: true })).toMatchObject({
      claimed: false,
      entry: { state: 'sent' },
    });
    expect(await journal.claim('failed', { at: '3' })).toEqual({ claimed: true });
    expect(await journal.claim('maybe', { at: '3' })).toMatchObject({ claimed: false, entry: { state: 'maybe-sent' } });
    expect(await journal.claim('maybe', { at: '3', resendUncertain: true })).toEqual({ claimed: true });
    await journal.close();
  });

  test('of concurrent claims of one user in the process, one wins (resendUncertain included)', async () => {
    const journal = await FileSendJournal.open(join(dir, 'j.jsonl'), pool);
    const first = await Promise.all([1, 2, 3].map(() => journal.claim('u', { at: '1' })));
    expect(first.filter((c) => c.claimed)).toHaveLength(1);
    await journal.settle('u', { type: 'uncertain', at: '2', error: 'TimeoutError' });
    const again = await Promise.all([1, 2, 3].map(() => journal.claim('u', { at: '3', resendUncertain: true })));
    expect(again.filter((c) => c.claimed)).toHaveLength(1);
    await journal.close();
  });

  test('a claim whose record cannot be written is not held: the next claim may take the user', async () => {
    let fail = true;
    const journal = new FileSendJournal(
      { bySub: new Map(), records: 0, tornTail: false },
      {
        append: async () => {
          if (fail) throw new JournalError('disk full');
        },
        close: async () => undefined,
      },
    );
    await expect(journal.claim('u', { at: '1' })).rejects.toThrow(JournalError);
    expect(await journal.entry('u')).toBeUndefined();
    fail = false;
    expect(await journal.claim('u', { at: '2' })).toEqual({ claimed: true });
  });
});
