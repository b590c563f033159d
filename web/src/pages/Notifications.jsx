// Notifications (GET /api/v1/notifications): the notices that reached me, newest first, all or
// the unread ones, a page at a time; those that arrive on the feed while the page is open
// (notices.js `arrived`) join at the top. Opening one, or "Mark read", marks it read; "Mark all
// read" marks them all. The bell's count (notices.js `unread`) is set from the server's answers.
import { useEffect, useState } from 'preact/hooks';
import { get, post, query, enc } from '../api.js';
import { t, lang, formatDateTime, ago } from '../i18n.js';
import { unread, arrived, refreshUnread } from '../notices.js';
import { workflowTitle } from '../workflows.js';
import { ErrorMessage, Loading, useTitle } from '../components/common.jsx';
import './notifications.css';

const PAGE = 30;
const KINDS = ['reminder', 'overdue', 'escalation', 'notify', 'task.assigned'];
const kindKey = (kind) => `notifications.kind_${KINDS.includes(kind) ? kind.replace('.', '_') : 'other'}`;

// A feed message as a list item: the notice's members, without the feed's own.
const fromFeed = ({ type, cursor, ...notice }) => ({ read: false, ...notice });
const newestFirst = (a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? 1 : -1);

export default function Notifications() {
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState({ items: [], next: null, loaded: false, error: null });
  const [readHere, setReadHere] = useState(() => new Set());
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(null);
  const [, setTick] = useState(0);
  useTitle(t('notifications.title'));

  const load = (cursor) => {
    setBusy(true);
    return get('/notifications' + query({ limit: PAGE, cursor, unread: filter === 'unread' ? 1 : undefined, lang: lang.value }))
      .then((answer) => {
        unread.value = answer.unread;
        setPage((old) => ({ items: cursor ? [...old.items, ...answer.items] : answer.items, next: answer.next, loaded: true, error: null }));
      }, (error) => setPage((old) => ({ ...old, loaded: true, error })))
      .finally(() => setBusy(false));
  };

  useEffect(() => {
    setPage({ items: [], next: null, loaded: false, error: null });
    load();
  }, [filter, lang.value]);

  // "3 minutes ago" moves on.
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 60000);
    return () => clearInterval(timer);
  }, []);

  const loaded = new Set(page.items.map((n) => n.id));
  // Live ones not on the page yet; in the unread view, not those read here meanwhile.
  const live = arrived.value.filter((n) => !loaded.has(n.id) && !(filter === 'unread' && readHere.has(n.id)));
  const items = [...live.map(fromFeed), ...page.items]
    .sort(newestFirst)
    .map((n) => (readHere.has(n.id) && !n.read ? { ...n, read: true } : n));
  const unreadCount = unread.value;

  async function markRead(notice) {
    if (notice.read) return;
    setReadHere((s) => new Set(s).add(notice.id));
    unread.value = Math.max(0, unread.value - 1);
    try {
      await post(`/notifications/${enc(notice.id)}/read`);
    } catch (error) {
      setActionError(error);
    }
    refreshUnread();
  }

  async function markAllRead() {
    setActionError(null);
    try {
      await post('/notifications/read-all');
      setReadHere(new Set(items.map((n) => n.id)));
      unread.value = 0;
      refreshUnread();
    } catch (error) {
      setActionError(error);
    }
  }

  return (
    <section class="page notifications">
      <div class="page-head">
        <h1>{t('notifications.title')}</h1>
        <button type="button" onClick={markAllRead} disabled={unreadCount === 0}>{t('notifications.mark_all_read')}</button>
      </div>
      <p class="count" role="status">{t('notifications.unread_count', { count: unreadCount })}</p>
      <div class="segmented" role="group" aria-label={t('notifications.show')}>
        {['all', 'unread'].map((f) => (
          <button key={f} type="button" aria-pressed={filter === f ? 'true' : 'false'} onClick={() => setFilter(f)}>
            {t(`notifications.filter_${f}`)}
          </button>
        ))}
      </div>
      <ErrorMessage error={actionError} />
      {!page.loaded ? <Loading /> : page.error ? <ErrorMessage error={page.error} /> : (
        <>
          {items.length === 0 ? (
            <p class="empty">{filter === 'unread' ? t('notifications.none_unread') : t('notifications.none')}</p>
          ) : (
            <ul class="notice-list" aria-label={t('notifications.list')}>
              {items.map((n) => <Notice key={n.id} notice={n} onOpen={() => markRead(n)} />)}
            </ul>
          )}
          {page.next && (
            <button type="button" class="more" disabled={busy} onClick={() => load(page.next)}>{t('notifications.more')}</button>
          )}
        </>
      )}
    </section>
  );
}

function Notice({ notice: n, onOpen }) {
  const href = n.task ? `/tasks/${enc(n.task)}` : `/instances/${enc(n.instance)}`;
  return (
    <li class={`notice-item ${n.read ? 'read' : 'unread'} kind-${n.kind.replace('.', '-')}`}>
      <div class="notice-main">
        <p class="notice-subject">
          {!n.read && <span class="new-tag">{t('notifications.unread')}</span>}
          <a href={href} dir="auto" onClick={onOpen}>{n.subject || n.task_title || t(kindKey(n.kind))}</a>
        </p>
        {n.message && <p class="notice-message" dir="auto">{n.message}</p>}
        <p class="notice-meta">
          <span class="kind">{t(kindKey(n.kind))}</span>
          <span><time dateTime={n.at}>{formatDateTime(n.at)}</time> <span class="ago">({ago(n.at)})</span></span>
          {n.for && <span class="for">{around('notifications.for', <bdi>{n.for}</bdi>)}</span>}
          {n.workflow && <span>{workflowTitle(n.workflow)}</span>}
          {n.task && n.instance && <a href={`/instances/${enc(n.instance)}`} onClick={onOpen}>{t('notifications.open_instance')}</a>}
        </p>
      </div>
      {!n.read && (
        <div class="notice-actions">
          <button type="button" onClick={onOpen} aria-label={t('notifications.mark_read_named', { subject: n.subject || '' })}>{t('notifications.mark_read')}</button>
        </div>
      )}
    </li>
  );
}

// A message with a {name} that is an element (user data in its own <bdi>).
function around(key, element) {
  const [before, after = ''] = t(key, { name: '\u0000' }).split('\u0000');
  return <>{before}{element}{after}</>;
}
