// Starting a workflow. /start lists the workflows the reader may start (GET /api/v1/definitions;
// where its items carry no `can`, all of them, and a refusal is shown plainly). /start/:workflow is
// the form generated from the workflow's data schema (GET /api/v1/definitions/{name}); it
// POSTs /api/v1/instances with an Idempotency-Key kept for retries of the same input, shows
// refused data at its field, and then opens the first task waiting for the reader: the new
// instance's own, or its first sub-workflow's (an agreement starts with its proposal), else the
// instance.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useRoute, useLocation } from 'preact-iso';
import { api, get, enc } from '../api.js';
import { t } from '../i18n.js';
import { me } from '../session.js';
import { definitions } from '../workflows.js';
import { ErrorMessage, Loading, useTitle } from '../components/common.jsx';
import { Fields, ErrorSummary, dataFields, initialValues, validate, buildFields, serverErrors, useFocusFirstError } from '../components/Form.jsx';
import { loadUnits, loadPeople } from '../components/directory.js';
import { localText } from '../components/labels.js';
import './pages.css';
import './start.css';

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join(''));

export default function Start(props) {
  const route = useRoute();
  const workflow = props.workflow || (route.params && route.params.workflow);
  return workflow ? <StartForm workflow={workflow} /> : <Choose />;
}

function Choose() {
  useTitle(t('start.title'));
  const all = definitions.value;
  // Where the list says what the reader may do (`can`), only what they may start.
  const list = all.some((d) => Array.isArray(d.can)) ? all.filter((d) => (d.can || []).includes('start')) : all;
  return (
    <section class="page start-page">
      <h1>{t('start.title')}</h1>
      <p class="lead">{t('start.lead')}</p>
      {!all.length ? <Loading /> : !list.length ? <p class="empty">{t('start.nothing')}</p> : (
        <ul class="workflow-list">
          {list.map((d) => (
            <li>
              <h2><a href={`/start/${enc(d.name)}`}>{d.title}</a></h2>
              {d.description && <p dir="auto">{d.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// Where to go once started: the first task the reader may complete, in the instance or its
// sub-workflows; else the instance.
async function firstTask(instance) {
  const mine = (i) => (i.tasks || []).find((x) => (x.can || []).includes('complete'));
  if (mine(instance)) return `/tasks/${enc(mine(instance).id)}`;
  try {
    const history = await get(`/instances/${enc(instance.id)}/history`);
    const children = (instance.children || []).map((c) => c.id);
    for (const e of history.items) for (const f of e.effects || []) if (f.type === 'child.started') children.push(f.child);
    for (const id of [...new Set(children)]) {
      const child = await get(`/instances/${enc(id)}`);
      if (mine(child)) return `/tasks/${enc(mine(child).id)}`;
    }
  } catch { /* the instance page then */ }
  return `/instances/${enc(instance.id)}`;
}

function StartForm({ workflow }) {
  const { route } = useLocation();
  const [def, setDef] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [values, setValues] = useState({});
  const [key, setKey] = useState('');
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const [token, setToken] = useState(0);
  const [moreOpen, setMoreOpen] = useState(false);
  const [units, setUnits] = useState(null);
  const [people, setPeople] = useState({});
  const sent = useRef({ body: null, key: null });
  const ref = useRef(null);
  useFocusFirstError(ref, errors, 's', token);

  useEffect(() => {
    setDef(null); setLoadError(null);
    get(`/definitions/${enc(workflow)}`).then((d) => { setDef(d); setValues(initialValues(dataFields(d.data), {})); }, setLoadError);
  }, [workflow]);
  useEffect(() => { loadUnits().then(setUnits, () => {}); loadPeople([]).then(setPeople, () => {}); }, []);

  const fields = useMemo(() => (def ? dataFields(def.data) : {}), [def]);
  const required = Object.fromEntries(Object.entries(fields).filter(([, s]) => !s.optional));
  const optional = Object.fromEntries(Object.entries(fields).filter(([, s]) => s.optional));
  const peopleList = Object.values(people).filter((p) => p.name);
  const title = def ? localText(def.title) : (definitions.value.find((d) => d.name === workflow) || {}).title || workflow;
  useTitle(t('start.form_title', { workflow: title }));

  // An error in the optional part opens it.
  useEffect(() => {
    if (Object.keys(errors).some((p) => Object.keys(optional).some((name) => p === `/data/${name}` || p.startsWith(`/data/${name}/`)))) setMoreOpen(true);
  }, [errors]);

  if (loadError) {
    return (
      <section class="page start-page">
        <h1>{t(loadError.status === 404 ? 'start.unknown_title' : 'start.failed_title')}</h1>
        {loadError.status === 404 ? <p>{t('start.unknown')}</p> : <ErrorMessage error={loadError} />}
        <p><a href="/start">{t('start.back')}</a></p>
      </section>
    );
  }
  if (!def) return <section class="page start-page"><Loading /></section>;

  async function submit(e) {
    e.preventDefault();
    setProblem(null);
    const found = validate(fields, values, { base: '/data' });
    setErrors(found);
    setToken((n) => n + 1);
    if (Object.keys(found).length) return;
    const { value, map } = buildFields(fields, values, { base: '/data' });
    const body = { workflow, data: value };
    if (key.trim()) body.key = key.trim();
    const text = JSON.stringify(body);
    if (sent.current.body !== text) sent.current = { body: text, key: newKey() };
    setBusy(true);
    try {
      const instance = await api('POST', '/instances', body, { headers: { 'Idempotency-Key': sent.current.key } });
      route(await firstTask(instance));
    } catch (err) {
      const at = err.status === 422 ? serverErrors(err, map) : {};
      if (Object.keys(at).length) { setErrors(at); setToken((n) => n + 1); } else setProblem(err);
      setBusy(false);
    }
  }

  return (
    <section class="page start-page">
      <p class="breadcrumbs"><a href="/start">{t('start.title')}</a></p>
      <h1>{t('start.form_title', { workflow: title })}</h1>
      {def.description && <p class="lead" dir="auto">{localText(def.description)}</p>}
      <form ref={ref} noValidate onSubmit={submit} aria-labelledby="start-form-heading">
        <h2 id="start-form-heading" class="visually-hidden">{t('start.form_heading')}</h2>
        <ErrorSummary errors={errors} fields={fields} prefix="s" base="/data" />
        {problem && <StartProblem error={problem} />}
        {Object.keys(required).length > 0 && (
          <Fields fields={required} values={values} onChange={setValues} errors={errors} base="/data" prefix="s" units={units} people={peopleList} disabled={busy} />
        )}
        {Object.keys(optional).length > 0 && (
          <details class="optional-fields" open={moreOpen} onToggle={(e) => setMoreOpen(e.currentTarget.open)}>
            <summary>{t('start.optional')}</summary>
            <Fields fields={optional} values={values} onChange={setValues} errors={errors} base="/data" prefix="s" units={units} people={peopleList} disabled={busy} />
          </details>
        )}
        <div class="field">
          <label for="start-key">{t('start.key')}</label>
          <p class="field-help" id="start-key-help">{t('start.key_help')}</p>
          <input id="start-key" type="text" dir="auto" class="medium" value={key} disabled={busy} aria-describedby="start-key-help"
                 onInput={(e) => setKey(e.currentTarget.value)} />
        </div>
        <div class="outcomes">
          <button type="submit" class="primary" disabled={busy}>{t('start.submit')}</button>
          <a class="button" href="/start">{t('common.cancel')}</a>
        </div>
        {busy && <p class="sending" role="status">{t('start.starting')}</p>}
      </form>
    </section>
  );
}

function StartProblem({ error }) {
  if (error.status === 403) {
    return (
      <div class="error" role="alert">
        <strong>{t('start.forbidden')}</strong>
        {error.problem && error.problem.detail && <span lang="en" dir="auto"> ({error.problem.detail})</span>}
        {me.value && <p>{t('start.forbidden_help')}</p>}
      </div>
    );
  }
  return <ErrorMessage error={error} />;
}

