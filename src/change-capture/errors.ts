import { SuiteError } from '../core/errors';

/** Base of change capture's errors. */
export class ChangeCaptureError extends SuiteError {
  override readonly name: string = 'ChangeCaptureError';
}

/**
 * A well-formed captured event that names its user neither by `sub` nor by a username in clear
 * (an admin event whose username CloudTrail masked and which carries no sub: possibly
 * AdminCreateUser, see docs/CHANGE-CAPTURE.md). Nothing can locate the user: the worker counts
 * it (`UnlocatableEvents`) and acknowledges it; the reconciler replicates that user.
 */
export class UnlocatableEventError extends ChangeCaptureError {
  override readonly name = 'UnlocatableEventError';
  constructor(readonly eventName: string) {
    super(`${eventName} event names its user neither by sub nor by a username in clear; left to the reconciler`);
  }
}
