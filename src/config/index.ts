/**
 * The functions' configurations: one schema per function, built from the shared fields
 * (`fields.ts`). The wiring (`wiring.ts`: gateways, replication context, replica index,
 * credentials) is imported on its own: it sits above replication, for handlers and scripts only.
 * @packageDocumentation
 */
export { type ChangeCaptureConfig, loadChangeCaptureConfig } from './change-capture';
export { type Environment, parseEnv } from './parse';
export { loadReconcileConfig, type ReconcileConfig } from './reconcile';
export { loadTriggerConfig, type TriggerConfig } from './trigger';
export { loadWorkerConfig, type WorkerConfig } from './worker';
