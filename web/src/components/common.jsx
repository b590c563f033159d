// Small pieces every page uses: a deadline's badge, an error's message, loading, data loading.
import { useEffect, useState, useCallback, useRef } from 'preact/hooks';
import { t, due, formatDateTime, lang } from '../i18n.js';
import { onFeed } from '../feed.js';

// "in 3 days" / "2 days overdue", coloured by urgency, with the exact time on hover.
export function Due({ at, now }) {
  const d = due(at, now);
  if (!d) return <span class="due none">{t('common.no_deadline')}</span>;
  return <time class={`due ${d.urgency}`} dateTime={at} title={formatDateTime(at)}>{d.text}</time>;
}

// An API error as the person reads it: the server's detail, and what the status means.
export function ErrorMessage({ error }) {
  if (!error) return null;
  const status = error.status;
  const headline = status === 0 ? t('errors.offline')
    : status === 403 ? t('errors.forbidden')
    : status === 404 ? t('errors.not_found')
    : status === 409 ? t('errors.conflict')
    : status === 429 ? t('errors.rate_limited')
    : status >= 500 ? t('errors.server')
    : t('errors.invalid');
  const detail = error.problem && error.problem.detail;
  return (
    <div class="error" role="alert">
      <strong>{headline}</strong>
      {detail && <span dir="auto"> {detail}</span>}
    </div>
  );
}

export const Loading = () => <p class="loading" role="status">{t('common.loading')}</p>;

// Loads with fn() whenever deps change: { data, error, loading, reload, setData }.
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const load = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then((data) => live && setState({ data, error: null, loading: false }),
              (error) => live && setState({ data: null, error, loading: false }));
    return () => { live = false; };
  }, deps);
  useEffect(load, [load]);
  return { ...state, reload: load, setData: (data) => setState((s) => ({ ...s, data })) };
}

// A person's name as shown: their display name when known.
export function Person({ name, people }) {
  if (!name) return <span class="system">{t('common.system')}</span>;
  const p = people && people[name];
  return <bdi class="person-name" title={name}>{(p && p.display_name) || name}</bdi>;
}

// Page title for the browser tab and screen readers.
export function useTitle(title) {
  useEffect(() => { document.title = title ? `${title} · ${t('common.app_name')}` : t('common.app_name'); }, [title]);
}

// A page's object read by load(id), again when the id or the reader's language changes, and on
// reload() (someone else changed it): the latest read wins over an earlier one still on its way.
export function useLatest(load, id) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const latest = useRef(0);
  const reload = () => {
    const n = ++latest.current;
    return load(id).then((d) => { if (n === latest.current) { setData(d); setError(null); } },
                         (e) => { if (n === latest.current) { setError(e); setData(null); } });
  };
  useEffect(() => { setData(null); setError(null); reload(); }, [id, lang.value]);
  return { data, error, setData, reload };
}

// The instance a feed message is about (an id, or instance.finished's object).
export const feedInstance = (m) => (typeof m.instance === 'string' ? m.instance : m.instance && m.instance.id);

// Reads the page again a moment after the feed tells of a change that concerns it (several in a
// row: once), and after a connection resumed (what it missed may concern it).
export function useReloadOn(concerns, reload, deps) {
  useEffect(() => {
    let timer = null;
    const off = onFeed((m) => {
      if (m.type === 'resumed' || concerns(m)) {
        clearTimeout(timer);
        timer = setTimeout(reload, 300);
      }
    });
    return () => { off(); clearTimeout(timer); };
  }, deps);
}

// A page whose object could not be read: its title, and what happened (`area`'s messages:
// not_found_title, refused_title, failed_title, not_found, refused).
export const errorTitle = (area, error) =>
  t(`${area}.${error.status === 404 ? 'not_found_title' : error.status === 403 ? 'refused_title' : 'failed_title'}`);

export function PageError({ area, error, className, back }) {
  const refused = error.status === 403 || error.status === 404;
  return (
    <section class={`page ${className}`}>
      <h1>{errorTitle(area, error)}</h1>
      {refused ? <p>{t(`${area}.${error.status === 404 ? 'not_found' : 'refused'}`)}</p> : <ErrorMessage error={error} />}
      <p><a href={back.href}>{back.text}</a></p>
    </section>
  );
}
