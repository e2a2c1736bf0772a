import { emptyInputs, formatMs, renderReport, reportFigures, reportPage } from '../../../src/report';
import { doctorRecord, drillRecord, PLANTED_EMAIL, PLANTED_PHONE, queueRecord, reconcileReport } from './fixtures';

const AT = new Date('2026-11-30T05:00:00.000Z');

function fullInputs() {
  return {
    ...emptyInputs(),
    reconcileRuns: [
      reconcileReport({ finishedAt: '2026-11-28T01:00:00.000Z', inSync: 150, missing: 50 }),
      reconcileReport({ finishedAt: '2026-11-29T01:00:00.000Z', inSync: 195, missing: 3, drifted: 2, totp: 4 }),
    ],
    drills: [drillRecord()],
    doctors: [doctorRecord()],
    queues: [queueRecord()],
  };
}

/** The text of the element carrying `data-figure="name"`. */
function figure(html: string, name: string): string | undefined {
  const m = new RegExp(`data-figure="${name}"[^>]*>([^<]*)<`).exec(html);
  return m?.[1];
}

describe('the page', () => {
  const html = reportPage(fullInputs(), AT);

  test('is one self-contained document: no script, no external resource, a CSP that forbids fetching', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('@media print');
  });

  test('shows the key figures', () => {
    expect(figure(html, 'readiness-percent')).toBe('97.5 %');
    expect(figure(html, 'matching')).toBe('195');
    expect(figure(html, 'missing')).toBe('3');
    expect(figure(html, 'drifted')).toBe('2');
    expect(figure(html, 'totp')).toBe('4');
    expect(figure(html, 'users-lost')).toBe('0');
    expect(figure(html, 'drill-result')).toBe('passed');
    expect(figure(html, 'lag-all-p95')).toBe('40.0 s');
    expect(figure(html, 'oldest-message')).toBe('12.0 s');
    expect(figure(html, 'dlq-depth')).toBe('3');
    expect(figure(html, 'failover-wave')).toBe('9s');
    expect(figure(html, 'passwordless')).toBe('no wave');
    expect(figure(html, 'doctor-blockers')).toBe('1');
    expect(figure(html, 'newest-backup')).toBe('no backups configured');
  });

  test('draws the trends as inline SVG charts', () => {
    expect(html).toContain('aria-label="Readiness"');
    expect(html).toContain('aria-label="Drift after the run"');
    expect(html).toContain('aria-label="Calls per quota category"');
    expect(html).toContain('aria-label="Replication lag over the kept drills and observations"');
    expect(html).toContain('aria-label="Replication lag distribution (changes per band)"');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
  });

  test('never shows personal data from the reports', () => {
    expect(html).not.toContain(PLANTED_EMAIL);
    expect(html).not.toContain(PLANTED_PHONE);
    expect(html).not.toMatch(/@example\.com/);
    expect(html).not.toContain('11111111-1111-1111-1111-111111111111');
  });

  test('escapes every text it shows', () => {
    const f = reportFigures(
      {
        ...emptyInputs(),
        doctors: [doctorRecord({ findings: [{ id: 'x', severity: 'info', title: '<img src=x onerror=alert(1)>' }] })],
      },
      AT.toISOString(),
    );
    const out = renderReport(f);
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('says what is missing when there is nothing to show', () => {
    const empty = reportPage(emptyInputs(), AT);
    expect(empty).toMatch(/No complete reconcile report/);
    expect(empty).toMatch(/No replication lag samples/);
    expect(empty).not.toContain('id="trends"');
    expect(empty).not.toContain('id="drill"');
  });
});

test('durations read as a person would say them', () => {
  expect(formatMs(850)).toBe('850 ms');
  expect(formatMs(4_200)).toBe('4.2 s');
  expect(formatMs(185_000)).toBe('3m 05s');
});

test('a queue observation from CloudWatch: the percentiles, and "not observed" for what it could not read', () => {
  const observed = reportPage(
    {
      ...emptyInputs(),
      queues: [queueRecord({ lag: { n: 40, p50: 850, p95: 4_300, max: 61_000 }, dlqDepth: undefined })],
    },
    AT,
  );
  expect(figure(observed, 'lag-all-p50')).toBe('850 ms');
  expect(figure(observed, 'lag-all-p95')).toBe('4.3 s');
  expect(figure(observed, 'oldest-message')).toBe('12.0 s');
  const failed = reportPage(
    {
      ...emptyInputs(),
      queues: [
        queueRecord({
          oldestMessageAgeMs: undefined,
          dlqDepth: undefined,
          notObserved: [
            { figure: 'lag', reason: 'CloudWatch GetMetricData failed: AccessDenied' },
            { figure: 'oldestMessage', reason: 'CloudWatch GetMetricData failed: AccessDenied' },
            { figure: 'dlqDepth', reason: 'no datapoint in the last 15 minutes' },
          ],
        }),
      ],
    },
    AT,
  );
  expect(figure(failed, 'oldest-message')).toBe('not observed');
  expect(figure(failed, 'dlq-depth')).toBe('not observed');
  expect(figure(failed, 'lag-not-observed')).toBe(
    'Replication lag not observed: CloudWatch GetMetricData failed: AccessDenied.',
  );
});
