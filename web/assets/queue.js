// Agent queue: filters, full-text search, sort by SLA deadline, live updates.
import { api, el, fmtTime, fmtCountdown, live, me, shortcuts, showError, slaDue, start, t } from './common.js';

let tickets = [];
let selected = 0;
const $ = (id) => document.getElementById(id);

function matches(tk) {
  const f = (id) => $(id).value;
  return (!f('f-status') || tk.status === f('f-status')) && (!f('f-queue') || tk.queue === f('f-queue')) &&
    (!f('f-channel') || tk.channel === f('f-channel')) && (!f('f-priority') || tk.priority === f('f-priority'));
}

function sorted(list) {
  const out = list.filter(matches);
  if ($('sort').value === 'sla') {
    out.sort((a, b) => {
      const da = slaDue(a), db = slaDue(b);
      if (da && db) return new Date(da) - new Date(db);
      return da ? -1 : db ? 1 : b.id - a.id;
    });
  } else out.sort((a, b) => b.id - a.id);
  return out;
}

function render(freshId) {
  const rows = sorted(tickets);
  selected = Math.min(selected, Math.max(rows.length - 1, 0));
  $('empty').hidden = rows.length > 0;
  $('tickets').tBodies[0].replaceChildren(...rows.map((tk, i) => {
    const due = slaDue(tk);
    const tr = el('tr', { 'data-key': tk.key, class: [i === selected ? 'selected' : '', tk.id === freshId ? 'fresh' : ''].join(' ').trim() },
      el('td', { text: tk.key }), el('td', { text: tk.subject }),
      el('td', {}, el('span', { class: `badge ${tk.status}`, text: tk.status })),
      el('td', {}, el('span', { class: `badge ${tk.priority}`, text: tk.priority })),
      el('td', { text: tk.queue }), el('td', { text: tk.channel }),
      el('td', { class: 'countdown', 'data-due': due, text: due ? fmtCountdown(due) : '–' }), el('td', { text: fmtTime(tk.updated_at) }));
    tr.addEventListener('click', () => open(tk));
    return tr;
  }));
}

function open(tk) { location.href = `/ui/ticket?id=${encodeURIComponent(tk.key)}`; }

async function load() {
  const params = new URLSearchParams({ limit: '200' });
  const q = $('q').value.trim();
  if (q) params.set('q', q);
  if ($('f-status').value) params.set('status', $('f-status').value);
  if ($('f-queue').value) params.set('queue', $('f-queue').value);
  if ($('f-channel').value) params.set('channel', $('f-channel').value);
  try {
    tickets = (await api(`/api/v1/tickets?${params}`)).tickets;
    document.body.dataset.loaded = 'yes';
    render();
  } catch (e) { showError(e); }
}

await start('queue');
// An agent filters among its own queues; others among every queue an agent works.
const queues = new Set(me.role === 'agent' ? me.queues : (await api('/api/v1/agents')).agents.flatMap((a) => a.queues || []));
for (const q of [...queues].sort()) $('f-queue').append(el('option', { value: q, text: q }));
let typing;
$('q').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(load, 250); });
for (const id of ['f-status', 'f-queue', 'f-channel']) $(id).addEventListener('change', load);
for (const id of ['f-priority', 'sort']) $(id).addEventListener('change', () => render());
shortcuts({
  '/': () => $('q').focus(),
  j: () => { selected++; render(); },
  k: () => { selected = Math.max(0, selected - 1); render(); },
  Enter: () => { const tk = sorted(tickets)[selected]; if (tk) open(tk); },
  Escape: () => document.activeElement.blur(),
});
live((tk) => {
  const i = tickets.findIndex((x) => x.id === tk.id);
  if (i >= 0) tickets[i] = tk; else if (!$('q').value.trim()) tickets.unshift(tk);
  render(tk.id);
});
setInterval(() => { for (const td of document.querySelectorAll('td[data-due]')) td.textContent = fmtCountdown(td.dataset.due); }, 1000);
await load();
