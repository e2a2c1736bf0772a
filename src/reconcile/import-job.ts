import { readFile } from 'node:fs/promises';
import type { ReplicationPlan } from '../core/plan';
import type { PoolConfig, UserRecord } from '../core/types';
import type { Clock } from '../cognito/limiter';
import type { CognitoPool } from '../cognito/pool';
import { describeError } from '../core/errors';

/**
 * Large backfills through a Cognito user import job instead of one AdminCreateUser and one
 * AdminSetUserPassword per user: the missing users are written to a CSV in the target's
 * GetCSVHeader format, PUT to the job's pre-signed URL and imported by Cognito (users arrive
 * RESET_REQUIRED, from where they can recover their password). Groups, the enabled state and
 * attributes the CSV cannot carry are completed afterwards by the normal per-user path. A row is
 * trusted only when its job reports every row imported (see {@link importOutcome}).
 */

/** Values Cognito's CSV reader cannot take back unchanged: those users are created one by one. */
const UNSAFE = /[\r\n"\\]/;

/**
 * Why a missing user is created one by one instead of imported:
 * - `federated`: linked to a provider identity, which an import cannot do;
 * - `mfa`: SMS or e-mail MFA to set. Imported users are RESET_REQUIRED and
 *   AdminSetUserMFAPreference refuses such users (`PasswordResetRequiredException`, SDK model
 *   `AdminSetUserMFAPreferenceCommand.d.ts`), so the MFA could not be set before the user's reset;
 * - `no-verified-contact`: none of the attributes the target pool auto-verifies is verified
 *   (Cognito fails the row);
 * - `birthdate`: a birthdate that cannot be written as `mm/dd/yyyy`;
 * - `unsafe-characters`: quotes, backslashes or line breaks, which the CSV format cannot carry;
 * - `read-failed`: `--deep` could not read the user's MFA before the import.
 */
export type NotImportableReason =
  | 'federated'
  | 'mfa'
  | 'no-verified-contact'
  | 'birthdate'
  | 'unsafe-characters'
  | 'read-failed'
  | 'not-a-create';

/** One missing user as a CSV row, or why it cannot be imported. */
export interface ImportRow {
  row?: string;
  reason?: NotImportableReason;
}

/** What of the target pool decides a row: its MFA setting and the attributes it auto-verifies. */
export type ImportPool = Pick<PoolConfig, 'mfaConfiguration' | 'autoVerifiedAttributes'>;

/** The contact attributes the pool verifies automatically (the import rules are about these). */
function autoVerified(pool: ImportPool): string[] {
  return (pool.autoVerifiedAttributes ?? []).filter((a) => a === 'email' || a === 'phone_number');
}

/**
 * Why Cognito would not run an import job into this pool, or `undefined` when it would: a pool
 * that auto-verifies neither e-mail nor phone number does not start the job (AWS documentation,
 * cognito-user-pools-using-import-tool-csv-header.md).
 */
export function importBlocker(pool: ImportPool): string | undefined {
  if (autoVerified(pool).length === 0)
    return 'the target pool auto-verifies neither e-mail nor phone number, so Cognito does not start import jobs there';
  return undefined;
}

/**
 * A Cognito `birthdate` (`YYYY-MM-DD`, OpenID Connect) in the import CSV's `mm/dd/yyyy`, or
 * `undefined` when the value has another form (a year alone, `0000` for an unknown year, ...).
 */
export function csvBirthdate(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m || m[1] === '0000') return undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${m[2]}/${m[3]}/${m[1]}`;
}

/**
 * The CSV row for a `create` plan, in the column order of `header`, by the documented rules
 * (AWS documentation, cognito-user-pools-using-import-tool-csv-header.md):
 * - `cognito:username`: the username the plan would create (the e-mail or phone in pools that
 *   sign in with them; Cognito generates the UUID username itself);
 * - `cognito:mfa_enabled`: `true` when the target pool's MFA is ON (required on every row),
 *   `false` otherwise. Users with SMS or e-mail MFA are not imported at all (see
 *   {@link NotImportableReason} `mfa`);
 * - verified flags `true`/`false`; at least one attribute the pool auto-verifies must be `true`
 *   (when it auto-verifies one attribute, that one), else the row would fail;
 * - `birthdate` as `mm/dd/yyyy`;
 * - commas escaped with a backslash (values are not quoted); values with quotes, backslashes or
 *   line breaks are not imported.
 */
export function importRow(header: string[], plan: ReplicationPlan, pool: ImportPool): ImportRow {
  if (plan.kind !== 'create') return { reason: 'not-a-create' };
  if (plan.link) return { reason: 'federated' };
  if (plan.mfa) return { reason: 'mfa' };
  const attrs = plan.createAttributes ?? {};
  const verified = (a: string) => attrs[`${a}_verified`] === 'true' && !!attrs[a];
  if (!autoVerified(pool).some(verified)) return { reason: 'no-verified-contact' };
  const cells: string[] = [];
  for (const column of header) {
    let value: string;
    if (column === 'cognito:username') value = plan.standbyUsername ?? '';
    else if (column === 'cognito:mfa_enabled') value = pool.mfaConfiguration === 'ON' ? 'true' : 'false';
    else if (column === 'email_verified' || column === 'phone_number_verified')
      value = attrs[column] === 'true' ? 'true' : 'false';
    else if (column === 'updated_at') value = '';
    else if (column === 'birthdate' && attrs.birthdate) {
      const converted = csvBirthdate(attrs.birthdate);
      if (!converted) return { reason: 'birthdate' };
      value = converted;
    } else value = attrs[column] ?? '';
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
 * in no group. Planning the source user against it gives exactly what is left to write. The
 * birthdate is left out: the form Cognito stores an imported `mm/dd/yyyy` in is not documented,
 * so the normal path writes the source's value after the import (not verified: the safe side).
 */
export function importedReplica(header: string[], plan: ReplicationPlan): UserRecord {
  const attrs = plan.createAttributes ?? {};
  const attributes: Record<string, string> = {};
  for (const column of header) {
    if (column.startsWith('cognito:') || column === 'updated_at' || column === 'birthdate') continue;
    if (column === 'email_verified' || column === 'phone_number_verified')
      attributes[column] = attrs[column] === 'true' ? 'true' : 'false';
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
  /** When the job was created (clock ms): its pre-signed upload URL lives 15 minutes. */
  createdAt?: number;
  /** StartUserImportJob was sent: the job may have created users, whatever its end. */
  started?: boolean;
  /** Jobs created again for this chunk after an upload URL expired. */
  replacements?: number;
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

/**
 * The pre-signed upload URL of a job is valid for 15 minutes; after that a new job is needed
 * (AWS documentation, cognito-user-pools-creating-import-job.md).
 */
export const UPLOAD_URL_LIFETIME_MS = 15 * 60_000;

/** New jobs made for one chunk after expired upload URLs, before its users go one by one. */
const MAX_REPLACEMENTS = 3;

/**
 * What an import did for one row's user (sequence number `seq`):
 * - `trusted`: its job Succeeded with every row imported and none failed or skipped
 *   (DescribeUserImportJob `ImportedUsers`, `FailedUsers`, `SkippedUsers`): the user is there as
 *   the row made it;
 * - `check`: its job was started but reported failed or skipped rows, or did not succeed: a job
 *   goes on past rows that fail or are skipped and can end `Succeeded` (AWS documentation,
 *   cognito-user-pools-using-import-tool-cloudwatch.md), so the user must be looked up in the
 *   target (and created one by one when missing);
 * - `undefined`: no job of this user was started: it is created one by one.
 */
export type ImportOutcome = 'trusted' | 'check';

export function importOutcome(state: ImportState | undefined, seq: number): ImportOutcome | undefined {
  if (!state?.used) return undefined;
  const job = state.jobs.find((j) => seq >= j.firstSeq && seq <= j.lastSeq);
  if (!job) return undefined;
  if (job.status === 'Succeeded' && !job.failed && !job.skipped && job.imported === job.rows) return 'trusted';
  const mayHaveImported =
    !!job.started || job.status === 'Succeeded' || job.status === 'Stopped' || (job.imported ?? 0) > 0;
  return mayHaveImported ? 'check' : undefined;
}

/** True while a job of `state` may still need its CSV file (not yet uploaded). */
export function needsCsv(state: ImportState): boolean {
  return state.used && state.jobs.some((j) => !j.started && !(TERMINAL.has(j.status) && j.status !== 'Expired'));
}

/** What running the jobs needs. */
export interface ImportRunOptions {
  target: CognitoPool;
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

/** The pre-signed URL refused the CSV (HTTP status and the start of S3's answer). */
export class ImportUploadError extends Error {
  override readonly name = 'ImportUploadError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`uploading the import CSV failed: HTTP ${status} ${body.slice(0, 300)}`);
  }

  /** S3 refuses a pre-signed request after its expiry with 403 AccessDenied, "Request has expired". */
  get expired(): boolean {
    return this.status === 403 && /expired/i.test(this.body);
  }
}

/** PUTs a CSV to a job's pre-signed URL (the URL requires the KMS server-side-encryption header). */
export async function uploadCsv(url: string, body: Buffer): Promise<void> {
  const r = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'x-amz-server-side-encryption': 'aws:kms', 'content-type': 'text/csv' },
  });
  if (!r.ok) throw new ImportUploadError(r.status, await r.text());
}

/**
 * Runs the import jobs one after another (create, upload, start, wait), resuming each from its
 * recorded status. A job whose upload URL expired (15 minutes after it was created, or refused
 * as expired, or the job `Expired` before it started) is replaced by a new job for the same
 * chunk. Returns false when asked to stop before all jobs ended.
 */
export async function runImportJobs(o: ImportRunOptions): Promise<boolean> {
  for (const job of o.state.jobs) {
    for (;;) {
      let outcome: 'done' | 'stopped' | 'expired';
      try {
        outcome = await runJob(o, job);
      } catch (err) {
        if (!(err instanceof ImportUploadError && err.expired)) {
          // The users of this chunk are created (or, when the job started, looked up) one by one by the pass.
          Object.assign(job, { status: 'Failed', message: describeError(err) });
          o.log?.(`import job for chunk ${job.chunk} failed: ${job.message}`);
          await o.save();
          break;
        }
        outcome = 'expired';
      }
      if (outcome === 'stopped') return false;
      if (outcome === 'done') break;
      if ((job.replacements ?? 0) >= MAX_REPLACEMENTS) {
        Object.assign(job, {
          status: 'Failed',
          message: `the upload URL expired ${MAX_REPLACEMENTS + 1} times: its users are created one by one`,
        });
        o.log?.(`import job for chunk ${job.chunk}: ${job.message}`);
        await o.save();
        break;
      }
      o.log?.(
        `import job ${job.jobId} (chunk ${job.chunk}): its upload URL expired before the CSV was uploaded; creating a new job`,
      );
      Object.assign(job, {
        jobId: undefined,
        status: 'New',
        createdAt: undefined,
        started: undefined,
        message: undefined,
        replacements: (job.replacements ?? 0) + 1,
      });
      await o.save();
    }
  }
  return true;
}

/** One job from its recorded status to its end. */
async function runJob(o: ImportRunOptions, job: ImportJobState): Promise<'done' | 'stopped' | 'expired'> {
  const upload = o.upload ?? uploadCsv;
  // `Expired`: created and never started (AWS documentation, cognito-user-pools-creating-import-job.md).
  if (job.status === 'Expired') return 'expired';
  if (TERMINAL.has(job.status)) return 'done';
  let url: string | undefined;
  if (!job.jobId) {
    const name = job.replacements ? `${o.jobName(job.chunk)}-r${job.replacements}` : o.jobName(job.chunk);
    const created = await o.target.createUserImportJob(name, o.cloudWatchLogsRoleArn);
    Object.assign(job, { jobId: created.jobId, status: created.status, createdAt: o.clock.now(), started: undefined });
    url = created.preSignedUrl;
    await o.save();
  }
  if (job.status === 'Created') {
    if (!url) {
      // Resumed: the URL is not kept in the checkpoint, and the job tells whether it started.
      const current = await o.target.describeUserImportJob(job.jobId!);
      job.status = current.status;
      url = current.preSignedUrl;
    }
    if (job.status === 'Created') {
      if (job.createdAt !== undefined && o.clock.now() - job.createdAt >= UPLOAD_URL_LIFETIME_MS) return 'expired';
      await upload(url!, await readFile(o.chunkFile(job.chunk)));
      // Recorded before the call: a start whose answer is lost may still have run the job.
      job.started = true;
      await o.save();
      job.status = (await o.target.startUserImportJob(job.jobId!)).status;
    }
    await o.save();
  }
  o.log?.(`import job ${job.jobId} (${job.rows} users): ${job.status}`);
  while (!TERMINAL.has(job.status)) {
    if (o.shouldStop?.()) return 'stopped';
    await o.clock.sleep(o.pollMs ?? 10_000);
    const current = await o.target.describeUserImportJob(job.jobId!);
    const changed = current.status !== job.status;
    Object.assign(job, {
      status: current.status,
      imported: current.imported,
      skipped: current.skipped,
      failed: current.failed,
      message: current.message,
    });
    if (changed) {
      o.log?.(
        `import job ${job.jobId}: ${job.status}${job.failed || job.skipped ? ` (${job.failed ?? 0} rows failed, ${job.skipped ?? 0} skipped: those users are looked up one by one)` : ''}`,
      );
      await o.save();
    }
  }
  return job.status === 'Expired' ? 'expired' : 'done';
}
