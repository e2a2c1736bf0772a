import { SuiteError } from '../core/errors';

/** Base of the replication layer's errors (the Cognito layer's reach callers as `CognitoError`). */
export class ReplicationError extends SuiteError {
  override readonly name: string = 'ReplicationError';
}

/** Two or more standby users match a source user and none carries its `sub`: an operator must decide. */
export class AmbiguousReplicaError extends ReplicationError {
  override readonly name = 'AmbiguousReplicaError';
}

/** The source user was found after all (a stale read said it was missing): retry the message. */
export class SourceUserStillExistsError extends ReplicationError {
  override readonly name = 'SourceUserStillExistsError';
  constructor(message: string) {
    // Transient: the queue retries it, and a later read settles whether the user is gone.
    super(message, { errorClass: 'transient' });
  }
}
