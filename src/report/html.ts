/**
 * The readiness and drill report as one self-contained HTML page: inline style, inline SVG
 * charts, no script and no external resource, so it opens offline and prints to PDF. It shows
 * the figures of `reportFigures` only: counts, durations and pool ids, never personal data.
 * @packageDocumentation
 */
import { duration } from '../reconcile/readiness';
import { barChart, lineChart } from './charts';
import { escapeHtml as e } from './escape';
import { REPORT_CSS } from './style';
import type { Distribution, ReportFigures } from './types';

/** `850 ms`, `4.2 s`, `3m 05s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return duration(ms / 1000);
}

const count = (n: number) => n.toLocaleString('en-US');
const num = (n: number, figure: string) => `<td class="n" data-figure="${e(figure)}">${e(count(n))}</td>`;

function card(label: string, value: string, figure: string, tone = ''): string {
  return `<div class="card"><div class="value ${tone}" data-figure="${e(figure)}">${e(value)}</div><div class="label">${e(label)}</div></div>`;
}

function readinessSection(f: ReportFigures): string {
  const r = f.readiness;
  if (!r)
    return '<section id="readiness"><h2>Readiness now</h2><p class="muted">No complete reconcile report: run <code>npm run reconcile</code> (a dry run is enough) and keep its JSON report in the folder.</p></section>';
  const nc = r.notCarried;
  const tone = r.percent >= 99.9 ? 'ok' : r.percent >= 95 ? 'warn' : 'bad';
  const drift = Object.entries(r.drift)
    .map(([k, v]) => `<tr><td>${e(k)}</td>${num(v, `drift-${k}`)}</tr>`)
    .join('');
  const gaps = Object.entries(nc.schemaGapAttributes)
    .map(([k, v]) => `${e(k)} (${count(v)})`)
    .join(', ');
  return `<section id="readiness"><h2>Readiness now</h2>
<p class="meta">From the ${e(r.mode)} reconcile run ${e(r.runId)} of ${e(r.at)}: ${e(r.source)} &rarr; ${e(r.target)}.</p>
<div class="cards">
${card('of the users a replica is expected for are present and matching', `${r.percent} %`, 'readiness-percent', tone)}
${card(`present and matching, of ${count(r.expected)} expected`, count(r.matching), 'matching')}
${card('missing in the target', count(r.missing), 'missing', r.missing ? 'bad' : 'ok')}
${card('present but different', count(r.drifted), 'drifted', r.drifted ? 'warn' : 'ok')}
</div>
<h3>Drift by kind, as the run found it (before an apply run's writes)</h3>
<table><thead><tr><th>kind</th><th class="n">users</th></tr></thead><tbody>${drift}
<tr><td>MFA waiting for the user's password reset</td>${num(r.mfaPending, 'mfa-pending')}</tr>
<tr><td>failed (an operation failed for them)</td>${num(r.failed, 'failed')}</tr></tbody></table>
<h3>Users a failover cannot carry as they are</h3>
<table><thead><tr><th>why</th><th class="n">users</th><th>what they do after a failover</th></tr></thead><tbody>
<tr><td>TOTP authenticator</td><td class="n" data-figure="totp">${nc.totp === null ? 'unknown' : e(count(nc.totp))}</td><td>enrol their authenticator again${nc.totp === null ? ' (run the reconcile with <code>--deep</code> to count them)' : ''}</td></tr>
<tr><td>federated (no identity-provider linking)</td>${num(nc.federated, 'federated')}<td>sign in through their identity provider</td></tr>
<tr><td>schema gaps</td>${num(nc.schemaGapUsers, 'schema-gap-users')}<td>lose the attributes the standby lacks${gaps ? `: ${gaps}` : ''}</td></tr>
<tr><td>no verified contact</td>${num(nc.noVerifiedContact, 'no-verified-contact')}<td>cannot receive a reset code: an administrator must help</td></tr>
<tr><td>no identity the standby can use</td>${num(nc.noIdentity, 'no-identity')}<td>not replicated</td></tr>
<tr><td>ambiguous (several standby users share their identity)</td>${num(nc.ambiguous, 'ambiguous')}<td>resolve by hand (the reconcile report lists them)</td></tr>
</tbody></table></section>`;
}

function distRow(label: string, d: Distribution, figure: string): string {
  return `<tr><td>${e(label)}</td><td class="n">${count(d.n)}</td><td class="n" data-figure="${e(figure)}-p50">${e(formatMs(d.p50))}</td><td class="n" data-figure="${e(figure)}-p95">${e(formatMs(d.p95))}</td><td class="n">${e(formatMs(d.max))}</td></tr>`;
}

function recoveryPointSection(f: ReportFigures): string {
  const p = f.recoveryPoint;
  const missed = (figure: string) => p.notObserved?.find((n) => n.figure === figure);
  const lagMissed = missed('lag');
  const histogram = p.lagHistogram.length
    ? barChart(
        'Replication lag distribution (changes per band)',
        p.lagHistogram.map((b) => ({ label: b.label, value: b.count })),
      )
    : '';
  const lag = p.lag
    ? `<p class="meta">Replication lag from the ${e(p.lagSource ?? '')}.</p><table><thead><tr><th>change</th><th class="n">n</th><th class="n">p50</th><th class="n">p95</th><th class="n">max</th></tr></thead><tbody>${p.lagByKind.map((k) => distRow(k.kind, k, `lag-${k.kind}`)).join('')}${distRow('all changes', p.lag, 'lag-all')}</tbody></table>${histogram}`
    : lagMissed
      ? `<p class="warn" data-figure="lag-not-observed">Replication lag not observed: ${e(lagMissed.reason)}.</p>`
      : '<p class="muted">No replication lag samples in these reports: the live figure is the dashboard\'s ReplicationLagMs (docs/REPORT.md).</p>';
  const oldestMissed = missed('oldestMessage');
  const dlqMissed = missed('dlqDepth');
  const cards = [
    p.oldestMessageAgeMs !== undefined
      ? card('oldest message waiting in the sync queue', formatMs(p.oldestMessageAgeMs), 'oldest-message')
      : oldestMissed
        ? card(`oldest message waiting: ${oldestMissed.reason}`, 'not observed', 'oldest-message', 'warn')
        : card('oldest message waiting: not in these reports (dashboard: queue age)', 'n/a', 'oldest-message'),
    p.dlqDepth !== undefined
      ? card('messages in the DLQ', count(p.dlqDepth), 'dlq-depth', p.dlqDepth ? 'bad' : 'ok')
      : dlqMissed
        ? card(`messages in the DLQ: ${dlqMissed.reason}`, 'not observed', 'dlq-depth', 'warn')
        : '',
    p.backup
      ? card(
          `newest backup record (${p.backup.location})`,
          p.backup.newestJournalAt ?? p.backup.newestSnapshotAt ?? 'none yet',
          'newest-backup',
        )
      : card('newest backup record', 'no backups configured', 'newest-backup'),
  ];
  return `<section id="recovery-point"><h2>Recovery point</h2><p class="meta">How much a failover now could miss: what has not reached the standby yet.</p><div class="cards">${cards.join('')}</div>${lag}</section>`;
}

function recoveryTimeSection(f: ReportFigures): string {
  const t = f.recoveryTime;
  if (!t)
    return '<section id="recovery-time"><h2>Recovery time</h2><p class="muted">Needs a complete reconcile report.</p></section>';
  const passwordless =
    t.passwordless === true
      ? 'The standby allows e-mail one-time codes as a first factor: users with a verified e-mail and no MFA sign in with a code when they come back, with no reset wave to wait for (the failover manifest marks them, emailOtp).'
      : t.passwordless === false
        ? 'Not available: the standby does not allow e-mail one-time codes as a first factor (it needs the Essentials plan; docs/LIMITATIONS.md, "The passwordless alternative").'
        : 'Unknown: no doctor findings in these reports (run <code>npm run doctor -- ... --report-dir &lt;this folder&gt;</code>).';
  return `<section id="recovery-time"><h2>Recovery time</h2>
<div class="cards">
${card(`for the failover's password-reset wave to ${count(t.users)} users at ${t.ratePerSecond}/s (UserAccountRecovery quota less the headroom)`, t.human, 'failover-wave')}
${card('passwordless alternative', t.passwordless === true ? 'no wave' : t.passwordless === false ? 'not available' : 'unknown', 'passwordless')}
</div><p>${passwordless}</p></section>`;
}

/** `11-29 01:00` of an ISO time. */
const short = (iso: string) => iso.slice(5, 16).replace('T', ' ');

function trendsSection(f: ReportFigures): string {
  if (!f.trends.length && !f.lagTrend.length) return '';
  const labels = f.trends.map((t) => short(t.at));
  const categories = [...new Set(f.trends.flatMap((t) => Object.keys(t.calls)))].sort();
  const runs = f.trends.length
    ? [
        lineChart({
          title: 'Readiness',
          labels,
          series: [{ name: 'present and matching', values: f.trends.map((t) => t.readinessPercent) }],
          yMax: 100,
          unit: '%',
        }),
        lineChart({
          title: 'Drift after the run',
          labels,
          series: [{ name: 'users missing or different', values: f.trends.map((t) => t.drift) }],
          unit: 'users',
        }),
        categories.length
          ? lineChart({
              title: 'Calls per quota category',
              labels,
              series: categories.map((c) => ({ name: c, values: f.trends.map((t) => t.calls[c] ?? 0) })),
              unit: 'requests',
            })
          : '',
      ]
    : [];
  const lag = f.lagTrend.length
    ? lineChart({
        title: 'Replication lag over the kept drills and observations',
        labels: f.lagTrend.map((p) => short(p.at)),
        series: [
          { name: 'p50', values: f.lagTrend.map((p) => p.p50) },
          { name: 'p95', values: f.lagTrend.map((p) => p.p95) },
        ],
        unit: 'ms',
      })
    : '';
  return `<section id="trends"><h2>Trends over the kept runs</h2><p class="meta">${count(f.trends.length)} complete reconcile run(s) and ${count(f.lagTrend.length)} lag record(s), oldest first.</p>
${runs.join('\n')}
${lag}
</section>`;
}

function drillSection(f: ReportFigures): string {
  const d = f.drill;
  if (!d) return '';
  const acts = d.acts
    .map(
      (a) =>
        `<tr><td>${a.n}</td><td>${e(a.title)}</td><td class="${a.status === 'ok' ? 'ok' : 'bad'}">${e(a.status)}</td><td class="n">${e(formatMs(a.ms))}</td></tr>`,
    )
    .join('');
  const dlq = Object.entries(d.dlq)
    .map(([k, v]) => `${e(k)} ${count(v)}`)
    .join(', ');
  return `<section id="drill"><h2>The last drill</h2><p class="meta">Finished ${e(d.finishedAt)}, ${count(d.users)} users, in ${e(formatMs(d.totalMs))}.</p>
<div class="cards">
${card('result', d.passed ? 'passed' : 'FAILED', 'drill-result', d.passed ? 'ok' : 'bad')}
${card('users lost (must be 0)', count(d.lost), 'users-lost', d.lost ? 'bad' : 'ok')}
${card(`present and matching in both pools, of ${count(d.expected)}`, count(d.intact), 'drill-intact')}
</div>
<table><thead><tr><th>act</th><th></th><th>status</th><th class="n">time</th></tr></thead><tbody>${acts}</tbody></table>
<p class="muted">Messages in the DLQs at the end: ${dlq || 'n/a'}; steps that went wrong: ${count(d.failures)}.</p></section>`;
}

function doctorSection(f: ReportFigures): string {
  const d = f.doctor;
  if (!d) return '';
  const rows = d.findings
    .map(
      (x) =>
        `<tr><td><span class="badge ${e(x.severity)}">${e(x.severity)}</span></td><td>${e(x.title)}<div class="muted">${e(x.id)}</div></td><td>${e(x.fix ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="doctor"><h2>Doctor findings</h2><p class="meta">${d.checkedAt ? `Checked ${e(d.checkedAt)}: ` : ''}<span data-figure="doctor-blockers">${d.counts.blocker}</span> blocker(s), ${d.counts.warning} warning(s), ${d.counts.info} note(s). Each fix is in <code>npm run doctor</code>'s output.</p>
<table><thead><tr><th></th><th>finding</th><th>fix</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/**
 * The page for these figures: one HTML document, no script, no network.
 *
 * @example
 * writeFileSync('report.html', renderReport(reportFigures(inputs, new Date().toISOString())));
 */
export function renderReport(f: ReportFigures): string {
  const r = f.readiness;
  const title = 'Standby readiness and drill report';
  const verdict = r ? `${r.percent} % of the users are ready in ${r.target}` : 'no reconcile report yet';
  const notes = f.notes.length ? `<ul class="muted">${f.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(title)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${e(title)}</h1><p class="meta">cognito-standby-sync &middot; generated ${e(f.generatedAt)} &middot; ${e(verdict)}</p>${notes}</header>
${readinessSection(f)}
${recoveryPointSection(f)}
${recoveryTimeSection(f)}
${trendsSection(f)}
${drillSection(f)}
${doctorSection(f)}
<footer>Counts and durations only: this page names no user (no username, e-mail or phone number). Figures: docs/REPORT.md.</footer>
</body></html>
`;
}
