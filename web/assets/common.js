// Shared page code: the signed-in user, API calls (with the session's CSRF token on every
// state-changing request), the header bar, live updates over the WebSocket.
import { LANGUAGES, applyStrings, setLanguage, t } from './i18n.js';

export let me = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && me && me.csrf_token) headers['X-CSRF-Token'] = me.csrf_token;
  const res = await fetch(path, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) { location.href = '/login'; throw new ApiError(401, null); }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(me ? { en: 'en-GB', fi: 'fi-FI', et: 'et-EE', lv: 'lv-LV' }[me.language] : 'en-GB',
    { dateStyle: 'short', timeStyle: 'short' });
}

// "1 h 05 min" until `iso` (negative: overdue).
export function fmtCountdown(iso, now = Date.now()) {
  let s = Math.round((new Date(iso).getTime() - now) / 1000);
  const late = s < 0;
  s = Math.abs(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const text = `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  return late ? `−${text} ${t('overdue')}` : text;
}

// The SLA deadline of a ticket, when the escalation service puts one on it.
export function slaDue(tk) {
  return tk.sla_due_at || tk.next_deadline || tk.first_response_due || tk.resolution_due ||
    (tk.sla && (tk.sla.due_at || tk.sla.deadline)) || null;
}

export function status(message, kind = 'info') {
  const box = document.getElementById('flash');
  if (!box) return;
  box.textContent = message;
  box.className = `flash ${kind}`;
}

export function showError(e) { status(`${t('error')}: ${e.message}`, 'error'); }

// Loads the user, draws the header and applies the UI strings. Returns the user.
export async function start(active) {
  me = await api('/api/v1/me');
  setLanguage(me.language);
  const nav = el('nav', { class: 'links' },
    el('a', { href: '/ui/queue', class: active === 'queue' ? 'active' : '', 'data-i18n': 'queue' }),
    me.can.escalations ? el('a', { href: '/ui/board', class: active === 'board' ? 'active' : '', 'data-i18n': 'board' }) : null,
    me.can.reports ? el('a', { href: '/ui/dashboard', class: active === 'dashboard' ? 'active' : '', 'data-i18n': 'dashboard' }) : null);
  const lang = el('select', { id: 'language', 'aria-label': 'Language' },
    Object.entries(LANGUAGES).map(([code, label]) => el('option', { value: code, selected: code === me.language }, label)));
  lang.addEventListener('change', async () => {
    await api('/api/v1/me', { method: 'PATCH', body: { language: lang.value } });
    location.reload();
  });
  const logout = el('button', { id: 'logout', type: 'button', 'data-i18n': 'logout' });
  logout.addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token || '' }, credentials: 'same-origin' });
    location.href = '/login';
  });
  const header = document.getElementById('header');
  header.replaceChildren(el('strong', { class: 'brand' }, 'Triage'), nav,
    el('span', { class: 'who', id: 'who' }, `${me.name} · ${me.role}`),
    el('span', { id: 'live', class: 'live off', hidden: true, 'data-i18n': 'offline' }), lang, logout);
  applyStrings();
  return me;
}

// Calls onTicket(ticket) for each ticket change the server pushes; reconnects when dropped.
export function live(onTicket) {
  const badge = document.getElementById('live');
  if (badge) badge.hidden = false;
  let delay = 500;
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws.onopen = () => { delay = 500; };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'hello' && badge) { badge.textContent = t('live'); badge.className = 'live on'; document.body.dataset.live = 'on'; }
      if (msg.type === 'ticket') onTicket(msg.ticket);
    };
    ws.onclose = () => {
      if (badge) { badge.textContent = t('offline'); badge.className = 'live off'; }
      document.body.dataset.live = 'off';
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
}

// Single-key shortcuts, ignored while typing in a field (except those with modifiers).
export function shortcuts(map) {
  document.addEventListener('keydown', (ev) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    const key = (ev.ctrlKey || ev.metaKey ? 'Ctrl+' : '') + ev.key;
    if (typing && !key.startsWith('Ctrl+') && key !== 'Escape') return;
    const fn = map[key];
    if (fn) { ev.preventDefault(); fn(ev); }
  });
}

export { t };
