import { setLanguage, t } from './i18n.js';

setLanguage((navigator.language || 'en').slice(0, 2));
const form = document.getElementById('login');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const flash = document.getElementById('flash');
  flash.textContent = '';
  const res = await fetch('/login', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: document.getElementById('name').value, password: document.getElementById('password').value }),
  });
  if (res.ok) { location.href = (await res.json()).home; return; }
  flash.className = 'flash error';
  flash.textContent = res.status === 429 ? t('rate_limited') : t('bad_login');
});
