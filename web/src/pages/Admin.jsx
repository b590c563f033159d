// Administration (admins only): people, the organisation's units, the office calendar, webhooks,
// workflow definitions and the audit trail, one section each under /admin/<section>, some with
// an item page (/admin/users/<name>, /admin/webhooks/<id>, /admin/definitions/<name>).
import { t } from '../i18n.js';
import { isAdmin } from '../session.js';
import { useTitle } from '../components/common.jsx';
import { Users } from './admin/Users.jsx';
import { Units } from './admin/Units.jsx';
import { Calendar } from './admin/Calendar.jsx';
import { Webhooks } from './admin/Webhooks.jsx';
import { Definitions } from './admin/Definitions.jsx';
import { Audit } from './admin/Audit.jsx';
import './admin.css';

const sections = [
  { id: 'users', component: Users },
  { id: 'units', component: Units },
  { id: 'calendar', component: Calendar },
  { id: 'webhooks', component: Webhooks },
  { id: 'definitions', component: Definitions },
  { id: 'audit', component: Audit },
];

export default function Admin({ section = 'users', item }) {
  const current = sections.find((s) => s.id === section);
  useTitle(current ? t(`admin.${current.id}.title`) : t('admin.title'));
  if (!isAdmin.value) {
    return (
      <section class="page admin">
        <h1>{t('admin.title')}</h1>
        <p class="error refusal">{t('admin.refused')}</p>
        <p><a href="/">{t('nav.inbox')}</a></p>
      </section>
    );
  }
  const Section = current && current.component;
  return (
    <section class="page admin">
      <h1>{t('admin.title')}</h1>
      <nav class="admin-nav" aria-label={t('admin.sections')}>
        <ul>
          {sections.map((s) => (
            <li key={s.id}>
              <a href={`/admin/${s.id}`} aria-current={s.id === section ? (item ? 'true' : 'page') : undefined}>
                {t(`admin.${s.id}.title`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {Section ? <Section key={section} item={item} /> : <p class="error">{t('admin.no_section')}</p>}
    </section>
  );
}
