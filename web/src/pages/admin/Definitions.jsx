// Workflow definitions (GET /api/v1/definitions, .../versions/{v}; POST /definitions/validate and
// /definitions): the list, a definition's versions each drawn and shown as JSON, and uploading a
// new one, checked first and published only once it is valid. The validator's errors are shown
// on the JSON, at the lines their pointers name.
import { useEffect, useState } from 'preact/hooks';
import { get, post, enc } from '../../api.js';
import { t, lang, formatNumber } from '../../i18n.js';
import { ErrorMessage, Loading, useLoad } from '../../components/common.jsx';
import { definitions as sharedDefinitions } from '../../workflows.js';
import { listOf, Status } from './form.jsx';
import { parseJson } from './json-lines.js';
import { JsonReport, findings } from './JsonReport.jsx';

// The workflow picture (components/WorkflowPicture.jsx, with its layout engine) is loaded when
// first drawn.
let pictureComponent = null;

function Picture({ workflow, version }) {
  const [Component, setComponent] = useState(() => pictureComponent);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (Component) return;
    import('../../components/WorkflowPicture.jsx').then((m) => {
      pictureComponent = m.WorkflowPicture || m.default;
      if (pictureComponent) setComponent(() => pictureComponent); else setFailed(true);
    }, () => setFailed(true));
  }, []);
  if (failed) return <p class="empty">{t('admin.definitions.no_picture')}</p>;
  if (!Component) return <Loading />;
  return <Component workflow={workflow} version={version} />;
}

// The list, which the other pages' copy (workflows.js) follows, so that a new workflow's title
// shows everywhere at once.
const loadList = () => get(`/definitions?lang=${enc(lang.value)}`).then((r) => {
  sharedDefinitions.value = r.items;
  return r.items.slice().sort((a, b) => (a.name < b.name ? -1 : 1));
});

export function Definitions({ item }) {
  return item ? <Definition name={item} /> : <DefinitionList />;
}

function DefinitionList() {
  const list = useLoad(loadList, [lang.value]);
  return (
    <section class="admin-section" aria-labelledby="defs-title">
      <h2 id="defs-title">{t('admin.definitions.title')}</h2>
      {list.loading && !list.data ? <Loading /> : list.error ? <ErrorMessage error={list.error} /> : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="defs-caption">
          <table>
            <caption id="defs-caption" class="visually-hidden">{t('admin.definitions.table')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.definitions.workflow')}</th>
                <th scope="col">{t('admin.definitions.name')}</th>
                <th scope="col">{t('admin.definitions.latest')}</th>
                <th scope="col">{t('admin.definitions.versions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((d) => (
                <tr key={d.name}>
                  <th scope="row"><a href={`/admin/definitions/${enc(d.name)}`} dir="auto">{d.title || d.name}</a>
                    {d.description && <p class="field-help" dir="auto">{d.description}</p>}</th>
                  <td><code dir="ltr">{d.name}</code></td>
                  <td>{formatNumber(d.version)}</td>
                  <td>{listOf(d.versions.map((v) => formatNumber(v)))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Upload prefix="new" onPublished={() => list.reload()} />
    </section>
  );
}

function Definition({ name }) {
  const list = useLoad(loadList, [lang.value]);
  const summary = list.data && list.data.find((d) => d.name === name);
  const [chosen, setChosen] = useState(null);
  const [published, setPublished] = useState('');
  const version = chosen || (summary && summary.version);
  const body = useLoad(() => (version ? get(`/definitions/${enc(name)}/versions/${version}`) : Promise.resolve(null)), [name, version]);

  if (list.loading && !list.data) return <Loading />;
  if (list.error) return <ErrorMessage error={list.error} />;
  if (!summary) {
    return (
      <section class="admin-section">
        <h2>{t('admin.definitions.not_found', { name })}</h2>
        <p><a href="/admin/definitions">{t('admin.definitions.back')}</a></p>
      </section>
    );
  }
  // The upload starts from the version shown, numbered after the latest.
  const draft = body.data ? JSON.stringify({ ...body.data, version: summary.version + 1 }, null, 2) : '';
  return (
    <section class="admin-section definition" aria-labelledby="def-title">
      <p class="crumb"><a href="/admin/definitions"><span class="mirror" aria-hidden="true">←</span> {t('admin.definitions.back')}</a></p>
      <h2 id="def-title"><bdi>{summary.title || name}</bdi> <code dir="ltr" class="code-name">{name}</code></h2>
      {summary.description && <p dir="auto">{summary.description}</p>}
      <Status text={published} />
      <div class="version-pick">
        <label for="def-version">{t('admin.definitions.version')}</label>
        <select id="def-version" value={version} onChange={(e) => { setChosen(Number(e.currentTarget.value)); setPublished(''); }}>
          {summary.versions.slice().reverse().map((v) => (
            <option key={v} value={v}>{v === summary.version ? t('admin.definitions.version_latest', { version: v }) : t('admin.definitions.version_n', { version: v })}</option>
          ))}
        </select>
      </div>
      <h3>{t('admin.definitions.picture')}</h3>
      <Picture key={`${name}@${version}`} workflow={name} version={version} />
      <h3 id="def-json-title">{t('admin.definitions.json', { version })}</h3>
      {body.loading && !body.data ? <Loading /> : body.error ? <ErrorMessage error={body.error} /> : body.data && (
        <pre class="definition-json" dir="ltr" tabIndex={0} role="region" aria-labelledby="def-json-title">{JSON.stringify(body.data, null, 2)}</pre>
      )}
      {body.data && (
        <Upload key={`${name}@${version}`} prefix="up" initial={draft} name={name}
                onPublished={(done) => {
                  list.reload();
                  setChosen(done.version);
                  setPublished(t('admin.definitions.published', { name: done.name, version: done.version }));
                }} />
      )}
    </section>
  );
}

// Upload a definition: JSON typed or read from a file, validated (POST /definitions/validate),
// then published (POST /definitions). Publish stays off until the text as it is now is valid.
function Upload({ prefix, initial = '', name, onPublished }) {
  const [text, setText] = useState(initial);
  // What the last check found: { text, value, valid, report: { lines, notes }, parseError (not
  // JSON: { line, column }), notObject, published }.
  const [checked, setChecked] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [taken, setTaken] = useState(null); // 409: that version is stored with another body
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState(!name);
  const id = (x) => `${prefix}-${x}`;
  const stale = checked && checked.text !== text;

  function edit(next) {
    setText(next);
    setStatus('');
    setTaken(null);
  }

  function readFile(event) {
    const file = event.currentTarget.files && event.currentTarget.files[0];
    if (!file) return;
    file.text().then((content) => { edit(content.replace(/^\uFEFF/, '')); setChecked(null); });
  }

  // The text parsed, or its syntax error shown on the text's own lines.
  function parsed() {
    const p = parseJson(text);
    if (p.error) {
      const lines = text.split('\n');
      setChecked({ text, valid: false, parseError: p.error,
        report: { lines, notes: [{ kind: 'error', i: 0, line: p.error.line - 1, column: p.error.column, message: p.error.message }] } });
      return null;
    }
    if (p.value === null || typeof p.value !== 'object' || Array.isArray(p.value)) {
      setChecked({ text, valid: false, notObject: true,
        report: { lines: text.split('\n'), notes: [{ kind: 'error', i: 0, line: 0, message: t('admin.definitions.not_object') }] } });
      return null;
    }
    return p.value;
  }

  const notesOf = (report) => [
    ...(report.errors || []).map((e) => ({ kind: 'error', pointer: e.pointer, message: e.message })),
    ...(report.warnings || []).map((e) => ({ kind: 'warning', pointer: e.pointer, message: e.message })),
  ];

  async function validate() {
    setError(null);
    setTaken(null);
    setStatus('');
    const value = parsed();
    if (!value) return;
    setBusy(true);
    try {
      const report = await post('/definitions/validate', value);
      setChecked({ text, valid: report.valid, value, report: findings(value, notesOf(report)) });
    } catch (e) {
      setError(e);
      setChecked(null);
    } finally {
      setBusy(false);
    }
  }

  async function publish() {
    setError(null);
    setBusy(true);
    try {
      const done = await post('/definitions', checked.value);
      setStatus(t('admin.definitions.published', { name: done.name, version: done.version }));
      setChecked(done.warnings.length ? { ...checked, published: true, report: findings(checked.value, notesOf({ warnings: done.warnings })) } : null);
      onPublished(done);
    } catch (e) {
      if (e.kind === 'invalid_definition') setChecked({ ...checked, valid: false, report: findings(checked.value, notesOf(e.problem)) });
      else if (e.status === 409) setTaken(e);
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  function tidy() {
    const p = parseJson(text);
    if (!p.error) edit(JSON.stringify(p.value, null, 2));
    else parsed();
  }

  if (!open) {
    return (
      <div class="upload-closed">
        <Status text={status} />
        <button type="button" class="primary" onClick={() => setOpen(true)}>{t('admin.definitions.upload_new_version')}</button>
      </div>
    );
  }
  const errorCount = checked && checked.report.notes.filter((n) => n.kind === 'error').length;
  return (
    <section class="panel upload" aria-labelledby={id('title')}>
      <h3 id={id('title')}>{name ? t('admin.definitions.upload_new_version') : t('admin.definitions.upload')}</h3>
      <p class="field-help">{t('admin.definitions.upload_help')}</p>
      <label for={id('file')}>{t('admin.definitions.file')}</label>
      <input id={id('file')} type="file" accept=".json,application/json" onChange={readFile} />
      <label for={id('text')}>{t('admin.definitions.text')}</label>
      <textarea id={id('text')} class="json-input" dir="ltr" spellcheck={false} autocomplete="off" rows={16}
                aria-describedby={stale ? id('stale') : undefined}
                value={text} onInput={(e) => edit(e.currentTarget.value)} />
      {stale && <p class="field-help" id={id('stale')}>{t('admin.definitions.stale')}</p>}
      <div class="actions">
        <button type="button" onClick={tidy} disabled={!text.trim()}>{t('admin.definitions.tidy')}</button>
        <button type="button" onClick={validate} disabled={busy || !text.trim()}>{t('admin.definitions.validate')}</button>
        <button type="button" class="primary" onClick={publish} disabled={busy || !checked || !checked.valid || stale || checked.published}
                aria-describedby={id('publish-help')}>{t('admin.definitions.publish')}</button>
        {name && <button type="button" class="link" onClick={() => setOpen(false)}>{t('common.cancel')}</button>}
      </div>
      <p class="field-help" id={id('publish-help')}>{t('admin.definitions.publish_help')}</p>
      <ErrorMessage error={error} />
      {taken && (
        <div class="error" role="alert">
          <strong>{t('admin.definitions.version_taken', { version: checked.value.version })}</strong> <span dir="auto">{taken.problem.detail}</span>
        </div>
      )}
      <Status text={status} />
      {checked && (
        <div class="check-result">
          <div role={checked.valid ? 'status' : 'alert'} class={checked.valid ? 'notice' : 'error-summary'}>
            <strong>
              {checked.parseError ? t('admin.definitions.not_json', { line: checked.parseError.line, column: checked.parseError.column })
                : checked.notObject ? t('admin.definitions.not_object')
                : checked.published ? t('admin.definitions.published_warnings')
                : checked.valid ? t('admin.definitions.valid')
                : t('admin.definitions.invalid', { count: errorCount })}
            </strong>
          </div>
          <JsonReport lines={checked.report.lines} notes={checked.report.notes} prefix={id('json')}
                      label={t('admin.definitions.checked_text')} />
        </div>
      )}
    </section>
  );
}
