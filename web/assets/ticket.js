// Ticket view: the thread (mail, calls, faxes, notes, attachments), reply, internal note,
// status / priority / category, reassign (supervisors), escalate. Email HTML is shown only
// as the server sanitised it, inside a sandboxed frame without scripts (plus the page CSP,
// which the frame inherits: no scripts, no remote loads).
import { emailFrame } from './email_frame.js';
import { api, el, fmtTime, live, me, shortcuts, showError, start, status, t } from './common.js';

const $ = (id) => document.getElementById(id);
const key = new URLSearchParams(location.search).get('id');
let ticket = null;
let agents = [];

function renderMessage(m) {
  const who = m.kind === 'inbound' ? (m.author_name || t('inbound')) : (m.author_name || m.kind);
  const label = m.kind === 'note' ? t('kind_note') : m.kind === 'reply' ? t('kind_reply') : m.channel;
  const box = el('article', { class: `message ${m.kind}`, 'data-kind': m.kind, 'data-channel': m.channel },
    el('header', {}, el('span', { class: 'badge', text: label }), el('strong', { text: who }), el('span', { text: fmtTime(m.created_at) })),
    el('pre', { class: 'body', text: m.body }));
  // The whole text as it came, when quoted history or a signature was split off the body.
  if (m.full_body)
    box.append(el('details', { class: 'full-body' }, el('summary', { text: t('full_text') }),
      el('pre', { class: 'body', text: m.full_body })));
  if (m.html) box.append(emailFrame(m.html));
  if (m.raw_sha256)
    box.append(el('div', { class: 'attachments' }, el('a', { class: 'badge raw-source', download: '',
      href: `/api/v1/tickets/${encodeURIComponent(key)}/attachments/${encodeURIComponent(m.raw_sha256)}`,
      text: t('raw_source') })));
  if (m.attachments && m.attachments.length)
    box.append(el('div', { class: 'attachments' }, `${t('attachments')}: `,
      m.attachments.map((a) => el('a', { class: 'badge attachment', download: a.filename || 'attachment',
        href: `/api/v1/tickets/${encodeURIComponent(key)}/attachments/${encodeURIComponent(a.sha256)}`,
        text: `${a.filename || a.sha256.slice(0, 8)} (${a.content_type}, ${a.size} B)` }))));
  return box;
}

function renderTicket() {
  document.title = `Triage · ${ticket.key}`;
  $('subject').textContent = `${ticket.key} · ${ticket.subject}`;
  $('status-badge').textContent = ticket.status;
  $('status-badge').className = `badge ${ticket.status}`;
  $('priority-badge').textContent = ticket.priority;
  $('priority-badge').className = `badge ${ticket.priority}`;
  $('status').value = ticket.status;
  $('priority').value = ticket.priority;
  $('category').value = ticket.category || '';
  if (me.can.reassign) $('assignee').value = ticket.assignee_id == null ? '' : String(ticket.assignee_id);
  $('meta').textContent = `${ticket.queue} · ${ticket.channel} · ${t('created')} ${fmtTime(ticket.created_at)}`;
  document.body.dataset.status = ticket.status;
}

async function loadThread() {
  const { messages } = await api(`/api/v1/tickets/${encodeURIComponent(key)}/messages`);
  $('thread').replaceChildren(...messages.map(renderMessage));
}

async function send(kind, prefix = '') {
  const body = $('composer').value.trim();
  if (!body) return;
  try {
    const out = await api(`/api/v1/tickets/${encodeURIComponent(key)}/messages`, { method: 'POST', body: { kind, body: prefix + body } });
    $('composer').value = '';
    ticket = out.ticket;
    renderTicket();
    await loadThread();
    status(t('sent'));
  } catch (e) { showError(e); }
}

async function patch(body) {
  try {
    ticket = await api(`/api/v1/tickets/${encodeURIComponent(key)}`, { method: 'PATCH', body });
    renderTicket();
    status(t('saved'));
  } catch (e) { showError(e); }
}

function save() {
  const body = {};
  if ($('status').value !== ticket.status) body.status = $('status').value;
  if ($('priority').value !== ticket.priority) body.priority = $('priority').value;
  if ($('category').value !== (ticket.category || '')) body.category = $('category').value;
  if (me.can.reassign) {
    const a = $('assignee').value === '' ? null : Number($('assignee').value);
    if (a !== (ticket.assignee_id ?? null)) body.assignee = a;
  }
  if (Object.keys(body).length) patch(body);
}

// Escalating: the escalation service when present; otherwise raise the priority and tag it.
async function escalate() {
  try {
    await api('/api/v1/escalations', { method: 'POST', body: { ticket: ticket.key } });
    status(t('escalated'));
  } catch (e) {
    if (e.status !== 404 && e.status !== 405) return showError(e);
    const tags = Array.from(new Set([...(ticket.tags || []), 'escalated']));
    const order = ['low', 'normal', 'high', 'urgent'];
    const priority = order[Math.min(order.indexOf(ticket.priority) + 1, 3)];
    await patch({ tags, priority });
  }
}

// Referring to a partner goes through the escalation service (it picks the partner).
async function refer() {
  const specialty = $('specialty').value.trim();
  if (!specialty) return $('specialty').focus();
  try {
    await api(`/api/v1/tickets/${encodeURIComponent(key)}/referrals`, { method: 'POST', body: { specialty } });
    status(t('referred'));
  } catch (e) {
    if (e.status === 404 || e.status === 405) status(t('referrals_missing'), 'error');
    else showError(e);
  }
}

await start('queue');
if (!me.can.write_tickets) for (const b of ['send-reply', 'send-note', 'log-call', 'save', 'escalate', 'refer']) $(b).disabled = true;
if (me.can.reassign) {
  $('assignee-box').hidden = false;
  agents = (await api('/api/v1/agents')).agents;
  $('assignee').append(el('option', { value: '', text: t('unassigned') }), ...agents.map((a) => el('option', { value: String(a.id), text: a.name })));
}
try {
  ticket = await api(`/api/v1/tickets/${encodeURIComponent(key)}`);
} catch (e) {
  showError(e);
  throw e;
}
renderTicket();
await loadThread();
document.body.dataset.loaded = 'yes';
$('send-reply').addEventListener('click', () => send('reply'));
$('send-note').addEventListener('click', () => send('note'));
$('log-call').addEventListener('click', () => send('note', '📞 '));
$('save').addEventListener('click', save);
$('escalate').addEventListener('click', escalate);
$('refer').addEventListener('click', refer);
shortcuts({
  r: () => $('composer').focus(),
  n: () => { $('composer').focus(); $('composer').dataset.kind = 'note'; },
  e: escalate,
  'Ctrl+Enter': () => send($('composer').dataset.kind === 'note' ? 'note' : 'reply'),
  Escape: () => { document.activeElement.blur(); delete $('composer').dataset.kind; },
  u: () => { location.href = '/ui/queue'; },
});
live(async (tk) => {
  if (tk.id !== ticket.id) return;
  ticket = tk;
  renderTicket();
  await loadThread();
});
