import { FailoverError } from '../errors';

/** Another invocation holds the job's lease: this one does nothing. */
export class LeaseHeldError extends FailoverError {
  override readonly name = 'LeaseHeldError';
}

/** The job's state changed under this invocation (its lease expired and another took it): it stops. */
export class LeaseLostError extends FailoverError {
  override readonly name = 'LeaseLostError';
}

/** A job is running or paused for the pool: it must finish (or be given up) before another starts. */
export class JobExistsError extends FailoverError {
  override readonly name = 'JobExistsError';
}

/** No job for the pool. */
export class JobNotFoundError extends FailoverError {
  override readonly name = 'JobNotFoundError';
}

/** A part or the state could not be read back as written. */
export class JobStateError extends FailoverError {
  override readonly name = 'JobStateError';
}
