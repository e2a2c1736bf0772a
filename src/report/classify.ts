/**
 * Sorts the JSON documents found in a reports folder (or under an S3 prefix) into the report's
 * inputs by their shape: reconcile reports, drill records, doctor findings, queue observations.
 * Anything else is skipped by name. Pure.
 * @packageDocumentation
 */
import type { ReconcileReport } from '../reconcile/types';
import {
  DOCTOR_RECORD_KIND,
  DRILL_RECORD_KIND,
  type DoctorRecord,
  type DrillRecord,
  QUEUE_RECORD_KIND,
  type QueueRecord,
  type ReportInputs,
} from './types';

/** Empty inputs. */
export function emptyInputs(): ReportInputs {
  return { reconcileRuns: [], drills: [], doctors: [], queues: [], skipped: [] };
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Adds one document (its text, named `name` for the skipped list) to `inputs`. */
export function classifyDocument(inputs: ReportInputs, name: string, text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    inputs.skipped.push(name);
    return;
  }
  if (!isObject(doc)) {
    inputs.skipped.push(name);
    return;
  }
  if (doc.kind === DRILL_RECORD_KIND && Array.isArray(doc.acts)) inputs.drills.push(doc as unknown as DrillRecord);
  else if (doc.kind === QUEUE_RECORD_KIND && typeof doc.at === 'string')
    inputs.queues.push(doc as unknown as QueueRecord);
  else if (
    Array.isArray(doc.findings) &&
    typeof doc.ok === 'boolean' &&
    (doc.kind === undefined || doc.kind === DOCTOR_RECORD_KIND)
  )
    inputs.doctors.push(doc as unknown as DoctorRecord);
  else if (typeof doc.runId === 'string' && isObject(doc.counts) && isObject(doc.readiness) && isObject(doc.source))
    // The per-user entries (which may name users) are never read: not kept in memory either.
    inputs.reconcileRuns.push({ ...(doc as unknown as ReconcileReport), entries: {}, omitted: {} });
  else inputs.skipped.push(name);
}
