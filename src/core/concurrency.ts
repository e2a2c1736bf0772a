/**
 * The suite's concurrency primitives, one per file: every feature uses these rather than a loop
 * of its own.
 * - {@link forEachLimit}: a list of work, at most N at once, first error after the rest settles.
 * - {@link Semaphore}: at most N holders (the gateway's sockets).
 * - {@link TaskPool}: background tasks fed by a producer, at most N at once, `onIdle()` to drain.
 * - {@link Condition}: wait until some state holds, woken by whoever changes it (no polling).
 */
export { Condition } from './condition';
export { type ForEachLimitOptions, forEachLimit } from './for-each-limit';
export { Semaphore } from './semaphore';
export { TaskPool, type TaskPoolOptions } from './task-pool';
