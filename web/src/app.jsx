// The application's frame: sign-in until there is a session, then the header (navigation, the
// feed's state, the bell, the language switch, the person) and the page of the current route.
// Pages other than the inbox load when first opened.
import { LocationProvider, Router, Route, lazy, ErrorBoundary, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { t, languages, lang, formatNumber } from './i18n.js';
import { me, checked, loadMe, signOut, chooseLanguage, displayName, isAdmin } from './session.js';
import { sessionEnded } from './api.js';
import { feedState } from './feed.js';
import { unread } from './notices.js';
import { SignIn } from './pages/SignIn.jsx';
import { Inbox } from './pages/Inbox.jsx';

const Task = lazy(() => import('./pages/Task.jsx'));
const Instance = lazy(() => import('./pages/Instance.jsx'));
const Instances = lazy(() => import('./pages/Instances.jsx'));
const Start = lazy(() => import('./pages/Start.jsx'));
const Notifications = lazy(() => import('./pages/Notifications.jsx'));
const Profile = lazy(() => import('./pages/Profile.jsx'));
const Admin = lazy(() => import('./pages/Admin.jsx'));

export function App() {
  useEffect(() => { loadMe(); }, []);
  // A 401 from any call: the session ended (signed out elsewhere, expired, revoked).
  useEffect(() => sessionEnded.subscribe((n) => { if (n && me.peek()) loadMe(); }), []);
  return (
    <LocationProvider>
      <SkipLink />
      {!checked.value ? null : me.value ? <Signed /> : <SignIn />}
    </LocationProvider>
  );
}

function SkipLink() {
  return <a class="skip" href="#main">{t('common.skip_to_content')}</a>;
}

function Signed() {
  return (
    <>
      <Header />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={Inbox} />
            <Route path="/tasks/:id" component={Task} />
            <Route path="/instances" component={Instances} />
            <Route path="/instances/:id" component={Instance} />
            <Route path="/start" component={Start} />
            <Route path="/start/:workflow" component={Start} />
            <Route path="/notifications" component={Notifications} />
            <Route path="/profile" component={Profile} />
            <Route path="/admin" component={Admin} />
            <Route path="/admin/:section" component={Admin} />
            <Route path="/admin/:section/:item" component={Admin} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section class="page">
      <h1>{t('common.not_found')}</h1>
      <p><a href="/">{t('nav.inbox')}</a></p>
    </section>
  );
}

function NavLink({ href, children, exact }) {
  const { path } = useLocation();
  const current = exact ? path === href : path === href || path.startsWith(href + '/');
  return <a href={href} aria-current={current ? 'page' : undefined}>{children}</a>;
}

export function LanguageSwitch() {
  return (
    <div class="language-switch" role="group" aria-label={t('common.language')}>
      {languages.map((l) => (
        <button type="button" lang={l.code} dir={l.dir} aria-pressed={lang.value === l.code ? 'true' : 'false'}
                onClick={() => chooseLanguage(l.code)}>{l.name}</button>
      ))}
    </div>
  );
}

function FeedState() {
  const state = feedState.value;
  if (state === 'live' || state === 'idle') return <span class="feed-state live" role="status" title={t('feed.live')}><span class="dot" aria-hidden="true" /><span class="visually-hidden">{t('feed.live')}</span></span>;
  return <span class="feed-state lost" role="status"><span class="dot" aria-hidden="true" />{t(state === 'lost' ? 'feed.lost' : 'feed.connecting')}</span>;
}

function Header() {
  const n = unread.value;
  return (
    <header class="top">
      <a class="brand" href="/">{t('common.app_name')}</a>
      <nav aria-label={t('nav.main')}>
        <NavLink href="/" exact>{t('nav.inbox')}</NavLink>
        <NavLink href="/instances">{t('nav.instances')}</NavLink>
        <NavLink href="/start">{t('nav.start')}</NavLink>
        {isAdmin.value && <NavLink href="/admin">{t('nav.admin')}</NavLink>}
      </nav>
      <div class="tools">
        <FeedState />
        <a class="bell" href="/notifications" aria-label={t('nav.notifications_count', { count: n })}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>
          {n > 0 && <span class="badge" aria-hidden="true">{n > 99 ? '99+' : formatNumber(n)}</span>}
        </a>
        <LanguageSwitch />
        <a class="person" href="/profile">{displayName(me.value)}</a>
        <button type="button" class="link" onClick={signOut}>{t('nav.sign_out')}</button>
      </div>
    </header>
  );
}
