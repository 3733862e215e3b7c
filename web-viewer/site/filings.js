// The complaints register and the campaign-finance page: every complaint and its decision,
// every finance report and bank statement, each proved against the checkpoint (inclusion and
// signature) before it is shown. The log's index only says where to look.
import { h, t, count, badge, fmt, som, time, table, state } from './ui.js';

// Every record of `kind` the index lists, proved; `env` is the page's fetching and proving.
async function provedOfKind(env, kind) {
  const listed = await env.getJSON(`api/v1/records?kind=${kind}&limit=10000`);
  return Promise.all(listed.records.map((r) => env.prove(r.index)));
}

// The register: each filed complaint with its decision (the latest, by log order) and a
// status — decided, awaiting a decision, or overdue past the election's deadline.
export async function loadComplaints(env) {
  if (state.complaints) return state.complaints;
  const { def } = await env.loadElection();
  const [filed, decided] = await Promise.all([provedOfKind(env, 'complaint-filed'), provedOfKind(env, 'complaint-decision')]);
  const decisions = new Map();
  for (const d of decided.sort((a, b) => a.index - b.index)) if (d.ok) decisions.set(d.record.body.complaint, d);
  const deadline = (def && def.complaint_deadline) || 3 * 24 * 3600;
  const now = state.cp && state.cp.ok ? Math.max(...state.cp.cosigners.map((c) => c.time)) : Date.now() / 1000;
  state.complaints = filed.map((f) => {
    const decision = f.ok ? decisions.get(f.record.body.complaint) : undefined;
    const due = f.ok ? f.record.time + deadline : 0;
    const late = decision ? decision.record.time > due : now > due;
    const status = decision ? (late ? 'overdue' : 'decided') : late ? 'overdue' : 'open';
    return { filed: f, decision, due, status };
  });
  return state.complaints;
}

// Once the national tally has run, the statuses are its own: a complaint is overdue when the
// full audit's `complaint.deadline` rule says so, on the times the witnesses vouch for (a
// signer can claim any time within the log's window; the witnesses' clocks it cannot set).
// Before, they follow the times the records claim, against the checkpoint's witnessed time.
function judged(list) {
  const rep = state.audit && state.audit.report;
  if (!rep) return { list, witnessed: false };
  const late = new Set(rep.findings.filter((f) => f.rule === 'complaint.deadline').map((f) => f.index));
  return {
    witnessed: true,
    list: list.map((c) => {
      const overdue = late.has(c.filed.index) || (c.decision && late.has(c.decision.index));
      return { ...c, status: overdue ? 'overdue' : c.decision ? 'decided' : 'open' };
    }),
  };
}

const statusText = { open: 'status_open', decided: 'status_decided', overdue: 'status_overdue' };
const key = (s) => s.replace(/-/g, '_');

function complaintRow(c) {
  const f = c.filed;
  if (!f.ok) return h('tr', { class: 'differs' }, h('th', { scope: 'row' }, `#${f.index}`), h('td', { colspan: 6 }, badge(false, f.error)));
  const b = f.record.body;
  const d = c.decision && c.decision.record;
  return h('tr', { 'data-complaint': b.complaint, 'data-status': c.status },
    h('th', { scope: 'row' }, b.complaint, ' ', badge(f.ok)),
    h('td', {}, t(`cat_${key(b.category)}`)),
    h('td', {}, b.precinct ? h('a', { href: `#/precinct/${b.precinct}` }, `№ ${b.precinct}`) : '—'),
    h('td', {}, b.subject),
    h('td', {}, b.filed_with, h('br'), time(f.record.time)),
    h('td', {}, h('span', { class: `status-${c.status}` }, t(statusText[c.status])), h('br'), `${t('deadline')}: `, time(c.due)),
    h('td', {}, d ? [t(`out_${key(d.body.outcome)}`), ' — ', t(`dec_${d.body.decided_by}`), ` (${d.body.decider_name}), `, time(d.time), ' ', badge(c.decision.ok)] : '—'));
}

export function complaintsTable(all) {
  const { list, witnessed } = judged(all);
  return h('table', { class: 'register', id: 'complaints', 'data-judged': witnessed ? 'witnessed' : 'claimed' },
    h('caption', {}, t(witnessed ? 'status_by_witnesses' : 'status_by_claims'), witnessed ? '' : [' ', h('a', { href: '#/tally' }, t('tally_start'))]),
    h('thead', {}, h('tr', {}, ['complaint_no', 'category', 'precinct', 'subject', 'filed_with', 'status', 'outcome'].map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, list.map(complaintRow)));
}

export async function pageComplaints(env) {
  env.show(h('p', { role: 'status' }, t('loading')));
  const all = await loadComplaints(env);
  const { list } = judged(all);
  const by = (s) => list.filter((c) => c.status === s).length;
  env.show(env.crumbs(t('nav_complaints')), h('h2', {}, t('nav_complaints')), h('p', {}, t('complaints_intro')),
    h('p', { class: 'note' }, t('times_note')),
    list.length ? [
      h('p', { id: 'complaint-counts' }, `${count(list.length, 'complaints')}: ${t('status_decided')} ${fmt(by('decided'))} · ${t('status_open')} ${fmt(by('open'))} · `,
        h('span', { class: 'status-overdue' }, `${t('status_overdue')} ${fmt(by('overdue'))}`)),
      h('div', { class: 'scroll' }, complaintsTable(all))] : h('p', {}, t('no_complaints')));
}

// Finance: each filer's latest report (income and spending by category) and bank statements.
export async function pageFinance(env) {
  env.show(h('p', { role: 'status' }, t('loading')));
  const [reports, statements] = await Promise.all([provedOfKind(env, 'finance-report'), provedOfKind(env, 'bank-statement')]);
  const filers = new Map();
  const of = (name) => filers.get(name) || filers.set(name, { reports: [], statements: [] }).get(name);
  const bad = [];
  for (const r of reports) (r.ok ? of(r.record.body.filer).reports : bad).push(r);
  for (const s of statements) (s.ok ? of(s.record.body.filer).statements : bad).push(s);
  const amounts = (list, prefix) => table(null, list.map(([category, tyiyn]) => [t(`${prefix}_${category}`), som(tyiyn)])
    .concat([[t('total'), som(list.reduce((n, [, v]) => n + v, 0))]]), [t('category'), t('amount')]);
  const sections = [...filers.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([filer, f]) => {
    const latest = f.reports.sort((a, b) => b.index - a.index)[0];
    return h('section', { class: 'card', 'data-filer': filer, 'aria-label': filer },
      h('h3', {}, filer),
      latest ? [
        h('p', {}, `${t('period_end')}: ${latest.record.body.period_end} · ${t('log_index')} ${latest.index} · `, badge(latest.ok)),
        h('div', { class: 'side' },
          h('div', {}, h('h4', {}, t('income')), amounts(latest.record.body.income, 'inc')),
          h('div', {}, h('h4', {}, t('spending')), amounts(latest.record.body.spending, 'sp')))] : null,
      f.statements.length ? h('details', {}, h('summary', {}, `${t('bank_statement')} (${fmt(f.statements.length)})`),
        h('table', {}, h('thead', {}, h('tr', {}, ['period_end', 'account', 'opening', 'credits', 'debits', 'closing'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, f.statements.sort((a, b) => a.index - b.index).map((s) => {
            const b = s.record.body;
            const balances = b.opening + b.credits - b.debits === b.closing;
            return h('tr', { class: balances ? '' : 'differs', title: balances ? '' : t('balances') },
              h('th', { scope: 'row' }, b.period_end, ' ', badge(s.ok)), h('td', {}, b.account),
              [b.opening, b.credits, b.debits, b.closing].map((v) => h('td', {}, som(v))));
          })))) : null);
  });
  env.show(env.crumbs(t('nav_finance')), h('h2', {}, t('nav_finance')), h('p', {}, t('finance_intro')),
    bad.length ? h('p', { class: 'bad', role: 'alert' }, bad.map((b) => `#${b.index}: ${b.error}`).join('; ')) : null,
    sections.length ? sections : h('p', {}, t('no_finance')));
}

