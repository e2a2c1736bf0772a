import { SuiteError } from '../../core/errors';

/** No complete snapshot (manifest present) started at or before the restore point. */
export class NoSnapshotError extends SuiteError {
  override readonly name = 'NoSnapshotError';
}

/** A chunk's bytes do not match its manifest (size or SHA-256): the snapshot cannot be trusted. */
export class CorruptChunkError extends SuiteError {
  override readonly name = 'CorruptChunkError';
}

/** The journal misses batches between the snapshot and the restore point, and `--accept-gap` was not given. */
export class JournalGapError extends SuiteError {
  override readonly name = 'JournalGapError';
}

/** A write was asked of a backup: a backup is a read-only source. */
export class ReadOnlyBackupError extends SuiteError {
  override readonly name = 'ReadOnlyBackupError';
}
