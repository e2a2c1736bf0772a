/**
 * Errors of the backup journal's writer.
 * @packageDocumentation
 */
import { SuiteError } from '../core/errors';

/**
 * The journal could not store a batch's object: its keys were taken several times in a row (a
 * writer id shared by two writers, which the random ids make all but impossible). Transient for
 * the queue: the batch's messages are retried, and recorded again under new keys.
 */
export class JournalKeysTakenError extends SuiteError {
  override readonly name = 'JournalKeysTakenError';
  constructor(message: string) {
    super(message, { errorClass: 'transient' });
  }
}
