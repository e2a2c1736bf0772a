/**
 * Inline SVG charts for the report: no script, no network, printable. Every text is escaped.
 * @packageDocumentation
 */
import { escapeHtml } from './escape';

/** Colours of the series, in order (readable in print and by most colour-blind readers). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export interface Series {
  name: string;
  values: number[];
}

export interface LineChartOptions {
  title: string;
  /** One label per point (the x axis). */
  labels: string[];
  series: Series[];
  /** Fixed top of the y axis (e.g. 100 for a percentage); default: the largest value. */
  yMax?: number;
  unit?: string;
}

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** A line chart of one or more series over the same labels (a single point is drawn as a dot). */
export function lineChart(o: LineChartOptions): string {
  const n = o.labels.length;
  const max = o.yMax ?? Math.max(1, ...o.series.flatMap((s) => s.values));
  const x = (i: number) =>
    PAD.left + (n <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (v: number) => H - PAD.bottom - (Math.max(0, v) / max) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = max * f;
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(fmt(v))}</text>`;
    })
    .join('');
  const step = Math.max(1, Math.ceil(n / 6));
  const xLabels = o.labels
    .map((l, i) =>
      i % step === 0 || i === n - 1
        ? `<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="${n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle'}">${escapeHtml(l)}</text>`
        : '',
    )
    .join('');
  const lines = o.series
    .map((s, k) => {
      const colour = PALETTE[k % PALETTE.length];
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      const dots = s.values
        .map(
          (v, i) =>
            `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${colour}"><title>${escapeHtml(`${s.name}: ${fmt(v)}`)}</title></circle>`,
        )
        .join('');
      return `${n > 1 ? `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>` : ''}${dots}`;
    })
    .join('');
  const legend = o.series
    .map(
      (s, k) =>
        `<span class="key"><span class="swatch" style="background:${PALETTE[k % PALETTE.length]}"></span>${escapeHtml(s.name)}</span>`,
    )
    .join(' ');
  const unit = o.unit ? ` (${escapeHtml(o.unit)})` : '';
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}" xmlns="http://www.w3.org/2000/svg"><text x="${PAD.left}" y="16" class="title">${escapeHtml(o.title)}${unit}</text>${grid}${xLabels}${lines}</svg><figcaption>${legend}</figcaption></figure>`;
}

/** Horizontal bars, one per label, with the value written at the end. */
export function barChart(title: string, bars: { label: string; value: number }[], unit = ''): string {
  const row = 22;
  const labelW = 150;
  const height = PAD.top + bars.length * row + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = W - labelW - 60;
  const body = bars
    .map((b, i) => {
      const y = PAD.top + i * row;
      const w = (b.value / max) * width;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(b.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" fill="${PALETTE[0]}"/><text x="${labelW + w + 6}" y="${y + 14}">${escapeHtml(fmt(b.value) + unit)}</text>`;
    })
    .join('');
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg"><text x="8" y="16" class="title">${escapeHtml(title)}</text>${body}</svg></figure>`;
}
