// The office calendar (GET/PUT /api/v1/admin/calendar): its time zone, the days the office works,
// when work starts, public holidays and closures (names in every language). Durations in
// working days and deadlines are counted on it; saving it counts the open ones again.
import { useEffect, useState } from 'preact/hooks';
import { get, put } from '../../api.js';
import { t, locale, lang, formatDay } from '../../i18n.js';
import { ErrorMessage, Loading } from '../../components/common.jsx';
import { Field, Choices, Choice, ErrorSummary, Status, failure, pointerId, TimeZoneSelect } from './form.jsx';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
let nextKey = 1;

// The week as the reader's office starts it: Saturday in Arabic, else as the locale says
// (Intl.Locale's week info: 1 Monday ... 7 Sunday).
function weekOrder() {
  let first = 6;
  if (lang.value !== 'ar') {
    try {
      const l = new Intl.Locale(lang.value);
      const info = l.getWeekInfo ? l.getWeekInfo() : l.weekInfo;
      first = (info && info.firstDay) || 1;
    } catch { first = 1; }
  }
  const start = first % 7; // DAYS index: Sunday is 0
  return DAYS.map((_, i) => DAYS[(start + i) % 7]);
}

const dayName = (day) => new Intl.DateTimeFormat(locale.value, { weekday: 'long', timeZone: 'UTC' })
  .format(new Date(Date.UTC(2023, 0, 1 + DAYS.indexOf(day)))); // 1 January 2023 was a Sunday

// A name as the calendar holds it (a string, or by language) as the form edits it, and back.
const namesOf = (name) => (typeof name === 'string' ? { en: name, ar: '', rest: {} }
  : name ? { en: name.en || '', ar: name.ar || '', rest: Object.fromEntries(Object.entries(name).filter(([k]) => k !== 'en' && k !== 'ar')) }
  : { en: '', ar: '', rest: {} });
function nameOf(row) {
  const name = { ...row.rest };
  if (row.en.trim()) name.en = row.en.trim();
  if (row.ar.trim()) name.ar = row.ar.trim();
  return Object.keys(name).length ? name : undefined;
}

function formOf(c) {
  return {
    time_zone: c.time_zone,
    weekend: c.weekend,
    work_starts: c.work_starts,
    holidays: c.holidays.map((h) => ({ k: nextKey++, date: h.date, ...namesOf(h.name) })),
    closures: c.closures.map((h) => ({ k: nextKey++, from: h.from, to: h.to, ...namesOf(h.name) })),
  };
}

function bodyOf(f) {
  const named = (row, members) => {
    const out = {};
    for (const m of members) out[m] = row[m];
    const name = nameOf(row);
    if (name) out.name = name;
    return out;
  };
  return {
    time_zone: f.time_zone,
    weekend: DAYS.filter((d) => f.weekend.includes(d)),
    work_starts: f.work_starts,
    holidays: f.holidays.map((h) => named(h, ['date'])),
    closures: f.closures.map((c) => named(c, ['from', 'to'])),
  };
}

// Where the page shows a server error: a weekday's at the group, a name's at its English box.
const shownAt = (p) => p.replace(/^\/weekend\/\d+$/, '/weekend').replace(/^(\/(holidays|closures)\/\d+\/name)(\/[^/]+)?$/, (m, head, _, lang) => `${head}${lang === '/ar' ? '/ar' : '/en'}`);

export function Calendar() {
  const [form, setForm] = useState(null);
  const [saved, setSaved] = useState('');
  const [loadError, setLoadError] = useState(null);
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [focus, setFocus] = useState(null);

  const adopt = (c) => { const f = formOf(c); setForm(f); setSaved(JSON.stringify(bodyOf(f))); };
  useEffect(() => { get('/admin/calendar').then(adopt, setLoadError); }, []);
  useEffect(() => {
    if (!focus) return;
    const el = document.getElementById(focus);
    if (el) el.focus();
    setFocus(null);
  }, [focus]);

  if (loadError) return <ErrorMessage error={loadError} />;
  if (!form) return <Loading />;

  const change = (next) => { setForm(next); setStatus(''); };
  const changed = JSON.stringify(bodyOf(form)) !== saved;
  const editRow = (list, k, member, value) => change({ ...form, [list]: form[list].map((r) => (r.k === k ? { ...r, [member]: value } : r)) });
  const removeRow = (list, k) => { change({ ...form, [list]: form[list].filter((r) => r.k !== k) }); setErrors({ fields: {}, general: null }); };
  const addRow = (list) => {
    const row = list === 'holidays' ? { k: nextKey++, date: '', en: '', ar: '', rest: {} } : { k: nextKey++, from: '', to: '', en: '', ar: '', rest: {} };
    change({ ...form, [list]: [...form[list], row] });
    setErrors({ fields: {}, general: null });
    setFocus(pointerId('cal', `/${list}/${form[list].length}/${list === 'holidays' ? 'date' : 'from'}`));
  };
  const toggleDay = (day, working) => change({ ...form, weekend: working ? form.weekend.filter((d) => d !== day) : [...form.weekend, day] });

  async function save(event) {
    event.preventDefault();
    setStatus('');
    if (form.weekend.length === 7) { setErrors({ fields: { '/weekend': t('admin.calendar.one_day') }, general: null }); return; }
    setBusy(true);
    try {
      adopt(await put('/admin/calendar', bodyOf(form)));
      setErrors({ fields: {}, general: null });
      setStatus(t('admin.calendar.saved'));
    } catch (error) {
      const f = failure(error, (p) => /^\/(time_zone|work_starts|weekend|holidays|closures)(\/|$)/.test(p));
      const fields = {};
      for (const [p, m] of Object.entries(f.fields)) fields[shownAt(p)] = m;
      setErrors({ fields, general: f.general });
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  const id = (p) => pointerId('cal', p);
  const labels = { '/time_zone': t('admin.calendar.time_zone'), '/weekend': t('admin.calendar.working_days'), '/work_starts': t('admin.calendar.work_starts') };
  for (const p of Object.keys(e)) {
    const m = p.match(/^\/(holidays|closures)\/(\d+)/);
    if (m) labels[p] = t(`admin.calendar.${m[1] === 'holidays' ? 'holiday_n' : 'closure_n'}`, { n: Number(m[2]) + 1 });
  }
  const nameFields = (list, i, row) => (
    <>
      <Field id={id(`/${list}/${i}/name/en`)} label={t('admin.calendar.name_en')} error={e[`/${list}/${i}/name/en`]}>
        {(a) => <input {...a} lang="en" dir="ltr" value={row.en} onInput={(ev) => editRow(list, row.k, 'en', ev.currentTarget.value)} />}
      </Field>
      <Field id={id(`/${list}/${i}/name/ar`)} label={t('admin.calendar.name_ar')} error={e[`/${list}/${i}/name/ar`]}>
        {(a) => <input {...a} lang="ar" dir="rtl" value={row.ar} onInput={(ev) => editRow(list, row.k, 'ar', ev.currentTarget.value)} />}
      </Field>
    </>
  );

  return (
    <section class="admin-section calendar-section" aria-labelledby="calendar-title">
      <h2 id="calendar-title">{t('admin.calendar.title')}</h2>
      <p class="field-help">{t('admin.calendar.explain')}</p>
      <form onSubmit={save} noValidate aria-labelledby="calendar-title">
        <ErrorSummary form="cal" errors={e} general={errors.general} labels={labels} />
        <div class="grid-fields">
          <Field id={id('/time_zone')} label={t('admin.calendar.time_zone')} error={e['/time_zone']}>
            {(a) => <TimeZoneSelect {...a} value={form.time_zone} onChange={(v) => change({ ...form, time_zone: v })} />}
          </Field>
          <Field id={id('/work_starts')} label={t('admin.calendar.work_starts')} help={t('admin.calendar.work_starts_help')} error={e['/work_starts']}>
            {(a) => <input {...a} type="time" dir="ltr" value={form.work_starts} onInput={(ev) => change({ ...form, work_starts: ev.currentTarget.value })} />}
          </Field>
        </div>
        <Choices id={id('/weekend')} legend={t('admin.calendar.working_days')} help={t('admin.calendar.working_days_help')} error={e['/weekend']} class="weekdays">
          <div class="choice-grid">
            {weekOrder().map((d) => (
              <Choice key={d} id={id(`/weekend-${d}`)} checked={!form.weekend.includes(d)} onChange={(ev) => toggleDay(d, ev.currentTarget.checked)} label={dayName(d)} />
            ))}
          </div>
        </Choices>

        <h3>{t('admin.calendar.holidays')}</h3>
        {form.holidays.length === 0 ? <p class="empty">{t('admin.calendar.no_holidays')}</p> : (
          <ul class="calendar-rows">
            {form.holidays.map((h, i) => (
              <li key={h.k}>
                <fieldset id={id(`/holidays/${i}`)} tabIndex={-1}>
                  <legend>{h.date ? formatDay(h.date) : t('admin.calendar.holiday_n', { n: i + 1 })}</legend>
                  <div class="row-fields">
                    <Field id={id(`/holidays/${i}/date`)} label={t('admin.calendar.date')} error={e[`/holidays/${i}/date`] || e[`/holidays/${i}`]} required>
                      {(a) => <input {...a} type="date" value={h.date} onInput={(ev) => editRow('holidays', h.k, 'date', ev.currentTarget.value)} />}
                    </Field>
                    {nameFields('holidays', i, h)}
                    <div class="row-remove">
                      <button type="button" class="danger" onClick={() => removeRow('holidays', h.k)}
                              aria-label={t('admin.calendar.remove_holiday', { name: h.date ? formatDay(h.date) : t('admin.calendar.holiday_n', { n: i + 1 }) })}>{t('admin.calendar.remove')}</button>
                    </div>
                  </div>
                </fieldset>
              </li>
            ))}
          </ul>
        )}
        <button type="button" onClick={() => addRow('holidays')}>{t('admin.calendar.add_holiday')}</button>

        <h3>{t('admin.calendar.closures')}</h3>
        <p class="field-help">{t('admin.calendar.closures_help')}</p>
        {form.closures.length === 0 ? <p class="empty">{t('admin.calendar.no_closures')}</p> : (
          <ul class="calendar-rows">
            {form.closures.map((c, i) => {
              const title = c.from ? t('admin.calendar.range', { from: formatDay(c.from), to: formatDay(c.to || c.from) }) : t('admin.calendar.closure_n', { n: i + 1 });
              return (
                <li key={c.k}>
                  <fieldset id={id(`/closures/${i}`)} tabIndex={-1}>
                    <legend>{title}</legend>
                    <div class="row-fields">
                      <Field id={id(`/closures/${i}/from`)} label={t('admin.calendar.from')} error={e[`/closures/${i}/from`] || e[`/closures/${i}`]} required>
                        {(a) => <input {...a} type="date" value={c.from} onInput={(ev) => editRow('closures', c.k, 'from', ev.currentTarget.value)} />}
                      </Field>
                      <Field id={id(`/closures/${i}/to`)} label={t('admin.calendar.to')} error={e[`/closures/${i}/to`]} required>
                        {(a) => <input {...a} type="date" min={c.from || undefined} value={c.to} onInput={(ev) => editRow('closures', c.k, 'to', ev.currentTarget.value)} />}
                      </Field>
                      {nameFields('closures', i, c)}
                      <div class="row-remove">
                        <button type="button" class="danger" onClick={() => removeRow('closures', c.k)}
                                aria-label={t('admin.calendar.remove_closure', { name: title })}>{t('admin.calendar.remove')}</button>
                      </div>
                    </div>
                  </fieldset>
                </li>
              );
            })}
          </ul>
        )}
        <button type="button" onClick={() => addRow('closures')}>{t('admin.calendar.add_closure')}</button>

        <div class="actions sticky-actions">
          <button type="submit" class="primary" disabled={busy || !changed}>{t('admin.calendar.save')}</button>
          {changed && <button type="button" onClick={() => { adopt(JSON.parse(saved)); setErrors({ fields: {}, general: null }); }}>{t('admin.calendar.discard')}</button>}
          {changed && <span class="unsaved-note">{t('admin.calendar.changed')}</span>}
        </div>
        <Status text={status} />
      </form>
    </section>
  );
}
