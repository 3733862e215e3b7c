// The Shailoo Ledger viewer. Every decision — signatures, quorum, inclusion proofs, record
// decoding, audit rules, tally — is made by the Rust code of `tlog` and `election` compiled to
// WebAssembly (pkg/); this file only fetches files, calls it, and draws the answers.
import init, * as wv from './pkg/web_viewer_core.js';
import { LANGS, loadLanguage } from './i18n.js';
import { state, t, tf, count, nm, h, badge, fmt, percent, time, table, FetchError, errorText } from './ui.js';
import { barChart } from './charts.js';

const params = new URLSearchParams(location.search);
// The log's URL, chosen with the policy (loadPolicy): ?log=<url> (a mirror, say), else the URL
// of the policy's `log` line. It says where to read, never what to trust.
let LOG = new URL('.', location.href).href;
const url = (path) => new URL(path, LOG).href;

state.wv = wv;
window.shailoo = state; // for the browser tests and the curious

// The whole module, the auditor included (the tally, a precinct page's checks), loaded when
// first wanted: a first visit needs only the core (trust, checkpoints, proofs, records).
let whole;
function auditorModule() {
  // A failed load (the script or the wasm) is tried again the next time it is wanted.
  whole ??= import('./pkg/web_viewer.js').then(async (m) => { await m.default(); return m; }).catch((e) => { whole = undefined; throw e; });
  return whole;
}

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

// Loads the language's words first (once), then says everything on the page again in it. The
// last language asked for wins, whichever file arrives first. Words that cannot be fetched
// leave a page already drawn in its language; the first drawing goes on without them (the
// page still verifies, and shows the words' keys).
let langAsked;
async function setLang(lang) {
  langAsked = lang;
  try {
    await loadLanguage(lang);
  } catch {
    if (state.drawn) return;
  }
  if (langAsked !== lang) return;
  state.drawn = true;
  state.lang = lang;
  localStorage.setItem('shailoo.lang', lang);
  document.documentElement.lang = lang;
  document.title = t('title');
  state.rules = JSON.parse(wv.rule_titles(lang));
  const a = state.audit;
  if (a && a.wasm) a.report = JSON.parse(a.wasm.report(lang, new TextEncoder().encode(state.checkpointText)));
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  route();
}

// ---- fetching ------------------------------------------------------------------------------
// Fetched files are kept (as promises, so that records sharing a tile fetch it once). None is
// trusted: each is checked against the verified checkpoint or a record's hash before use.
// `full`: the full tile to read instead if a partial one is gone (the wasm names it).
// Kept by full URL: the log read can change (a policy chosen, or reset).
function getBytes(path, { fresh = false, full = null } = {}) {
  const u = url(path);
  if (!fresh && state.bytes.has(u)) return state.bytes.get(u);
  const p = fetch(u, { cache: fresh ? 'no-store' : 'default' }).catch(() => { throw new FetchError(path, 0); }).then(async (r) => {
    // A missing object: 404, or 403 on hosts that do not say whether it exists.
    if ((r.status === 404 || r.status === 403) && full) return getBytes(full);
    if (!r.ok) throw new FetchError(path, r.status);
    return new Uint8Array(await r.arrayBuffer());
  });
  if (!fresh) {
    state.bytes.set(u, p);
    p.catch(() => state.bytes.delete(u));
  }
  return p;
}
async function getJSON(path) {
  const r = await fetch(url(path), { cache: 'no-store' }).catch(() => { throw new FetchError(path, 0); });
  if (!r.ok) throw new FetchError(path, r.status);
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
    state.cp = { ok: false, error: errorText(e) };
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

// Proves entry `index` under the verified checkpoint, all in Rust; nothing fetched is trusted.
// From the log's API first: the entry alone and its inclusion proof (a few hundred bytes each;
// the proof's hashes lead to the signed root or it fails). Where the API does not answer, or
// answers wrongly (a static copy of the log, a server that lies), from the static files a
// tlog-tiles log is: the hash tiles the proof is computed from, and the entry cut from its
// entry bundle of 256 entries. After one such failure a log is read from its files only.
const staticOnly = new Set();
async function prove(index) {
  const cp = state.cp;
  if (!cp.ok) return { index, ok: false, error: t('checkpoint_bad') };
  const log = url('');
  if (!staticOnly.has(log)) {
    try {
      const viaApi = await proveByApi(index, cp);
      if (viaApi.proof.ok) return viaApi;
      staticOnly.add(log); // an entry or proof that does not lead to the signed root
    } catch (e) {
      // No such API (a static copy answers 403, 404 or 405): this log's files from now on. A
      // busy or unreachable server (429, 5xx, no answer): the files for this record only, so
      // that a moment's overload does not send every later record to the heavier path.
      if (!(e instanceof FetchError) || [403, 404, 405, 501].includes(e.status)) staticOnly.add(log);
    }
  }
  try {
    const need = JSON.parse(wv.inclusion_tiles_needed(index, cp.size));
    if (!need.ok) throw new Error(need.error);
    const [bundle, tiles] = await Promise.all([
      getBytes(need.bundle, { full: need.full[need.bundle] }),
      Promise.all(need.tiles.map((p) => getBytes(p, { full: need.full[p] }))),
    ]);
    const entry = wv.entry_from_bundle(bundle, need.bundle_width, need.offset);
    return proveEntry(index, entry, () => wv.verify_inclusion_from_tiles(index, cp.size, cp.root, JSON.stringify(need.tiles),
      concat(tiles), Uint32Array.from(tiles.map((x) => x.length)), entry));
  } catch (e) {
    return { index, ok: false, error: errorText(e) };
  }
}
async function proveByApi(index, cp) {
  const [entry, answer] = await Promise.all([
    getBytes(`api/v1/entry/${index}`),
    getBytes(`api/v1/proof/inclusion/${index}?size=${cp.size}`).then((b) => new TextDecoder().decode(b)),
  ]);
  return proveEntry(index, entry, () => wv.verify_inclusion_proof(index, cp.size, cp.root, answer, entry));
}
// `verify` checks the inclusion proof (it returns the wasm's JSON answer); then the record is
// decoded and its signature checked.
function proveEntry(index, entry, verify) {
  const t0 = performance.now();
  const proof = JSON.parse(verify());
  const record = JSON.parse(wv.decode_record(entry));
  state.timings.push(performance.now() - t0);
  return { index, entry, proof, record, ok: proof.ok && record.ok && record.signature_ok, error: proof.error || record.error };
}

// The election definition and the precinct registry, each proved.
async function loadElection() {
  if (state.election) return state.election;
  const find = (kind) => getJSON(`api/v1/records?kind=${kind}&limit=100`).then((j) => j.records.map((r) => r.index));
  const [defs, regs] = await Promise.all([find('election-definition'), find('precinct-registry')]);
  const proved = await Promise.all([...defs.slice(0, 1), ...regs].map(prove));
  const def = proved.find((p) => p.ok && p.record.kind === 'election-definition');
  const precincts = new Map();
  for (const p of proved) if (p.ok && p.record.kind === 'precinct-registry') for (const [id, territory, registered, station, address] of p.record.body.precincts) precincts.set(id, { id, territory, registered, station, address });
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
    h('code', { class: 'mono' }, state.trust.fingerprint)) : '', ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  // After a navigation the focus moves to the new content, once: a redraw of the same page
  // (progress, a language switch) leaves it where the reader is; on first load it stays at the top.
  if (state.navigated) { state.navigated = false; m.focus({ preventScroll: true }); }
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
      h('dt', {}, t('witness_quorum')), h('dd', {}, badge(true), ' ', `${t('cosigned_by')}: ${cp.cosigners.map((c) => c.name).join(', ')} (${t('quorum')}: ${cp.policy.quorum})`),
      h('dt', {}, t('signed_at')), h('dd', {}, time(Math.max(...cp.cosigners.map((c) => c.time))))));
}

// The announced final result of each contest — the latest final-result record, proved (in the
// log under the checkpoint, its signature valid) — and, once the browser has recomputed the
// tally, whether the two agree and the turnout.
async function announced() {
  if (state.announced) return state.announced;
  const listed = await getJSON('api/v1/records?kind=final-result&limit=100');
  const proved = await Promise.all(listed.records.map((r) => prove(r.index)));
  const latest = new Map();
  for (const p of proved.sort((a, b) => a.index - b.index)) if (p.ok) latest.set(p.record.body.contest, p);
  state.announced = { latest, failed: proved.filter((p) => !p.ok) };
  return state.announced;
}

function announcedSection(def, ann) {
  const rep = (state.audit && state.audit.report) || null;
  const registered = [...state.election.precincts.values()].reduce((n, p) => n + p.registered, 0);
  const contests = def.contests.map((contest) => {
    const p = ann.latest.get(contest.id);
    const tally = rep && rep.tally.find((c) => c.contest === contest.id);
    const verdict = rep && p && rep.final_results.find((f) => f.index === p.index);
    if (!p) return h('p', { class: 'note' }, t('announced_none'));
    const b = p.record.body;
    const total = b.totals.reduce((n, v) => n + v, 0);
    return h('section', { class: 'card', 'data-contest': contest.id, id: `announced-${contest.id}` },
      h('h3', {}, nm(contest.name), ` — ${count(contest.seats, 'seats')}`),
      h('p', { class: 'headline' }, `${t('announced_proof')}: `, h('span', { class: 'announced-status' }, badge(p.ok)), ' · ', time(p.record.time)),
      barChart(t('announced_h'), contest.options.map((o, i) => ({ label: nm(o), value: b.totals[i] || 0 })), { total }),
      h('p', {}, `${t('precincts_counted')}: ${fmt(b.precincts_counted)} · ${t('annulled')}: ${b.annulled.length ? b.annulled.map((n) => `№ ${n}`).join(', ') : '—'}`),
      verdict ? h('p', { id: `announced-verdict-${contest.id}` }, `${t('final_result')}: `, badge(verdict.matches, verdict.matches ? t('matches') : t('differs'))) :
        h('p', {}, h('a', { href: '#/tally' }, t('announced_compare'))),
      tally && h('p', { class: 'turnout' }, `${t('turnout')}: ${percent(tally.valid + tally.invalid, registered)} (${fmt(tally.valid + tally.invalid)} / ${fmt(registered)} ${t('registered_pct')})`),
      h('details', { class: 'proof' }, h('summary', {}, t('proof_details')),
        h('ul', { class: 'checks' }, h('li', {}, `${t('inclusion')}: `, badge(p.proof.ok)), h('li', {}, `${t('signature')}: `, badge(p.record.signature_ok)),
          h('li', {}, `${t('log_index')} ${p.index}`), h('li', {}, `${t('signer')}: `, h('code', { class: 'mono' }, p.record.signer)))));
  });
  return [h('h2', {}, t('announced_h')), ann.failed.length ? h('p', { class: 'bad', role: 'alert' }, ann.failed.map((f) => `#${f.index}: ${f.error}`).join('; ')) : null, contests];
}

async function pageHome() {
  const el = await loadElection();
  const def = el.def;
  const ann = def && state.cp.ok ? await announced() : null;
  show(def ? [h('h2', {}, nm(def.name), ' — ', def.date), ann ? announcedSection(def, ann) : null] : h('p', { class: 'bad' }, t('error')),
    checkpointBox(),
    def ? [h('p', {}, h('a', { href: '#/tally' }, t('nav_tally')), ' · ', h('a', { href: '#/complaints' }, t('nav_complaints')), ' · ', h('a', { href: '#/finance' }, t('nav_finance'))),
      h('h2', {}, t('regions')),
      h('ul', { class: 'links' }, def.regions.map((r) => h('li', {}, h('a', { href: `#/region/${r.id}` }, nm(r.name)))))] : null,
    trustBox(), h('p', { class: 'note' }, t('times_note')));
}

const crumbs = (...parts) => h('nav', { 'aria-label': t('breadcrumb'), class: 'crumbs' }, h('a', { href: '#/' }, t('nav_home')), parts.map((p) => [' › ', p]));

// The precincts of `ids` that the full audit found something about, as links.
function precinctsWithFindings(ids) {
  const rep = (state.audit && state.audit.report) || null;
  if (!rep) return null;
  const found = [...new Set(rep.findings.map((f) => f.precinct).filter((p) => p && ids.has(p)))].sort((a, b) => a - b);
  return [h('h3', {}, t('findings')), found.length ? h('ul', { class: 'links grid', id: 'precincts-with-findings' }, found.map((p) => h('li', {}, h('a', { href: `#/precinct/${p}`, class: 'bad' }, `№ ${p}`)))) : h('p', { class: 'ok' }, t('no_findings'))];
}

function regionTally(key, id) {
  const a = state.audit && state.audit.report;
  if (!a || !el().def) return null;
  return a.tally.map((c) => {
    const contest = el().def.contests.find((x) => x.id === c.contest);
    const v = c[key][id];
    return v && barChart(nm(contest.name), contest.options.map((o, i) => ({ label: nm(o), value: v[i] })), { total: v.reduce((n, x) => n + x, 0) });
  });
}
const el = () => state.election;

async function pageRegion(id) {
  const { def } = await loadElection();
  const region = def.regions.find((r) => r.id === id);
  const ts = def.territories.filter((x) => x.region === id);
  const terrIds = new Set(ts.map((x) => x.id));
  const ids = new Set([...state.election.precincts.values()].filter((p) => terrIds.has(p.territory)).map((p) => p.id));
  show(crumbs(nm(region?.name)),
    h('h2', {}, t('region'), ': ', nm(region?.name)),
    regionTally('by_region', id) || h('p', {}, h('a', { href: '#/tally' }, t('announced_compare'))),
    h('h3', {}, t('territories')),
    h('ul', { class: 'links' }, ts.map((x) => h('li', {}, h('a', { href: `#/territory/${x.id}` }, nm(x.name))))),
    precinctsWithFindings(ids));
}

async function pageTerritory(id) {
  const { def, precincts } = await loadElection();
  const terr = def.territories.find((x) => x.id === id);
  const region = def.regions.find((r) => r.id === terr?.region);
  const ps = [...precincts.values()].filter((p) => p.territory === id).sort((a, b) => a.id - b.id);
  show(crumbs(h('a', { href: `#/region/${region?.id}` }, nm(region?.name)), nm(terr?.name)),
    h('h2', {}, t('territory'), ': ', nm(terr?.name)),
    regionTally('by_territory', id) || h('p', {}, h('a', { href: '#/tally' }, t('announced_compare'))),
    h('h3', {}, t('precincts')),
    h('ul', { class: 'links grid' }, ps.map((p) => h('li', {}, h('a', { href: `#/precinct/${p.id}` }, `№ ${p.id}`)))),
    precinctsWithFindings(new Set(ps.map((p) => p.id))));
}

async function pageTally() {
  const { def } = await loadElection();
  const a = state.audit;
  const progress = h('progress', { max: state.cp.size || 1, value: a ? a.read : 0, 'aria-label': t('progress') });
  const label = h('span', { role: 'status' }, a ? `${t('progress')}: ${fmt(a.read)} / ${fmt(state.cp.size)}` : '');
  const start = h('button', { type: 'button', onclick: () => runAudit(), disabled: a && !a.done ? 'disabled' : null }, t('tally_start'));
  const out = [checkpointBox(), h('h2', {}, t('nav_tally')), h('p', {}, t('tally_intro')), h('p', {}, start, ' ', progress, ' ', label)];
  if (a && a.error) out.push(h('p', { class: 'bad', role: 'alert' }, `${t('error')}: ${errorText(a.error)}`));
  if (a && a.report) {
    const rep = a.report;
    out.push(h('p', {}, `${t('root_recomputed')}: `, h('span', { id: 'root-status' }, badge(rep.root_ok, rep.root_error))));
    for (const c of rep.tally) {
      const contest = def.contests.find((x) => x.id === c.contest);
      const fin = rep.final_results.find((f) => f.contest === c.contest);
      out.push(h('section', { class: 'card' }, h('h3', {}, nm(contest.name), ` (${count(contest.seats, 'seats')})`),
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

// Reads every entry bundle up to the checkpoint; workers check their signatures in parallel,
// and the wasm audits each entry in log order and recomputes the root from them. One tally at
// a time: a newer one, or another trust policy, makes an older one stop.
async function runAudit() {
  const size = state.cp.size;
  const run = (state.auditRun = (state.auditRun || 0) + 1);
  const current = () => state.auditRun === run;
  if (state.audit && state.audit.wasm) state.audit.wasm.free();
  const a = (state.audit = { read: 0, done: false, byWorkers: 0, auditing: 0 });
  const started = performance.now();
  pageTally();
  let audit;
  try {
    audit = new (await auditorModule()).Audit(state.policy);
  } catch (e) {
    if (!current()) return;
    Object.assign(a, { error: e, done: true });
    if (location.hash.startsWith('#/tally')) pageTally();
    return;
  }
  const read = async (n) => {
    const need = JSON.parse(wv.inclusion_tiles_needed(n * 256, size));
    const bytes = await getBytes(need.bundle, { full: need.full[need.bundle] });
    // Not kept: the whole log need not stay in memory.
    const forget = () => { state.bytes.delete(url(need.bundle)); if (need.full[need.bundle]) state.bytes.delete(url(need.full[need.bundle])); };
    return { bytes, width: need.bundle_width, forget };
  };
  const progress = (n) => {
    a.read = n;
    const p = document.querySelector('progress');
    if (p) { p.value = n; p.nextElementSibling.textContent = `${t('progress')}: ${fmt(n)} / ${fmt(size)}`; }
  };
  try {
    // Loaded when first wanted: a first visit does not fetch it.
    const { tallyLog, workersWanted } = await import('./tally.js');
    if (!(await tallyLog({ audit, size, workers: workersWanted(params), read, progress, current, stats: a }))) {
      audit.free();
      return;
    }
    // Kept, to say its findings again in another language (setLang).
    a.wasm = audit;
    a.report = JSON.parse(audit.report(state.lang, new TextEncoder().encode(state.checkpointText)));
  } catch (e) {
    audit.free();
    if (!current()) return;
    a.error = e;
  }
  a.ms = performance.now() - started;
  a.done = true;
  if (location.hash.startsWith('#/tally')) pageTally();
}

// Search by precinct number, or by a polling station's name or address in Kyrgyz or Russian
// spelling (letters compared without case, ё as е, punctuation ignored).
const fold = (text) => (text || '').toLocaleLowerCase('ru').replace(/ё/g, 'е').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
function searchPrecincts(query) {
  const words = fold(query).split(' ').filter(Boolean);
  const all = [...state.election.precincts.values()];
  if (/^\d+$/.test(query.trim())) return all.filter((p) => p.id === Number(query.trim()));
  return all.filter((p) => {
    const text = fold([p.station && p.station.ky, p.station && p.station.ru, p.address && p.address.ky, p.address && p.address.ru].join(' '));
    return words.length && words.every((w) => text.includes(w));
  }).sort((a, b) => a.id - b.id);
}

async function pageSearch(query) {
  const { def } = await loadElection();
  const found = searchPrecincts(query);
  if (found.length === 1) { location.replace(`#/precinct/${found[0].id}`); return; }
  const terr = (p) => def.territories.find((x) => x.id === p.territory);
  show(crumbs(query), h('h2', {}, `${t('search_found')}: ${count(found.length, 'precincts')}`),
    found.length ? h('ul', { class: 'links', id: 'search-results' }, found.slice(0, 200).map((p) => h('li', {},
      h('a', { href: `#/precinct/${p.id}` }, `№ ${p.id}`), ` — ${nm(terr(p)?.name)}`,
      p.station ? ` · ${nm(p.station)}` : '', p.address ? ` · ${nm(p.address)}` : '')))
      : h('p', { role: 'status' }, tf('search_none', { q: query })));
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
      h('p', {}, cos.has(w.name) ? [`${t('cosigned_at')} `, time(cos.get(w.name)), ' ', badge(true)] : [t('not_cosigned'), ' ', badge(false)])))),
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
  if (state.audit && state.audit.wasm) state.audit.wasm.free();
  state.auditRun = (state.auditRun || 0) + 1; // a tally under the old trust stops
  state.election = null; state.audit = null; state.announced = null; state.complaints = null;
  await loadPolicy();
  await loadCheckpoint();
}

// What the pages in their own modules (precinct.js, filings.js) fetch, prove and draw with.
const pageEnv = { getJSON, getBytes, prove, loadElection, show, crumbs, auditorModule };

// ---- routing -------------------------------------------------------------------------------
// The precinct, complaints and finance pages (and the tally's workers) are modules loaded when
// first opened: a first visit to the home page fetches only what it draws.
async function route() {
  const [, page, arg] = (location.hash || '#/').split('/');
  const n = Number(arg);
  for (const a of document.querySelectorAll('nav.top a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${page || ''}`);
  try {
    if (page === 'precinct' && Number.isInteger(n)) await (await import('./precinct.js')).pagePrecinct(pageEnv, n);
    else if (page === 'region') await pageRegion(n);
    else if (page === 'territory') await pageTerritory(n);
    else if (page === 'tally') await pageTally();
    else if (page === 'witnesses') pageWitnesses();
    else if (page === 'complaints') await (await import('./filings.js')).pageComplaints(pageEnv);
    else if (page === 'finance') await (await import('./filings.js')).pageFinance(pageEnv);
    else if (page === 'search') await pageSearch(decodeURIComponent(arg || ''));
    else if (page === 'policy') pagePolicy();
    else await pageHome();
  } catch (e) {
    show(h('p', { class: 'bad', role: 'alert' }, `${t('error')}: ${errorText(e)}`), trustBox(), state.cp ? checkpointBox() : null);
  }
  if (state.firstRender === undefined) state.firstRender = performance.now();
  document.body.dataset.ready = 'true';
}

async function main_() {
  state.lang = pickLang();
  // The reader's language is fetched while the wasm compiles; the other two only if chosen.
  // Without its words (unreachable), the page still verifies and shows the words' keys.
  await Promise.all([init(), loadLanguage(state.lang).catch(() => {})]);
  const langs = document.getElementById('langs');
  for (const [code, name] of Object.entries(LANGS)) langs.append(h('button', { type: 'button', 'data-lang': code, lang: code, onclick: () => setLang(code) }, name));
  document.getElementById('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = document.getElementById('precinct-number').value.trim();
    if (/^\d+$/.test(v)) location.hash = `#/precinct/${Number(v)}`;
    else if (v) location.hash = `#/search/${encodeURIComponent(v)}`;
  });
  // The skip link moves the focus without changing the route.
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main().focus(); });
  window.addEventListener('hashchange', () => { state.navigated = true; document.body.dataset.ready = 'false'; route(); });
  await loadPolicy();
  await loadCheckpoint();
  await setLang(state.lang);
}
main_();
