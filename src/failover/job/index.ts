/**
 * The failover job: the failover's listing and send as a resumable job in the standby Region,
 * its state in a {@link JobStore} and its manifest in a {@link ManifestStore}, worked on by
 * sessions ({@link runJobSession}) that each take the job's lease, run until their time budget
 * and save their cursors. The Lambda handler (`src/handlers/failover.ts`) and the CLI
 * (`scripts/failover.ts --job`) drive it.
 * @packageDocumentation
 */
export type { JobDeps, JobRowSender, SessionOptions } from './context';
export { listingTotals } from './counts';
export { DirManifestStore } from './dir-manifest-store';
export { DynamoJobStore, jobKey } from './dynamo-job-store';
export { JobExistsError, JobNotFoundError, JobStateError, LeaseHeldError, LeaseLostError } from './errors';
export { FileJobStore } from './file-job-store';
export type { JobStore, ManifestStore } from './ports';
export { S3ManifestStore } from './s3-manifest-store';
export { newJobState, runJobSession, type SessionResult, type SessionStatus } from './session';
export { type JobStatus, jobStatus, renderJobStatus } from './status';
export type * from './types';
export { type InvokeJob, jobStatusOf, pauseJob, resumeJob, startJob } from './commands';
