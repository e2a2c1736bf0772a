/**
 * CSV user import jobs (GetCSVHeader, CreateUserImportJob, StartUserImportJob,
 * DescribeUserImportJob, ListUserImportJobs, StopUserImportJob), which cognito-local lacks.
 * The "pre-signed URL" points back at the shim. A started job creates each row's user through
 * cognito-local (AdminCreateUser with MessageAction SUPPRESS) and sets it to RESET_REQUIRED, as
 * Cognito does. Jobs and their line-by-line log (no user data, like the CloudWatch log) are kept
 * in the data folder.
 *
 * Rows are checked by the documented rules (AWS documentation,
 * cognito-user-pools-using-import-tool-csv-header.md): `cognito:mfa_enabled` must be `true` when
 * the pool's MFA is ON and `false` when it is OFF; at least one auto-verified attribute must be
 * verified (the only one, when the pool auto-verifies one); `birthdate` must be `mm/dd/yyyy`. A row
 * that breaks one fails, a row whose user exists is skipped, and the job still ends `Succeeded`
 * with `FailedUsers`/`SkippedUsers`, as Cognito's does. The pre-signed URL refuses uploads 15
 * minutes after the job was created (HTTP 403, as S3 answers an expired URL), and a job not
 * started within a day is `Expired` (cognito-user-pools-creating-import-job.md).
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomAlnum } from './http';
import type { ApiError } from './paging';

/** Result of a call to cognito-local. */
export type UpstreamResult = { ok: true; body: Record<string, any> } | { ok: false; error: ApiError };

/** What the import jobs need from the shim. */
export interface ImportJobHost {
  call(operation: string, body: Record<string, unknown>): Promise<UpstreamResult>;
  endpoint(): string;
  stateDir: string;
}

/** One import job, as `UserImportJobType` (dates in epoch seconds). */
export interface ImportJob {
  JobName: string;
  JobId: string;
  UserPoolId: string;
  PreSignedUrl: string;
  CreationDate: number;
  StartDate?: number;
  CompletionDate?: number;
  Status: 'Created' | 'Pending' | 'InProgress' | 'Stopping' | 'Stopped' | 'Succeeded' | 'Failed' | 'Expired';
  CloudWatchLogsRoleArn: string;
  ImportedUsers: number;
  SkippedUsers: number;
  FailedUsers: number;
  CompletionMessage?: string;
}

interface Stored {
  job: ImportJob;
  uploaded: boolean;
  log: string[];
}

const STANDARD_COLUMNS = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
];

/** The CSV header Cognito gives for a pool: its schema attributes (no `sub`, `identities`, developer-only) plus the two cognito: columns. */
export function csvHeaderFor(pool: Record<string, any>): string[] {
  const schema: { Name: string; DeveloperOnlyAttribute?: boolean }[] = pool.SchemaAttributes ?? [];
  const names: { Name: string; DeveloperOnlyAttribute?: boolean }[] = schema.length
    ? schema
    : STANDARD_COLUMNS.map((Name) => ({ Name }));
  const columns = names
    .filter(
      (a) => a.Name !== 'sub' && a.Name !== 'identities' && !a.DeveloperOnlyAttribute && !a.Name.startsWith('dev:'),
    )
    .map((a) => a.Name);
  const standard = columns.filter((c) => !c.startsWith('custom:'));
  const custom = columns.filter((c) => c.startsWith('custom:'));
  return [...standard, ...custom, 'cognito:mfa_enabled', 'cognito:username'];
}

/** Splits one CSV line: fields separated by commas, `\,` is a literal comma, values trimmed. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && line[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

const now = () => Date.now() / 1000;
/** Lifetime of a job's pre-signed upload URL, seconds (AWS documentation: 15 minutes). */
const UPLOAD_URL_SECONDS = 15 * 60;
/** A job not started within this is Expired (AWS documentation: 24-48 hours). */
const EXPIRE_UNSTARTED_SECONDS = 24 * 3600;
const err = (code: string, message: string): { error: ApiError } => ({ error: { code, message } });

/** The import-job part of the shim. */
export class ImportJobs {
  private readonly jobs = new Map<string, Stored>();
  private readonly dir: string;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly host: ImportJobHost) {
    this.dir = path.join(host.stateDir, '.shim');
    mkdirSync(path.join(this.dir, 'import'), { recursive: true });
    const file = path.join(this.dir, 'import-jobs.json');
    if (existsSync(file)) {
      for (const s of JSON.parse(readFileSync(file, 'utf8')) as Stored[]) {
        if (s.job.Status === 'Pending' || s.job.Status === 'InProgress' || s.job.Status === 'Stopping') {
          Object.assign(s.job, {
            Status: 'Failed',
            CompletionDate: now(),
            CompletionMessage: 'Import job interrupted (emulator restarted).',
          });
        }
        this.jobs.set(s.job.JobId, s);
      }
    }
  }

  /** Operations handled here. */
  static readonly OPERATIONS = new Set([
    'GetCSVHeader',
    'CreateUserImportJob',
    'StartUserImportJob',
    'StopUserImportJob',
    'DescribeUserImportJob',
    'ListUserImportJobs',
  ]);

  /** Handles one API operation; resolves to the response body or an error. */
  async handle(op: string, body: Record<string, any>): Promise<{ body: Record<string, any> } | { error: ApiError }> {
    if (op === 'GetCSVHeader' || op === 'CreateUserImportJob') {
      const pool = await this.host.call('DescribeUserPool', { UserPoolId: body.UserPoolId });
      if (!pool.ok) return { error: pool.error };
      if (op === 'GetCSVHeader')
        return { body: { UserPoolId: body.UserPoolId, CSVHeader: csvHeaderFor(pool.body.UserPool) } };
      if (typeof body.JobName !== 'string' || !/^[\w\s+=,.@-]{1,128}$/.test(body.JobName))
        return err(
          'InvalidParameterException',
          "1 validation error detected: Value at 'jobName' failed to satisfy constraint",
        );
      if (
        typeof body.CloudWatchLogsRoleArn !== 'string' ||
        !/^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:[0-9]+:[\w+=/,.@-]+/.test(body.CloudWatchLogsRoleArn)
      ) {
        return err(
          'InvalidParameterException',
          "1 validation error detected: Value at 'cloudWatchLogsRoleArn' failed to satisfy constraint",
        );
      }
      const JobId = `import-${randomAlnum(10)}`;
      const job: ImportJob = {
        JobName: body.JobName,
        JobId,
        UserPoolId: body.UserPoolId,
        PreSignedUrl: `${this.host.endpoint()}/_shim/import/${JobId}`,
        CreationDate: now(),
        Status: 'Created',
        CloudWatchLogsRoleArn: body.CloudWatchLogsRoleArn,
        ImportedUsers: 0,
        SkippedUsers: 0,
        FailedUsers: 0,
      };
      this.jobs.set(JobId, { job, uploaded: false, log: [] });
      this.save();
      return { body: { UserImportJob: job } };
    }
    if (op === 'ListUserImportJobs') {
      const max = body.MaxResults;
      if (!Number.isInteger(max) || max < 1 || max > 60)
        return err(
          'InvalidParameterException',
          `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60`,
        );
      const all = [...this.jobs.values()].map((s) => s.job).filter((j) => j.UserPoolId === body.UserPoolId);
      const start = body.PaginationToken
        ? Number(Buffer.from(String(body.PaginationToken), 'base64url').toString())
        : 0;
      if (!Number.isInteger(start) || start < 0) return err('InvalidParameterException', 'Invalid pagination token.');
      const page = all.slice(start, start + max);
      const more = start + page.length < all.length;
      return {
        body: {
          UserImportJobs: page,
          ...(more ? { PaginationToken: Buffer.from(String(start + page.length)).toString('base64url') } : {}),
        },
      };
    }
    const stored = this.jobs.get(String(body.JobId));
    if (!stored || stored.job.UserPoolId !== body.UserPoolId)
      return err('ResourceNotFoundException', 'Import job not found.');
    const job = stored.job;
    if (job.Status === 'Created' && now() - job.CreationDate >= EXPIRE_UNSTARTED_SECONDS) {
      job.Status = 'Expired';
      this.save();
    }
    if (op === 'DescribeUserImportJob') return { body: { UserImportJob: job } };
    if (op === 'StopUserImportJob') {
      if (job.Status !== 'Pending' && job.Status !== 'InProgress')
        return err('PreconditionNotMetException', `Import job is ${job.Status}.`);
      job.Status = 'Stopping';
      this.save();
      return { body: { UserImportJob: job } };
    }
    // StartUserImportJob
    if (job.Status !== 'Created') return err('PreconditionNotMetException', `Import job is ${job.Status}.`);
    Object.assign(job, { Status: 'Pending', StartDate: now() });
    this.save();
    const run = this.run(stored).finally(() => this.running.delete(run));
    this.running.add(run);
    return { body: { UserImportJob: { ...job } } };
  }

  /** Stores the CSV uploaded to the pre-signed URL. Returns an HTTP status (403 once the URL has expired). */
  upload(jobId: string, csv: Buffer): number {
    const stored = this.jobs.get(jobId);
    if (!stored) return 404;
    if (stored.job.Status !== 'Created' || now() - stored.job.CreationDate >= UPLOAD_URL_SECONDS) return 403;
    writeFileSync(path.join(this.dir, 'import', `${jobId}.csv`), csv);
    stored.uploaded = true;
    this.save();
    return 200;
  }

  /** The job's log lines (`[SUCCEEDED] Line Number 2 - The import succeeded.`), like its CloudWatch stream. */
  log(jobId: string): string[] | undefined {
    return this.jobs.get(jobId)?.log;
  }

  /** Waits for running jobs (used on stop). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private save(): void {
    writeFileSync(path.join(this.dir, 'import-jobs.json'), JSON.stringify([...this.jobs.values()]));
  }

  private finish(stored: Stored, status: ImportJob['Status'], message: string): void {
    Object.assign(stored.job, { Status: status, CompletionDate: now(), CompletionMessage: message });
    this.save();
  }

  private async run(stored: Stored): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const job = stored.job;
    try {
      if (!stored.uploaded) return this.finish(stored, 'Failed', 'Import job failed: no CSV file was uploaded.');
      const poolRes = await this.host.call('DescribeUserPool', { UserPoolId: job.UserPoolId });
      if (!poolRes.ok) return this.finish(stored, 'Failed', 'Import job failed: the user pool was not found.');
      const pool = poolRes.body.UserPool as Record<string, any>;
      const autoVerified: string[] = (pool.AutoVerifiedAttributes ?? []).filter(
        (a: string) => a === 'email' || a === 'phone_number',
      );
      if (autoVerified.length === 0)
        return this.finish(stored, 'Failed', 'Import job failed: the user pool has no auto-verified attributes.');
      const text = readFileSync(path.join(this.dir, 'import', `${job.JobId}.csv`), 'utf8').replace(/^\uFEFF/, '');
      const lines = text.split(/\r?\n/);
      const header = splitCsvLine(lines[0] ?? '');
      const expected = csvHeaderFor(pool);
      const missing = expected.filter((c) => !header.includes(c));
      const unknown = header.filter((c) => !expected.includes(c));
      if (missing.length || unknown.length)
        return this.finish(stored, 'Failed', 'Import job failed: the CSV header does not match the user pool.');
      job.Status = 'InProgress';
      this.save();
      const required = new Set<string>(
        (pool.SchemaAttributes ?? [])
          .filter((a: { Required?: boolean }) => a.Required)
          .map((a: { Name: string }) => a.Name),
      );
      required.delete('sub');
      for (let i = 1; i < lines.length; i++) {
        if ((job.Status as string) === 'Stopping') return this.finish(stored, 'Stopped', 'Import job stopped.');
        if (lines[i].trim() === '') continue;
        const lineNo = i + 1;
        const outcome = await this.importRow(pool, header, splitCsvLine(lines[i]), autoVerified, required);
        if (outcome.kind === 'ok') job.ImportedUsers++;
        else if (outcome.kind === 'skipped') job.SkippedUsers++;
        else job.FailedUsers++;
        stored.log.push(
          outcome.kind === 'ok'
            ? `[SUCCEEDED] Line Number ${lineNo} - The import succeeded.`
            : outcome.kind === 'skipped'
              ? `[SKIPPED] Line Number ${lineNo} - The user already exists.`
              : `[FAILED] Line Number ${lineNo} - ${outcome.reason}`,
        );
      }
      this.finish(stored, 'Succeeded', 'Import Job Completed Successfully.');
    } catch (e) {
      this.finish(stored, 'Failed', `Import job failed: ${(e as Error).message}`);
    }
  }

  private async importRow(
    pool: Record<string, any>,
    header: string[],
    values: string[],
    autoVerified: string[],
    required: Set<string>,
  ): Promise<{ kind: 'ok' } | { kind: 'skipped' } | { kind: 'failed'; reason: string }> {
    if (values.length !== header.length)
      return { kind: 'failed', reason: 'The row does not have as many fields as the header.' };
    const row = new Map(header.map((h, i) => [h, values[i]]));
    const username = row.get('cognito:username') ?? '';
    if (!username || /\s/.test(username))
      return { kind: 'failed', reason: 'cognito:username is missing or contains white space.' };
    const mfa = (row.get('cognito:mfa_enabled') ?? '').toLowerCase();
    if (mfa !== 'true' && mfa !== 'false')
      return { kind: 'failed', reason: 'cognito:mfa_enabled must be true or false.' };
    if (pool.MfaConfiguration === 'OFF' && mfa === 'true')
      return { kind: 'failed', reason: 'cognito:mfa_enabled must be false when MFA is off.' };
    if (pool.MfaConfiguration === 'ON' && mfa === 'false')
      return { kind: 'failed', reason: 'cognito:mfa_enabled must be true when MFA is required.' };
    const flag = (name: string) => (row.get(name) ?? '').toLowerCase();
    for (const f of ['email_verified', 'phone_number_verified']) {
      if (!['', 'true', 'false'].includes(flag(f))) return { kind: 'failed', reason: `${f} must be true or false.` };
    }
    const verified = autoVerified.filter((a) => flag(`${a}_verified`) === 'true');
    if (verified.length === 0 || (autoVerified.length === 1 && verified.length !== 1)) {
      return {
        kind: 'failed',
        reason:
          'The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).',
      };
    }
    if (flag('email_verified') === 'true' && !row.get('email'))
      return { kind: 'failed', reason: 'email is required when email_verified is true.' };
    if (flag('phone_number_verified') === 'true' && !row.get('phone_number'))
      return { kind: 'failed', reason: 'phone_number is required when phone_number_verified is true.' };
    for (const r of required)
      if (!row.get(r)) return { kind: 'failed', reason: `The required attribute ${r} is missing.` };
    const birthdate = row.get('birthdate');
    if (birthdate && !/^\d{2}\/\d{2}\/\d{4}$/.test(birthdate))
      return { kind: 'failed', reason: 'birthdate must be in the format mm/dd/yyyy.' };
    if (mfa === 'true' && !row.get('phone_number'))
      return { kind: 'failed', reason: 'phone_number is required when cognito:mfa_enabled is true.' };

    const attributes = [...row.entries()]
      .filter(([k, v]) => !k.startsWith('cognito:') && v !== '')
      .map(([Name, v]) => ({ Name, Value: Name.endsWith('_verified') ? v.toLowerCase() : v }));
    // Pools with e-mail (or phone) as username: the user is created under that value and gets a generated username.
    const usernameAttrs: string[] = pool.UsernameAttributes ?? [];
    const createAs =
      usernameAttrs.includes('email') && row.get('email')
        ? String(row.get('email'))
        : usernameAttrs.includes('phone_number') && row.get('phone_number')
          ? String(row.get('phone_number'))
          : username;
    const created = await this.host.call('AdminCreateUser', {
      UserPoolId: pool.Id,
      Username: createAs,
      UserAttributes: attributes,
      MessageAction: 'SUPPRESS',
    });
    if (!created.ok) {
      if (created.error.code === 'UsernameExistsException') return { kind: 'skipped' };
      return { kind: 'failed', reason: 'The user data does not match the schema.' };
    }
    const newName = String(created.body.User?.Username ?? createAs);
    const status = await this.host.call('ShimSetUserStatus', {
      UserPoolId: pool.Id,
      Username: newName,
      UserStatus: 'RESET_REQUIRED',
    });
    if (!status.ok) return { kind: 'failed', reason: 'Internal error.' };
    if (mfa === 'true')
      await this.host.call('AdminSetUserMFAPreference', {
        UserPoolId: pool.Id,
        Username: newName,
        SMSMfaSettings: { Enabled: true },
      });
    return { kind: 'ok' };
  }
}
