/**
 * The CSV chunks of the import phase: the missing users that can be imported, in the target's
 * GetCSVHeader format. Touches only the files in `csvDir` (and, with `--deep`, reads the source).
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachLimit } from '../../core/concurrency';
import { planReplication, type ReplicationPlan } from '../../core/plan';
import type { UserRecord } from '../../core/types';
import { csvHeaderLine, type ImportState, importRow } from '../import-job';
import { deepReadConcurrency } from '../options';
import { claimed, planSourceUser } from '../planner';
import { RunStoppedError } from '../scan';
import type { Session } from '../session';
import { readFull } from './read-source';

/** Source users planned (and, with `--deep`, read) per batch. */
const BATCH = 256;

type Candidate = { seq: number; user: UserRecord; plan?: ReplicationPlan; failed?: boolean };

/**
 * Writes the missing users that can be imported to CSV chunks (`chunk-N.csv`, `chunkRows` users
 * each). With `--deep`, each missing user is read first (AdminGetUser): users with SMS or e-mail
 * MFA must not be imported (see `importRow`).
 */
export async function writeImportCsv(
  session: Session,
  csvDir: string,
  chunkRows: number,
): Promise<Pick<ImportState, 'candidates' | 'notImportable' | 'jobs'>> {
  const header = await session.csvHeader();
  const { targetPool } = session;
  await mkdir(csvDir, { recursive: true });
  const files: Awaited<ReturnType<typeof open>>[] = [];
  const notImportable: Record<string, number> = {};
  const jobs: ImportState['jobs'] = [];
  let candidates = 0;
  session.options.progress.phase('preparing the import', session.report.counts.sourceUsers);
  const write = async ({ seq, plan, failed }: Candidate): Promise<void> => {
    const row = failed ? { reason: 'read-failed' as const } : plan ? importRow(header, plan, targetPool) : undefined;
    if (!row) return; // gone since the listing
    if (!row.row) {
      notImportable[row.reason!] = (notImportable[row.reason!] ?? 0) + 1;
      return;
    }
    const chunk = Math.floor(candidates / chunkRows);
    candidates++;
    if (!files[chunk]) {
      files[chunk] = await open(join(csvDir, `chunk-${chunk}.csv`), 'w', 0o600);
      await files[chunk].write(`${csvHeaderLine(header)}\n`);
      jobs[chunk] = { chunk, firstSeq: seq, lastSeq: seq, rows: 0, status: 'New' };
    }
    await files[chunk].write(`${row.row}\n`);
    jobs[chunk].rows++;
    jobs[chunk].lastSeq = seq;
  };
  let batch: Candidate[] = [];
  const flush = async () => {
    if (session.options.deep) await readBatch(session, batch);
    for (const c of batch) await write(c);
    batch = [];
  };
  try {
    for await (const { seq, user, claim } of session.listings.pairs()) {
      if (seq % 1000 === 0) session.options.progress.update(seq);
      const result = planSourceUser(user, claimed(claim), session.planContext);
      if (result.kind !== 'create' || !result.plan) continue;
      batch.push({ seq, user, plan: result.plan });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    for (const f of files) await f.close();
  }
  return { candidates, notImportable, jobs };
}

/** `--deep`: reads each candidate in full and plans it again (its MFA decides whether it can be imported). */
async function readBatch(session: Session, batch: Candidate[]): Promise<void> {
  await forEachLimit(batch, deepReadConcurrency(session.source), async (c) => {
    try {
      const full = await readFull(session, c.user);
      c.plan = full ? planReplication(full, undefined, session.planContext) : undefined;
    } catch (err) {
      if (err instanceof RunStoppedError || session.stopping) throw new RunStoppedError();
      c.failed = true; // the pass reads it again, and fails or creates it one by one
    }
  });
}
