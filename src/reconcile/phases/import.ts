/**
 * Phase `import` (apply mode with `--import`): seeds the missing users through user import jobs
 * when there are enough of them. Touches the checkpoint's import state, the CSV chunks next to
 * the spool, and the target (GetCSVHeader, CreateUserImportJob, StartUserImportJob,
 * DescribeUserImportJob); with `--deep`, reads missing users in the source (AdminGetUser).
 */
import { join } from 'node:path';
import { importBlocker, needsCsv, runImportJobs } from '../import-job';
import { listedUsers, RunStoppedError } from '../scan';
import type { Phase } from './types';
import { writeImportCsv } from './import-csv';

export const importPhase: Phase = {
  name: 'import',
  async run(session) {
    const { state, options } = session;
    const imp = options.import!;
    await session.listings.load();
    await session.listings.sourceListed();
    session.report.counts.sourceUsers = listedUsers(state.scan.source);
    const csvDir = join(options.store.dir, 'import');
    let importState = state.import;
    const blocker = importBlocker(session.targetPool);
    if (blocker) {
      session.warn(`--import not used: ${blocker}; missing users are created one by one`);
      importState ??= { candidates: 0, notImportable: {}, used: false, jobs: [], done: false };
    } else if (!importState || needsCsv(importState)) {
      // The CSV chunks are rebuilt from the listing (deterministic) whenever a job may still need one.
      const built = await writeImportCsv(session, csvDir, imp.chunkRows);
      if (!importState) {
        const used = built.candidates >= imp.threshold;
        importState = { ...built, used, jobs: used ? built.jobs : [], done: false };
      }
    }
    state.import = importState;
    await session.save(true);
    if (importState.used) {
      options.progress.phase(`importing ${importState.candidates} users`);
      const finished = await runImportJobs({
        target: session.target,
        state: importState,
        chunkFile: (chunk) => join(csvDir, `chunk-${chunk}.csv`),
        jobName: (chunk) => `cognito-standby-sync-${state.runId.slice(0, 8)}-${chunk}`,
        cloudWatchLogsRoleArn: imp.roleArn,
        clock: options.clock,
        pollMs: imp.pollMs,
        shouldStop: () => session.stopping,
        save: () => session.save(true),
        upload: imp.upload,
        log: (m) => session.note(m),
      });
      if (!finished) throw new RunStoppedError();
    }
    importState.done = true;
    state.phase = 'pass';
    await session.save(true);
  },
};
