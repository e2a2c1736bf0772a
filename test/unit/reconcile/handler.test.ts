import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { CognitoModel as FakeCognito } from '../../../scripts/local/cognito-model';
import { cognitoGateway } from '../../../src/config/wiring';
import type { Clock } from '../../../src/cognito/limiter';
import { createReconcileHandler, type ReconcileDeps } from '../../../src/handlers/reconcile';
import { metrics } from '../../../src/observability';
import { loadReconcileConfig } from '../../../src/config/reconcile';
import { S3CheckpointStore } from '../../../src/reconcile/s3-store';
import { emptyInputs, QUEUE_RECORD_KIND } from '../../../src/report';
import { queueRecord } from '../report/fixtures';
import { captureOutput, uniquePoolId } from '../helpers';
import { fakeBucket } from './fixture';

const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

function deps(latencyMs: number, users: number, env: Record<string, string> = {}) {
  const east = new FakeCognito({ clock: realClock, latencyMs, record: false });
  const west = new FakeCognito({ clock: realClock, latencyMs, record: false });
  const sourcePoolId = uniquePoolId('us-east-1');
  const standbyPoolId = uniquePoolId('us-west-2');
  const source = east.addPool({ id: sourcePoolId });
  west.addPool({ id: standbyPoolId, customAttributes: ['source_sub', 'source_mfa'] });
  for (let i = 0; i < users; i++) {
    source.put({
      Username: `u${i}`,
      Attributes: {
        email: `planted.u${i}@example.com`,
        email_verified: 'true',
        phone_number: `+1555555${String(i).padStart(4, '0')}`,
      },
    });
  }
  const config = loadReconcileConfig({
    SOURCE_POOL_ID: sourcePoolId,
    AWS_REGION: 'us-east-1',
    STANDBY_POOL_ID: standbyPoolId,
    STANDBY_REGION: 'us-west-2',
    STATE_BUCKET: 'state-bucket',
    RECONCILE_MODE: 'apply',
    QUOTA_HEADROOM: '0',
    ...env,
  });
  const { objects, s3 } = fakeBucket();
  const continued: unknown[] = [];
  const gw = (fake: FakeCognito, region: string, poolId: string) =>
    cognitoGateway(
      { region, poolId },
      {
        client: fake.client,
        headroom: 0,
        quotas: { UserCreation: 1000, UserAccountRecovery: 1000, UserUpdate: 1000, UserList: 1000 },
      },
    );
  const d: ReconcileDeps = {
    config,
    source: gw(east, 'us-east-1', sourcePoolId),
    target: gw(west, 'us-west-2', standbyPoolId),
    store: new S3CheckpointStore(
      new S3Client({ region: 'us-east-1' }),
      'state-bucket',
      `checkpoints/${sourcePoolId}--${standbyPoolId}/`,
      mkdtempSync(join(tmpdir(), 'reconcile-lambda-')),
    ),
    continueRun: async (payload) => {
      continued.push(payload);
    },
  };
  return { d, objects, s3, continued, west };
}

describe('scheduled reconcile handler', () => {
  test('a run that completes: report to S3, summary and drift metrics, checkpoint cleared', async () => {
    const { d, objects, s3, continued } = deps(0, 5, { RECONCILE_MODE: 'dry-run' });
    const out = captureOutput();
    try {
      const handler = createReconcileHandler(d);
      const r = await handler({ source: 'schedule' }, { getRemainingTimeInMillis: () => 900_000 });
      metrics.publishStoredMetrics();
      expect(r).toMatchObject({
        status: 'complete',
        mode: 'dry-run',
        counts: { source: 5, target: 0, missing: 5, writes: 0 },
      });
      expect(r.report).toMatch(/^s3:\/\/state-bucket\/reports\/\d{4}-\d\d-\d\d\//);
      const keys = [...objects.keys()];
      // The JSON report, and the readiness page next to it (issue 14).
      expect(keys.filter((k) => k.startsWith('reports/') && k.endsWith('.json'))).toHaveLength(1);
      expect(r.page).toBe(r.report!.replace(/\.json$/, '.html'));
      const page = objects.get(r.page!.replace('s3://state-bucket/', ''))!.toString('utf8');
      expect(page).toContain('data-figure="missing">5<');
      expect(page).not.toMatch(/planted\.u\d+@example\.com/);
      expect(keys.filter((k) => k.startsWith('reports/'))).toHaveLength(2);
      expect(keys.filter((k) => k.startsWith('checkpoints/'))).toEqual([]);
      const text = out.text();
      expect(text).toMatch(/"DriftUsers":5/);
      expect(text).toMatch(/"MissingUsers":5/);
      expect(text).toMatch(/Users: 0 in sync, 5 missing/);
      expect(continued).toEqual([]);
      // Logs and metrics carry counts and subs, never the users' contact data.
      expect(text).not.toMatch(/planted\.u\d+@example\.com/);
      expect(text).not.toMatch(/\+1555555\d{4}/);
    } finally {
      out.restore();
      s3.restore();
    }
  });

  test('the page carries the queue observation read just before it (lag percentiles, oldest message, DLQ depth), kept beside the report', async () => {
    const { d, objects, s3 } = deps(0, 3, { RECONCILE_MODE: 'dry-run' });
    const previous = queueRecord({ at: new Date(Date.now() - 3_600_000).toISOString() });
    const windows: { start: Date; end: Date }[] = [];
    d.readReports = async () => ({ ...emptyInputs(), queues: [previous] });
    d.observeQueues = async (window) => {
      windows.push(window);
      return {
        kind: QUEUE_RECORD_KIND,
        at: window.end.toISOString(),
        from: window.start.toISOString(),
        lag: { n: 42, p50: 850, p95: 4_300, max: 61_000 },
        oldestMessageAgeMs: 7_000,
        dlqDepth: 2,
      };
    };
    const out = captureOutput();
    try {
      const r = await createReconcileHandler(d)({ source: 'schedule' }, { getRemainingTimeInMillis: () => 900_000 });
      expect(r.status).toBe('complete');
      // Since the previous observation (on whole minutes), not the last 24 h.
      expect(windows).toHaveLength(1);
      expect(windows[0].start.getTime()).toBe(Math.floor(Date.parse(previous.at) / 60_000) * 60_000);
      const page = objects.get(r.page!.replace('s3://state-bucket/', ''))!.toString('utf8');
      expect(page).toContain('data-figure="lag-all-p50">850 ms<');
      expect(page).toContain('data-figure="lag-all-p95">4.3 s<');
      expect(page).toContain('data-figure="oldest-message">7.0 s<');
      expect(page).toContain('data-figure="dlq-depth">2<');
      const kept = r.report!.replace('s3://state-bucket/', '').replace(/\.json$/, '.queue.json');
      expect(JSON.parse(objects.get(kept)!.toString('utf8'))).toMatchObject({
        kind: QUEUE_RECORD_KIND,
        lag: { n: 42, p50: 850 },
      });
    } finally {
      out.restore();
      s3.restore();
    }
  });

  test('metrics that cannot be read are "not observed" on the page, a warning in the logs, never a failed run', async () => {
    const { d, objects, s3 } = deps(0, 2, { RECONCILE_MODE: 'dry-run' });
    d.readReports = async () => emptyInputs();
    const reason = 'CloudWatch GetMetricData failed: AccessDenied: not authorized';
    d.observeQueues = async (window) => ({
      kind: QUEUE_RECORD_KIND,
      at: window.end.toISOString(),
      notObserved: [
        { figure: 'lag', reason },
        { figure: 'oldestMessage', reason },
        { figure: 'dlqDepth', reason },
      ],
    });
    const out = captureOutput();
    try {
      const r = await createReconcileHandler(d)({ source: 'schedule' }, { getRemainingTimeInMillis: () => 900_000 });
      expect(r.status).toBe('complete');
      const page = objects.get(r.page!.replace('s3://state-bucket/', ''))!.toString('utf8');
      expect(page).toContain('data-figure="oldest-message">not observed<');
      expect(page).toContain('data-figure="dlq-depth">not observed<');
      expect(page).toContain(
        'Replication lag not observed: CloudWatch GetMetricData failed: AccessDenied: not authorized.',
      );
      expect(out.text()).toMatch(/queue observation incomplete/);
      // An observer that throws is a warning too: the page is written without it.
      d.observeQueues = async () => {
        throw new Error('boom');
      };
      const again = await createReconcileHandler(d)(
        { source: 'schedule' },
        { getRemainingTimeInMillis: () => 900_000 },
      );
      expect(again.page).toBeDefined();
      expect(out.text()).toMatch(/could not observe the queues/);
    } finally {
      out.restore();
      s3.restore();
    }
  });

  test('a run longer than the invocation stops before the timeout, checkpoints to S3, asks for the next part, and the next part finishes it', async () => {
    const { d, objects, s3, continued, west } = deps(250, 40);
    const out = captureOutput();
    try {
      const handler = createReconcileHandler(d);
      // 21 s left: the handler keeps 20 s for stopping cleanly, so it works for about 1 s.
      const first = await handler({ source: 'schedule' }, { getRemainingTimeInMillis: () => 21_000 });
      expect(first.status).toBe('stopped');
      expect(continued).toEqual([{ source: 'continue', runId: first.runId }]);
      expect([...objects.keys()].some((k) => k.endsWith('/state.json'))).toBe(true);
      expect([...objects.keys()].some((k) => k.includes('/spool/'))).toBe(true);
      const second = await handler(
        { source: 'continue', runId: first.runId },
        { getRemainingTimeInMillis: () => 900_000 },
      );
      expect(second).toMatchObject({ status: 'complete', runId: first.runId });
      expect(west.pools.values().next().value!.users.size).toBe(40);
      expect(west.counts.AdminCreateUser).toBe(40);
    } finally {
      out.restore();
      s3.restore();
    }
  });
});
