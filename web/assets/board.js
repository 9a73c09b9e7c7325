// Supervisor escalation board: breached and at-risk tickets, live countdowns, tier and
// assignee, reassign and change tier in place. Reads GET /api/v1/escalations; when this
// server has no escalation service it says so and shows tickets tagged breached/at_risk.
import { api, el, fmtCountdown, live, showError, slaDue, start, status, t } from './common.js';

const $ = (id) => document.getElementById(id);
const TIERS = ["L1", "L2", "supervisor", "external"];
let agents = [];
let rows = [];
let fallback = false;

// One board row from whatever shape the escalation service gives.
function normalise(item) {
  const tk = item.ticket || item;
  const state = item.state || item.sla_state || item.status_sla ||
    (item.breached === true ? 'breached' : item.at_risk === true ? 'at_risk' : null);
  return {
    ticket: tk, id: tk.id, key: tk.key || `T-${tk.id}`, subject: tk.subject, status: tk.status,
    state: state === 'breach' ? 'breached' : state || 'at_risk',
    due: item.due_at || item.deadline || item.breach_at || slaDue(tk),
    tier: item.tier || tk.tier, assignee_id: item.assignee_id ?? tk.assignee_id ?? null,
  };
}

function fromTickets(tickets) {
  return tickets.filter((tk) => (tk.tags || []).some((g) => g === 'breached' || g === 'at_risk') && tk.status !== 'closed' && tk.status !== 'solved')
    .map((tk) => ({ ...normalise(tk), state: tk.tags.includes('breached') ? 'breached' : 'at_risk' }));
}

async function load() {
  try {
    const data = await api('/api/v1/escalations');
    const items = Array.isArray(data) ? data : data.escalations || data.items || data.tickets || [];
    rows = items.map(normalise);
    fallback = false;
  } catch (e) {
    if (e.status !== 404) return showError(e);
    fallback = true;
    rows = fromTickets((await api('/api/v1/tickets?limit=200')).tickets);
  }
  $('notice').hidden = !fallback;
  $('notice').textContent = fallback ? t('escalations_missing') : '';
  render();
  document.body.dataset.loaded = 'yes';
}

async function change(row, body) {
  try {
    await api(`/api/v1/tickets/${encodeURIComponent(row.key)}`, { method: 'PATCH', body });
    status(t('saved'));
    await load();
  } catch (e) { showError(e); }
}

function render() {
  rows.sort((a, b) => (a.state === b.state ? (a.due && b.due ? new Date(a.due) - new Date(b.due) : 0) : a.state === 'breached' ? -1 : 1));
  $('empty').hidden = rows.length > 0;
  $('board').tBodies[0].replaceChildren(...rows.map((row) => {
    const assignee = el('select', { class: 'assignee', 'aria-label': t('reassign') },
      el('option', { value: '', text: t('unassigned'), selected: row.assignee_id == null }),
      agents.map((a) => el('option', { value: String(a.id), text: a.name, selected: a.id === row.assignee_id })));
    assignee.addEventListener('change', () => change(row, { assignee: assignee.value === '' ? null : Number(assignee.value) }));
    const tier = el('select', { class: 'tier', 'aria-label': t('tier'), disabled: fallback },
      TIERS.map((x) => el('option', { value: x, text: x, selected: x === row.tier })));
    tier.addEventListener('change', () => change(row, { tier: tier.value }));
    const link = el('a', { href: `/ui/ticket?id=${encodeURIComponent(row.key)}`, text: row.key });
    return el('tr', { 'data-key': row.key, 'data-state': row.state },
      el('td', {}, link), el('td', { text: row.subject }),
      el('td', {}, el('span', { class: `badge ${row.state}`, text: t(row.state) })),
      el('td', { class: 'countdown', 'data-due': row.due || '', text: row.due ? fmtCountdown(row.due) : '–' }),
      el('td', {}, tier), el('td', {}, assignee));
  }));
  tick();
}

function tick() {
  for (const td of document.querySelectorAll('td[data-due]')) {
    if (!td.dataset.due) continue;
    td.textContent = fmtCountdown(td.dataset.due);
    td.classList.toggle('late', new Date(td.dataset.due) < Date.now());
  }
}

await start('board');
agents = (await api('/api/v1/agents')).agents;
let pending;
live(() => { clearTimeout(pending); pending = setTimeout(load, 100); });
setInterval(tick, 1000);
setInterval(load, 30000);  // deadlines pass without any ticket changing
await load();
