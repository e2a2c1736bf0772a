/**
 * The report page opened in headless Chromium: the key figures are there once rendered, the
 * browser logs no console error (no blocked resource, no CSP violation), and a screenshot is
 * kept under test-artifacts/ (gitignored). Skipped, saying why, where Chromium is not installed.
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyInputs, reportPage } from '../../src/report';
import { ARTIFACTS, findChromium, openPage } from '../support/chromium';
import { doctorRecord, drillRecord, PLANTED_EMAIL, queueRecord, reconcileReport } from '../unit/report/fixtures';

jest.setTimeout(180_000);

const browser = findChromium();
if ('missing' in browser) console.warn(`report browser test skipped: ${browser.missing}`);
const describeWithChromium = 'path' in browser ? describe : describe.skip;

describeWithChromium('the report page in headless Chromium', () => {
  test('shows the key figures, logs no console error, and leaves a screenshot', async () => {
    const inputs = {
      ...emptyInputs(),
      reconcileRuns: [
        reconcileReport({ finishedAt: '2026-11-27T01:00:00.000Z', inSync: 120, missing: 80 }),
        reconcileReport({ finishedAt: '2026-11-28T01:00:00.000Z', inSync: 180, missing: 15, drifted: 5 }),
        reconcileReport({ finishedAt: '2026-11-29T01:00:00.000Z', inSync: 195, missing: 3, drifted: 2, totp: 4 }),
      ],
      drills: [drillRecord()],
      doctors: [doctorRecord()],
      queues: [queueRecord()],
    };
    const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, reportPage(inputs, new Date('2026-11-30T05:00:00.000Z')));
    const screenshot = join(ARTIFACTS, 'report.png');

    const page = await openPage((browser as { path: string }).path, file, screenshot);

    expect(page.console).toEqual([]);
    expect(page.dom).toMatch(/data-figure="readiness-percent">97\.5 %</);
    expect(page.dom).toMatch(/data-figure="users-lost">0</);
    expect(page.dom).toMatch(/data-figure="failover-wave">9s</);
    expect(page.dom).toMatch(/data-figure="lag-all-p95">40\.0 s</);
    expect((page.dom.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(page.dom).not.toContain(PLANTED_EMAIL);
    expect(existsSync(screenshot)).toBe(true);
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  });
});
