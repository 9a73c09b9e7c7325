// Manager dashboard: frequency over time by channel, resolution time distribution, SLA
// compliance, emerging issues — from GET /api/v1/reports/NAME?from&to (CSV with
// format=csv). Without a reports service it says so and computes what it can from tickets.
import { api, el, showError, start, t } from './common.js';

const $ = (id) => document.getElementById(id);
const REPORTS = ['frequency', 'resolution', 'sla', 'emerging'];
const COLORS = ['#1f6feb', '#2e7d32', '#b26a00', '#c62828', '#6f42c1', '#0a7d8c'];
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

// A grouped bar chart: labels along x, one bar per series.
function barChart(labels, series) {
  const W = 600, H = 220, L = 36, B = 40, T = 10;
  const max = Math.max(4, Math.ceil(Math.max(0, ...series.flatMap((s) => s.values)) / 4) * 4);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const slot = (W - L - 10) / Math.max(labels.length, 1);
  const bw = Math.min(40, Math.max(2, (slot * 0.8) / Math.max(series.length, 1)));
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - B - T) * (1 - i / 4);
    root.append(svg('line', { x1: L, x2: W - 10, y1: y, y2: y, stroke: '#e5e8ee' }), svg('text', { x: 2, y: y + 3 }, String(Math.round((max * i) / 4))));
  }
  labels.forEach((label, i) => {
    series.forEach((s, j) => {
      const v = s.values[i] || 0, h = ((H - B - T) * v) / max;
      const r = svg('rect', { x: L + i * slot + j * bw, y: H - B - h, width: bw - 1, height: h, fill: COLORS[j % COLORS.length] });
      r.append(svg('title', {}, `${s.name} ${label}: ${v}`));
      root.append(r);
    });
    if (labels.length <= 16 || i % Math.ceil(labels.length / 16) === 0)
      root.append(svg('text', { x: L + i * slot, y: H - B + 12, transform: `rotate(30 ${L + i * slot} ${H - B + 12})` }, String(label).slice(0, 12)));
  });
  series.forEach((s, j) => root.append(svg('rect', { x: L + j * 90, y: H - 10, width: 8, height: 8, fill: COLORS[j % COLORS.length] }),
    svg('text', { x: L + j * 90 + 11, y: H - 2 }, String(s.name).slice(0, 12))));
  return root;
}

// A chart from a report's rows: the first text column labels, each numeric column a series;
// with two text columns (day and channel) the second one's values become the series.
function chartFromRows(rows) {
  if (!rows.length) return el('p', { class: 'hint', text: '–' });
  const keys = Object.keys(rows[0]);
  const texts = keys.filter((k) => typeof rows[0][k] === 'string');
  const firstNumber = keys.find((k) => typeof rows[0][k] === 'number');
  if (texts.length >= 2 && firstNumber) {
    const [x, by] = texts;
    const labels = [...new Set(rows.map((r) => r[x]))];
    const names = [...new Set(rows.map((r) => r[by]))].slice(0, 6);
    return barChart(labels, names.map((n) => ({ name: n,
      values: labels.map((l) => rows.filter((r) => r[x] === l && r[by] === n).reduce((a, r) => a + r[firstNumber], 0)) })));
  }
  const labelKey = keys.find((k) => typeof rows[0][k] === 'string') || keys[0];
  const numeric = keys.filter((k) => k !== labelKey && typeof rows[0][k] === 'number');
  return barChart(rows.map((r) => r[labelKey]), numeric.map((k) => ({ name: k, values: rows.map((r) => r[k]) })));
}

function rowsOf(data) {
  if (Array.isArray(data)) return data;
  for (const k of ['rows', 'buckets', 'series', 'items', 'data']) if (Array.isArray(data && data[k])) return data[k];
  return [];
}

function params() {
  const p = new URLSearchParams();
  if ($('from').value) p.set('from', `${$('from').value}T00:00:00Z`);
  if ($('to').value) p.set('to', `${$('to').value}T23:59:59Z`);
  if ($('f-channel').value) p.set('channel', $('f-channel').value);
  if ($('f-queue').value.trim()) p.set('queue', $('f-queue').value.trim());
  return p;
}

function card(name, content, csv) {
  return el('section', { class: 'chart', 'data-report': name },
    el('h2', {}, el('span', { text: t(name) }), csv), content);
}

function csvLink(name, href, filename) {
  return el('a', { href, download: filename, class: 'csv', 'data-report': name, text: t('download_csv') });
}

// ---- fallback: from the ticket list
async function allTickets(p) {
  const out = [];
  let cursor = null;
  for (let page = 0; page < 10; page++) {
    const q = new URLSearchParams({ limit: '200' });
    if (p.get('channel')) q.set('channel', p.get('channel'));
    if (p.get('queue')) q.set('queue', p.get('queue'));
    if (cursor) q.set('cursor', cursor);
    const data = await api(`/api/v1/tickets?${q}`);
    out.push(...data.tickets);
    if (!data.next_cursor) break;
    cursor = data.next_cursor;
  }
  const from = p.get('from') ? new Date(p.get('from')) : null, to = p.get('to') ? new Date(p.get('to')) : null;
  return out.filter((tk) => (!from || new Date(tk.created_at) >= from) && (!to || new Date(tk.created_at) <= to));
}

function toCsv(rows) {
  if (!rows.length) return '';
  const keys = Object.keys(rows[0]);
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k])).join(','))].join('\n') + '\n';
}

function fallbackReports(tickets) {
  const channels = [...new Set(tickets.map((tk) => tk.channel))].sort();
  const days = {};
  for (const tk of tickets) {
    const d = tk.created_at.slice(0, 10);
    days[d] ??= Object.fromEntries(channels.map((c) => [c, 0]));
    days[d][tk.channel]++;
  }
  const frequency = Object.keys(days).sort().map((d) => ({ day: d, ...days[d] }));
  const bins = [['<1h', 1], ['1-4h', 4], ['4-24h', 24], ['1-3d', 72], ['>3d', Infinity]];
  const counts = Object.fromEntries(bins.map(([b]) => [b, 0]));
  for (const tk of tickets) {
    if (!tk.solved_at) continue;
    const h = (new Date(tk.solved_at) - new Date(tk.created_at)) / 3.6e6;
    counts[bins.find(([, lim]) => h < lim)[0]]++;
  }
  const resolution = bins.map(([b]) => ({ bucket: b, tickets: counts[b] }));
  const cats = {};
  for (const tk of tickets) { const c = tk.category || '(none)'; cats[c] = (cats[c] || 0) + 1; }
  const emerging = Object.entries(cats).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([category, n]) => ({ category, tickets: n }));
  return { frequency, resolution, emerging };
}

// The server loads its report facts with the first report after start-up or a quiet spell
// and answers 503 until they are in: ask again a little later.
async function reportData(path) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api(path);
    } catch (e) {
      if (e.status !== 503 || attempt >= 20) throw e;
      $('notice').hidden = false;
      $('notice').textContent = t('reports_loading');
      await new Promise(resolve => setTimeout(resolve, 1500));
    }
  }
}

async function load() {
  const p = params();
  const charts = $('charts');
  charts.replaceChildren();
  let missing = false;
  for (const name of REPORTS) {
    try {
      const q = new URLSearchParams(p);
      if (name === 'frequency') q.set('group_by', 'day,channel');
      const data = await reportData(`/api/v1/reports/${name}?${q}`);
      q.set('format', 'csv');
      charts.append(card(name, chartFromRows(rowsOf(data)), csvLink(name, `/api/v1/reports/${name}?${q}`, `${name}.csv`)));
    } catch (e) {
      if (e.status !== 404) { showError(e); continue; }
      missing = true;
    }
  }
  $('notice').hidden = !missing;
  $('notice').textContent = missing ? t('reports_missing') : '';
  if (missing) {
    const tickets = await allTickets(p);
    const made = fallbackReports(tickets);
    for (const [name, rows] of Object.entries(made)) {
      if (charts.querySelector(`[data-report="${name}"]`)) continue;
      const href = URL.createObjectURL(new Blob([toCsv(rows)], { type: 'text/csv' }));
      charts.append(card(name, chartFromRows(rows), csvLink(name, href, `${name}.csv`)));
    }
    if (!charts.querySelector('[data-report="sla"]'))  // deadlines live in the escalation service
      charts.append(card('sla', el('p', { class: 'hint', text: t('reports_missing') })));
  }
  document.body.dataset.loaded = 'yes';
}

await start('dashboard');
const today = new Date();
$('to').value = today.toISOString().slice(0, 10);
$('from').value = new Date(today.getTime() - 90 * 864e5).toISOString().slice(0, 10);
$('apply').addEventListener('click', () => load().catch(showError));
await load().catch(showError);
