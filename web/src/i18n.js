// Interface text, dates and numbers in the reader's language. Each language is a folder of
// message catalogues (messages/<lang>/*.json): adding a language adds a folder, nothing else.
// A message is a string with {name} placeholders, or, where it counts something, an object by
// plural category ("zero", "one", "two", "few", "many", "other": Arabic uses all six).
import { signal, computed, effect } from '@preact/signals';

const files = import.meta.glob('./messages/*/*.json', { eager: true, import: 'default' });
const catalogues = {};
for (const [path, messages] of Object.entries(files)) {
  const [, lang, area] = path.match(/messages\/([^/]+)\/([^/]+)\.json$/);
  const into = (catalogues[lang] ||= {});
  for (const [key, text] of Object.entries(messages)) into[`${area}.${key}`] = text;
}

// The languages, each named in itself ("English", "العربية"), and which way it is written.
export const languages = Object.keys(catalogues).sort().map((code) => ({
  code,
  name: catalogues[code]['common.language_name'],
  dir: catalogues[code]['common.direction'] || 'ltr',
}));

const stored = (key) => { try { return localStorage.getItem(key); } catch { return null; } };
const store = (key, value) => { try { localStorage.setItem(key, value); } catch { /* private mode */ } };

function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const code = String(tag).toLowerCase().split('-')[0];
    if (catalogues[code]) return code;
  }
  return 'en';
}

// Before sign-in: the choice made on this browser, else the browser's language, else English.
// Signed in: the person's profile (app.jsx sets it).
export const lang = signal(catalogues[stored('accord.lang')] ? stored('accord.lang') : browserLanguage());
// Arabic readers choose Arabic-Indic (٠١٢) or Latin (012) digits.
export const digits = signal(stored('accord.digits') === 'latn' ? 'latn' : 'arab');
// The reader's time zone: their profile's, else the browser's.
export const timeZone = signal(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');

export function setLanguage(code) {
  if (!catalogues[code]) return;
  lang.value = code;
  store('accord.lang', code);
}
export function setDigits(value) {
  digits.value = value === 'latn' ? 'latn' : 'arab';
  store('accord.digits', digits.value);
}

export const dir = computed(() => catalogues[lang.value]['common.direction'] || 'ltr');
// The locale for Intl: the Gregorian calendar always, the digits as chosen.
export const locale = computed(() =>
  lang.value === 'ar' ? `ar-u-ca-gregory-nu-${digits.value}` : `${lang.value}-u-ca-gregory`);

effect(() => {
  document.documentElement.lang = lang.value;
  document.documentElement.dir = dir.value;
});

const plurals = {};
function plural(count) {
  const l = locale.value;
  return (plurals[l] ||= new Intl.PluralRules(l)).select(count);
}

// t('inbox.title'), t('inbox.count', { count: 3 }). A missing key shows itself (and is a test
// failure: tests/web checks every language has every key).
export function t(key, params) {
  const text = catalogues[lang.value][key] ?? catalogues.en[key] ?? key;
  let s = text;
  if (typeof text === 'object') {
    const n = params && typeof params.count === 'number' ? params.count : 0;
    s = text[n === 0 && text.zero ? 'zero' : plural(n)] ?? text.other;
  }
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => {
    if (!(name in params)) return m;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

// Whether a message exists (for texts chosen by a server value: a history input, a status).
export const has = (key) => key in catalogues[lang.value] || key in catalogues.en;

const cache = new Map();
function formatter(kind, options) {
  const key = `${kind}|${locale.value}|${timeZone.value}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    const o = kind === 'number' ? options : { timeZone: timeZone.value, ...options };
    f = kind === 'number' ? new Intl.NumberFormat(locale.value, o)
      : kind === 'relative' ? new Intl.RelativeTimeFormat(locale.value, options)
      : new Intl.DateTimeFormat(locale.value, o);
    cache.set(key, f);
  }
  return f;
}

export const formatNumber = (n, options = {}) => formatter('number', options).format(n);
export const formatDateTime = (iso) => (iso ? formatter('date', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '');
export const formatDate = (iso) => (iso ? formatter('date', { dateStyle: 'medium' }).format(new Date(iso)) : '');
// A calendar date ("2027-01-31") as the reader writes dates, without moving it across zones.
export function formatDay(day) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day || '')) return day || '';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(day + 'T00:00:00Z'));
}

const DAY = 86400000, HOUR = 3600000, MINUTE = 60000;

// How far a deadline is: { text: "in 3 days" | "2 days overdue", urgency: "overdue" | "soon" |
// "later" }. Soon: within two days.
export function due(iso, now = Date.now()) {
  if (!iso) return null;
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const [count, unit] = abs >= DAY ? [Math.round(abs / DAY), 'day']
    : abs >= HOUR ? [Math.round(abs / HOUR), 'hour'] : [Math.max(1, Math.round(abs / MINUTE)), 'minute'];
  if (ms < 0) return { text: t(`common.overdue_${unit}s`, { count }), urgency: 'overdue' };
  return {
    text: formatter('relative', { numeric: 'auto' }).format(count, unit),
    urgency: ms <= 2 * DAY ? 'soon' : 'later',
  };
}

// "3 hours ago", for the timeline and notifications.
export function ago(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const rel = formatter('relative', { numeric: 'auto' });
  if (abs < MINUTE) return rel.format(0, 'second');
  if (abs < HOUR) return rel.format(Math.round(ms / MINUTE), 'minute');
  if (abs < DAY) return rel.format(Math.round(ms / HOUR), 'hour');
  return rel.format(Math.round(ms / DAY), 'day');
}

// A role as people call it ("Dean", "العميد"); a role without a message: its name.
export const roleName = (role) => (has(`roles.${role}`) ? t(`roles.${role}`) : role);
