// People (GET/POST /api/v1/admin/users, PATCH /admin/users/{name}, PUT .../password,
// POST .../revoke): the list, adding a person (their token shown once), and a person's page to
// change their profile and roles, set a password, or revoke them.
import { useMemo, useState } from 'preact/hooks';
import { get, post, patch, put, enc } from '../../api.js';
import { t, roleName, formatDateTime, formatDay, lang } from '../../i18n.js';
import { me } from '../../session.js';
import { ErrorMessage, Loading, useLoad } from '../../components/common.jsx';
import { Field, Choices, Choice, ErrorSummary, Status, Secret, failure, pointerId, TimeZoneSelect, LanguageSelect, listOf } from './form.jsx';
import { unitName, treeOrder } from './units.js';
import roleCatalogue from '../../messages/en/roles.json';

const loadUsers = () => get('/admin/users').then((r) => r.items.slice().sort((a, b) => (a.name < b.name ? -1 : 1)));
const loadUnits = () => get('/admin/units').then((r) => r.items);

// The roles the page offers as check boxes: those people are called by, and those anyone has.
function knownRoles(users) {
  const all = new Set(Object.keys(roleCatalogue));
  for (const u of users || []) for (const r of u.roles) all.add(r);
  return [...all].sort();
}

// Array members' errors shown at the array's group: /roles/2 -> /roles.
const groupPointer = (p) => p.replace(/^\/(roles|units)\/\d+$/, '/$1');
function formFailure(error, members) {
  const f = failure(error, (p) => members.includes(groupPointer(p)));
  const fields = {};
  for (const [p, m] of Object.entries(f.fields)) fields[groupPointer(p)] = m;
  return { fields, general: f.general };
}

export function Users({ item }) {
  return item ? <UserPage name={item} /> : <UserList />;
}

function UserList() {
  const users = useLoad(loadUsers, []);
  const units = useLoad(loadUnits, []);
  const [adding, setAdding] = useState(false);
  const [issued, setIssued] = useState(null);
  const unitsById = useMemo(() => new Map((units.data || []).map((u) => [u.id, u])), [units.data]);

  return (
    <section class="admin-section" aria-labelledby="users-title">
      <div class="section-head">
        <h2 id="users-title">{t('admin.users.title')}</h2>
        {!adding && <button type="button" class="primary" onClick={() => { setAdding(true); setIssued(null); }}>{t('admin.users.add')}</button>}
      </div>
      {issued && <Issued user={issued} onDone={() => setIssued(null)} />}
      {adding && (
        <AddUser users={users.data || []} units={units.data || []}
                 onCancel={() => setAdding(false)}
                 onAdded={(user) => { setAdding(false); setIssued(user); users.reload(); }} />
      )}
      {users.loading && !users.data ? <Loading /> : users.error ? <ErrorMessage error={users.error} /> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="users-caption">
          <table class="users">
            <caption id="users-caption" class="visually-hidden">{t('admin.users.table')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.users.name')}</th>
                <th scope="col">{t('admin.users.display_name')}</th>
                <th scope="col">{t('admin.users.roles')}</th>
                <th scope="col">{t('admin.users.units')}</th>
                <th scope="col">{t('admin.users.email')}</th>
                <th scope="col">{t('admin.users.state')}</th>
                <th scope="col">{t('admin.users.password')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.name} class={u.revoked ? 'revoked' : undefined}>
                  <th scope="row"><a href={`/admin/users/${enc(u.name)}`} dir="ltr">{u.name}</a></th>
                  <td><bdi>{u.display_name}</bdi></td>
                  <td>{listOf(u.roles.map(roleName))}</td>
                  <td>{listOf(u.units.map((id) => unitName(unitsById.get(id)) || id))}</td>
                  <td class="email"><span dir="ltr">{u.email || ''}</span></td>
                  <td>{u.revoked ? <span class="tag revoked">{t('admin.users.revoked')}</span> : t('admin.users.active')}</td>
                  <td>{u.has_password ? t('common.yes') : t('common.no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// The token of a person just added: shown this once.
function Issued({ user, onDone }) {
  return (
    <div class="notice issued" role="status">
      <p><strong>{t('admin.users.added', { name: user.name })}</strong></p>
      {user.token ? (
        <>
          <p>{t('admin.users.token_once')}</p>
          <Secret value={user.token} id="issued-token" />
        </>
      ) : <p>{t('admin.users.token_replayed')}</p>}
      <button type="button" class="link" onClick={onDone}>{t('admin.dismiss')}</button>
    </div>
  );
}

// Roles: check boxes of the known ones, and a text box for others, separated by commas.
function RolesInput({ id, value, onChange, known, error }) {
  const [other, setOther] = useState(value.filter((r) => !known.includes(r)).join(', '));
  const parse = (text) => text.split(/[,،\s]+/).map((x) => x.trim()).filter(Boolean);
  const checked = value.filter((r) => known.includes(r));
  const toggle = (role, on) => onChange([...known.filter((r) => (r === role ? on : checked.includes(r))), ...parse(other)]);
  return (
    <Choices id={id} legend={t('admin.users.roles')} error={error} class="roles" help={t('admin.users.roles_help')}>
      <div class="choice-grid">
        {known.map((r) => (
          <Choice key={r} id={`${id}-${r}`} checked={checked.includes(r)} onChange={(e) => toggle(r, e.currentTarget.checked)}
                  label={<>{roleName(r)} <code class="code-name" dir="ltr">{r}</code></>} />
        ))}
      </div>
      <label for={`${id}-other`}>{t('admin.users.other_roles')}</label>
      <input id={`${id}-other`} dir="ltr" value={other} autocomplete="off"
             onInput={(e) => { setOther(e.currentTarget.value); onChange([...checked, ...parse(e.currentTarget.value)]); }} />
    </Choices>
  );
}

// Units: check boxes in the tree's order, indented by depth.
function UnitsInput({ id, value, onChange, units, error, legend }) {
  const toggle = (unit, on) => onChange(on ? [...value, unit] : value.filter((x) => x !== unit));
  const known = new Set(units.map((u) => u.id));
  return (
    <Choices id={id} legend={legend || t('admin.users.units')} error={error} class="units">
      {units.length === 0 && <p class="empty">{t('admin.units.none')}</p>}
      <ul class="unit-choices">
        {treeOrder(units).map(({ unit, depth }) => (
          <li key={unit.id} style={{ paddingInlineStart: `${depth * 1.5}rem` }}>
            <Choice id={`${id}-${unit.id}`} checked={value.includes(unit.id)} onChange={(e) => toggle(unit.id, e.currentTarget.checked)}
                    label={unitName(unit)} />
          </li>
        ))}
        {value.filter((v) => !known.has(v)).map((v) => (
          <li key={v}><Choice id={`${id}-${v}`} checked onChange={() => toggle(v, false)} label={v} /></li>
        ))}
      </ul>
    </Choices>
  );
}

const addMembers = ['/name', '/display_name', '/email', '/language', '/time_zone', '/units', '/roles', '/password'];

function AddUser({ users, units, onAdded, onCancel }) {
  const [form, setForm] = useState({
    name: '', display_name: '', email: '', language: lang.value, time_zone: (me.value && me.value.time_zone) || 'UTC',
    units: [], roles: [], password: '',
  });
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [busy, setBusy] = useState(false);
  const known = useMemo(() => knownRoles(users), [users]);
  const set = (member) => (e) => setForm({ ...form, [member]: e.currentTarget.value });
  const id = (p) => pointerId('add', p);

  async function submit(event) {
    event.preventDefault();
    const body = { name: form.name.trim(), roles: form.roles, language: form.language, time_zone: form.time_zone, units: form.units };
    if (form.display_name.trim()) body.display_name = form.display_name.trim();
    if (form.email.trim()) body.email = form.email.trim();
    if (form.password) body.password = form.password;
    const local = {};
    if (!body.name) local['/name'] = t('admin.users.name_needed');
    if (body.roles.length === 0) local['/roles'] = t('admin.users.roles_needed');
    if (Object.keys(local).length) { setErrors({ fields: local, general: null }); return; }
    setBusy(true);
    try {
      onAdded(await post('/admin/users', body));
    } catch (error) {
      setErrors(formFailure(error, addMembers));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  return (
    <form class="panel add-user" onSubmit={submit} noValidate aria-labelledby="add-user-title">
      <h3 id="add-user-title">{t('admin.users.add')}</h3>
      <ErrorSummary form="add" errors={e} general={errors.general} labels={labelsOf()} />
      <div class="grid-fields">
        <Field id={id('/name')} label={t('admin.users.name')} help={t('admin.users.name_help')} error={e['/name']} required>
          {(a) => <input {...a} dir="ltr" autocomplete="off" spellcheck={false} value={form.name} onInput={set('name')} />}
        </Field>
        <Field id={id('/display_name')} label={t('admin.users.display_name')} error={e['/display_name']}>
          {(a) => <input {...a} dir="auto" value={form.display_name} onInput={set('display_name')} />}
        </Field>
        <Field id={id('/email')} label={t('admin.users.email')} error={e['/email']}>
          {(a) => <input {...a} type="email" dir="ltr" autocomplete="off" value={form.email} onInput={set('email')} />}
        </Field>
        <Field id={id('/language')} label={t('admin.users.language')} error={e['/language']}>
          {(a) => <LanguageSelect {...a} value={form.language} onChange={(v) => setForm({ ...form, language: v })} />}
        </Field>
        <Field id={id('/time_zone')} label={t('admin.users.time_zone')} error={e['/time_zone']}>
          {(a) => <TimeZoneSelect {...a} value={form.time_zone} onChange={(v) => setForm({ ...form, time_zone: v })} />}
        </Field>
        <Field id={id('/password')} label={t('admin.users.first_password')} help={t('admin.users.password_help')} error={e['/password']}>
          {(a) => <input {...a} type="password" autocomplete="new-password" value={form.password} onInput={set('password')} />}
        </Field>
      </div>
      <RolesInput id={id('/roles')} value={form.roles} known={known} error={e['/roles']} onChange={(roles) => setForm({ ...form, roles })} />
      <UnitsInput id={id('/units')} value={form.units} units={units} error={e['/units']} onChange={(u) => setForm({ ...form, units: u })} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t('admin.users.add_submit')}</button>
        <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

const labelsOf = () => ({
  '/name': t('admin.users.name'), '/display_name': t('admin.users.display_name'), '/email': t('admin.users.email'),
  '/language': t('admin.users.language'), '/time_zone': t('admin.users.time_zone'), '/roles': t('admin.users.roles'),
  '/units': t('admin.users.units'), '/password': t('admin.users.password'),
});

function UserPage({ name }) {
  const users = useLoad(loadUsers, [name]);
  const units = useLoad(loadUnits, []);
  const user = users.data && users.data.find((u) => u.name === name);
  const replace = (changed) => users.setData(users.data.map((u) => (u.name === changed.name ? changed : u)));

  if (users.loading && !users.data) return <Loading />;
  if (users.error) return <ErrorMessage error={users.error} />;
  if (!user) {
    return (
      <section class="admin-section">
        <h2>{t('admin.users.not_found', { name })}</h2>
        <p><a href="/admin/users">{t('admin.users.back')}</a></p>
      </section>
    );
  }
  const unitsById = new Map((units.data || []).map((u) => [u.id, u]));
  return (
    <section class="admin-section user-page" aria-labelledby="user-title">
      <p class="crumb"><a href="/admin/users"><span class="mirror" aria-hidden="true">←</span> {t('admin.users.back')}</a></p>
      <h2 id="user-title"><bdi>{user.display_name || user.name}</bdi> {user.revoked && <span class="tag revoked">{t('admin.users.revoked')}</span>}</h2>
      <dl class="data">
        <dt>{t('admin.users.name')}</dt><dd><span dir="ltr">{user.name}</span></dd>
        <dt>{t('admin.users.roles')}</dt><dd>{listOf(user.roles.map(roleName))}</dd>
        <dt>{t('admin.users.units')}</dt><dd>{user.units.length ? listOf(user.units.map((id) => unitName(unitsById.get(id)) || id)) : t('common.none')}</dd>
        <dt>{t('admin.users.created')}</dt><dd>{formatDateTime(user.created_at)}</dd>
        <dt>{t('admin.users.password')}</dt><dd>{user.has_password ? t('admin.users.has_password') : t('admin.users.no_password')}</dd>
        <dt>{t('admin.users.time_zone')}</dt><dd><span dir="ltr">{user.time_zone}</span></dd>
        <dt>{t('admin.users.away')}</dt>
        <dd>{user.away ? t('admin.users.away_text', { from: formatDay(user.away.from), to: formatDay(user.away.to), deputy: user.away.deputy }) : t('admin.users.not_away')}</dd>
      </dl>
      <EditUser key={`edit-${user.name}`} user={user} users={users.data} units={units.data || []} onSaved={replace} />
      <SetPassword name={user.name} onSet={() => replace({ ...user, has_password: true })} />
      <Revoke user={user} onRevoked={() => replace({ ...user, revoked: true })} />
    </section>
  );
}

const editMembers = ['/display_name', '/email', '/language', '/time_zone', '/units', '/roles'];

function EditUser({ user, users, units, onSaved }) {
  const initial = () => ({
    display_name: user.display_name || '', email: user.email || '', language: user.language,
    time_zone: user.time_zone, roles: user.roles, units: user.units,
  });
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const known = useMemo(() => knownRoles(users), [users]);
  const change = (next) => { setForm(next); setSaved(''); };
  const set = (member) => (e) => change({ ...form, [member]: e.currentTarget.value });
  const id = (p) => pointerId('edit', p);

  async function submit(event) {
    event.preventDefault();
    if (form.roles.length === 0) { setErrors({ fields: { '/roles': t('admin.users.roles_needed') }, general: null }); return; }
    const body = {
      display_name: form.display_name.trim(), email: form.email.trim() || null, language: form.language,
      time_zone: form.time_zone, roles: form.roles, units: form.units,
    };
    setBusy(true);
    try {
      const updated = await patch(`/admin/users/${enc(user.name)}`, body);
      setErrors({ fields: {}, general: null });
      setSaved(t('admin.users.saved', { name: user.name }));
      onSaved(updated);
    } catch (error) {
      setErrors(formFailure(error, editMembers));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="edit-title">
      <h3 id="edit-title">{t('admin.users.edit')}</h3>
      <ErrorSummary form="edit" errors={e} general={errors.general} labels={labelsOf()} />
      <div class="grid-fields">
        <Field id={id('/display_name')} label={t('admin.users.display_name')} error={e['/display_name']}>
          {(a) => <input {...a} dir="auto" value={form.display_name} onInput={set('display_name')} />}
        </Field>
        <Field id={id('/email')} label={t('admin.users.email')} help={t('admin.users.email_help')} error={e['/email']}>
          {(a) => <input {...a} type="email" dir="ltr" value={form.email} onInput={set('email')} />}
        </Field>
        <Field id={id('/language')} label={t('admin.users.language')} error={e['/language']}>
          {(a) => <LanguageSelect {...a} value={form.language} onChange={(v) => change({ ...form, language: v })} />}
        </Field>
        <Field id={id('/time_zone')} label={t('admin.users.time_zone')} error={e['/time_zone']}>
          {(a) => <TimeZoneSelect {...a} value={form.time_zone} onChange={(v) => change({ ...form, time_zone: v })} />}
        </Field>
      </div>
      <RolesInput id={id('/roles')} value={form.roles} known={known} error={e['/roles']} onChange={(roles) => change({ ...form, roles })} />
      <UnitsInput id={id('/units')} value={form.units} units={units} error={e['/units']} onChange={(u) => change({ ...form, units: u })} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t('common.save')}</button>
      </div>
      <Status text={saved} />
    </form>
  );
}

function SetPassword({ name, onSet }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const id = pointerId('setpw', '/password');

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setDone('');
    try {
      await put(`/admin/users/${enc(name)}/password`, { password });
      setErrors({ fields: {}, general: null });
      setPassword('');
      setDone(t('admin.users.password_set', { name }));
      onSet();
    } catch (error) {
      setErrors(failure(error, (p) => p === '/password'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="setpw-title">
      <h3 id="setpw-title">{t('admin.users.set_password')}</h3>
      <ErrorSummary form="setpw" errors={errors.fields} general={errors.general} labels={{ '/password': t('admin.users.new_password') }} />
      <Field id={id} label={t('admin.users.new_password')} help={t('admin.users.password_help_set')} error={errors.fields['/password']} required>
        {(a) => <input {...a} type="password" autocomplete="new-password" value={password} onInput={(e) => { setPassword(e.currentTarget.value); setDone(''); }} />}
      </Field>
      <div class="actions"><button type="submit" class="primary" disabled={busy || !password}>{t('admin.users.set_password')}</button></div>
      <Status text={done} />
    </form>
  );
}

function Revoke({ user, onRevoked }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const self = me.value && me.value.name === user.name;

  async function revoke() {
    setBusy(true);
    try {
      await post(`/admin/users/${enc(user.name)}/revoke`);
      onRevoked();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="panel danger-zone" aria-labelledby="revoke-title">
      <h3 id="revoke-title">{t('admin.users.revoke')}</h3>
      {user.revoked ? <Status text={t('admin.users.is_revoked', { name: user.name })} /> : <p>{t('admin.users.revoke_explain')}</p>}
      {user.revoked ? null : self ? <p class="field-help">{t('admin.users.revoke_self')}</p>
        : !asking ? <button type="button" class="danger" onClick={() => setAsking(true)}>{t('admin.users.revoke_ask', { name: user.name })}</button>
        : (
          <div class="confirm" role="group" aria-labelledby="revoke-confirm">
            <p id="revoke-confirm"><strong>{t('admin.users.revoke_confirm', { name: user.display_name || user.name })}</strong></p>
            <div class="actions">
              <button type="button" class="danger" disabled={busy} onClick={revoke}>{t('admin.users.revoke_yes', { name: user.name })}</button>
              <button type="button" onClick={() => setAsking(false)}>{t('common.cancel')}</button>
            </div>
          </div>
        )}
      <ErrorMessage error={error} />
    </section>
  );
}
