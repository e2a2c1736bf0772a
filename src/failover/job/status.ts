import { formatDuration } from '../summary';
import { listingTotals, settledToSend } from './counts';
import type { JobState } from './types';

/** What `--job status` shows: counts only, no contact data. */
export interface JobStatus {
  jobId: string;
  phase: JobState['phase'];
  desired: JobState['desired'];
  listed: number;
  rows: number;
  toSend: number;
  sent: number;
  /** Rows marked to send whose send is not settled yet. */
  left: number;
  /** Sends per second, over the time spent sending. */
  rate?: number;
  /** Epoch ms of the estimated end at that rate. */
  estimatedEnd?: number;
  failedByReason: Record<string, number>;
  excludedByReason: Record<string, number>;
  maybeSent: number;
  alreadySent: number;
  sessions: number;
  error?: string;
}

/** The job's status from its state at `now`. */
export function jobStatus(state: JobState, now: number): JobStatus {
  const listing = listingTotals(state);
  const c = state.sendCounts;
  const left = Math.max(0, listing.toSend - settledToSend(c));
  const rate = state.sendElapsedMs > 0 ? (c.sent + c.maybeSent) / (state.sendElapsedMs / 1000) : undefined;
  const estimatedEnd = state.phase === 'sending' && rate && rate > 0 ? now + (left / rate) * 1000 : undefined;
  return {
    jobId: state.jobId,
    phase: state.phase,
    desired: state.desired,
    listed: listing.listed,
    rows: listing.rows,
    toSend: listing.toSend,
    sent: c.sent,
    left,
    rate,
    estimatedEnd,
    failedByReason: c.failed,
    excludedByReason: listing.excluded,
    maybeSent: c.maybeSent,
    alreadySent: c.alreadySent + c.resolved,
    sessions: state.sessions,
    error: state.error,
  };
}

/** The status as lines for a person. */
export function renderJobStatus(s: JobStatus, now: number): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `job ${s.jobId}: ${s.phase}${s.desired === 'paused' && s.phase !== 'done' ? ' (paused)' : ''}, ${s.sessions} sessions`,
    `listed ${n(s.listed)} users: ${n(s.rows)} rows, ${n(s.toSend)} to send`,
  ];
  const apart = Object.entries(s.excludedByReason);
  if (apart.length) lines.push(`listed apart: ${apart.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  lines.push(
    `sent ${n(s.sent)}, left ${n(s.left)}, already sent ${n(s.alreadySent)}, maybe sent ${n(s.maybeSent)}` +
      (s.rate !== undefined ? `, ${s.rate.toFixed(1)}/s` : ''),
  );
  if (s.estimatedEnd !== undefined)
    lines.push(`estimated end ${new Date(s.estimatedEnd).toISOString()} (in ${formatDuration(s.estimatedEnd - now)})`);
  const failed = Object.entries(s.failedByReason);
  if (failed.length) lines.push(`failed: ${failed.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  if (s.error) lines.push(`error: ${s.error}`);
  return lines;
}
