/**
 * The send journal: the port (`../journal-port.ts`) and its two implementations, the local file
 * journal (one process, small pools and the drill) and the DynamoDB journal of the failover job.
 * @packageDocumentation
 */
export { JournalError } from '../errors';
export type { ClaimResult, JournalEntry, RowOutcome, SendJournal, SendOutcome, SendState } from '../journal-port';
export { DynamoSendJournal } from './dynamodb';
export {
  FileSendJournal,
  JOURNAL_VERSION,
  type JournalRecord,
  type JournalSink,
  type JournalState,
  openJournal,
  readJournal,
  replayJournal,
} from './file';
export { createJournalTable, SEND_JOURNAL_TABLE } from './table';
