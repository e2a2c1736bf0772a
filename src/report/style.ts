/** The page's inline style sheet: readable on a laptop, and printable to PDF (A4 or Letter). */
export const REPORT_CSS = `
:root { --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .muted, figcaption { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card .value { font-size: 26px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 13px; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.blocker { background: var(--bad); } .badge.warning { background: var(--warn); } .badge.info { background: var(--muted); }
.chart { margin: 8px 0 16px; }
.chart svg { width: 100%; height: auto; font-size: 11px; }
.chart svg text { fill: #1f2328; }
.chart svg .title { font-weight: 600; font-size: 13px; }
.chart svg .grid { stroke: var(--line); stroke-width: 1; }
.key { margin-right: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  h2 { break-after: avoid; }
  section, figure, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
