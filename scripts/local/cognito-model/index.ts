/**
 * The in-memory Cognito model and its transports. See docs/EMULATORS.md.
 * @packageDocumentation
 */
export { commandClient, directClient } from './direct';
export { ModelError } from './errors';
export { splitCsv } from './import-jobs';
export { type CallEvent, type CallListener, CognitoModel, type CognitoModelOptions, type OutboxEntry } from './model';
export { isUserWrite } from './operations';
export { ModelPool } from './pool';
export type { ImportJob, ModelCall, ModelGroup, ModelUser, PoolOptions } from './types';
