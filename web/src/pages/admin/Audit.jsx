// The audit trail (GET /api/v1/admin/audit): every change to people, units, the calendar,
// webhooks and definitions, newest first, a page at a time.
import { useEffect, useState } from 'preact/hooks';
import { get, query } from '../../api.js';
import { t, has, formatDateTime, ago } from '../../i18n.js';
import { ErrorMessage, Loading } from '../../components/common.jsx';

const PAGE = 50;

export function Audit() {
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = (cursor) => {
    setBusy(true);
    return get('/admin/audit' + query({ limit: PAGE, cursor }))
      .then((page) => { setItems((old) => (cursor ? [...old, ...page.items] : page.items)); setNext(page.next); setError(null); },
            setError)
      .finally(() => { setBusy(false); setLoaded(true); });
  };
  useEffect(() => { load(); }, []);

  return (
    <section class="admin-section" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('admin.audit.title')}</h2>
      <p class="field-help">{t('admin.audit.explain')}</p>
      {!loaded ? <Loading /> : (
        <>
          {items.length === 0 && !error && <p class="empty">{t('admin.audit.none')}</p>}
          {items.length > 0 && (
            <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="audit-caption">
              <table class="audit">
                <caption id="audit-caption" class="visually-hidden">{t('admin.audit.table')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('admin.audit.when')}</th>
                    <th scope="col">{t('admin.audit.by')}</th>
                    <th scope="col">{t('admin.audit.action')}</th>
                    <th scope="col">{t('admin.audit.target')}</th>
                    <th scope="col">{t('admin.audit.detail')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row"><time dateTime={a.at} title={ago(a.at)}>{formatDateTime(a.at)}</time></th>
                      <td><bdi>{a.by}</bdi></td>
                      <td>{actionName(a.action)}</td>
                      <td><code dir="ltr">{a.target}</code></td>
                      <td>{a.detail && Object.keys(a.detail).length > 0 && (
                        <details>
                          <summary>{t('admin.audit.show_detail')}</summary>
                          <pre dir="ltr" tabIndex={0}>{JSON.stringify(a.detail, null, 2)}</pre>
                        </details>
                      )}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <ErrorMessage error={error} />
          {next && <button type="button" class="more" disabled={busy} onClick={() => load(next)}>{t('admin.audit.more')}</button>}
        </>
      )}
    </section>
  );
}

const actionName = (action) => {
  const key = `admin.audit.action_${action.replace(/\./g, '_')}`;
  return has(key) ? t(key) : action;
};
