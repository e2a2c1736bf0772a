/**
 * The functions' configurations from their environments: one schema per function, each built
 * from the shared field definitions of `fields.ts`. Kept as the module callers have imported
 * since the start; `index.ts` offers the same and the wiring.
 * @packageDocumentation
 */
export { bool, customAttribute, jsonMap, poolId, region, roleArn, url } from './fields';
export { type Environment, parseEnv } from './parse';
export { loadTriggerConfig, type TriggerConfig } from './trigger';
export { loadWorkerConfig, type WorkerConfig } from './worker';
