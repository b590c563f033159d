// Webhooks (/api/v1/admin/webhooks): other systems told of what happens by signed POSTs. The
// list, registering one (its secret is made here and shown this once: the server never shows
// it), deleting one, and a webhook's deliveries with a test ping and sending one again.
import { useState } from 'preact/hooks';
import { get, post, del, enc, query } from '../../api.js';
import { t, formatDateTime, ago, formatNumber } from '../../i18n.js';
import { ErrorMessage, Loading, useLoad } from '../../components/common.jsx';
import { Field, Choices, Choice, ErrorSummary, Secret, Status, failure, pointerId } from './form.jsx';

// The event types a webhook may want (openapi.json, WebhookNew.events), "*" for all.
const EVENTS = ['task.opened', 'task.claimed', 'task.released', 'task.reassigned', 'task.rescheduled', 'task.completed',
  'task.cancelled', 'task.due_soon', 'task.overdue', 'task.escalated', 'reminder', 'instance.finished', 'notification'];
const eventKey = (e) => `admin.webhooks.event_${e.replace(/\./g, '_')}`;

const loadHooks = () => get('/admin/webhooks').then((r) => r.items);

const EventTags = ({ events }) => (events.includes('*') ? t('admin.webhooks.all_events') : (
  <ul class="event-tags">{events.map((e) => <li key={e}>{t(eventKey(e))}</li>)}</ul>
));

export function Webhooks({ item }) {
  return item ? <Deliveries id={item} /> : <WebhookList />;
}

function WebhookList() {
  const hooks = useLoad(loadHooks, []);
  const [adding, setAdding] = useState(false);
  const [registered, setRegistered] = useState(null);
  const [asking, setAsking] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');

  async function remove(hook) {
    setError(null);
    try {
      await del(`/admin/webhooks/${enc(hook.id)}`);
      setAsking(null);
      setStatus(t('admin.webhooks.deleted', { url: hook.url }));
      hooks.setData(hooks.data.filter((h) => h.id !== hook.id));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section class="admin-section" aria-labelledby="hooks-title">
      <div class="section-head">
        <h2 id="hooks-title">{t('admin.webhooks.title')}</h2>
        {!adding && <button type="button" class="primary" onClick={() => { setAdding(true); setRegistered(null); setStatus(''); }}>{t('admin.webhooks.add')}</button>}
      </div>
      <p class="field-help">{t('admin.webhooks.explain')}</p>
      {registered && (
        <div class="notice issued" role="status">
          <p><strong>{t('admin.webhooks.registered', { url: registered.hook.url })}</strong></p>
          <p>{t('admin.webhooks.secret_once')}</p>
          <Secret value={registered.secret} id="registered-secret" />
          <button type="button" class="link" onClick={() => setRegistered(null)}>{t('admin.dismiss')}</button>
        </div>
      )}
      {adding && <AddWebhook onCancel={() => setAdding(false)}
                             onAdded={(hook, secret) => { setAdding(false); setRegistered({ hook, secret }); hooks.reload(); }} />}
      <Status text={status} />
      <ErrorMessage error={error} />
      {hooks.loading && !hooks.data ? <Loading /> : hooks.error ? <ErrorMessage error={hooks.error} /> : hooks.data.length === 0 ? (
        <p class="empty">{t('admin.webhooks.none')}</p>
      ) : (
        <ul class="hooks">
          {hooks.data.map((h) => (
            <li key={h.id} class="hook">
              <p class="hook-url"><a href={`/admin/webhooks/${enc(h.id)}`} dir="ltr">{h.url}</a></p>
              <p class="hook-meta">
                <span>{t('admin.webhooks.events')}: <EventTags events={h.events} /></span>
                <span>{t('admin.webhooks.created', { when: formatDateTime(h.created_at), by: h.created_by })}</span>
              </p>
              <div class="actions">
                <a class="button" href={`/admin/webhooks/${enc(h.id)}`} aria-label={t('admin.webhooks.deliveries_of', { url: h.url })}>{t('admin.webhooks.deliveries')}</a>
                {asking === h.id ? (
                  <span class="confirm" role="group" aria-label={t('admin.webhooks.delete_confirm', { url: h.url })}>
                    <span>{t('admin.webhooks.delete_confirm', { url: h.url })}</span>
                    <button type="button" class="danger" onClick={() => remove(h)}>{t('admin.webhooks.delete_yes')}</button>
                    <button type="button" onClick={() => setAsking(null)}>{t('common.cancel')}</button>
                  </span>
                ) : (
                  <button type="button" class="danger" onClick={() => { setAsking(h.id); setStatus(''); }}
                          aria-label={t('admin.webhooks.delete_named', { url: h.url })}>{t('admin.webhooks.delete')}</button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// 32 random characters from a URL-safe alphabet (190 bits).
function newSecret() {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => alphabet[b & 63]).join('');
}

function AddWebhook({ onAdded, onCancel }) {
  const [form, setForm] = useState({ url: '', events: [], secret: newSecret() });
  const [errors, setErrors] = useState({ fields: {}, general: null });
  const [busy, setBusy] = useState(false);
  const id = (p) => pointerId('hook', p);
  const all = form.events.includes('*');
  const toggle = (event, on) => setForm({ ...form, events: on ? [...form.events, event] : form.events.filter((x) => x !== event) });

  async function submit(event) {
    event.preventDefault();
    const local = {};
    if (!/^https?:\/\/\S+$/.test(form.url.trim())) local['/url'] = t('admin.webhooks.url_rule');
    if (form.events.length === 0) local['/events'] = t('admin.webhooks.events_needed');
    if (form.secret.length < 16 || form.secret.length > 256) local['/secret'] = t('admin.webhooks.secret_rule');
    if (Object.keys(local).length) { setErrors({ fields: local, general: null }); return; }
    setBusy(true);
    try {
      const hook = await post('/admin/webhooks', { url: form.url.trim(), events: all ? ['*'] : form.events, secret: form.secret });
      onAdded(hook, form.secret);
    } catch (error) {
      const f = failure(error, (p) => /^\/(url|events|secret)(\/|$)/.test(p));
      const fields = {};
      for (const [p, m] of Object.entries(f.fields)) fields[p.replace(/^\/events\/\d+$/, '/events')] = m;
      setErrors({ fields, general: f.general });
    } finally {
      setBusy(false);
    }
  }

  const e = errors.fields;
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="add-hook-title">
      <h3 id="add-hook-title">{t('admin.webhooks.add')}</h3>
      <ErrorSummary form="hook" errors={e} general={errors.general}
                    labels={{ '/url': t('admin.webhooks.url'), '/events': t('admin.webhooks.events'), '/secret': t('admin.webhooks.secret') }} />
      <Field id={id('/url')} label={t('admin.webhooks.url')} help={t('admin.webhooks.url_help')} error={e['/url']} required>
        {(a) => <input {...a} type="url" dir="ltr" autocomplete="off" spellcheck={false} placeholder="https://" value={form.url}
                       onInput={(ev) => setForm({ ...form, url: ev.currentTarget.value })} />}
      </Field>
      <Choices id={id('/events')} legend={t('admin.webhooks.events')} error={e['/events']} class="events">
        <Choice id={id('/events-all')} checked={all} onChange={(ev) => toggle('*', ev.currentTarget.checked)} label={t('admin.webhooks.all_events')} />
        <div class="choice-grid">
          {EVENTS.map((name) => (
            <Choice key={name} id={id(`/events-${name}`)} disabled={all} checked={all || form.events.includes(name)}
                    onChange={(ev) => toggle(name, ev.currentTarget.checked)}
                    label={<>{t(eventKey(name))} <code class="code-name" dir="ltr">{name}</code></>} />
          ))}
        </div>
      </Choices>
      <Field id={id('/secret')} label={t('admin.webhooks.secret')} help={t('admin.webhooks.secret_help')} error={e['/secret']} required>
        {(a) => (
          <div class="with-button">
            <input {...a} dir="ltr" autocomplete="off" spellcheck={false} value={form.secret}
                   onInput={(ev) => setForm({ ...form, secret: ev.currentTarget.value })} />
            <button type="button" onClick={() => setForm({ ...form, secret: newSecret() })}>{t('admin.webhooks.new_secret')}</button>
          </div>
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t('admin.webhooks.register')}</button>
        <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

const stateClass = { delivered: 'ok', failed: 'bad', retrying: 'warn', pending: 'wait' };

function Deliveries({ id }) {
  const hooks = useLoad(loadHooks, []);
  const list = useLoad(() => get(`/admin/webhooks/${enc(id)}/deliveries${query({ limit: 100 })}`).then((r) => r.items), [id]);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(null);
  const hook = hooks.data && hooks.data.find((h) => h.id === id);

  async function send(path, what) {
    setBusy(what);
    setError(null);
    setStatus('');
    try {
      const delivery = await post(path);
      list.setData([delivery, ...(list.data || []).filter((d) => d.id !== delivery.id)]);
      setStatus(t(what === 'test' ? 'admin.webhooks.test_sent' : 'admin.webhooks.sent_again'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="admin-section" aria-labelledby="hook-title">
      <p class="crumb"><a href="/admin/webhooks"><span class="mirror" aria-hidden="true">←</span> {t('admin.webhooks.back')}</a></p>
      <h2 id="hook-title">{t('admin.webhooks.deliveries_title')}</h2>
      {hooks.error && <ErrorMessage error={hooks.error} />}
      {hook ? (
        <dl class="data">
          <dt>{t('admin.webhooks.url')}</dt><dd><span dir="ltr">{hook.url}</span></dd>
          <dt>{t('admin.webhooks.events')}</dt><dd><EventTags events={hook.events} /></dd>
          <dt>{t('admin.webhooks.registered_on')}</dt><dd>{t('admin.webhooks.created', { when: formatDateTime(hook.created_at), by: hook.created_by })}</dd>
        </dl>
      ) : hooks.data && <p class="error">{t('admin.webhooks.not_found')}</p>}
      <div class="actions">
        <button type="button" class="primary" disabled={!!busy} onClick={() => send(`/admin/webhooks/${enc(id)}/test`, 'test')}>{t('admin.webhooks.test')}</button>
        <button type="button" disabled={list.loading} onClick={() => { setStatus(''); list.reload(); }}>{t('admin.webhooks.refresh')}</button>
      </div>
      <Status text={status} />
      <ErrorMessage error={error} />
      {list.loading && !list.data ? <Loading /> : list.error ? <ErrorMessage error={list.error} /> : list.data.length === 0 ? (
        <p class="empty">{t('admin.webhooks.no_deliveries')}</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="deliveries-caption">
          <table class="deliveries">
            <caption id="deliveries-caption" class="visually-hidden">{t('admin.webhooks.deliveries_table')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.webhooks.event')}</th>
                <th scope="col">{t('admin.webhooks.created_at')}</th>
                <th scope="col">{t('admin.webhooks.state')}</th>
                <th scope="col">{t('admin.webhooks.attempts')}</th>
                <th scope="col">{t('admin.webhooks.last_answer')}</th>
                <th scope="col"><span class="visually-hidden">{t('admin.webhooks.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((d) => {
                const last = d.attempts[d.attempts.length - 1];
                return (
                  <tr key={d.id}>
                    <th scope="row">
                      <code dir="ltr">{d.event}</code>
                      <details class="body">
                        <summary>{t('admin.webhooks.details')}</summary>
                        <p class="field-help">{t('admin.webhooks.delivery_id')} <code dir="ltr">{d.id}</code></p>
                        {d.attempts.length > 0 && (
                          <ol class="attempts">
                            {d.attempts.map((a) => (
                              <li><time dateTime={a.at}>{formatDateTime(a.at)}</time>: {a.status ? <span dir="ltr">HTTP {a.status}</span> : null} {a.error && <span dir="auto" class="attempt-error">{a.error}</span>}</li>
                            ))}
                          </ol>
                        )}
                        <pre dir="ltr" tabIndex={0}>{pretty(d.body)}</pre>
                      </details>
                    </th>
                    <td><time dateTime={d.created_at} title={formatDateTime(d.created_at)}>{ago(d.created_at)}</time></td>
                    <td><span class={`tag state-${stateClass[d.state] || 'wait'}`}>{t(`admin.webhooks.state_${d.state}`)}</span></td>
                    <td>{formatNumber(d.attempts.length)}</td>
                    <td>
                      {!last ? '—' : (
                        <>
                          {last.status ? <span dir="ltr">HTTP {last.status}</span> : <span>{t('admin.webhooks.no_answer')}</span>}
                          <br /><time class="muted" dateTime={last.at}>{formatDateTime(last.at)}</time>
                        </>
                      )}
                    </td>
                    <td>
                      <button type="button" disabled={!!busy} onClick={() => send(`/admin/webhooks/${enc(id)}/deliveries/${enc(d.id)}/redeliver`, d.id)}
                              aria-label={t('admin.webhooks.send_again_named', { event: d.event, when: formatDateTime(d.created_at) })}>{t('admin.webhooks.send_again')}</button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}
