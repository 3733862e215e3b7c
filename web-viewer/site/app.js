// The Shailoo Ledger viewer. Every decision — signatures, quorum, inclusion proofs, record
// decoding, audit rules, tally — is made by the Rust code of `tlog` and `election` compiled to
// WebAssembly (pkg/); this file only fetches files, calls it, and draws the answers.
import init, * as wv from './pkg/web_viewer.js';
import { LANGS, STRINGS } from './i18n.js';

const params = new URLSearchParams(location.search);
// The log's URL, chosen with the policy (loadPolicy): ?log=<url> (a mirror, say), else the URL
// of the policy's `log` line. It says where to read, never what to trust.
let LOG = new URL('.', location.href).href;
const url = (path) => new URL(path, LOG).href;

const state = {
  lang: 'ky', policy: null, policySource: '', checkpoint: null, cp: null,
  bytes: new Map(), election: null, audit: null, timings: [],
};
state.wv = wv;
window.shailoo = state; // for the browser tests and the curious

// ---- language ------------------------------------------------------------------------------
function pickLang() {
  const saved = localStorage.getItem('shailoo.lang');
  if (saved && LANGS[saved]) return saved;
  for (const l of navigator.languages || []) {
    const code = l.slice(0, 2);
    if (LANGS[code]) return code;
  }
  return 'ky';
}
const t = (key) => STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
const nm = (names) => (names ? names[state.lang] || names.ru : '');

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem('shailoo.lang', lang);
  document.documentElement.lang = lang;
  document.title = t('title');
  state.rules = JSON.parse(wv.rule_titles(lang));
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  route();
}

// ---- DOM helper: text is always text, never markup -------------------------------------------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const badge = (ok, extra) => h('span', { class: `badge ${ok === null ? 'pending' : ok ? 'ok' : 'bad'}`, 'data-state': ok === null ? 'pending' : ok ? 'verified' : 'failed' },
  ok === null ? t('pending') : ok ? `✓ ${t('verified')}` : `✗ ${t('failed')}`, extra ? ` — ${extra}` : '');
const fmt = (n) => (typeof n === 'number' ? n.toLocaleString(state.lang === 'en' ? 'en-US' : 'ru-RU') : n);
const time = (s) => new Date(s * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
const table = (caption, rows, head) => h('table', {}, caption && h('caption', {}, caption),
  head && h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
  h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r[0]), r.slice(1).map((c) => h('td', {}, c))))));

// ---- fetching ------------------------------------------------------------------------------
// Fetched files are kept (as promises, so that records sharing a tile fetch it once). None is
// trusted: each is checked against the verified checkpoint or a record's hash before use.
// `full`: the full tile to read instead if a partial one is gone (the wasm names it).
// Kept by full URL: the log read can change (a policy chosen, or reset).
function getBytes(path, { fresh = false, full = null } = {}) {
  const u = url(path);
  if (!fresh && state.bytes.has(u)) return state.bytes.get(u);
  const p = fetch(u, { cache: fresh ? 'no-store' : 'default' }).then(async (r) => {
    // A missing object: 404, or 403 on hosts that do not say whether it exists.
    if ((r.status === 404 || r.status === 403) && full) return getBytes(full);
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  });
  if (!fresh) {
    state.bytes.set(u, p);
    p.catch(() => state.bytes.delete(u));
  }
  return p;
}
async function getJSON(path) {
  const r = await fetch(url(path), { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// ---- trust: policy and checkpoint ------------------------------------------------------------
// The policy is the file beside this page, never one the log serves (spec/tlog.md §11.1); one
// from a ?policy= link is used only once the person chooses to trust it (for this visit), one
// they pasted once they pressed "use". The wasm decides; this only fetches the candidates.
async function fetchText(u) {
  try {
    const r = await fetch(u, { cache: 'no-store' });
    return r.ok ? await r.text() : '';
  } catch {
    return '';
  }
}
// What the person chose to trust is kept by the policy's whole SHA-256, not its short
// fingerprint (which people compare by eye, and which a forger could match).
const trustId = (text) => wv.sha256_hex(new TextEncoder().encode(text));
async function loadPolicy() {
  const site = await fetchText(new URL('policy', location.href));
  let offered = '';
  let source = '';
  let trusted = false;
  if (params.get('policy')) {
    offered = await fetchText(new URL(params.get('policy'), location.href));
    source = params.get('policy');
    trusted = sessionStorage.getItem(`shailoo.trust.${trustId(offered)}`) === '1';
  } else if (localStorage.getItem('shailoo.policy')) {
    offered = localStorage.getItem('shailoo.policy');
    source = t('pasted');
    trusted = true;
  }
  const log = params.get('log') ? new URL(params.get('log'), location.href).href : '';
  const choice = JSON.parse(wv.choose_policy(site, location.href, offered, source, trusted, log));
  state.offeredText = offered;
  state.trust = choice;
  state.policy = choice.ok ? choice.policy : '';
  state.policySource = choice.ok ? choice.source : '';
  if (choice.ok) LOG = choice.log;
}

// A long source (a data: URL carries a whole policy) is cut; its fingerprint identifies it.
const shortSource = (src) => (src.length > 80 ? `${src.slice(0, 60)}… (${fmt(src.length)})` : src);

// Always on the home page: which log, under which policy, from where — and the warnings.
function trustBox() {
  const tr = state.trust || {};
  const offered = tr.offered;
  return h('section', { class: `card ${tr.ok && !tr.operator_copy && tr.use === 'site' ? '' : 'warncard'}`, id: 'trust', 'aria-labelledby': 'trust-h' },
    h('h2', { id: 'trust-h' }, t('trust_root')),
    tr.ok ? h('dl', {},
      h('dt', {}, t('log_url')), h('dd', { class: 'mono', id: 'trust-log' }, tr.log),
      h('dt', {}, t('policy_fingerprint')), h('dd', { class: 'mono', id: 'trust-fingerprint' }, tr.fingerprint),
      h('dt', {}, t('policy_source')), h('dd', { id: 'trust-source', 'data-use': tr.use }, h('code', {}, shortSource(tr.source)), ' ',
        tr.use === 'site' ? t('policy_is_sites') : t('policy_not_sites'))) : h('p', { class: 'bad', role: 'alert' }, tr.error),
    tr.operator_copy && h('p', { id: 'operator-copy', role: 'note' }, t('operator_copy'), ' ',
      tr.viewers.length ? h('span', {}, t('observer_copies'), ' ', tr.viewers.flatMap((v, i) => [i ? ', ' : '', h('a', { href: v, rel: 'noopener' }, v)])) : t('no_observer_copies')),
    offered && offered.source && !offered.trusted && h('div', { id: 'offered-policy', role: 'alert' },
      h('p', {}, t('offered_policy'), ' ', h('code', {}, shortSource(offered.source)), ` (${t('policy_fingerprint')} `, h('code', { class: 'mono' }, offered.fingerprint), ')',
        offered.error ? ` — ${offered.error}` : ''),
      !offered.error && h('button', { type: 'button', id: 'trust-offered', onclick: async () => {
        sessionStorage.setItem(`shailoo.trust.${trustId(state.offeredText)}`, '1');
        await reloadTrust();
        route();
      } }, t('trust_offered'))));
}

async function loadCheckpoint() {
  try {
    const bytes = await getBytes('checkpoint', { fresh: true });
    state.checkpointText = new TextDecoder().decode(bytes);
    state.cp = await acceptCheckpoint(bytes);
  } catch (e) {
    state.cp = { ok: false, error: String(e) };
  }
}

// The log must never show this browser a tree that does not extend the one it showed before
// (spec/tlog.md §11 step 2). The wasm verifies the checkpoint, names the tree to relate and the
// tiles to fetch, relates the two trees (consistent, an older view, a fork, damaged tiles),
// and says what to remember; this only fetches and stores.
async function acceptCheckpoint(bytes) {
  const first = JSON.parse(wv.verify_checkpoint(state.policy, bytes));
  if (!first.relate) return first;
  // Remembered per log — its origin and its key(s) — and per policy (the wasm says where).
  const places = JSON.parse(wv.remembered_keys(state.policy, first.relate.origin, state.trust.use === 'site'));
  state.seenKey = places.key;
  // Taken only if its checkpoint still verifies under this policy (anything on this origin can
  // write here); an older version's place is read when the current one holds nothing.
  let seen = '';
  for (const place of [places.key, ...places.earlier]) {
    const stored = localStorage.getItem(place);
    if (stored && wv.adopt_remembered(state.policy, first.relate.origin, stored)) { seen = stored; break; }
  }
  let paths = [];
  let tiles = [];
  if (seen) {
    const need = JSON.parse(wv.consistency_tiles_needed(JSON.parse(seen).size, first.relate.size));
    // A tile that cannot be fetched is left out: the wasm then says the tiles cannot be read.
    const fetched = await Promise.all((need.tiles || []).map((p) => getBytes(p, { full: need.full[p] }).then((b) => [p, b], () => null)));
    paths = fetched.filter(Boolean).map(([p]) => p);
    tiles = fetched.filter(Boolean).map(([, b]) => b);
  }
  const cp = JSON.parse(wv.accept_checkpoint(state.policy, bytes, seen, JSON.stringify(paths), concat(tiles), Uint32Array.from(tiles.map((x) => x.length))));
  if (cp.remember) localStorage.setItem(places.key, cp.remember);
  return cp;
}

// Proves entry `index` under the verified checkpoint: fetches its entry bundle and the hash
// tiles of its inclusion proof (all untrusted), then lets the Rust code compute and check the
// proof and decode the record.
async function prove(index) {
  const cp = state.cp;
  if (!cp.ok) return { index, ok: false, error: t('checkpoint_bad') };
  try {
    const need = JSON.parse(wv.inclusion_tiles_needed(index, cp.size));
    if (!need.ok) throw new Error(need.error);
    const [bundle, ...tiles] = await Promise.all([getBytes(need.bundle, { full: need.full[need.bundle] }), ...need.tiles.map((p) => getBytes(p, { full: need.full[p] }))]);
    const t0 = performance.now();
    const entry = wv.entry_from_bundle(bundle, need.bundle_width, need.offset);
    const proof = JSON.parse(wv.verify_inclusion_from_tiles(index, cp.size, cp.root, JSON.stringify(need.tiles),
      concat(tiles), Uint32Array.from(tiles.map((x) => x.length)), entry));
    const record = JSON.parse(wv.decode_record(entry));
    state.timings.push(performance.now() - t0);
    return { index, entry, proof, record, ok: proof.ok && record.ok && record.signature_ok, error: proof.error || record.error };
  } catch (e) {
    return { index, ok: false, error: String(e.message || e) };
  }
}

// The election definition and the precinct registry, each proved.
async function loadElection() {
  if (state.election) return state.election;
  const find = (kind) => getJSON(`api/v1/records?kind=${kind}&limit=100`).then((j) => j.records.map((r) => r.index));
  const [defs, regs] = await Promise.all([find('election-definition'), find('precinct-registry')]);
  const proved = await Promise.all([...defs.slice(0, 1), ...regs].map(prove));
  const def = proved.find((p) => p.ok && p.record.kind === 'election-definition');
  const precincts = new Map();
  for (const p of proved) if (p.ok && p.record.kind === 'precinct-registry') for (const [id, territory, registered] of p.record.body.precincts) precincts.set(id, { id, territory, registered });
  // Each with its proof's outcome goes to a precinct's page, to check its records' references.
  const context = proved.map((p) => ({ index: p.index, entry: p.entry || new Uint8Array(), proved: !!(p.proof && p.proof.ok), error: p.error || '' })).sort((a, b) => a.index - b.index);
  state.election = { def: def && def.record.body, precincts, context, ok: proved.every((p) => p.ok) };
  return state.election;
}

// ---- pages ---------------------------------------------------------------------------------
const main = () => document.getElementById('main');
function show(...children) {
  const m = main();
  const foreign = state.trust && state.trust.ok && state.trust.use !== 'site';
  m.replaceChildren(foreign ? h('p', { class: 'warncard card', id: 'foreign-policy', role: 'note' }, t('policy_not_sites'), ' ',
    h('code', { class: 'mono' }, state.trust.fingerprint)) : '', ...children.flat());
  // After a navigation the focus moves to the new content; on first load it stays at the top.
  if (state.navigated) m.focus({ preventScroll: true });
}

function checkpointBox() {
  const cp = state.cp;
  return h('section', { class: `card ${cp.ok ? 'okcard' : 'badcard'}`, 'aria-labelledby': 'cp-h' },
    h('h2', { id: 'cp-h' }, t('checkpoint'), ' ', h('span', { id: 'checkpoint-status' }, badge(cp.ok))),
    h('p', {}, cp.ok ? t('checkpoint_ok') : cp.consistency && cp.consistency.evidence ? t('checkpoint_fork') : `${t('checkpoint_bad')} (${cp.error})`),
    cp.consistency && h('p', { id: 'consistency' }, `${t('consistency')} (${fmt(cp.consistency.size)}): `, badge(cp.consistency.ok, cp.consistency.error)),
    cp.ok && h('dl', {},
      h('dt', {}, t('log_signature')), h('dd', {}, badge(true), ' ', cp.origin),
      h('dt', {}, t('tree_size')), h('dd', {}, fmt(cp.size)),
      h('dt', {}, t('root_hash')), h('dd', { class: 'mono' }, cp.root),
      h('dt', {}, t('witness_quorum')), h('dd', {}, badge(true), ' ', `${cp.cosigners.map((c) => c.name).join(', ')} (${t('quorum')}: ${cp.policy.quorum})`)));
}

async function pageHome() {
  const el = await loadElection();
  const def = el.def;
  show(trustBox(), checkpointBox(),
    def ? [h('h2', {}, nm(def.name), ' — ', def.date),
      h('p', {}, h('a', { href: '#/tally' }, t('nav_tally'))),
      h('h2', {}, t('regions')),
      h('ul', { class: 'links' }, def.regions.map((r) => h('li', {}, h('a', { href: `#/region/${r.id}` }, nm(r.name)))))]
      : h('p', { class: 'bad' }, t('error')));
}

function regionTally(key, id) {
  const a = state.audit && state.audit.done && state.audit.report;
  if (!a || !el().def) return null;
  return a.tally.map((c) => {
    const contest = el().def.contests.find((x) => x.id === c.contest);
    const v = c[key][id];
    return v && table(nm(contest.name), contest.options.map((o, i) => [nm(o), fmt(v[i])]), [t('option'), t('votes')]);
  });
}
const el = () => state.election;

async function pageRegion(id) {
  const { def } = await loadElection();
  const region = def.regions.find((r) => r.id === id);
  const ts = def.territories.filter((x) => x.region === id);
  show(h('nav', { 'aria-label': 'breadcrumb', class: 'crumbs' }, h('a', { href: '#/' }, t('nav_home')), ' › ', nm(region?.name)),
    h('h2', {}, t('region'), ': ', nm(region?.name)),
    regionTally('by_region', id),
    h('h3', {}, t('territories')),
    h('ul', { class: 'links' }, ts.map((x) => h('li', {}, h('a', { href: `#/territory/${x.id}` }, nm(x.name))))));
}

async function pageTerritory(id) {
  const { def, precincts } = await loadElection();
  const terr = def.territories.find((x) => x.id === id);
  const region = def.regions.find((r) => r.id === terr?.region);
  const ps = [...precincts.values()].filter((p) => p.territory === id).sort((a, b) => a.id - b.id);
  show(h('nav', { 'aria-label': 'breadcrumb', class: 'crumbs' }, h('a', { href: '#/' }, t('nav_home')), ' › ',
    h('a', { href: `#/region/${region?.id}` }, nm(region?.name)), ' › ', nm(terr?.name)),
  h('h2', {}, t('territory'), ': ', nm(terr?.name)),
  regionTally('by_territory', id),
  h('h3', {}, t('precincts')),
  h('ul', { class: 'links grid' }, ps.map((p) => h('li', {}, h('a', { href: `#/precinct/${p.id}` }, `№ ${p.id}`)))));
}

// Fetches a document a proved record references; the page's wasm checks it.
async function fetchDocument(page, p, doc) {
  let bytes = new Uint8Array();
  let error = '';
  try {
    bytes = await getBytes(`blob/${doc.sha256}`);
  } catch (e) {
    error = String(e.message || e) || 'fetch failed';
  }
  const c = JSON.parse(page.document(p.index, doc.sha256, bytes, error));
  if (c.ok) c.src = URL.createObjectURL(new Blob([bytes], { type: doc.media_type }));
  return c;
}

function recordSection(p, def, docs) {
  const r = p.record && p.record.ok ? p.record : null;
  const b = r && r.body;
  const contest = b && def && def.contests.find((c) => c.id === b.contest);
  const optionRows = (votes) => votes.map((v, i) => [contest ? nm(contest.options[i]) : `#${i + 1}`, fmt(v)]);
  let title = r ? r.kind : `#${p.index}`;
  let body = [];
  if (r && r.kind === 'protocol') {
    title = t('protocol');
    body = [table(null, ['voters_on_list', 'ballots_received', 'ballots_issued', 'ballots_cancelled', 'ballots_stationary', 'ballots_mobile', 'invalid', 'valid'].map((k) => [t(k), fmt(b[k])])),
      table(contest ? nm(contest.name) : t('votes'), optionRows(b.votes), [t('option'), t('votes')])];
  } else if (r && r.kind === 'urn-result') {
    title = t('urn');
    body = [table(null, [[t('device'), b.device], [t('ballots_read'), fmt(b.ballots_read)], [t('rejected'), fmt(b.rejected)]]),
      table(contest ? nm(contest.name) : t('votes'), optionRows(b.votes), [t('option'), t('votes')])];
  } else if (r && r.kind === 'identification-report') {
    title = t('identification');
    body = [table(null, [[t('identified'), fmt(b.identified)], [t('identified_mobile'), fmt(b.identified_mobile)]]),
      b.hourly.length ? table(null, b.hourly.map(([hh, n]) => [`${hh}:00`, fmt(n)]), [t('hour'), t('cumulative')]) : null];
  } else if (r && r.kind === 'turnout') {
    title = `${t('turnout')} ${b.hour}:00`;
    body = [h('p', {}, `${t('cumulative')}: ${fmt(b.identified)}`)];
  } else if (r) {
    body = [h('pre', {}, b.text || JSON.stringify(b))];
  }
  const docEls = (b && b.documents || []).map((d) => {
    const c = docs.get(d.sha256) || {};
    return h('figure', { 'data-sha256': d.sha256 },
      c.src && d.media_type.startsWith('image/') ? h('img', { src: c.src, alt: `${t('scan')}: ${title}`, loading: 'lazy' }) : null,
      h('figcaption', {}, `${t('document_hash')}: `, h('span', { class: 'mono' }, d.sha256.slice(0, 16), '…'), ' ', h('span', { class: 'doc-status' }, badge(c.ok === undefined ? false : c.ok, c.error))));
  });
  return h('section', { class: 'card record', 'data-kind': r ? r.kind : 'unknown', 'aria-label': title },
    h('h3', {}, title),
    h('ul', { class: 'checks' },
      h('li', {}, `${t('inclusion')}: `, badge(!!(p.proof && p.proof.ok), p.proof && p.proof.ok ? null : p.error)),
      h('li', {}, `${t('signature')}: `, badge(!!(r && r.signature_ok))),
      h('li', {}, `${t('log_index')} ${p.index}`, r ? ` · ${t('signed_at')} ${time(r.time)}` : '')),
    body, docEls);
}

async function pagePrecinct(id) {
  show(h('p', { role: 'status' }, t('loading')));
  const { def, precincts } = await loadElection();
  const info = precincts.get(id);
  const terr = info && def && def.territories.find((x) => x.id === info.territory);
  const region = terr && def.regions.find((r) => r.id === terr.region);
  const crumbs = h('nav', { 'aria-label': 'breadcrumb', class: 'crumbs' }, h('a', { href: '#/' }, t('nav_home')), ' › ',
    region ? h('a', { href: `#/region/${region.id}` }, nm(region.name)) : '', ' › ',
    terr ? h('a', { href: `#/territory/${terr.id}` }, nm(terr.name)) : '', ' › ', `№ ${id}`);
  const listed = await getJSON(`api/v1/records?precinct=${id}&limit=1000`);
  const proved = await Promise.all(listed.records.map((r) => prove(r.index)));
  // The index is untrusted and the page decides nothing: the wasm takes the proved definition
  // and registry, each listed record with its proof's outcome, and each document, and judges.
  const page = new wv.PrecinctPage(id);
  const docs = new Map();
  let verdict;
  try {
    for (const c of (state.election && state.election.context) || []) page.context(c.index, c.entry, c.proved, c.error);
    for (const p of proved) page.record(p.index, p.entry || new Uint8Array(), !!(p.proof && p.proof.ok), p.error || '');
    await Promise.all(proved.flatMap((p) => (p.record && p.record.ok ? (p.record.body.documents || []).map((d) => [p, d]) : []))
      .map(async ([p, d]) => docs.set(d.sha256, await fetchDocument(page, p, d))));
    verdict = JSON.parse(page.verdict(!!state.cp.ok, state.lang));
  } finally {
    page.free();
  }
  for (const r of verdict.records) {
    const p = proved.find((x) => x.index === r.index);
    p.ok = r.ok;
    if (!r.ok) p.error = r.error;
  }
  const fullAudit = state.audit && state.audit.done ? state.audit.report.findings.filter((f) => f.precinct === id) : null;
  const shownFindings = fullAudit || verdict.findings;
  const allOk = verdict.ok;
  const order = ['protocol', 'urn-result', 'identification-report', 'turnout'];
  proved.sort((a, b) => (order.indexOf(a.record?.kind) + 10) % 14 - (order.indexOf(b.record?.kind) + 10) % 14 || a.index - b.index);
  show(crumbs,
    h('h2', {}, `${t('precinct')} № ${id}`),
    info ? h('p', {}, `${nm(terr?.name)} · ${t('registered')}: ${fmt(info.registered)}`) : h('p', {}, t('not_found')),
    h('section', { class: `card ${allOk ? 'okcard' : 'badcard'}`, 'aria-live': 'polite' },
      h('h3', {}, t('precinct_status'), ' ', h('span', { id: 'status' }, badge(allOk))),
      h('p', {}, proved.length ? (allOk ? t('precinct_ok') : t('precinct_bad')) : t('no_records')),
      h('p', { class: 'note' }, t('index_note')),
      state.timings.length ? h('p', { class: 'note', id: 'perf' }, `${t('perf')} ${Math.max(...state.timings).toFixed(1)} ms`) : null),
    h('section', { class: 'card', 'aria-labelledby': 'f-h' }, h('h3', { id: 'f-h' }, t('findings')),
      fullAudit ? null : h('p', { class: 'note' }, t('local_checks')),
      shownFindings.length ? h('ul', { id: 'findings' }, shownFindings.map((f) => h('li', { class: 'bad' }, h('strong', {}, state.rules[f.rule] || f.rule), ` (${f.rule}): ${f.message}`)))
        : h('p', { class: 'ok' }, t('no_findings'))),
    proved.map((p) => recordSection(p, def, docs)));
}

async function pageTally() {
  const { def } = await loadElection();
  const a = state.audit;
  const progress = h('progress', { max: state.cp.size || 1, value: a ? a.read : 0, 'aria-label': t('progress') });
  const label = h('span', { role: 'status' }, a ? `${t('progress')}: ${fmt(a.read)} / ${fmt(state.cp.size)}` : '');
  const start = h('button', { type: 'button', onclick: () => runAudit(), disabled: a && !a.done ? 'disabled' : null }, t('tally_start'));
  const out = [checkpointBox(), h('h2', {}, t('nav_tally')), h('p', {}, t('tally_intro')), h('p', {}, start, ' ', progress, ' ', label)];
  if (a && a.done) {
    const rep = a.report;
    out.push(h('p', {}, `${t('root_recomputed')}: `, h('span', { id: 'root-status' }, badge(rep.root_ok, rep.root_error))));
    for (const c of rep.tally) {
      const contest = def.contests.find((x) => x.id === c.contest);
      const fin = rep.final_results.find((f) => f.contest === c.contest);
      out.push(h('section', { class: 'card' }, h('h3', {}, nm(contest.name), ` (${contest.seats} ${t('seats')})`),
        table(null, contest.options.map((o, i) => [nm(o), fmt(c.national[i])]).concat([[t('total'), fmt(c.valid)], [t('invalid'), fmt(c.invalid)]]), [t('option'), t('votes')]),
        h('p', {}, `${t('included')}: ${fmt(c.included)} · ${t('missing')}: ${c.missing.length} · ${t('annulled')}: ${c.annulled.join(', ') || '—'}`),
        fin && h('p', {}, `${t('final_result')}: `, badge(fin.matches, fin.matches ? t('matches') : t('differs'))),
        table(t('regions'), def.regions.map((r) => [h('a', { href: `#/region/${r.id}` }, nm(r.name)), fmt(c.valid_by_region[r.id] || 0)]), [t('region'), t('valid')])));
    }
    out.push(h('section', { class: 'card' }, h('h3', {}, t('findings'), ` (${rep.findings.length})`),
      rep.findings.length ? h('ul', { id: 'findings' }, rep.findings.slice(0, 300).map((f) => h('li', {}, h('strong', {}, state.rules[f.rule] || f.rule),
        f.precinct ? [' — ', h('a', { href: `#/precinct/${f.precinct}` }, `№ ${f.precinct}`)] : '', `: ${f.message}`))) : h('p', {}, t('no_findings'))));
  }
  show(out);
}

// Reads every entry bundle up to the checkpoint; the wasm audits each entry in log order and
// recomputes the root from them.
async function runAudit() {
  const size = state.cp.size;
  const audit = new wv.Audit(state.policy);
  const a = (state.audit = { read: 0, done: false });
  pageTally();
  const bundles = Math.ceil(size / 256);
  const fetchBundle = (n) => {
    const need = JSON.parse(wv.inclusion_tiles_needed(n * 256, size));
    return getBytes(need.bundle, { full: need.full[need.bundle] }).then((b) => ({ b, w: need.bundle_width, path: need.bundle }));
  };
  let next = fetchBundle(0);
  for (let n = 0; n < bundles; n++) {
    const cur = await next;
    if (n + 1 < bundles) next = fetchBundle(n + 1);
    audit.push_bundle(cur.b, cur.w);
    state.bytes.delete(cur.path); // do not keep the whole log in memory
    a.read += cur.w;
    const p = document.querySelector('progress');
    if (p) { p.value = a.read; p.nextElementSibling.textContent = `${t('progress')}: ${fmt(a.read)} / ${fmt(size)}`; }
  }
  a.report = JSON.parse(audit.report(state.lang, new TextEncoder().encode(state.checkpointText)));
  audit.free();
  a.done = true;
  if (location.hash.startsWith('#/tally')) pageTally();
}

function pageWitnesses() {
  const cp = state.cp;
  const pol = cp.policy || { witnesses: [], logs: [], quorum: '?' };
  const cos = new Map((cp.cosigners || []).map((c) => [c.name, c.time]));
  show(checkpointBox(), h('h2', {}, t('nav_witnesses')), h('p', {}, t('witnesses_intro')),
    h('p', {}, `${t('quorum')}: `, h('code', {}, pol.quorum)),
    h('ul', { class: 'witnesses' }, pol.witnesses.map((w) => h('li', { class: 'card' },
      h('h3', {}, w.name), h('p', {}, `${t('key')} (${w.algorithm}): `, h('code', { class: 'mono' }, w.vkey)),
      w.url ? h('p', {}, w.url) : null,
      h('p', {}, cos.has(w.name) ? [`${t('cosigned_at')} `, h('time', {}, time(cos.get(w.name))), ' ', badge(true)] : [t('not_cosigned'), ' ', badge(false)])))),
    h('h3', {}, t('log_key')), pol.logs.map((l) => h('p', {}, h('code', { class: 'mono' }, l.vkey))),
    pol.root ? [h('h3', {}, t('root_key')), h('p', {}, h('code', { class: 'mono' }, pol.root))] : null,
    h('h3', {}, t('checkpoint')), h('pre', { class: 'mono' }, state.checkpointText || ''));
}

function pagePolicy() {
  const ta = h('textarea', { id: 'policy-text', rows: 12, spellcheck: 'false' }, state.policy);
  show(h('h2', {}, t('nav_policy')), h('p', {}, t('policy_intro')),
    h('p', {}, `${t('policy_source')}: `, h('code', {}, state.policySource)),
    h('label', { for: 'policy-text' }, t('policy_paste')), ta,
    h('p', {}, h('button', { type: 'button', onclick: async () => { localStorage.setItem('shailoo.policy', ta.value); await reloadTrust(); location.hash = '#/'; } }, t('policy_use')), ' ',
      h('button', { type: 'button', onclick: async () => { localStorage.removeItem('shailoo.policy'); await reloadTrust(); location.hash = '#/'; } }, t('policy_reset'))));
}

async function reloadTrust() {
  state.election = null; state.audit = null;
  await loadPolicy();
  await loadCheckpoint();
}

// ---- routing -------------------------------------------------------------------------------
async function route() {
  const [, page, arg] = (location.hash || '#/').split('/');
  const n = Number(arg);
  for (const a of document.querySelectorAll('nav.top a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${page || ''}`);
  try {
    if (page === 'precinct' && Number.isInteger(n)) await pagePrecinct(n);
    else if (page === 'region') await pageRegion(n);
    else if (page === 'territory') await pageTerritory(n);
    else if (page === 'tally') await pageTally();
    else if (page === 'witnesses') pageWitnesses();
    else if (page === 'policy') pagePolicy();
    else await pageHome();
  } catch (e) {
    show(h('p', { class: 'bad', role: 'alert' }, `${t('error')}: ${e.message || e}`), trustBox(), state.cp ? checkpointBox() : null);
  }
  if (state.firstRender === undefined) state.firstRender = performance.now();
  document.body.dataset.ready = 'true';
}

async function main_() {
  await init();
  state.lang = pickLang();
  const langs = document.getElementById('langs');
  for (const [code, name] of Object.entries(LANGS)) langs.append(h('button', { type: 'button', 'data-lang': code, lang: code, onclick: () => setLang(code) }, name));
  document.getElementById('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = document.getElementById('precinct-number').value.trim();
    if (/^\d+$/.test(v)) location.hash = `#/precinct/${Number(v)}`;
  });
  // The skip link moves the focus without changing the route.
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main().focus(); });
  window.addEventListener('hashchange', () => { state.navigated = true; document.body.dataset.ready = 'false'; route(); });
  await loadPolicy();
  await loadCheckpoint();
  setLang(state.lang);
}
main_();
