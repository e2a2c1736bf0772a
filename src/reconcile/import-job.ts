import { readFile } from 'node:fs/promises';
import type { ReplicationPlan } from '../core/plan';
import type { UserRecord } from '../core/types';
import type { Clock } from '../cognito/limiter';
import type { CognitoGateway } from '../cognito/gateway';
import { describeError } from '../core/errors';

/**
 * Large backfills through a Cognito user import job instead of one AdminCreateUser and one
 * AdminSetUserPassword per user: the missing users are written to a CSV in the standby's
 * GetCSVHeader format, PUT to the job's pre-signed URL and imported by Cognito (users arrive
 * RESET_REQUIRED, from where they can recover their password). Groups, the enabled state, MFA
 * and attributes the CSV cannot carry are completed afterwards by the normal per-user path.
 */

/** Values Cognito's CSV reader cannot take back unchanged: those users are created one by one. */
const UNSAFE = /[\r\n"\\]/;

/** One missing user as a CSV row, or why it cannot be imported. */
export interface ImportRow {
  row?: string;
  reason?: 'federated' | 'no-verified-contact' | 'unsafe-characters' | 'not-a-create';
}

/**
 * The CSV row for a `create` plan, in the column order of `header`.
 * - `cognito:username`: the username the plan would create (the e-mail or phone in pools that
 *   sign in with them; Cognito generates the UUID username itself);
 * - `cognito:mfa_enabled`: `false` (SMS/e-mail MFA is set by the normal path afterwards; the plan
 *   then holds the MFA marker back until that call, so the marker is imported only when there is
 *   no MFA preference to set);
 * - verified flags: `true`/`false`; Cognito requires at least one verified e-mail or phone;
 * - commas are escaped with a backslash as Cognito's format asks (values are not quoted);
 *   values with quotes, backslashes or line breaks are not imported (created one by one).
 */
export function importRow(header: string[], plan: ReplicationPlan): ImportRow {
  if (plan.kind !== 'create') return { reason: 'not-a-create' };
  if (plan.link) return { reason: 'federated' };
  const attrs = plan.createAttributes ?? {};
  const emailOk = attrs.email_verified === 'true' && !!attrs.email;
  const phoneOk = attrs.phone_number_verified === 'true' && !!attrs.phone_number;
  if (!emailOk && !phoneOk) return { reason: 'no-verified-contact' };
  const cells: string[] = [];
  for (const column of header) {
    let value: string;
    if (column === 'cognito:username') value = plan.standbyUsername ?? '';
    else if (column === 'cognito:mfa_enabled') value = 'false';
    else if (column === 'email_verified' || column === 'phone_number_verified') value = attrs[column] === 'true' ? 'true' : 'false';
    else if (column === 'updated_at') value = '';
    else value = attrs[column] ?? '';
    if (UNSAFE.test(value)) return { reason: 'unsafe-characters' };
    cells.push(value.replace(/,/g, '\\,'));
  }
  return { row: cells.join(',') };
}

/** The header line of the CSV (the column names as GetCSVHeader gives them). */
export function csvHeaderLine(header: string[]): string {
  return header.join(',');
}

/**
 * The replica an import creates from a row: the imported attributes, enabled, RESET_REQUIRED,
 * in no group. Planning the source user against it gives exactly what is left to write.
 */
export function importedReplica(header: string[], plan: ReplicationPlan): UserRecord {
  const attrs = plan.createAttributes ?? {};
  const attributes: Record<string, string> = {};
  for (const column of header) {
    if (column.startsWith('cognito:') || column === 'updated_at') continue;
    if (column === 'email_verified' || column === 'phone_number_verified') attributes[column] = attrs[column] === 'true' ? 'true' : 'false';
    else if (attrs[column] !== undefined && attrs[column] !== '') attributes[column] = attrs[column];
  }
  return { username: plan.standbyUsername ?? '', attributes, enabled: true, status: 'RESET_REQUIRED', groups: [] };
}

/** One import job (one CSV chunk): the source sequence numbers it covers and where it is. */
export interface ImportJobState {
  chunk: number;
  firstSeq: number;
  lastSeq: number;
  rows: number;
  jobId?: string;
  status: string;
  imported?: number;
  skipped?: number;
  failed?: number;
  message?: string;
}

/** The import phase's state in the checkpoint. */
export interface ImportState {
  /** Missing users that could be imported. */
  candidates: number;
  /** Missing users that must be created one by one, by reason. */
  notImportable: Record<string, number>;
  /** False when below the threshold: everything is created one by one. */
  used: boolean;
  jobs: ImportJobState[];
  done: boolean;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped', 'Expired']);

/** True when the user with sequence number `seq` arrived through a succeeded import job. */
export function importedBy(state: ImportState | undefined, seq: number): boolean {
  if (!state?.used) return false;
  return state.jobs.some((j) => j.status === 'Succeeded' && seq >= j.firstSeq && seq <= j.lastSeq);
}

/** What running the jobs needs. */
export interface ImportRunOptions {
  standby: CognitoGateway;
  state: ImportState;
  /** Local CSV file of each chunk (already written). */
  chunkFile(chunk: number): string;
  jobName(chunk: number): string;
  cloudWatchLogsRoleArn: string;
  clock: Clock;
  /** Poll interval of DescribeUserImportJob, ms. Default 10 s. */
  pollMs?: number;
  shouldStop?: () => boolean;
  /** Persists the state (called after every change). */
  save(): Promise<void>;
  upload?: (url: string, body: Buffer) => Promise<void>;
  log?: (message: string) => void;
}

/** PUTs a CSV to a job's pre-signed URL (the URL requires the KMS server-side-encryption header). */
export async function uploadCsv(url: string, body: Buffer): Promise<void> {
  const r = await fetch(url, { method: 'PUT', body, headers: { 'x-amz-server-side-encryption': 'aws:kms', 'content-type': 'text/csv' } });
  if (!r.ok) throw new Error(`uploading the import CSV failed: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
}

/**
 * Runs the import jobs one after another (create, upload, start, wait), resuming each from its
 * recorded status. Returns false when asked to stop before all jobs ended.
 */
export async function runImportJobs(o: ImportRunOptions): Promise<boolean> {
  const upload = o.upload ?? uploadCsv;
  for (const job of o.state.jobs) {
    if (TERMINAL.has(job.status)) continue;
    try {
      if (!job.jobId) {
        const created = await o.standby.createUserImportJob(o.jobName(job.chunk), o.cloudWatchLogsRoleArn);
        Object.assign(job, { jobId: created.jobId, status: created.status });
        await o.save();
        await upload(created.preSignedUrl!, await readFile(o.chunkFile(job.chunk)));
        job.status = (await o.standby.startUserImportJob(created.jobId)).status;
        await o.save();
      } else if (job.status === 'Created') {
        const current = await o.standby.describeUserImportJob(job.jobId);
        if (current.status === 'Created') {
          await upload(current.preSignedUrl!, await readFile(o.chunkFile(job.chunk)));
          job.status = (await o.standby.startUserImportJob(job.jobId)).status;
        } else job.status = current.status;
        await o.save();
      }
      o.log?.(`import job ${job.jobId} (${job.rows} users): ${job.status}`);
      while (!TERMINAL.has(job.status)) {
        if (o.shouldStop?.()) return false;
        await o.clock.sleep(o.pollMs ?? 10_000);
        const current = await o.standby.describeUserImportJob(job.jobId!);
        const changed = current.status !== job.status;
        Object.assign(job, { status: current.status, imported: current.imported, skipped: current.skipped, failed: current.failed, message: current.message });
        if (changed) {
          o.log?.(`import job ${job.jobId}: ${job.status}`);
          await o.save();
        }
      }
    } catch (err) {
      // The users of this chunk are created one by one by the pass instead.
      Object.assign(job, { status: 'Failed', message: describeError(err) });
      o.log?.(`import job for chunk ${job.chunk} failed: ${job.message}`);
      await o.save();
    }
  }
  return true;
}
