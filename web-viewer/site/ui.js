// What every page draws with: the page's state, its words in the reader's language, a DOM
// helper that only ever makes text (never markup), numbers, sums of money and times.
import { words, plural } from './i18n.js';

export const state = {
  lang: 'ky', policy: null, policySource: '', checkpoint: null, cp: null,
  bytes: new Map(), election: null, audit: null, timings: [],
};

export const t = (key) => words(state.lang)[key] ?? key;
// A string with {name} places filled in.
export const tf = (key, vars) => t(key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
// "3 места": a number with its noun in the right plural form.
export const count = (n, noun) => plural(state.lang, n, noun);
export const nm = (names) => (names ? names[state.lang] || names.ru : '');

export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const badge = (ok, extra) => h('span', { class: `badge ${ok === null ? 'pending' : ok ? 'ok' : 'bad'}`, 'data-state': ok === null ? 'pending' : ok ? 'verified' : 'failed' },
  ok === null ? t('pending') : ok ? `✓ ${t('verified')}` : `✗ ${t('failed')}`, extra ? ` — ${extra}` : '');

const locale = () => ({ en: 'en-GB', ru: 'ru-RU', ky: 'ky-KG' })[state.lang] || 'ru-RU';
export const fmt = (n) => (typeof n === 'number' ? n.toLocaleString(state.lang === 'en' ? 'en-US' : 'ru-RU') : n);
export const percent = (part, whole) => (whole ? (100 * part / whole).toLocaleString(locale(), { maximumFractionDigits: 1 }) + ' %' : '—');
// Sums are kept in tyiyn (1 som = 100 tyiyn) and shown in som.
export const som = (tyiyn) => (tyiyn / 100).toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// Every time a citizen reads is Bishkek time (Asia/Bishkek, UTC+6, no daylight saving), with
// the zone named: the polling hours and the protocols' times are local.
export function time(seconds) {
  const when = new Date(seconds * 1000);
  const text = new Intl.DateTimeFormat(locale(), {
    timeZone: 'Asia/Bishkek', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(when);
  return h('time', { datetime: when.toISOString() }, `${text} (${t('tz')})`);
}

export const table = (caption, rows, head) => h('table', {}, caption && h('caption', {}, caption),
  head && h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
  h('tbody', {}, rows.map((r) => h('tr', r.attrs || {}, h('th', { scope: 'row' }, r[0]), r.slice(1).map((c) => h('td', {}, c))))));

// A fetch that failed, said in the reader's language.
export class FetchError extends Error {
  constructor(path, status) {
    super(status ? `${path}: HTTP ${status}` : `${path}: unreachable`);
    this.path = path;
    this.status = status;
  }
}
export function errorText(e) {
  if (e instanceof FetchError) return e.status ? tf('err_http', { status: e.status, path: e.path }) : tf('err_network', { path: e.path });
  return String((e && e.message) || e);
}
