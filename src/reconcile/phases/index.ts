/**
 * The table of a run's phases, in order. A new phase is a module in this folder (a `Phase`) and a
 * line here; the checkpoint's `phase` names where a run stands.
 */
import { importPhase } from './import';
import { listPhase } from './list';
import { orphansPhase } from './orphans';
import { passPhase } from './pass';
import type { Phase } from './types';

export const PHASES: readonly Phase[] = [listPhase, importPhase, passPhase, orphansPhase];

export { relistIfSpoolLost } from './list';
export { buildReport } from './report';
export type { Phase } from './types';
