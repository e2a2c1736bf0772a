/**
 * Configuration and wiring of the suite: one schema per function (from the shared fields), and
 * the one module that builds gateways, replication contexts, the replica index and credentials.
 * @packageDocumentation
 */
export { type ChangeCaptureConfig, loadChangeCaptureConfig } from './change-capture';
export { type Environment, parseEnv } from './parse';
export { loadReconcileConfig, type ReconcileConfig } from './reconcile';
export { loadTriggerConfig, type TriggerConfig } from './trigger';
export { loadWorkerConfig, type WorkerConfig } from './worker';
