import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  FRESH_MS,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
  observationWindow,
  observeQueues,
  type QueueMetricsTarget,
} from '../../../src/report/queue-observation';
import { QUEUE_RECORD_KIND } from '../../../src/report/types';

const target: QueueMetricsTarget = {
  namespace: 'CognitoStandbySync',
  service: 'cognito-standby-sync-prod',
  syncQueueName: 'cognito-standby-sync-prod-sync',
  dlqName: 'cognito-standby-sync-prod-sync-dlq',
};
const window = { start: new Date('2026-11-29T05:00:00.000Z'), end: new Date('2026-11-30T05:00:00.000Z') };
const end = window.end.getTime();
const minutesAgo = (m: number) => new Date(end - m * 60_000);

function cloudWatch() {
  const client = new CloudWatchClient({ region: 'us-east-1' });
  return { client, mock: mockClient(client) };
}

describe('observationWindow', () => {
  const now = new Date('2026-11-30T05:00:20.000Z');
  test('since the previous observation, on whole minutes', () => {
    expect(observationWindow(now, '2026-11-30T01:30:40.000Z')).toEqual({
      start: new Date('2026-11-30T01:30:00.000Z'),
      end: new Date('2026-11-30T05:01:00.000Z'),
    });
  });
  test('at most 24 h (no previous observation, or an old one), at least 5 minutes', () => {
    const end = new Date('2026-11-30T05:01:00.000Z').getTime();
    expect(observationWindow(now).start.getTime()).toBe(end - MAX_WINDOW_MS);
    expect(observationWindow(now, '2026-11-01T00:00:00.000Z').start.getTime()).toBe(end - MAX_WINDOW_MS);
    expect(observationWindow(now, '2026-11-30T05:00:00.000Z').start.getTime()).toBe(end - MIN_WINDOW_MS);
    expect(observationWindow(now, 'not a date').start.getTime()).toBe(end - MAX_WINDOW_MS);
  });
});

describe('observeQueues', () => {
  test('asks for the worker lag p50/p95/max/count over one period of the window, and each queue metric by QueueName', async () => {
    const { client, mock } = cloudWatch();
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await observeQueues(client, target, window);
    const input = mock.commandCalls(GetMetricDataCommand)[0].args[0].input as GetMetricDataCommandInput;
    expect(input.StartTime).toEqual(window.start);
    expect(input.EndTime).toEqual(window.end);
    expect(input.ScanBy).toBe('TimestampDescending');
    const q = Object.fromEntries((input.MetricDataQueries ?? []).map((x) => [x.Id, x.MetricStat]));
    const lagMetric = {
      Namespace: 'CognitoStandbySync',
      MetricName: 'ReplicationLagMs',
      Dimensions: [{ Name: 'service', Value: 'cognito-standby-sync-prod' }],
    };
    expect(q.lagP50).toEqual({ Metric: lagMetric, Period: 86_400, Stat: 'p50' });
    expect(q.lagP95).toEqual({ Metric: lagMetric, Period: 86_400, Stat: 'p95' });
    expect(q.lagMax).toEqual({ Metric: lagMetric, Period: 86_400, Stat: 'Maximum' });
    expect(q.lagN).toEqual({ Metric: lagMetric, Period: 86_400, Stat: 'SampleCount' });
    expect(q.oldest).toEqual({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: 'cognito-standby-sync-prod-sync' }],
      },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(q.dlq).toEqual({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'cognito-standby-sync-prod-sync-dlq' }],
      },
      Period: 60,
      Stat: 'Maximum',
    });
  });

  test('maps the percentiles, the newest queue age (s to ms) and DLQ depth, across pages', async () => {
    const { client, mock } = cloudWatch();
    mock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'lagP50', Timestamps: [window.start], Values: [850], StatusCode: 'Complete' },
          { Id: 'lagP95', Timestamps: [window.start], Values: [4_300], StatusCode: 'Complete' },
          { Id: 'lagMax', Timestamps: [window.start], Values: [61_000], StatusCode: 'Complete' },
          { Id: 'lagN', Timestamps: [window.start], Values: [1_234], StatusCode: 'Complete' },
          { Id: 'oldest', Timestamps: [minutesAgo(1), minutesAgo(2)], Values: [12, 30], StatusCode: 'PartialData' },
        ],
        NextToken: 'next',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'oldest', Timestamps: [minutesAgo(3)], Values: [45], StatusCode: 'Complete' },
          { Id: 'dlq', Timestamps: [minutesAgo(2), minutesAgo(1)], Values: [5, 2], StatusCode: 'Complete' },
        ],
      });
    const record = await observeQueues(client, target, window);
    expect(record).toEqual({
      kind: QUEUE_RECORD_KIND,
      at: '2026-11-30T05:00:00.000Z',
      from: '2026-11-29T05:00:00.000Z',
      lag: { n: 1_234, p50: 850, p95: 4_300, max: 61_000 },
      oldestMessageAgeMs: 12_000,
      dlqDepth: 2,
    });
    const calls = mock.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'next']);
  });

  test('a window CloudWatch split into two periods keeps the worst percentile and the total count', async () => {
    const { client, mock } = cloudWatch();
    const two = (a: number, b: number) => ({ Timestamps: [minutesAgo(1), window.start], Values: [a, b] });
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'lagP50', ...two(800, 900) },
        { Id: 'lagP95', ...two(4_000, 3_000) },
        { Id: 'lagMax', ...two(9_000, 8_000) },
        { Id: 'lagN', ...two(10, 5) },
        { Id: 'oldest', Timestamps: [minutesAgo(1)], Values: [0] },
        { Id: 'dlq', Timestamps: [minutesAgo(1)], Values: [0] },
      ],
    });
    const record = await observeQueues(client, target, window);
    expect(record.lag).toEqual({ n: 15, p50: 900, p95: 4_000, max: 9_000 });
    expect(record.oldestMessageAgeMs).toBe(0);
    expect(record.dlqDepth).toBe(0);
    expect(record.notObserved).toBeUndefined();
  });

  test('empty data: no lag (nothing replicated), queue figures with no fresh datapoint are not observed', async () => {
    const { client, mock } = cloudWatch();
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'lagN', Timestamps: [], Values: [], StatusCode: 'Complete' },
        { Id: 'oldest', Timestamps: [new Date(end - FRESH_MS - 60_000)], Values: [600], StatusCode: 'Complete' },
      ],
    });
    const record = await observeQueues(client, target, window);
    expect(record.lag).toBeUndefined();
    expect(record.oldestMessageAgeMs).toBeUndefined();
    expect(record.dlqDepth).toBeUndefined();
    expect(record.notObserved).toEqual([
      { figure: 'lag', reason: 'no change replicated in the window' },
      { figure: 'oldestMessage', reason: 'no datapoint in the last 15 minutes' },
      { figure: 'dlqDepth', reason: 'no datapoint in the last 15 minutes' },
    ]);
  });

  test('a query CloudWatch refuses (Forbidden, InternalError) is not observed, with its status', async () => {
    const { client, mock } = cloudWatch();
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'lagP95', StatusCode: 'InternalError', Messages: [{ Code: 'InternalError', Value: 'try again' }] },
        { Id: 'lagN', Timestamps: [window.start], Values: [3], StatusCode: 'Complete' },
        { Id: 'oldest', StatusCode: 'Forbidden' },
        { Id: 'dlq', Timestamps: [minutesAgo(1)], Values: [1], StatusCode: 'Complete' },
      ],
    });
    const record = await observeQueues(client, target, window);
    expect(record.notObserved).toEqual([
      { figure: 'lag', reason: 'InternalError: try again' },
      { figure: 'oldestMessage', reason: 'Forbidden' },
    ]);
    expect(record.dlqDepth).toBe(1);
  });

  test('a failed request (no permission, throttled) never throws: every figure is not observed, with the error', async () => {
    const { client, mock } = cloudWatch();
    mock
      .on(GetMetricDataCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }),
      );
    const record = await observeQueues(client, target, window);
    expect(record.kind).toBe(QUEUE_RECORD_KIND);
    expect(record.at).toBe('2026-11-30T05:00:00.000Z');
    expect(record.lag).toBeUndefined();
    const reason = 'CloudWatch GetMetricData failed: AccessDenied: not authorized to perform: cloudwatch:GetMetricData';
    expect(record.notObserved).toEqual([
      { figure: 'lag', reason },
      { figure: 'oldestMessage', reason },
      { figure: 'dlqDepth', reason },
    ]);
  });

  test('queues not configured: only the lag is asked for; the queue figures say why', async () => {
    const { client, mock } = cloudWatch();
    mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const record = await observeQueues(client, { namespace: 'N', service: 's' }, window);
    const ids = mock.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries?.map((q) => q.Id);
    expect(ids).toEqual(['lagP50', 'lagP95', 'lagMax', 'lagN']);
    expect(record.notObserved?.map((n) => n.reason)).toEqual([
      'no change replicated in the window',
      'not configured',
      'not configured',
    ]);
  });
});
