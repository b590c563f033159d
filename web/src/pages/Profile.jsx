// One's own profile (GET/PATCH /api/v1/me): who one is (kept by an administrator), the language
// and time zone the pages use, e-mail notices, leave and the deputy who acts meanwhile, the
// digits Arabic pages use (this browser only), and the password (PUT /api/v1/me/password).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, put, enc } from '../api.js';
import { t, lang, locale, roleName, formatDay, digits, setDigits, languages } from '../i18n.js';
import { me, updateMe, displayName, leads } from '../session.js';
import { useTitle, useLoad } from '../components/common.jsx';
import { Field, Choices, Choice, ErrorSummary, Status, failure, pointerId, TimeZoneSelect, listOf } from './admin/form.jsx';
import { unitName } from './admin/units.js';
import './profile.css';

export default function Profile() {
  useTitle(t('profile.title'));
  const user = me.value;
  const units = useLoad(() => get('/admin/units').then((r) => r.items), []);
  const unitsById = useMemo(() => new Map((units.data || []).map((u) => [u.id, u])), [units.data]);
  if (!user) return null;
  return (
    <section class="page profile">
      <h1>{t('profile.title')}</h1>
      <section aria-labelledby="who-title" class="profile-part">
        <h2 id="who-title"><bdi>{displayName(user)}</bdi></h2>
        <dl class="data">
          <dt>{t('profile.name')}</dt><dd><span dir="ltr">{user.name}</span></dd>
          <dt>{t('profile.display_name')}</dt><dd><bdi>{user.display_name || t('profile.no_display_name')}</bdi></dd>
          <dt>{t('profile.email')}</dt><dd>{user.email ? <span dir="ltr">{user.email}</span> : t('profile.no_email')}</dd>
          <dt>{t('profile.roles')}</dt><dd>{user.roles.length ? listOf(user.roles.map(roleName)) : t('common.none')}</dd>
          <dt>{t('profile.units')}</dt>
          <dd>{user.units.length ? listOf(user.units.map((id) => unitName(unitsById.get(id)) || id)) : t('common.none')}</dd>
        </dl>
        <p class="field-help">{t('profile.kept_by_admin')}</p>
      </section>
      <Preferences user={user} />
      <Digits />
      <Away user={user} />
      <Password />
    </section>
  );
}

const prefMembers = ['/language', '/time_zone', '/email_notices', '/digest_hour', '/email_role_tasks'];
const prefLabels = () => ({
  '/language': t('profile.language'), '/time_zone': t('profile.time_zone'), '/email_notices': t('profile.email_notices'),
  '/digest_hour': t('profile.digest_hour'), '/email_role_tasks': t('profile.email_role_tasks'),
});

// The hour of a day as the reader writes times ("08:00", "٨:٠٠ ص").
const hourName = (h) => new Intl.DateTimeFormat(locale.value, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, 0, 1, h)));
const nowIn = (zone) => { try { return new Intl.DateTimeFormat(locale.value, { timeStyle: 'short', timeZone: zone }).format(new Date()); } catch { return ''; } };

function Preferences({ user }) {
  const from = (u) => ({ language: u.language, time_zone: u.time_zone, email_notices: u.email_notices, digest_hour: u.digest_hour, email_role_tasks: u.email_role_tasks });
  const [form, setForm] = useState(() => from(user));
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const change = (member, value) => { setForm({ ...form, [member]: value }); setSaved(false); };
  const id = (p) => pointerId('prefs', p);
  // The profile changed elsewhere (the header's language switch): the form shows it.
  useEffect(() => { setForm(from(user)); }, [user.language, user.time_zone, user.email_notices, user.digest_hour, user.email_role_tasks]);

  async function submit(event) {
    event.preventDefault();
    const changes = {};
    for (const [k, v] of Object.entries(form)) if (v !== user[k]) changes[k] = v;
    setBusy(true);
    try {
      const updated = Object.keys(changes).length ? await updateMe(changes) : user;
      setForm(from(updated));
      setErrors({ fields: {}, general: null });
      setSaved(true);
    } catch (error) {
      setErrors(failure(error, (p) => prefMembers.includes(p)));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  return (
    <form class="profile-part" onSubmit={submit} noValidate aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t('profile.preferences')}</h2>
      <ErrorSummary form="prefs" errors={e} general={errors.general} labels={prefLabels()} />
      <Choices id={id('/language')} legend={t('profile.language')} error={e['/language']} class="inline">
        {languages.map((l) => (
          <Choice key={l.code} type="radio" name="language" id={id(`/language-${l.code}`)} value={l.code} lang={l.code} dir={l.dir}
                  checked={form.language === l.code} onChange={() => change('language', l.code)} label={l.name} />
        ))}
      </Choices>
      <Field id={id('/time_zone')} label={t('profile.time_zone')} help={t('profile.time_zone_help', { now: nowIn(form.time_zone) })} error={e['/time_zone']}>
        {(a) => <TimeZoneSelect {...a} value={form.time_zone} onChange={(v) => change('time_zone', v)} />}
      </Field>
      <Choices id={id('/email_notices')} legend={t('profile.email_notices')} help={user.email ? t('profile.email_to', { email: user.email }) : t('profile.email_none')} error={e['/email_notices']}>
        {['immediately', 'daily', 'never'].map((v) => (
          <Choice key={v} type="radio" name="email_notices" id={id(`/email_notices-${v}`)} value={v}
                  checked={form.email_notices === v} onChange={() => change('email_notices', v)} label={t(`profile.notices_${v}`)} />
        ))}
      </Choices>
      {form.email_notices === 'daily' && (
        <Field id={id('/digest_hour')} label={t('profile.digest_hour')} help={t('profile.digest_hour_help')} error={e['/digest_hour']}>
          {(a) => (
            <select {...a} value={form.digest_hour} onChange={(ev) => change('digest_hour', Number(ev.currentTarget.value))}>
              {Array.from({ length: 24 }, (_, h) => <option key={h} value={h}>{hourName(h)}</option>)}
            </select>
          )}
        </Field>
      )}
      <Choices id={id('/email_role_tasks')} legend={t('profile.email_role_tasks')} error={e['/email_role_tasks']}>
        <Choice id={id('/email_role_tasks-box')} checked={form.email_role_tasks} onChange={(ev) => change('email_role_tasks', ev.currentTarget.checked)}
                label={t('profile.email_role_tasks_label')} />
      </Choices>
      <div class="actions"><button type="submit" class="primary" disabled={busy}>{t('profile.save')}</button></div>
      <Status text={saved ? t('profile.saved') : ''} />
    </form>
  );
}

// Arabic-Indic or Latin digits: a matter of this browser (i18n.js keeps it), not of the profile.
function Digits() {
  return (
    <section class="profile-part" aria-labelledby="digits-title">
      <h2 id="digits-title">{t('profile.digits')}</h2>
      <Choices id="digits" legend={t('profile.digits_legend')} help={t('profile.digits_help')} class="inline">
        <Choice type="radio" name="digits" id="digits-arab" checked={digits.value === 'arab'} onChange={() => setDigits('arab')}
                label={t('profile.digits_arab', { sample: '٠١٢٣٤٥٦٧٨٩' })} />
        <Choice type="radio" name="digits" id="digits-latn" checked={digits.value === 'latn'} onChange={() => setDigits('latn')}
                label={t('profile.digits_latn', { sample: '0123456789' })} />
      </Choices>
    </section>
  );
}

// Today's date in the person's time zone, as "2027-01-31".
function today(zone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

// Colleagues who could stand in: the holders of one's roles, where one may list them
// (GET /api/v1/people is for admins, auditors and a role's leads: session.js `leads`);
// otherwise none, and the deputy's user name is typed.
function useColleagues(user) {
  const [people, setPeople] = useState([]);
  useEffect(() => {
    let live = true;
    const listed = user.roles.filter((r) => leads(r) || user.roles.includes('auditor'));
    Promise.allSettled(listed.map((r) => get(`/people?role=${enc(r)}`))).then((answers) => {
      const byName = new Map();
      for (const a of answers) if (a.status === 'fulfilled') for (const p of a.value.items) if (p.name !== user.name) byName.set(p.name, p);
      if (live) setPeople([...byName.values()].sort((a, b) => (a.display_name || a.name).localeCompare(b.display_name || b.name, lang.value)));
    });
    return () => { live = false; };
  }, [user.name, user.roles.join(',')]);
  return people;
}

function Away({ user }) {
  const blank = { from: today(user.time_zone), to: '', deputy: '' };
  const [form, setForm] = useState(() => (user.away ? { ...user.away } : blank));
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const people = useColleagues(user);
  const id = (p) => pointerId('away', p);
  const set = (member) => (ev) => { setForm({ ...form, [member]: ev.currentTarget.value.trim() }); setStatus(''); };
  const labels = { '/away': t('profile.away'), '/away/from': t('profile.away_from'), '/away/to': t('profile.away_to'), '/away/deputy': t('profile.deputy') };

  async function submit(event) {
    event.preventDefault();
    const local = {};
    if (!form.from) local['/away/from'] = t('profile.date_needed');
    if (!form.to) local['/away/to'] = t('profile.date_needed');
    else if (form.from && form.to < form.from) local['/away/to'] = t('profile.to_before_from');
    if (!form.deputy) local['/away/deputy'] = t('profile.deputy_needed');
    else if (form.deputy === user.name) local['/away/deputy'] = t('profile.deputy_self');
    if (Object.keys(local).length) { setErrors({ fields: local, general: null }); return; }
    await send({ from: form.from, to: form.to, deputy: form.deputy }, 'profile.away_saved');
  }

  async function send(away, done) {
    setBusy(true);
    setStatus('');
    try {
      const updated = await updateMe({ away });
      setErrors({ fields: {}, general: null });
      setForm(updated.away ? { ...updated.away } : blank);
      setStatus(done);
    } catch (error) {
      setErrors(failure(error, (p) => p === '/away' || p.startsWith('/away/')));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  const away = user.away;
  const deputyName = (name) => { const p = people.find((x) => x.name === name); return p && p.display_name ? `${p.display_name} (${name})` : name; };
  const now = today(user.time_zone);
  return (
    <form class="profile-part" onSubmit={submit} noValidate aria-labelledby="away-title">
      <h2 id="away-title">{t('profile.away')}</h2>
      <p class="field-help">{t('profile.away_explain')}</p>
      {away && (
        <div class="away-now">
          <p>
            <strong>{away.from <= now && now <= away.to ? t('profile.away_now') : away.from > now ? t('profile.away_planned') : t('profile.away_past')}</strong>{' '}
            {t('profile.away_text', { from: formatDay(away.from), to: formatDay(away.to) })}{' '}
            {t('profile.away_deputy')} <bdi>{deputyName(away.deputy)}</bdi>
          </p>
          <button type="button" disabled={busy} onClick={() => send(null, 'profile.back_saved')}>{t('profile.back')}</button>
        </div>
      )}
      <ErrorSummary form="away" errors={e} general={errors.general} labels={labels} />
      {e['/away'] && <p class="field-error" id={id('/away')} tabIndex={-1} dir="auto">{e['/away']}</p>}
      <div class="grid-fields">
        <Field id={id('/away/from')} label={t('profile.away_from')} error={e['/away/from']} required>
          {(a) => <input {...a} type="date" value={form.from} onInput={set('from')} />}
        </Field>
        <Field id={id('/away/to')} label={t('profile.away_to')} help={t('profile.away_to_help')} error={e['/away/to']} required>
          {(a) => <input {...a} type="date" min={form.from || undefined} value={form.to} onInput={set('to')} />}
        </Field>
        <Field id={id('/away/deputy')} label={t('profile.deputy')} error={e['/away/deputy']} required
               help={people.length ? t('profile.deputy_help_list') : t('profile.deputy_help')}>
          {(a) => (
            <>
              <input {...a} dir="ltr" autocomplete="off" spellcheck={false} list={people.length ? 'deputy-people' : undefined}
                     value={form.deputy} onInput={set('deputy')} />
              {people.length > 0 && (
                <datalist id="deputy-people">
                  {people.map((p) => <option key={p.name} value={p.name}>{p.display_name || p.name}</option>)}
                </datalist>
              )}
            </>
          )}
        </Field>
      </div>
      <div class="actions"><button type="submit" class="primary" disabled={busy}>{away ? t('profile.away_change') : t('profile.away_set')}</button></div>
      <Status text={status ? t(status) : ''} />
    </form>
  );
}

function Password() {
  const empty = { old: '', new: '', again: '' };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = (p) => pointerId('pw', p);
  const set = (member) => (ev) => { setForm({ ...form, [member]: ev.currentTarget.value }); setDone(false); };
  const labels = { '/old': t('profile.old_password'), '/new': t('profile.new_password'), '/again': t('profile.again_password') };

  async function submit(event) {
    event.preventDefault();
    const local = {};
    if (!form.old) local['/old'] = t('profile.old_needed');
    if (!form.new) local['/new'] = t('profile.new_needed');
    else if (form.new !== form.again) local['/again'] = t('profile.passwords_differ');
    if (Object.keys(local).length) { setErrors({ fields: local, general: null }); return; }
    setBusy(true);
    try {
      await put('/me/password', { old: form.old, new: form.new });
      setForm(empty);
      setErrors({ fields: {}, general: null });
      setDone(true);
    } catch (error) {
      if (error.status === 403) setErrors({ fields: { '/old': t('profile.wrong_password') }, general: null });
      else setErrors(failure(error, (p) => p === '/old' || p === '/new'));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  return (
    <form class="profile-part" onSubmit={submit} noValidate aria-labelledby="pw-title">
      <h2 id="pw-title">{t('profile.password')}</h2>
      <ErrorSummary form="pw" errors={e} general={errors.general} labels={labels} />
      <input type="text" name="username" autocomplete="username" value={me.value ? me.value.name : ''} readOnly hidden />
      <div class="grid-fields">
        <Field id={id('/old')} label={t('profile.old_password')} error={e['/old']} required>
          {(a) => <input {...a} type="password" autocomplete="current-password" value={form.old} onInput={set('old')} />}
        </Field>
        <Field id={id('/new')} label={t('profile.new_password')} help={t('profile.password_rules')} error={e['/new']} required>
          {(a) => <input {...a} type="password" autocomplete="new-password" value={form.new} onInput={set('new')} />}
        </Field>
        <Field id={id('/again')} label={t('profile.again_password')} error={e['/again']} required>
          {(a) => <input {...a} type="password" autocomplete="new-password" value={form.again} onInput={set('again')} />}
        </Field>
      </div>
      <div class="actions"><button type="submit" class="primary" disabled={busy}>{t('profile.change_password')}</button></div>
      <Status text={done ? t('profile.password_changed') : ''} />
    </form>
  );
}
