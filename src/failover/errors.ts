import { SuiteError } from '../core/errors';

/** Base of the failover's errors. */
export class FailoverError extends SuiteError {
  override readonly name: string = 'FailoverError';
}

/** Thrown when the journal cannot be read or written: the run must stop (sending unjournaled is never allowed). */
export class JournalError extends FailoverError {
  override readonly name = 'JournalError';
}
