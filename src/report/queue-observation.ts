/**
 * The queue observation the scheduled reconcile writes before it builds the page: replication lag
 * percentiles, the age of the oldest message waiting in the sync queue and the DLQ depth, read
 * from CloudWatch with one GetMetricData request (paged). The only module that talks to
 * CloudWatch. A figure it cannot read is marked "not observed" with the reason; it never throws.
 * Metric names, dimensions and statistics are cited in docs/REPORT.md ("Queue observations").
 * @packageDocumentation
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { describeError } from '../core/errors';
import { type NotObserved, QUEUE_RECORD_KIND, type QueueRecord } from './types';

/** Where the figures are published (the deployment's names). */
export interface QueueMetricsTarget {
  /** The worker's metrics namespace (POWERTOOLS_METRICS_NAMESPACE). */
  namespace: string;
  /** The `service` dimension Powertools adds to every metric (POWERTOOLS_SERVICE_NAME). */
  service: string;
  /** The sync queue's name (the `QueueName` dimension of `AWS/SQS`). */
  syncQueueName?: string;
  /** The DLQ's name. */
  dlqName?: string;
}

/** The metric the worker emits once per replicated change (src/handlers/worker.ts). */
export const LAG_METRIC = 'ReplicationLagMs';
/** Lag is read over at most this long. */
export const MAX_WINDOW_MS = 24 * 3_600_000;
/** ...and at least this long (a run right after the previous one still reads some data). */
export const MIN_WINDOW_MS = 5 * 60_000;
/** A queue datapoint older than this is not "now": SQS publishes its queue metrics every minute. */
export const FRESH_MS = 15 * 60_000;

const MINUTE = 60_000;

/**
 * The lag window: since the previous observation (so consecutive pages cover every change once),
 * at most {@link MAX_WINDOW_MS} and at least {@link MIN_WINDOW_MS}, on whole minutes (a period of
 * more than 3 hours ago must be a multiple of 60 s).
 */
export function observationWindow(now: Date, previousAt?: string): { start: Date; end: Date } {
  const end = Math.ceil(now.getTime() / MINUTE) * MINUTE;
  const previous = previousAt ? Date.parse(previousAt) : Number.NaN;
  const wanted = Number.isFinite(previous) ? previous : end - MAX_WINDOW_MS;
  const start = Math.min(end - MIN_WINDOW_MS, Math.max(end - MAX_WINDOW_MS, wanted));
  return { start: new Date(Math.floor(start / MINUTE) * MINUTE), end: new Date(end) };
}

const LAG_STATS = { lagP50: 'p50', lagP95: 'p95', lagMax: 'Maximum', lagN: 'SampleCount' } as const;

function queries(t: QueueMetricsTarget, periodSeconds: number): MetricDataQuery[] {
  const lag = Object.entries(LAG_STATS).map(([id, stat]) => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: t.namespace, MetricName: LAG_METRIC, Dimensions: [{ Name: 'service', Value: t.service }] },
      Period: periodSeconds,
      Stat: stat,
    },
    ReturnData: true,
  }));
  const sqs = (id: string, metric: string, queue: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/SQS', MetricName: metric, Dimensions: [{ Name: 'QueueName', Value: queue }] },
      Period: 60,
      Stat: 'Maximum',
    },
    ReturnData: true,
  });
  return [
    ...lag,
    ...(t.syncQueueName ? [sqs('oldest', 'ApproximateAgeOfOldestMessage', t.syncQueueName)] : []),
    ...(t.dlqName ? [sqs('dlq', 'ApproximateNumberOfMessagesVisible', t.dlqName)] : []),
  ];
}

interface Series {
  values: number[];
  timestamps: number[];
  failed?: string;
}

async function readAll(
  client: Pick<CloudWatchClient, 'send'>,
  metricQueries: MetricDataQuery[],
  window: { start: Date; end: Date },
): Promise<Map<string, Series>> {
  const out = new Map<string, Series>(metricQueries.map((q) => [q.Id as string, { values: [], timestamps: [] }]));
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: metricQueries,
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampDescending',
        NextToken: token,
      }),
    );
    for (const r of page.MetricDataResults ?? []) add(out, r);
    token = page.NextToken;
  } while (token);
  return out;
}

function add(out: Map<string, Series>, r: MetricDataResult): void {
  const s = out.get(r.Id ?? '');
  if (!s) return;
  s.values.push(...(r.Values ?? []));
  s.timestamps.push(...(r.Timestamps ?? []).map((t) => new Date(t).getTime()));
  if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError')
    s.failed = `${r.StatusCode}${r.Messages?.length ? `: ${r.Messages.map((m) => m.Value ?? m.Code).join('; ')}` : ''}`;
}

/** The newest value of a series if it is fresh, else why not. */
function newest(s: Series | undefined, end: number): number | string {
  if (!s) return 'not configured';
  if (s.failed) return s.failed;
  let at = -1;
  let value = 0;
  s.timestamps.forEach((t, i) => {
    if (t > at) [at, value] = [t, s.values[i]];
  });
  if (at < 0 || end - at > FRESH_MS) return `no datapoint in the last ${FRESH_MS / MINUTE} minutes`;
  return value;
}

/** Lag p50/p95/max from the four series (more than one period only if CloudWatch split the window: the worst one is kept). */
function lagOf(series: Map<string, Series>): QueueRecord['lag'] | string {
  const failed = Object.keys(LAG_STATS)
    .map((id) => series.get(id)?.failed)
    .find(Boolean);
  if (failed) return failed;
  const n = (series.get('lagN')?.values ?? []).reduce((a, b) => a + b, 0);
  if (!n) return 'no change replicated in the window';
  const worst = (id: string) => Math.max(0, ...(series.get(id)?.values ?? []));
  return { n, p50: worst('lagP50'), p95: worst('lagP95'), max: worst('lagMax') };
}

/**
 * Reads the figures of a queue observation from CloudWatch. Never throws: a figure that cannot be
 * read (no permission, throttled, no datapoint) is listed in `notObserved` with the reason.
 *
 * @example
 * const record = await observeQueues(new CloudWatchClient({ region }), {
 *   namespace: 'CognitoStandbySync', service: 'cognito-standby-sync-prod',
 *   syncQueueName: 'cognito-standby-sync-prod-sync', dlqName: 'cognito-standby-sync-prod-sync-dlq',
 * }, observationWindow(new Date(), previous?.at));
 */
export async function observeQueues(
  client: Pick<CloudWatchClient, 'send'>,
  target: QueueMetricsTarget,
  window: { start: Date; end: Date },
): Promise<QueueRecord> {
  const record: QueueRecord = {
    kind: QUEUE_RECORD_KIND,
    at: window.end.toISOString(),
    from: window.start.toISOString(),
  };
  const notObserved: NotObserved[] = [];
  const periodSeconds = Math.max(60, Math.ceil((window.end.getTime() - window.start.getTime()) / MINUTE) * 60);
  let series: Map<string, Series>;
  try {
    series = await readAll(client, queries(target, periodSeconds), window);
  } catch (err) {
    const reason = `CloudWatch GetMetricData failed: ${describeError(err)}`;
    record.notObserved = (['lag', 'oldestMessage', 'dlqDepth'] as const).map((figure) => ({ figure, reason }));
    return record;
  }
  const lag = lagOf(series);
  if (typeof lag === 'string') notObserved.push({ figure: 'lag', reason: lag });
  else record.lag = lag;
  const end = window.end.getTime();
  const oldest = newest(series.get('oldest'), end);
  if (typeof oldest === 'number') record.oldestMessageAgeMs = oldest * 1000;
  else notObserved.push({ figure: 'oldestMessage', reason: oldest });
  const dlq = newest(series.get('dlq'), end);
  if (typeof dlq === 'number') record.dlqDepth = dlq;
  else notObserved.push({ figure: 'dlqDepth', reason: dlq });
  if (notObserved.length) record.notObserved = notObserved;
  return record;
}
