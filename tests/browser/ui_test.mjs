// Browser tests of the Triage web UI: the real triaged (port 0, fresh data directory), mail
// delivered over SMTP with swaks, Debian's chromium driven by playwright-core. One browser,
// a context per role. Screenshots go to --out. Exit 0 only when every check passed.
//
//   node ui_test.mjs --triaged build/triaged --triage build/triage --out build/screenshots
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const TRIAGED = arg('triaged'), TRIAGE = arg('triage'), OUT = arg('out') || 'screenshots';
const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'browser-test-admin-token-0123456789';
const started = Date.now();
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

if (!TRIAGED || !TRIAGE) { console.error('usage: node ui_test.mjs --triaged PATH --triage PATH [--out DIR]'); process.exit(2); }
if (!existsSync(CHROMIUM)) {  // make test installs it: its absence is a failure, not a skip
  console.error(`FAIL ${CHROMIUM} is missing: run scripts/install-deps (it installs Debian's chromium)`);
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'triage-ui-'));
const data = join(dir, 'data');

// ---- the server
writeFileSync(join(dir, 'triage.yaml'), `
email:
  hostname: mx.triage.test
  mailboxes:
    support@triage.test: support
    billing@triage.test: billing
queues: [support, billing]
agents:
  - { name: Aino Virtanen, email: aino@triage.test, role: agent, queues: [support] }
  - { name: Pekka Laine, email: pekka@triage.test, role: agent, queues: [support, billing] }
  - { name: Sarah Mitchell, email: sarah@triage.test, role: supervisor, queues: [support, billing] }
calendars:
  always: { timezone: Europe/Helsinki, hours: mon-sun 00:00-24:00 }
escalation:
  default_calendar: always
  sla_policies:   # only urgent tickets have a clock: at risk 0.6 s after creation (1 % of a minute)
    - { name: urgent, priority: urgent, first_response: 1, resolution: 480, warning_percent: 1 }
`);
function cli(...args) {
  const r = spawnSync(TRIAGE, [...args, '--data-dir', data], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`triage ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
mkdirSync(data, { recursive: true });
cli('user', 'add', 'aino', '--role', 'agent', '--queues', 'support', '--email', 'aino@triage.test', '--password', 'aino-password');
cli('user', 'add', 'sarah', '--role', 'supervisor', '--email', 'sarah@triage.test', '--password', 'sarah-password');
cli('user', 'add', 'maria', '--role', 'manager', '--password', 'maria-password', '--language', 'fi');

const server = spawn(TRIAGED, ['--config', join(dir, 'triage.yaml'), '--data-dir', data, '--http', '127.0.0.1:0',
  '--port-file', join(dir, 'port'), '--smtp', '127.0.0.1:0', '--smtp-port-file', join(dir, 'smtp-port'), '--log-level', 'warn'],
  { env: { ...process.env, TRIAGE_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'inherit', 'inherit'] });
const waitFor = async (file) => {
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
  return Number(readFileSync(file, 'utf8'));
};
const port = await waitFor(join(dir, 'port'));
const smtpPort = await waitFor(join(dir, 'smtp-port'));
const BASE = `http://127.0.0.1:${port}`;

async function adminApi(method, path, body) {
  const res = await fetch(BASE + path, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

// ---- an email whose HTML tries everything
const hostile = `<p>Hei, laskuni puuttuu.</p>
<script>window.top.__pwned = 'script'; alert('xss')</script>
<img src="http://remote.example/track.png" onerror="window.top.__pwned='onerror'" alt="tracker">
<a href="javascript:window.top.__pwned='link'">klikkaa</a>
<div onmouseover="window.top.__pwned='hover'" style="background:url(http://remote.example/bg.png)">hover</div>
<iframe src="http://remote.example/frame"></iframe>`;
const mail = [
  'From: Liisa Asiakas <liisa@example.fi>', 'To: support@triage.test', 'Subject: Lasku puuttuu', 'Message-ID: <ui-test-1@example.fi>',
  'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m1"', '', '--m1',
  'Content-Type: multipart/alternative; boundary="b1"', '', '--b1',
  'Content-Type: text/plain; charset=utf-8', '', 'Hei, laskuni puuttuu.', '--b1', 'Content-Type: text/html; charset=utf-8', '',
  hostile, '--b1--', '--m1', 'Content-Type: text/html; name="lasku.html"', 'Content-Disposition: attachment; filename="lasku.html"', '',
  '<script>alert(1)</script>', '--m1--', ''].join('\r\n');
writeFileSync(join(dir, 'mail.eml'), mail);
const swaks = spawnSync('swaks', ['--server', `127.0.0.1:${smtpPort}`, '--helo', 'client.test', '--from', 'liisa@example.fi',
  '--to', 'support@triage.test', '--data', join(dir, 'mail.eml'), '--timeout', '20'], { encoding: 'utf8' });
check(swaks.status === 0 && /250 .*T-1/.test(swaks.stdout), 'an email delivered over SMTP with swaks became T-1');

// A ticket of another queue, for the agent's 403/404 checks.
const billing = await adminApi('POST', '/api/v1/tickets', { subject: 'Billing only', body: 'x', queue: 'billing', requester: { email: 'b@example.fi' } });

// A hostile site on another origin, for the forged cross-site POST.
const evil = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/html');
  res.end(`<form id="f" method="POST" action="${BASE}/api/v1/tickets/T-1/messages" enctype="text/plain">
<input name='{"kind":"reply","body":"forged","x":"' value='"}'></form>
<script>fetch("${BASE}/api/v1/tickets/T-1", {method: "PATCH", mode: "no-cors", credentials: "include",
  headers: {"Content-Type": "text/plain"}, body: JSON.stringify({status: "solved"})}).finally(() => document.getElementById("f").submit());</script>`);
});
await new Promise((r) => evil.listen(0, '127.0.0.2', r));
const EVIL = `http://127.0.0.2:${evil.address().port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  // No --user-data-dir here: playwright refuses it for launch() and gives every launch a
  // fresh temporary profile of its own, removed on close.
});

async function loginAs(name, password) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => check(false, `${name}: no script error on the page (${e.message})`));
  await page.goto(`${BASE}/login`);
  await page.fill('#name', name);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/ui\//), page.click('#submit')]);
  return { context, page };
}

try {
  // ---- agent: queue, the email ticket rendered inert, reply, status change, live update
  {
    const { context, page } = await loginAs('aino', 'aino-password');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'triage_session');
    check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
    check(page.url().endsWith('/ui/queue'), 'an agent lands on the queue');
    await page.waitForSelector('body[data-loaded="yes"]');
    const keys = await page.$$eval('#tickets tbody tr', (rows) => rows.map((r) => r.dataset.key));
    check(keys.includes('T-1') && !keys.includes(billing.body.key), 'the queue lists the support ticket and not the billing one');
    await page.waitForSelector('body[data-live="on"]');
    await adminApi('POST', '/api/v1/tickets', { subject: 'Arrived while watching', body: 'x', queue: 'support', requester: { email: 'c@example.fi' } });
    await page.waitForSelector('#tickets tr:has-text("Arrived while watching")', { timeout: 5000 });
    check(true, 'a new ticket appears in the open queue live (WebSocket)');
    await page.fill('#q', 'laskuni');
    await page.waitForFunction(() => [...document.querySelectorAll('#tickets tbody tr')].map((r) => r.dataset.key).join() === 'T-1');
    check(true, 'full-text search narrows the queue to the email ticket');
    await page.screenshot({ path: join(OUT, 'agent-queue.png'), fullPage: true });

    const remote = [];
    // A load the browser blocked itself (CSP, sandbox) may still show up as a request that
    // fails with a "blocked" reason; that is the defence working, not a load.
    page.on('requestfailed', (r) => {
      const reason = (r.failure() && r.failure().errorText) || '';
      const i = remote.indexOf(r.url());
      if (i >= 0 && /blocked|csp/i.test(reason)) remote.splice(i, 1);
      else if (i >= 0) remote[i] += ` (${reason})`;
    });
    page.on('request', (r) => { if (!r.url().startsWith(BASE) && !r.url().startsWith('data:') && !r.url().startsWith('about:')) remote.push(r.url()); });
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    await Promise.all([page.waitForURL(/\/ui\/ticket/), page.press('#q', 'Escape').then(() => page.keyboard.press('Enter'))]);
    await page.waitForSelector('body[data-loaded="yes"]');
    check(await page.textContent('#status-badge') === 'new', 'the email ticket opens with status new');
    const frame = await page.$('#thread iframe');
    check(frame !== null, 'the email HTML is shown in a frame');
    const sandbox = await frame.getAttribute('sandbox');
    check(sandbox === '', 'the frame is sandboxed without allow-scripts');
    const srcdoc = (await frame.getAttribute('srcdoc')) || '';
    check(srcdoc.includes('laskuni puuttuu'), 'the frame shows the mail text');
    check(!/<script/i.test(srcdoc) && !/\son\w+\s*=/i.test(srcdoc) && !/javascript:/i.test(srcdoc),
      'the sanitised HTML has no script, no event handler and no javascript: link');
    check(!/remote\.example/.test(srcdoc), 'the sanitised HTML keeps no remote image or frame');
    await page.hover('#thread iframe');
    await page.waitForTimeout(300);
    check(await page.evaluate(() => window.__pwned) === undefined && dialogs === 0, 'nothing in the email ran');
    check(remote.length === 0, `the page loaded nothing from elsewhere (${remote.join(', ') || 'none'})`);
    await page.screenshot({ path: join(OUT, 'agent-ticket.png'), fullPage: true });
    const link = await page.$('#thread a.attachment');
    check(link !== null && (await link.textContent()).includes('lasku.html'), 'the attachment is listed in the thread');
    const fetched = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition') };
    }, await link.getAttribute('href'));
    check(fetched.status === 200 && fetched.type === 'application/octet-stream' && /^attachment/.test(fetched.disposition),
      `an attachment downloads as bytes, never rendered (${fetched.type}; ${fetched.disposition})`);
    // The second line of defence on its own: unsanitised HTML in the same kind of frame, under
    // the page's CSP, neither runs nor loads anything.
    await page.evaluate(async () => {
      const { emailFrame } = await import('/assets/email_frame.js');
      document.body.append(emailFrame('<script>parent.__pwned = "raw"</script><img src="http://remote.example/raw.png" onerror="parent.__pwned=1"><a href="javascript:parent.__pwned=2">x</a>'));
    });
    await page.waitForTimeout(300);
    check(await page.evaluate(() => window.__pwned) === undefined && remote.length === 0,
      `raw script and remote image in a sandboxed frame stay inert (${remote.join(', ') || 'no remote request'})`);

    await page.keyboard.press('r');
    await page.keyboard.type('Hei Liisa, lähetimme laskun uudelleen.');
    await page.click('#send-reply');
    await page.waitForFunction(() => document.getElementById('status-badge').textContent === 'open');
    check(true, 'after the first reply the status shows open');
    await page.waitForSelector('#thread article.reply', { timeout: 5000 });
    check((await page.textContent('#thread article.reply')).includes('lähetimme laskun'), 'the reply is in the thread');
    await page.selectOption('#status', 'pending');
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('status-badge').textContent === 'pending');
    check((await adminApi('GET', '/api/v1/tickets/T-1')).body.status === 'pending', 'the status change is stored');
    await page.screenshot({ path: join(OUT, 'agent-ticket-replied.png'), fullPage: true });

    // 403 / 404 outside the agent's rights, pages and API, with the session cookie
    check((await page.goto(`${BASE}/ui/board`)).status() === 403, 'an agent gets 403 for the escalation board page');
    check((await page.goto(`${BASE}/ui/dashboard`)).status() === 403, 'an agent gets 403 for the reports dashboard page');
    const apiStatus = (path) => page.evaluate(async (p) => (await fetch(p)).status, path);
    check(await apiStatus(`/api/v1/tickets/${billing.body.key}`) === 404, "an agent gets 404 for another queue's ticket");
    check(await apiStatus('/api/v1/tickets?queue=billing') === 403, "an agent gets 403 listing another queue");
    check(await apiStatus('/api/v1/reports/frequency') === 403, 'an agent gets 403 for reports');
    check(await apiStatus('/api/v1/escalations') === 403, 'an agent gets 403 for escalations');

    // forged cross-site requests: a page on another origin posting with the agent's browser
    const evilPage = await context.newPage();
    await evilPage.goto(EVIL);
    await evilPage.waitForLoadState('networkidle').catch(() => {});
    await page.waitForTimeout(300);
    const thread = (await adminApi('GET', '/api/v1/tickets/T-1/messages')).body.messages;
    check(!thread.some((m) => m.body.includes('forged')), 'a forged cross-site POST added no message');
    check((await adminApi('GET', '/api/v1/tickets/T-1')).body.status === 'pending', 'a forged cross-site PATCH changed nothing');
    const noCsrf = await page.evaluate(async () => (await fetch('/api/v1/tickets/T-1/messages', { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'note', body: 'no token' }) })).status);
    check(noCsrf === 403, 'a same-origin POST with the cookie but without the CSRF token gets 403');
    await context.close();
  }

  // ---- supervisor: a breached ticket appears live on the board; reassign it there
  {
    const { context, page } = await loginAs('sarah', 'sarah-password');
    check(page.url().endsWith('/ui/board'), 'a supervisor lands on the escalation board');
    await page.waitForSelector('body[data-loaded="yes"]');
    await page.waitForSelector('body[data-live="on"]');
    const escalations = await adminApi('GET', '/api/v1/escalations');
    const haveEscalation = escalations.status !== 404;
    console.log(haveEscalation ? 'note: GET /api/v1/escalations is served' :
      'note: no escalation service on this server: the ticket is made to breach by tagging it "breached"');
    let key = 'T-1';
    check(await page.locator(`#board tr[data-key="${key}"]`).count() === 0, `${key} is not on the board yet`);
    if (!haveEscalation) {
      check(await page.isVisible('#notice'), 'the board says clearly that it runs without the escalation service');
      await adminApi('PATCH', '/api/v1/tickets/T-1', { tags: ['breached'], priority: 'urgent' });
    } else {  // a real SLA clock: an urgent ticket is at risk within a second (see the config)
      const created = await adminApi('POST', '/api/v1/tickets', { subject: 'Kassajärjestelmä ei toimi', body: 'Kaikki kassat ovat alhaalla.',
        requester: { email: 'kauppa@example.fi' }, queue: 'support', priority: 'urgent' });
      key = created.body.key;
    }
    await page.waitForSelector(`#board tr[data-key="${key}"]`, { timeout: 10000 });
    check(true, `the ${haveEscalation ? 'at-risk' : 'breached'} ticket appears on the board live`);
    if (haveEscalation) {  // its first-response target is one business minute: it breaches while we watch
      await page.waitForSelector(`#board tr[data-key="${key}"][data-state="breached"]`, { timeout: 90000 });
      check(true, 'the ticket turns breached on the board live when its SLA deadline passes');
    }
    await page.screenshot({ path: join(OUT, 'supervisor-board.png'), fullPage: true });
    const pekka = (await adminApi('GET', '/api/v1/agents')).body.agents.find((a) => a.email === 'pekka@triage.test');
    await page.selectOption(`#board tr[data-key="${key}"] select.assignee`, String(pekka.id));
    let assignee = null;
    for (let i = 0; i < 100 && assignee !== pekka.id; i++) {
      assignee = (await adminApi('GET', `/api/v1/tickets/${key}`)).body.assignee_id;
      if (assignee !== pekka.id) await page.waitForTimeout(50);
    }
    check(assignee === pekka.id, 'the supervisor reassigned the ticket from the board');
    if (haveEscalation) {
      await page.waitForTimeout(300);  // the reassignment's live update re-draws the row
      const before = (await adminApi('GET', `/api/v1/tickets/${key}`)).body;
      await page.selectOption(`#board tr[data-key="${key}"] select.tier`, 'supervisor');
      let tier = null;
      for (let i = 0; i < 100 && tier !== 'supervisor'; i++) {
        tier = (await adminApi('GET', `/api/v1/tickets/${key}`)).body.tier;
        if (tier !== 'supervisor') await page.waitForTimeout(50);
      }
      check(tier === 'supervisor', `the supervisor moved the ticket to tier supervisor from the board (it was ${before.tier})`);
    }
    check((await page.goto(`${BASE}/ui/dashboard`)).status() === 403, 'a supervisor gets 403 for the reports dashboard');
    await context.close();
  }

  // ---- manager: dashboard with charts, CSV download; Finnish UI
  {
    const { context, page } = await loginAs('maria', 'maria-password');
    check(page.url().endsWith('/ui/dashboard'), 'a manager lands on the dashboard');
    await page.waitForSelector('body[data-loaded="yes"]');
    check(await page.locator('.chart svg').count() >= 2, 'the dashboard draws charts');
    check((await page.textContent('header')).includes('Raportit'), 'the UI speaks the user\'s language (Finnish)');
    await page.screenshot({ path: join(OUT, 'manager-dashboard.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.csv[data-report="frequency"]')]);
    const file = join(dir, 'frequency.csv');
    await download.saveAs(file);
    const csv = readFileSync(file, 'utf8');
    check(csv.split('\n').length >= 2 && csv.includes(','), `a CSV report was downloaded (${csv.split('\n')[0]})`);
    check((await page.goto(`${BASE}/ui/board`)).status() === 403, 'a manager gets 403 for the escalation board');
    const patch = await page.evaluate(async () => {
      const me = await (await fetch('/api/v1/me')).json();
      return (await fetch('/api/v1/tickets/T-1', { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ status: 'open' }) })).status;
    });
    check(patch === 403, 'a manager gets 403 changing a ticket');
    await context.close();
  }

  // ---- signed out: pages send you to the login
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${BASE}/ui/queue`);
    check(page.url().endsWith('/login'), 'without a session a page redirects to the login');
    await page.screenshot({ path: join(OUT, 'login.png') });
    await context.close();
  }
} catch (e) {
  check(false, `the flows ran to the end (${e.stack || e})`);
} finally {
  await browser.close();
  evil.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${failures === 0 ? 'passed' : `${failures} check(s) failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${OUT}`);
process.exit(failures === 0 ? 0 : 1);
