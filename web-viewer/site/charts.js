// Charts as plain SVG, no library: each is a figure whose picture has a text alternative and
// whose figures are one click away in a table, for screen readers and for anyone who wants
// the numbers rather than the shapes.
import { h, t, fmt, percent, table } from './ui.js';

let charts = 0;

// Horizontal bars, one per row ({label, value, mark}); a marked row (a difference, say) is
// drawn in the warning colour. Labels sit above their bars, so long party names fit on a phone.
export function barChart(caption, rows, { total = null } = {}) {
  const id = `chart-${++charts}`;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const lineHeight = 38;
  const height = rows.length * lineHeight + 4;
  const share = (v) => (total ? ` (${percent(v, total)})` : '');
  const svg = h('svg:svg', { viewBox: `0 0 400 ${height}`, width: '100%', role: 'img', 'aria-labelledby': `${id}-t`, class: 'chart', preserveAspectRatio: 'xMinYMin meet' },
    h('svg:title', { id: `${id}-t` }, `${caption}: ${rows.map((r) => `${r.label} ${fmt(r.value)}${share(r.value)}`).join('; ')}`),
    rows.map((r, i) => {
      const y = i * lineHeight;
      const width = Math.max(1, Math.round(270 * r.value / max));
      return h('svg:g', { 'aria-hidden': 'true' },
        h('svg:text', { x: 0, y: y + 13, class: 'chart-label' }, r.label.length > 48 ? `${r.label.slice(0, 46)}…` : r.label),
        h('svg:rect', { x: 0, y: y + 17, width, height: 16, class: r.mark ? 'bar mark' : 'bar' }),
        h('svg:text', { x: width + 6, y: y + 30, class: 'chart-value' }, `${fmt(r.value)}${share(r.value)}`));
    }));
  return h('figure', { class: 'chart-figure', id },
    h('figcaption', {}, caption), svg,
    h('details', {}, h('summary', {}, t('chart_table')), table(null, rows.map((r) => [r.label, fmt(r.value)]))));
}

// A line through (x, y) points, x in hours of the day: the hourly turnout curve.
export function lineChart(caption, points, { xLabel, yLabel, yMax = null }) {
  const id = `chart-${++charts}`;
  const [w, hgt, left, bottom] = [400, 200, 52, 26];
  const xs = points.map(([x]) => x);
  const x0 = Math.min(...xs, 8);
  const x1 = Math.max(...xs, 20);
  const top = Math.max(1, yMax ?? 0, ...points.map(([, y]) => y));
  const px = (x) => left + (w - left - 10) * (x - x0) / Math.max(1, x1 - x0);
  const py = (y) => 10 + (hgt - bottom - 10) * (1 - y / top);
  const ticks = [];
  for (let x = x0; x <= x1; x += 3) ticks.push(x);
  const svg = h('svg:svg', { viewBox: `0 0 ${w} ${hgt}`, width: '100%', role: 'img', 'aria-labelledby': `${id}-t`, class: 'chart' },
    h('svg:title', { id: `${id}-t` }, `${caption}: ${points.map(([x, y]) => `${x}:00 ${fmt(y)}`).join('; ')}`),
    h('svg:g', { 'aria-hidden': 'true' },
      h('svg:line', { x1: left, y1: py(0), x2: w - 10, y2: py(0), class: 'axis' }),
      h('svg:line', { x1: left, y1: py(0), x2: left, y2: 10, class: 'axis' }),
      h('svg:text', { x: left - 6, y: py(top) + 4, class: 'chart-value', 'text-anchor': 'end' }, fmt(top)),
      h('svg:text', { x: left - 6, y: py(0), class: 'chart-value', 'text-anchor': 'end' }, '0'),
      ticks.map((x) => h('svg:text', { x: px(x), y: hgt - 8, class: 'chart-value', 'text-anchor': 'middle' }, `${x}:00`)),
      yMax ? h('svg:line', { x1: left, y1: py(yMax), x2: w - 10, y2: py(yMax), class: 'limit' }) : null,
      h('svg:polyline', { points: points.map(([x, y]) => `${px(x)},${py(y)}`).join(' '), class: 'line' }),
      points.map(([x, y]) => h('svg:circle', { cx: px(x), cy: py(y), r: 4, class: 'dot' }))));
  return h('figure', { class: 'chart-figure', id },
    h('figcaption', {}, caption), svg,
    h('details', {}, h('summary', {}, t('chart_table')), table(null, points.map(([x, y]) => [`${x}:00`, fmt(y)]), [xLabel, yLabel])));
}
