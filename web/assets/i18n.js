// UI strings in English, Finnish, Estonian and Latvian. t(key) falls back to English.
export const LANGUAGES = { en: 'English', fi: 'Suomi', et: 'Eesti', lv: 'Latviešu' };

const S = {
  en: {
    specialty: 'Partner specialty', refer: 'Refer to a partner', referred: 'Referred to a partner.', referrals_missing: 'Referrals need the escalation service, which is not on this server yet.',
    login: 'Log in', logout: 'Log out', name: 'Name', password: 'Password', bad_login: 'Wrong name or password.',
    rate_limited: 'Too many failed attempts. Try again later.', queue: 'Queue', board: 'Escalations', dashboard: 'Reports',
    search: 'Search', all: 'All', status: 'Status', priority: 'Priority', channel: 'Channel', category: 'Category',
    subject: 'Subject', assignee: 'Assignee', created: 'Created', updated: 'Updated', sla_due: 'SLA deadline',
    sort: 'Sort', newest: 'Newest first', by_sla: 'SLA deadline first', no_tickets: 'No tickets.',
    thread: 'Conversation', reply: 'Send reply', note: 'Add internal note', reply_placeholder: 'Write a reply to the customer…',
    save: 'Save', escalate: 'Escalate', escalated: 'Escalated', attachments: 'Attachments', inbound: 'Customer',
    kind_reply: 'Reply', kind_note: 'Internal note', live: 'Live', offline: 'Reconnecting…', unassigned: 'Unassigned',
    tier: 'Tier', countdown: 'Time left', breached: 'Breached', at_risk: 'At risk', reassign: 'Reassign',
    no_escalations: 'Nothing is breached or at risk.', escalations_missing: 'The escalation service is not on this server yet: the board shows tickets tagged "breached" or "at_risk" instead, and tiers cannot be changed here.',
    reports_missing: 'The reports service is not on this server yet: these charts are computed in the browser from the ticket list.',
    reports_loading: 'The server is loading the report figures; the charts follow in a few seconds.',
    from: 'From', to: 'To', apply: 'Apply', download_csv: 'Download CSV', frequency: 'Tickets over time',
    resolution: 'Resolution time', sla: 'SLA compliance', emerging: 'Emerging issues', shortcuts: 'Keys: / search, j/k move, Enter open, r reply, n note, e escalate, Ctrl+Enter send',
    forbidden: 'You may not open this page.', saved: 'Saved.', sent: 'Sent.', error: 'Something went wrong', language: 'Language',
    hours: 'hours', tickets: 'tickets', overdue: 'overdue', back: 'Back to queue', log_call: 'Log a call',
  },
  fi: {
    specialty: 'Kumppanin erikoisala', refer: 'Ohjaa kumppanille', referred: 'Ohjattu kumppanille.', referrals_missing: 'Ohjaukset tarvitsevat eskalaatiopalvelun, jota ei vielä ole tällä palvelimella.',
    login: 'Kirjaudu', logout: 'Kirjaudu ulos', name: 'Nimi', password: 'Salasana', bad_login: 'Väärä nimi tai salasana.',
    rate_limited: 'Liian monta epäonnistunutta yritystä. Yritä myöhemmin.', queue: 'Jono', board: 'Eskalaatiot', dashboard: 'Raportit',
    search: 'Hae', all: 'Kaikki', status: 'Tila', priority: 'Prioriteetti', channel: 'Kanava', category: 'Luokka',
    subject: 'Aihe', assignee: 'Käsittelijä', created: 'Luotu', updated: 'Päivitetty', sla_due: 'SLA-määräaika',
    sort: 'Järjestys', newest: 'Uusimmat ensin', by_sla: 'SLA-määräaika ensin', no_tickets: 'Ei tikettejä.',
    thread: 'Keskustelu', reply: 'Lähetä vastaus', note: 'Lisää sisäinen muistiinpano', reply_placeholder: 'Kirjoita vastaus asiakkaalle…',
    save: 'Tallenna', escalate: 'Eskaloi', escalated: 'Eskaloitu', attachments: 'Liitteet', inbound: 'Asiakas',
    kind_reply: 'Vastaus', kind_note: 'Sisäinen muistiinpano', live: 'Ajantasainen', offline: 'Yhdistetään…', unassigned: 'Ei käsittelijää',
    tier: 'Taso', countdown: 'Aikaa jäljellä', breached: 'Ylittynyt', at_risk: 'Vaarassa', reassign: 'Siirrä',
    no_escalations: 'Mikään ei ole ylittynyt tai vaarassa.', escalations_missing: 'Eskalaatiopalvelu ei ole vielä tällä palvelimella: taulu näyttää tiketit, joilla on tunniste "breached" tai "at_risk", eikä tasoa voi muuttaa täällä.',
    reports_missing: 'Raporttipalvelu ei ole vielä tällä palvelimella: kaaviot lasketaan selaimessa tikettilistasta.',
    reports_loading: 'Palvelin lataa raporttien lukuja; kaaviot tulevat muutaman sekunnin kuluttua.',
    from: 'Alkaen', to: 'Asti', apply: 'Näytä', download_csv: 'Lataa CSV', frequency: 'Tiketit ajan mukaan',
    resolution: 'Ratkaisuaika', sla: 'SLA-toteuma', emerging: 'Nousevat aiheet', shortcuts: 'Näppäimet: / haku, j/k siirry, Enter avaa, r vastaa, n muistiinpano, e eskaloi, Ctrl+Enter lähetä',
    forbidden: 'Sinulla ei ole oikeutta tähän sivuun.', saved: 'Tallennettu.', sent: 'Lähetetty.', error: 'Jokin meni vikaan', language: 'Kieli',
    hours: 'tuntia', tickets: 'tikettiä', overdue: 'myöhässä', back: 'Takaisin jonoon', log_call: 'Kirjaa puhelu',
  },
  et: {
    specialty: 'Partneri eriala', refer: 'Suuna partnerile', referred: 'Suunatud partnerile.', referrals_missing: 'Suunamiseks on vaja eskaleerimisteenust, mida selles serveris veel pole.',
    login: 'Logi sisse', logout: 'Logi välja', name: 'Nimi', password: 'Parool', bad_login: 'Vale nimi või parool.',
    rate_limited: 'Liiga palju ebaõnnestunud katseid. Proovi hiljem.', queue: 'Järjekord', board: 'Eskaleerimised', dashboard: 'Aruanded',
    search: 'Otsi', all: 'Kõik', status: 'Olek', priority: 'Prioriteet', channel: 'Kanal', category: 'Kategooria',
    subject: 'Teema', assignee: 'Täitja', created: 'Loodud', updated: 'Muudetud', sla_due: 'SLA tähtaeg',
    sort: 'Järjestus', newest: 'Uuemad ees', by_sla: 'SLA tähtaeg ees', no_tickets: 'Pileteid pole.',
    thread: 'Vestlus', reply: 'Saada vastus', note: 'Lisa sisemärkus', reply_placeholder: 'Kirjuta kliendile vastus…',
    save: 'Salvesta', escalate: 'Eskaleeri', escalated: 'Eskaleeritud', attachments: 'Manused', inbound: 'Klient',
    kind_reply: 'Vastus', kind_note: 'Sisemärkus', live: 'Otse', offline: 'Ühendan uuesti…', unassigned: 'Määramata',
    tier: 'Tase', countdown: 'Aega jäänud', breached: 'Ületatud', at_risk: 'Ohus', reassign: 'Määra ümber',
    no_escalations: 'Midagi pole ületatud ega ohus.', escalations_missing: 'Eskaleerimisteenust selles serveris veel pole: tahvel näitab silte "breached" või "at_risk" kandvaid pileteid ja taset siin muuta ei saa.',
    reports_missing: 'Aruandeteenust selles serveris veel pole: graafikud arvutatakse brauseris piletite nimekirjast.',
    reports_loading: 'Server laadib aruannete andmeid; graafikud tulevad mõne sekundi pärast.',
    from: 'Alates', to: 'Kuni', apply: 'Näita', download_csv: 'Laadi CSV', frequency: 'Piletid ajas',
    resolution: 'Lahendusaeg', sla: 'SLA täitmine', emerging: 'Esilekerkivad teemad', shortcuts: 'Klahvid: / otsing, j/k liigu, Enter ava, r vasta, n märkus, e eskaleeri, Ctrl+Enter saada',
    forbidden: 'Sul pole sellele lehele ligipääsu.', saved: 'Salvestatud.', sent: 'Saadetud.', error: 'Midagi läks valesti', language: 'Keel',
    hours: 'tundi', tickets: 'piletit', overdue: 'hilinenud', back: 'Tagasi järjekorda', log_call: 'Logi kõne',
  },
  lv: {
    specialty: 'Partnera specializācija', refer: 'Nodot partnerim', referred: 'Nodots partnerim.', referrals_missing: 'Nodošanai vajag eskalācijas servisu, kura šajā serverī vēl nav.',
    login: 'Pieslēgties', logout: 'Iziet', name: 'Vārds', password: 'Parole', bad_login: 'Nepareizs vārds vai parole.',
    rate_limited: 'Pārāk daudz neveiksmīgu mēģinājumu. Mēģiniet vēlāk.', queue: 'Rinda', board: 'Eskalācijas', dashboard: 'Atskaites',
    search: 'Meklēt', all: 'Visi', status: 'Statuss', priority: 'Prioritāte', channel: 'Kanāls', category: 'Kategorija',
    subject: 'Temats', assignee: 'Atbildīgais', created: 'Izveidots', updated: 'Mainīts', sla_due: 'SLA termiņš',
    sort: 'Kārtot', newest: 'Jaunākie vispirms', by_sla: 'SLA termiņš vispirms', no_tickets: 'Nav pieteikumu.',
    thread: 'Sarakste', reply: 'Sūtīt atbildi', note: 'Pievienot iekšēju piezīmi', reply_placeholder: 'Rakstiet atbildi klientam…',
    save: 'Saglabāt', escalate: 'Eskalēt', escalated: 'Eskalēts', attachments: 'Pielikumi', inbound: 'Klients',
    kind_reply: 'Atbilde', kind_note: 'Iekšēja piezīme', live: 'Tiešsaistē', offline: 'Pieslēdzas…', unassigned: 'Nav piešķirts',
    tier: 'Līmenis', countdown: 'Atlicis', breached: 'Pārkāpts', at_risk: 'Apdraudēts', reassign: 'Piešķirt citam',
    no_escalations: 'Nekas nav pārkāpts vai apdraudēts.', escalations_missing: 'Eskalācijas serviss šajā serverī vēl nav: tāfele rāda pieteikumus ar birku "breached" vai "at_risk", un līmeni šeit mainīt nevar.',
    reports_missing: 'Atskaišu serviss šajā serverī vēl nav: diagrammas tiek aprēķinātas pārlūkā no pieteikumu saraksta.',
    reports_loading: 'Serveris ielādē atskaišu datus; diagrammas parādīsies pēc dažām sekundēm.',
    from: 'No', to: 'Līdz', apply: 'Rādīt', download_csv: 'Lejupielādēt CSV', frequency: 'Pieteikumi laikā',
    resolution: 'Atrisināšanas laiks', sla: 'SLA izpilde', emerging: 'Jaunas tēmas', shortcuts: 'Taustiņi: / meklēt, j/k pārvietoties, Enter atvērt, r atbildēt, n piezīme, e eskalēt, Ctrl+Enter sūtīt',
    forbidden: 'Jums nav piekļuves šai lapai.', saved: 'Saglabāts.', sent: 'Nosūtīts.', error: 'Kaut kas nogāja greizi', language: 'Valoda',
    hours: 'stundas', tickets: 'pieteikumi', overdue: 'nokavēts', back: 'Atpakaļ uz rindu', log_call: 'Reģistrēt zvanu',
  },
};

let current = 'en';
export function setLanguage(lang) { current = S[lang] ? lang : 'en'; document.documentElement.lang = current; }
export function t(key) { return (S[current] && S[current][key]) || S.en[key] || key; }
export function applyStrings(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}
