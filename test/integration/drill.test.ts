/**
 * `npm start` in miniature: the whole drill in-process with a few users. It must end with exit
 * status 0 and a tally of 0 users lost (the bad day's deleted users restored in both pools),
 * print no personal data, and leave no process behind (the emulators run in this process; none
 * may start a child that outlives the drill). No timing assertions.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrill } from '../../scripts/drill/main';
import { ARTIFACTS, findChromium, openPage } from '../support/chromium';

jest.setTimeout(240_000);

/**
 * Processes that are children of this one (the `ps` listing them aside), as "pid args". Jest
 * reuses its worker across test files, so a child an earlier file left (esbuild's service process,
 * which lives as long as its parent) can already be there: the test compares against the list
 * taken before the drill.
 */
function childProcesses(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-A'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === String(process.pid) && f[2] !== 'ps')
    .map((f) => `${f[0]} ${f.slice(2).join(' ')}`);
}

test('the drill runs every act and loses no user', async () => {
  let output = '';
  const reportDir = mkdtempSync(join(tmpdir(), 'drill-report-'));
  const childrenBefore = childProcesses();
  const result = await runDrill(
    { users: 12, rate: 40, reportDir },
    { write: (t) => void (output += t), color: false, live: false },
  );
  if (result.exitCode !== 0) process.stderr.write(output);

  expect(result.exitCode).toBe(0);
  expect(result.acts.map((a) => [a.n, a.status])).toEqual([
    [1, 'ok'],
    [2, 'ok'],
    [3, 'ok'],
    [4, 'ok'],
    [5, 'ok'],
    [6, 'ok'],
    [7, 'ok'],
  ]);
  expect(result.results.failures).toEqual([]);
  const v = result.verification!;
  expect(v.lost).toBe(0);
  expect(v.resurrected).toEqual([]);
  expect(v.expected).toBeGreaterThanOrEqual(12);
  expect(v.users.primary).toBe(v.expected);
  expect(v.users.standby).toBe(v.expected);
  expect(result.results.outageRetries).toBeGreaterThan(0);

  // A bad day: the deletions reached the standby too; the restore brought every deleted user back
  // in both pools (the tally above checks them, under their new subs, with their groups).
  const badDay = result.results.badDay!;
  expect(badDay.deleted).toBeGreaterThanOrEqual(3);
  expect(badDay.strippedMembers).toBeGreaterThan(0);
  expect(badDay.goneFromStandby).toBe(badDay.deleted);
  expect(badDay.backInPrimary).toBe(badDay.deleted);
  expect(badDay.backInStandby).toBe(badDay.deleted);
  expect(badDay.backFromJournal).toBe(1); // signed up after the snapshot: restored from the journal
  // A whole-pool restore (no --sub): the state rebuilt holds every user of the pool at the restore
  // point (the pool now holds exactly those), and the users the script did not touch were found in sync.
  expect(badDay.restoredState).toBe(v.users.primary);
  expect(badDay.restoredInSync).toBeGreaterThan(v.users.primary / 2);

  // The final table, as printed.
  expect(output).toMatch(/users lost: 0\b/);
  expect(output).toMatch(/users in the pool\s+(\d+)\s+\1/);
  expect(output).toMatch(/messages in the DLQ\s+0\s+0/);
  expect(output).toMatch(/Act 6 · A bad day/);
  // The drill's pools are set up as production ones should be: the doctor finds nothing to fix.
  expect(output).toMatch(/0 blocker\(s\), 0 warning\(s\)/);
  expect(output).not.toMatch(/doctor: \d+ blocker/);
  expect(output).toMatch(/Drill passed in .*: users lost 0\./);
  // No personal data: the drill's addresses and phone numbers never appear.
  expect(output).not.toMatch(/@example\.com/);
  expect(output).not.toMatch(/\+1555\d{7}/);

  expect(childProcesses().filter((c) => !childrenBefore.includes(c))).toEqual([]);

  // The readiness and drill page (issue 14), its path printed, opened from the drill's output.
  const page = /Readiness and drill report: (\S+)/.exec(output)?.[1];
  expect(page).toBe(join(reportDir, 'report.html'));
  const html = readFileSync(page!, 'utf8');
  expect(html).toContain('data-figure="users-lost">0<');
  expect(html).toContain('data-figure="drill-result">passed<');
  expect(html).not.toMatch(/@example\.com/);
  expect(html).not.toMatch(/\+1555\d{7}/);
  const browser = findChromium();
  if ('missing' in browser) console.warn(`drill page not opened in a browser: ${browser.missing}`);
  else {
    const opened = await openPage(browser.path, page!, join(ARTIFACTS, 'drill-report.png'));
    expect(opened.console).toEqual([]);
    expect(opened.dom).toMatch(/data-figure="users-lost">0</);
    expect(opened.dom).toMatch(/data-figure="readiness-percent">[\d.]+ %</);
  }
});
