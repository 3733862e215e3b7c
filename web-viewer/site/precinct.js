// A precinct's page: its records, each proved against the checkpoint (inclusion, signature,
// documents); the hand count beside the urn's; the voters identified beside the ballots; the
// day's turnout; complaints about it; and the findings of the rules that need only its records.
// The log's index says which records to fetch and is not trusted: the wasm judges.
import { state, t, nm, h, badge, fmt, time, table, errorText } from './ui.js';
import { lineChart } from './charts.js';
import { loadComplaints, complaintsTable } from './filings.js';

// Scans shown as images: image types only (an HTML "scan" is never given a URL of this
// origin; an SVG one opened on its own inherits the page's Content-Security-Policy, which
// runs no inline script), one object URL per document for the page's life, not per redraw.
const IMAGES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/svg+xml']);
const scanURLs = new Map();
function scanURL(sha256, bytes, mediaType) {
  if (!scanURLs.has(sha256)) scanURLs.set(sha256, URL.createObjectURL(new Blob([bytes], { type: mediaType })));
  return scanURLs.get(sha256);
}

// Fetches a document a proved record references; the page's wasm checks it.
async function fetchDocument(env, page, p, doc) {
  let bytes = new Uint8Array();
  let error = '';
  try {
    bytes = await env.getBytes(`blob/${doc.sha256}`);
  } catch (e) {
    error = errorText(e);
  }
  const c = JSON.parse(page.document(p.index, doc.sha256, bytes, error));
  if (c.ok && IMAGES.has(doc.media_type)) c.src = scanURL(doc.sha256, bytes, doc.media_type);
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
      b.hourly.length ? lineChart(t('hourly_curve'), b.hourly, { xLabel: t('hour'), yLabel: t('cumulative') }) : null];
  } else if (r && r.kind === 'turnout') {
    title = `${t('turnout')} ${b.hour}:00`;
    body = [h('p', {}, `${t('cumulative')}: ${fmt(b.identified)}`)];
  } else if (r) {
    body = [h('pre', {}, b.text || JSON.stringify(b))];
  }
  const docEls = (b && b.documents || []).map((d) => {
    const c = docs.get(d.sha256) || {};
    return h('figure', { 'data-sha256': d.sha256 },
      c.src ? h('img', { src: c.src, alt: `${t('scan')}: ${title}`, loading: 'lazy' }) : null,
      h('figcaption', {}, `${t('document_hash')}: `, h('span', { class: 'mono' }, d.sha256.slice(0, 16), '…'), ' ', h('span', { class: 'doc-status' }, badge(c.ok === undefined ? false : c.ok, c.error))));
  });
  return h('section', { class: 'card record', 'data-kind': r ? r.kind : 'unknown', 'aria-label': title },
    h('h3', {}, title),
    h('p', {}, badge(!!p.ok, p.ok ? null : p.error), r ? [' · ', t('signed_at'), ' ', time(r.time)] : ''),
    h('details', { class: 'proof', open: p.ok ? null : 'open' }, h('summary', {}, t('proof_details')),
      h('ul', { class: 'checks' },
        h('li', {}, `${t('inclusion')}: `, badge(!!(p.proof && p.proof.ok), p.proof && p.proof.ok ? null : p.error)),
        h('li', {}, `${t('signature')}: `, badge(!!(r && r.signature_ok))),
        h('li', {}, `${t('log_index')} ${p.index}`),
        r ? h('li', {}, `${t('signer')}: `, h('code', { class: 'mono' }, r.signer)) : null)),
    body, docEls);
}

// The hand count beside the urn's, per contest, differences marked (colour and "≠"); and the
// voters identified beside the ballots found in each kind of box.
function sideBySide(proved, def) {
  const ok = proved.filter((p) => p.ok && p.record && p.record.ok);
  const latest = (kind, contest) => ok.filter((p) => p.record.kind === kind && (contest === undefined || p.record.body.contest === contest)).sort((a, b) => b.index - a.index)[0];
  const row = (label, a, b) => {
    const differs = a !== undefined && b !== undefined && a !== b;
    const r = [label, fmt(a ?? '—'), fmt(b ?? '—'), differs ? `≠ ${fmt(b - a)}` : '='];
    r.attrs = differs ? { class: 'differs' } : {};
    return r;
  };
  const out = [];
  for (const contest of (def && def.contests) || []) {
    const hand = latest('protocol', contest.id);
    const urn = latest('urn-result', contest.id);
    if (!hand || !urn) continue;
    const [hb, ub] = [hand.record.body, urn.record.body];
    out.push(h('section', { class: 'card', id: `side-${contest.id}`, 'aria-label': t('side_by_side') },
      h('h3', {}, t('side_by_side')),
      table(nm(contest.name), contest.options.map((o, i) => row(nm(o), hb.votes[i], ub.votes[i]))
        .concat([row(t('ballots_found'), hb.valid + hb.invalid, ub.ballots_read)]), [t('option'), t('hand_count'), t('urn_count'), t('difference')]),
      h('p', { class: 'note' }, t('differs_note'))));
  }
  const id = latest('identification-report');
  const hand = latest('protocol');
  if (id && hand) {
    const [ib, hb] = [id.record.body, hand.record.body];
    const over = (identified, found) => {
      const r = [null, fmt(identified), fmt(found), found > identified ? `≠ ${fmt(found - identified)}` : '='];
      r.attrs = found > identified ? { class: 'differs' } : {};
      return r;
    };
    const premises = over(ib.identified, hb.ballots_stationary);
    premises[0] = t('in_premises');
    const mobile = over(ib.identified_mobile, hb.ballots_mobile);
    mobile[0] = t('mobile_box');
    out.push(h('section', { class: 'card', id: 'identified-vs-ballots', 'aria-label': t('id_vs_ballots') },
      h('h3', {}, t('id_vs_ballots')),
      table(null, [premises, mobile], ['', t('identified_short'), t('ballots_found'), t('difference')])));
  }
  return out;
}

export async function pagePrecinct(env, id) {
  env.show(h('p', { role: 'status' }, t('loading')));
  const { def, precincts } = await env.loadElection();
  const info = precincts.get(id);
  const terr = info && def && def.territories.find((x) => x.id === info.territory);
  const region = terr && def.regions.find((r) => r.id === terr.region);
  const trail = env.crumbs(region ? h('a', { href: `#/region/${region.id}` }, nm(region.name)) : '—',
    terr ? h('a', { href: `#/territory/${terr.id}` }, nm(terr.name)) : '—', `№ ${id}`);
  // The whole module (the precinct's checks) loads while the records are proved.
  const auditor = env.auditorModule();
  auditor.catch(() => {}); // awaited below; a failure is reported there
  const listed = await env.getJSON(`api/v1/records?precinct=${id}&limit=1000`);
  const proved = await Promise.all(listed.records.map((r) => env.prove(r.index)));
  // The index is untrusted and the page decides nothing: the wasm takes the proved definition
  // and registry, each listed record with its proof's outcome, and each document, and judges.
  const page = new (await auditor).PrecinctPage(id);
  const docs = new Map();
  let verdict;
  try {
    for (const c of (state.election && state.election.context) || []) page.context(c.index, c.entry, c.proved, c.error);
    for (const p of proved) page.record(p.index, p.entry || new Uint8Array(), !!(p.proof && p.proof.ok), p.error || '');
    await Promise.all(proved.flatMap((p) => (p.record && p.record.ok ? (p.record.body.documents || []).map((d) => [p, d]) : []))
      .map(async ([p, d]) => docs.set(d.sha256, await fetchDocument(env, page, p, d))));
    verdict = JSON.parse(page.verdict(!!state.cp.ok, state.lang));
  } finally {
    page.free();
  }
  for (const r of verdict.records) {
    const p = proved.find((x) => x.index === r.index);
    p.ok = r.ok;
    if (!r.ok) p.error = r.error;
  }
  const fullAudit = state.audit && state.audit.report ? state.audit.report.findings.filter((f) => f.precinct === id) : null;
  const shownFindings = fullAudit || verdict.findings;
  const allOk = verdict.ok;
  const order = ['protocol', 'urn-result', 'identification-report', 'turnout'];
  proved.sort((a, b) => (order.indexOf(a.record?.kind) + 10) % 14 - (order.indexOf(b.record?.kind) + 10) % 14 || a.index - b.index);
  const complaintsHere = (await loadComplaints(env).catch(() => [])).filter((c) => c.filed.ok && c.filed.record.body.precinct === id);
  env.show(trail,
    h('h2', {}, `${t('precinct')} № ${id}`),
    info ? h('p', {}, `${nm(terr?.name)} · ${t('registered')}: ${fmt(info.registered)}`) : h('p', {}, t('not_found')),
    info && info.station ? h('p', {}, `${t('station')}: ${nm(info.station)}`, info.address ? ` · ${t('address')}: ${nm(info.address)}` : '') : null,
    sideBySide(proved, def),
    h('section', { class: `card ${allOk ? 'okcard' : 'badcard'}`, 'aria-live': 'polite' },
      h('h3', {}, t('precinct_status'), ' ', h('span', { id: 'status' }, badge(allOk))),
      h('p', {}, proved.length ? (allOk ? t('precinct_ok') : t('precinct_bad')) : t('no_records')),
      h('p', { class: 'note' }, t('index_note')),
      state.timings.length ? h('p', { class: 'note', id: 'perf' }, `${t('perf')} ${fmt(Math.round(10 * Math.max(...state.timings)) / 10)} ${t('ms')}`) : null),
    h('section', { class: 'card', 'aria-labelledby': 'f-h' }, h('h3', { id: 'f-h' }, t('findings')),
      fullAudit ? null : h('p', { class: 'note' }, t('local_checks')),
      shownFindings.length ? h('ul', { id: 'findings' }, shownFindings.map((f) => h('li', { class: 'bad' }, h('strong', {}, state.rules[f.rule] || f.rule), ` (${f.rule}): ${f.message}`)))
        : h('p', { class: 'ok' }, t('no_findings'))),
    complaintsHere.length ? h('section', { class: 'card', 'aria-labelledby': 'c-h' }, h('h3', { id: 'c-h' }, t('complaints_here')), h('div', { class: 'scroll' }, complaintsTable(complaintsHere))) : null,
    proved.map((p) => recordSection(p, def, docs)));
}

