// The organisation's units (GET/PUT /api/v1/admin/units): faculties, departments and offices as a
// tree, each named in English and Arabic. Changes are made here and saved as one list; the server
// checks it whole (400 at /items/<n>/<member>) and keeps every unit someone belongs to (409).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, put } from '../../api.js';
import { t } from '../../i18n.js';
import { ErrorMessage, Loading } from '../../components/common.jsx';
import { Field, ErrorSummary, Status, failure, pointerId } from './form.jsx';
import { treeOrder, unitName } from './units.js';

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
let nextKey = 1;
const rowsOf = (items) => items.map((u) => ({ k: nextKey++, id: u.id, en: u.name.en || '', ar: u.name.ar || '', parent: u.parent || '', saved: true }));
const bodyOf = (rows) => ({ items: rows.map((r) => ({ id: r.id, name: { en: r.en.trim(), ar: r.ar.trim() }, parent: r.parent || null })) });
// A row's name as the tree shows it, in the reader's language (units.js reads unit.name).
const asUnit = (r) => ({ id: r.id, parent: r.parent || null, name: { en: r.en, ar: r.ar }, row: r });

export function Units() {
  const [rows, setRows] = useState(null);
  const [saved, setSaved] = useState('[]');
  const [loadError, setLoadError] = useState(null);
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [conflict, setConflict] = useState(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const adopt = (items) => {
    const r = rowsOf(items);
    setRows(r);
    setSaved(JSON.stringify(bodyOf(r)));
  };
  useEffect(() => { get('/admin/units').then((r) => adopt(r.items), setLoadError); }, []);

  const tree = useMemo(() => (rows ? treeOrder(rows.map(asUnit)) : []), [rows]);
  if (loadError) return <ErrorMessage error={loadError} />;
  if (!rows) return <Loading />;

  const changed = JSON.stringify(bodyOf(rows)) !== saved;
  const edit = (k, member, value) => { setRows(rows.map((r) => (r.k === k ? { ...r, [member]: value } : r))); setStatus(''); };
  const clear = () => { setErrors({ fields: {}, general: null }); setConflict(null); setStatus(''); };
  const remove = (k) => { setRows(rows.filter((r) => r.k !== k)); clear(); };
  const add = (unit) => { setRows([...rows, { k: nextKey++, ...unit, saved: false }]); clear(); };
  const discard = () => { adopt(JSON.parse(saved).items); clear(); };

  async function save(event) {
    event.preventDefault();
    clear();
    setBusy(true);
    try {
      const answer = await put('/admin/units', bodyOf(rows));
      adopt(answer.items);
      setStatus(t('admin.units.saved'));
    } catch (error) {
      if (error.status === 409) setConflict(error);
      else setErrors(failure(error, (p) => /^\/items(\/\d+)?/.test(p) && (p === '/items' || Number(p.split('/')[2]) < rows.length)));
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  const labels = {};
  for (const p of Object.keys(e)) {
    const row = rows[Number(p.split('/')[2])];
    if (row) labels[p] = row.id || t('admin.units.new_unit');
  }
  const childrenOf = (id) => rows.filter((r) => r.parent === id);
  return (
    <section class="admin-section units-section" aria-labelledby="units-title">
      <h2 id="units-title">{t('admin.units.title')}</h2>
      <p class="field-help">{t('admin.units.explain')}</p>
      <form onSubmit={save} noValidate aria-labelledby="units-title">
        <ErrorSummary form="units" errors={e} general={errors.general} labels={labels} />
        {conflict && (
          <div class="error" role="alert">
            <strong>{t('admin.units.in_use')}</strong> <span dir="auto">{conflict.problem.detail}</span>
          </div>
        )}
        {rows.length === 0 && <p class="empty">{t('admin.units.none')}</p>}
        <ul class="unit-tree">
          {tree.map(({ unit, depth }) => {
            const r = unit.row;
            const i = rows.indexOf(r);
            const at = (member) => pointerId('units', `/items/${i}${member}`);
            const err = (member) => e[`/items/${i}${member}`];
            const kids = childrenOf(r.id);
            const descendants = new Set();
            const collect = (id) => { for (const c of childrenOf(id)) if (!descendants.has(c.id)) { descendants.add(c.id); collect(c.id); } };
            collect(r.id);
            const parents = rows.filter((p) => p !== r && !descendants.has(p.id) && p.id);
            return (
              <li key={r.k} class="unit-row" style={{ '--depth': depth }}>
                <fieldset id={at('')} tabIndex={-1} aria-describedby={err('') ? `${at('')}-error` : undefined}>
                  <legend>
                    <bdi>{unitName(unit) || t('admin.units.new_unit')}</bdi> <code dir="ltr">{r.id}</code>
                    {!r.saved && <span class="tag">{t('admin.units.unsaved')}</span>}
                  </legend>
                  {err('') && <p class="field-error" id={`${at('')}-error`} dir="auto">{err('')}</p>}
                  {err('/id') && <p class="field-error" id={at('/id')} tabIndex={-1} dir="auto">{err('/id')}</p>}
                  <div class="unit-fields">
                    <Field id={at('/name/en')} label={t('admin.units.name_en')} error={err('/name/en')} required>
                      {(a) => <input {...a} lang="en" dir="ltr" value={r.en} onInput={(ev) => edit(r.k, 'en', ev.currentTarget.value)} />}
                    </Field>
                    <Field id={at('/name/ar')} label={t('admin.units.name_ar')} error={err('/name/ar')} required>
                      {(a) => <input {...a} lang="ar" dir="rtl" value={r.ar} onInput={(ev) => edit(r.k, 'ar', ev.currentTarget.value)} />}
                    </Field>
                    <Field id={at('/parent')} label={t('admin.units.parent')} error={err('/parent')}>
                      {(a) => (
                        <select {...a} value={r.parent} onChange={(ev) => edit(r.k, 'parent', ev.currentTarget.value)}>
                          <option value="">{t('admin.units.no_parent')}</option>
                          {r.parent && !rows.some((p) => p.id === r.parent) && <option value={r.parent}>{r.parent}</option>}
                          {parents.map((p) => <option key={p.k} value={p.id}>{unitName(asUnit(p))} ({p.id})</option>)}
                        </select>
                      )}
                    </Field>
                    <div class="unit-remove">
                      <button type="button" class="danger" disabled={kids.length > 0} onClick={() => remove(r.k)}
                              aria-describedby={kids.length ? `${at('')}-kids` : undefined}
                              aria-label={t('admin.units.remove_named', { name: unitName(unit) })}>{t('admin.units.remove')}</button>
                      {kids.length > 0 && <p class="field-help" id={`${at('')}-kids`}>{t('admin.units.has_children', { count: kids.length })}</p>}
                    </div>
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ul>
        <div class="actions sticky-actions">
          <button type="submit" class="primary" disabled={busy || !changed}>{t('admin.units.save')}</button>
          {changed && <button type="button" onClick={discard}>{t('admin.units.discard')}</button>}
          {changed && <span class="unsaved-note">{t('admin.units.changed')}</span>}
        </div>
        <Status text={status} />
      </form>
      <AddUnit rows={rows} onAdd={add} />
    </section>
  );
}

function AddUnit({ rows, onAdd }) {
  const empty = { id: '', en: '', ar: '', parent: '' };
  const [unit, setUnit] = useState(empty);
  const [errors, setErrors] = useState({});
  const set = (member) => (ev) => setUnit({ ...unit, [member]: ev.currentTarget.value });
  const id = (p) => pointerId('newunit', p);

  function submit(event) {
    event.preventDefault();
    const u = { ...unit, id: unit.id.trim(), en: unit.en.trim(), ar: unit.ar.trim() };
    const found = {};
    if (!ID.test(u.id)) found['/id'] = t('admin.units.id_rule');
    else if (rows.some((r) => r.id === u.id)) found['/id'] = t('admin.units.id_taken', { id: u.id });
    if (!u.en) found['/name/en'] = t('admin.units.name_needed');
    if (!u.ar) found['/name/ar'] = t('admin.units.name_needed');
    setErrors(found);
    if (Object.keys(found).length) return;
    onAdd(u);
    setUnit(empty);
  }

  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="add-unit-title">
      <h3 id="add-unit-title">{t('admin.units.add')}</h3>
      <p class="field-help">{t('admin.units.add_help')}</p>
      <ErrorSummary form="newunit" errors={errors} labels={{ '/id': t('admin.units.id'), '/name/en': t('admin.units.name_en'), '/name/ar': t('admin.units.name_ar') }} />
      <div class="grid-fields">
        <Field id={id('/id')} label={t('admin.units.id')} help={t('admin.units.id_help')} error={errors['/id']} required>
          {(a) => <input {...a} dir="ltr" autocomplete="off" spellcheck={false} value={unit.id} onInput={set('id')} />}
        </Field>
        <Field id={id('/name/en')} label={t('admin.units.name_en')} error={errors['/name/en']} required>
          {(a) => <input {...a} lang="en" dir="ltr" value={unit.en} onInput={set('en')} />}
        </Field>
        <Field id={id('/name/ar')} label={t('admin.units.name_ar')} error={errors['/name/ar']} required>
          {(a) => <input {...a} lang="ar" dir="rtl" value={unit.ar} onInput={set('ar')} />}
        </Field>
        <Field id={id('/parent')} label={t('admin.units.parent')}>
          {(a) => (
            <select {...a} value={unit.parent} onChange={set('parent')}>
              <option value="">{t('admin.units.no_parent')}</option>
              {treeOrder(rows.filter((r) => r.id).map(asUnit)).map(({ unit: u, depth }) => (
                <option key={u.row.k} value={u.id}>{'\u00a0\u00a0'.repeat(depth)}{unitName(u)} ({u.id})</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div class="actions"><button type="submit">{t('admin.units.add_submit')}</button></div>
    </form>
  );
}
