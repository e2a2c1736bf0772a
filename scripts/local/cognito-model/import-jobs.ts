/**
 * CSV user import jobs: GetCSVHeader, CreateUserImportJob, StartUserImportJob,
 * DescribeUserImportJob, ListUserImportJobs, StopUserImportJob. Rules from the AWS documentation
 * (cognito-user-pools-using-import-tool-csv-header.md, cognito-user-pools-creating-import-job.md):
 * - the header holds columns of GetCSVHeader's list only, the two cognito: ones included; the pre-signed URL refuses uploads 15
 *   minutes after the job was created (HTTP 403, as S3 answers an expired URL); a job not
 *   started within a day is `Expired`; a pool that auto-verifies nothing does not run one;
 * - a row fails when `cognito:mfa_enabled` does not fit the pool's MFA setting (true when ON,
 *   false when OFF) or is true without a phone number, when none of the auto-verified attributes
 *   is verified, when a verified e-mail or phone is empty, when a required attribute is empty,
 *   when `birthdate` is not `mm/dd/yyyy`, when the username is empty or holds white space; a row
 *   whose user exists is skipped; the job still ends `Succeeded` with the counts;
 * - an imported user is RESET_REQUIRED.
 * A started job runs when it is next described (so its outcome does not depend on timing).
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { type OpContext, poolOf, seconds } from './context';
import { fail, invalid } from './errors';
import type { ModelPool } from './pool';
import type { ImportJob, Json } from './types';

/** Lifetime of a job's pre-signed upload URL (15 minutes). */
export const UPLOAD_URL_MS = 15 * 60_000;
const EXPIRE_UNSTARTED_MS = 24 * 3600_000;

/** The CSV header of a pool: its schema attributes (not `sub`, `identities`, developer-only) and the two cognito: columns. */
export function csvHeader(pool: ModelPool): string[] {
  const columns = pool.schema
    .filter((a) => a.Name !== 'sub' && a.Name !== 'identities' && !a.DeveloperOnlyAttribute)
    .map((a) => a.Name);
  return [
    ...columns.filter((c) => !c.startsWith('custom:')),
    ...columns.filter((c) => c.startsWith('custom:')),
    'cognito:mfa_enabled',
    'cognito:username',
  ];
}

/** Splits a row of Cognito's import CSV (a comma inside a value is escaped with a backslash). */
export function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (line[i] === ',') {
      cells.push(cur);
      cur = '';
    } else cur += line[i];
  }
  cells.push(cur);
  return cells;
}

function jobType(ctx: OpContext, pool: ModelPool, id: string, job: ImportJob): Json {
  return {
    JobId: id,
    JobName: job.name,
    UserPoolId: pool.options.id,
    Status: job.status,
    PreSignedUrl: ctx.uploadUrl(pool.options.id, id),
    CloudWatchLogsRoleArn: job.roleArn,
    CreationDate: seconds(job.createdAt),
    ...(job.startedAt ? { StartDate: seconds(job.startedAt) } : {}),
    ...(job.completedAt ? { CompletionDate: seconds(job.completedAt) } : {}),
    ImportedUsers: job.imported,
    FailedUsers: job.failed,
    SkippedUsers: job.skipped,
    ...(job.message ? { CompletionMessage: job.message } : {}),
  };
}

function jobOf(ctx: OpContext, pool: ModelPool): ImportJob {
  const job = pool.importJobs.get(ctx.input.JobId) ?? fail('ResourceNotFoundException', 'Import job not found.');
  if (job.status === 'Created' && ctx.clock.now() - job.createdAt >= EXPIRE_UNSTARTED_MS) job.status = 'Expired';
  return job;
}

function createJob(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const { JobName, CloudWatchLogsRoleArn } = ctx.input;
  if (typeof JobName !== 'string' || !/^[\w\s+=,.@-]{1,128}$/.test(JobName))
    invalid("1 validation error detected: Value at 'jobName' failed to satisfy constraint");
  if (
    typeof CloudWatchLogsRoleArn !== 'string' ||
    !/^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:\d+:[\w+=/,.@-]+/.test(CloudWatchLogsRoleArn)
  )
    invalid("1 validation error detected: Value at 'cloudWatchLogsRoleArn' failed to satisfy constraint");
  const id = `import-${randomUUID().slice(0, 8)}`;
  const job: ImportJob = {
    status: 'Created',
    roleArn: CloudWatchLogsRoleArn,
    name: JobName,
    createdAt: ctx.clock.now(),
    imported: 0,
    failed: 0,
    skipped: 0,
    log: [],
  };
  pool.importJobs.set(id, job);
  return { UserImportJob: jobType(ctx, pool, id, job) };
}

function startJob(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const job = jobOf(ctx, pool);
  if (job.status !== 'Created') fail('PreconditionNotMetException', `Import job is ${job.status}.`);
  if (!job.csv) fail('PreconditionNotMetException', 'The CSV file was not uploaded.');
  Object.assign(job, { status: 'InProgress', startedAt: ctx.clock.now() });
  return { UserImportJob: jobType(ctx, pool, ctx.input.JobId, job) };
}

function describeJob(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const job = jobOf(ctx, pool);
  if (job.status === 'InProgress' || job.status === 'Stopping') runJob(pool, job, ctx.clock.now());
  return { UserImportJob: jobType(ctx, pool, ctx.input.JobId, job) };
}

function stopJob(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const job = jobOf(ctx, pool);
  if (job.status !== 'Pending' && job.status !== 'InProgress')
    fail('PreconditionNotMetException', `Import job is ${job.status}.`);
  job.status = 'Stopping';
  return { UserImportJob: jobType(ctx, pool, ctx.input.JobId, job) };
}

function listJobs(ctx: OpContext): Json {
  const pool = poolOf(ctx);
  const max = ctx.input.MaxResults;
  if (!Number.isInteger(max) || max < 1 || max > 60)
    invalid(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint`);
  const spec = { tokenIn: 'PaginationToken', tokenOut: 'PaginationToken', max: 60 };
  const page = ctx.pager.page(spec, ctx.input, () => [...pool.importJobs.keys()]);
  return {
    UserImportJobs: page.keys.map((id) => jobType(ctx, pool, id, pool.importJobs.get(id)!)),
    PaginationToken: page.next,
  };
}

/** Receives the CSV sent to a job's pre-signed URL; the HTTP status S3 would answer. */
export function receiveUpload(pool: ModelPool | undefined, jobId: string, body: Buffer, now: number): number {
  const job = pool?.importJobs.get(jobId);
  if (!job) return 404;
  if (job.status !== 'Created' || now - job.createdAt >= UPLOAD_URL_MS) return 403;
  job.csv = body.toString('utf8').replace(/^\uFEFF/, '');
  return 200;
}

function runJob(pool: ModelPool, job: ImportJob, now: number): void {
  const finish = (status: string, message: string) => Object.assign(job, { status, message, completedAt: now });
  if (job.status === 'Stopping') return void finish('Stopped', 'Import job stopped.');
  const autoVerified = pool.autoVerified.filter((a) => a === 'email' || a === 'phone_number');
  if (autoVerified.length === 0) return void finish('Failed', 'The user pool has no auto-verified attributes.');
  const lines = job.csv!.split(/\r?\n/);
  const header = splitCsv(lines[0] ?? '').map((h) => h.trim());
  const expected = csvHeader(pool);
  const required = ['cognito:username', 'cognito:mfa_enabled'];
  if (header.some((c) => !expected.includes(c)) || required.some((c) => !header.includes(c)))
    return void finish('Failed', 'Import job failed: the CSV header does not match the user pool.');
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const outcome = importRow(pool, header, splitCsv(line), autoVerified);
    if (outcome === 'ok') job.imported++;
    else if (outcome === 'skipped') job.skipped++;
    else job.failed++;
    const tag = outcome === 'ok' ? 'SUCCEEDED' : outcome === 'skipped' ? 'SKIPPED' : 'FAILED';
    const why =
      outcome === 'ok' ? 'The import succeeded.' : outcome === 'skipped' ? 'The user already exists.' : outcome;
    job.log.push(`[${tag}] Line Number ${i + 2} - ${why}`);
  });
  finish('Succeeded', 'Import Job Completed Successfully.');
}

/** Imports one row: `'ok'`, `'skipped'`, or why it failed. */
function importRow(pool: ModelPool, header: string[], cells: string[], autoVerified: string[]): string {
  if (cells.length !== header.length) return 'The row does not have as many fields as the header.';
  const row = new Map(header.map((h, k) => [h, (cells[k] ?? '').trim()]));
  const username = row.get('cognito:username') ?? '';
  if (!username || /\s/.test(username)) return 'cognito:username is missing or contains white space.';
  const mfa = (row.get('cognito:mfa_enabled') ?? '').toLowerCase();
  if (mfa !== 'true' && mfa !== 'false') return 'cognito:mfa_enabled must be true or false.';
  if (pool.mfaConfiguration === 'ON' && mfa !== 'true') return 'cognito:mfa_enabled must be true when MFA is required.';
  if (pool.mfaConfiguration === 'OFF' && mfa !== 'false') return 'cognito:mfa_enabled must be false when MFA is off.';
  const verified = (a: string) => (row.get(`${a}_verified`) ?? '').toLowerCase() === 'true';
  if (!autoVerified.some(verified))
    return 'The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true).';
  for (const a of ['email', 'phone_number'])
    if (verified(a) && !row.get(a)) return `${a} is required when ${a}_verified is true.`;
  for (const a of pool.schema)
    if (a.Required && a.Name !== 'sub' && !row.get(a.Name)) return `The required attribute ${a.Name} is missing.`;
  const birthdate = row.get('birthdate');
  if (birthdate && !/^\d{2}\/\d{2}\/\d{4}$/.test(birthdate)) return 'birthdate must be in the format mm/dd/yyyy.';
  if (mfa === 'true' && !row.get('phone_number')) return 'phone_number is required when cognito:mfa_enabled is true.';
  const attrs: Record<string, string> = {};
  for (const [h, v] of row)
    if (!h.startsWith('cognito:') && v !== '') attrs[h] = h.endsWith('_verified') ? v.toLowerCase() : v;
  const alias = pool.usernameAttributes.map((a) => attrs[a]).find(Boolean);
  if (pool.resolve(username) || (alias && pool.resolve(alias))) return 'skipped';
  if (pool.usernameAttributes.length) attrs[pool.usernameAttributes[0]] ??= username;
  pool.put({
    Username: username,
    Attributes: attrs,
    UserStatus: 'RESET_REQUIRED',
    Mfa: mfa === 'true' ? ['SMS_MFA'] : [],
  });
  return 'ok';
}

export const IMPORT_OPERATIONS = {
  GetCSVHeader: (ctx: OpContext): Json => ({ UserPoolId: ctx.input.UserPoolId, CSVHeader: csvHeader(poolOf(ctx)) }),
  CreateUserImportJob: createJob,
  StartUserImportJob: startJob,
  DescribeUserImportJob: describeJob,
  StopUserImportJob: stopJob,
  ListUserImportJobs: listJobs,
};
