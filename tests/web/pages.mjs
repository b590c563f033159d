// Every page of the application, with someone to see it as, on the demo's data: what the
// accessibility and screenshot tests go through. `who` null: signed out. `then(page, lang)`
// brings a page into a further state (a form showing its errors).
import { T, settle, outcomeLabel } from './harness.mjs';

export async function pageList(server) {
  const agreement = async (key) => (await server.must('GET', `/instances?workflow=agreement&key=${key}`)).items[0].id;
  // Olga's open draft (Salamanca, DEMO-2027-001): a task with a form.
  const salamanca = await agreement('DEMO-2027-001');
  const draft = await server.taskOf(salamanca, 'draft');
  // A task she completed (Munich's draft, DEMO-2027-003): read only.
  const done = await server.must('GET', '/tasks?status=done&mine=1&limit=50', undefined, { as: 'olga' });
  const closed = done.items.find((x) => x.state === 'draft');
  if (!closed) throw new Error('olga has no completed draft');
  // The agreement with the University of Jordan (DEMO-2027-005), at its signing: a long history,
  // sub-workflows, a picture with a way taken.
  const jordan = await agreement('DEMO-2027-005');
  // A notice for olga: a task given to her by name.
  const marrakech = await agreement('DEMO-2027-007');
  const given = await server.taskOf(marrakech, 'draft');
  if (given.assignee !== 'olga') await server.must('POST', `/tasks/${encodeURIComponent(given.id)}/reassign`, { assignee: 'olga' }, { as: 'admin' });

  // A webhook (to a port nobody listens on, for an event these pages do not cause).
  const hooks = await server.must('GET', '/admin/webhooks');
  const hook = (hooks.items || hooks)[0] || await server.must('POST', '/admin/webhooks', {
    url: 'http://127.0.0.1:9/accord-events', events: ['instance.finished'], secret: 'a secret of the registrar office',
  });

  const enc = encodeURIComponent;
  const submit = (lang) => outcomeLabel('mou_proposal', 'draft', 'submit', lang);
  return [
    { name: 'signin', who: null, path: '/' },
    { name: 'inbox', who: 'olga', path: '/' },
    { name: 'task', who: 'olga', path: `/tasks/${enc(draft.id)}` },
    {
      name: 'task-errors', who: 'olga', path: `/tasks/${enc(draft.id)}`,
      // Answering with the fields empty: the summary of problems and each field's error.
      async then(page, lang) {
        await page.getByRole('group', { name: T(lang, 'task.outcomes'), exact: true })
          .getByRole('button', { name: submit(lang), exact: true }).click();
        await page.getByRole('alert').first().waitFor();
        await page.locator('[aria-invalid="true"]').first().waitFor();
      },
    },
    { name: 'task-closed', who: 'olga', path: `/tasks/${enc(closed.id)}` },
    { name: 'instance', who: 'olga', path: `/instances/${enc(jordan)}` },
    { name: 'instances', who: 'olga', path: '/instances' },
    {
      // Filtered on a field of the data: the page lists what the API lists for that filter.
      name: 'instances-filtered', who: 'audrey', path: '/instances?workflow=agreement&data.agreement_type=student_exchange',
      async then(page) {
        const expected = (await server.must('GET', '/instances?workflow=agreement&data.agreement_type=student_exchange')).items;
        if (expected.length < 2) throw new Error('the demo has two student exchanges');
        const rows = page.locator('table.instances tbody tr');
        for (let i = 0; i < 50 && (await rows.count()) !== expected.length; i++) await page.waitForTimeout(100);
        const shown = await rows.locator('a').evaluateAll((links) => links.map((a) => decodeURIComponent(a.pathname.split('/').pop())));
        if (JSON.stringify(shown.sort()) !== JSON.stringify(expected.map((x) => x.id).sort()))
          throw new Error(`the filtered list shows ${shown} instead of ${expected.map((x) => x.id)}`);
        await page.locator('.data-active li').first().waitFor();
      },
    },
    { name: 'start', who: 'olga', path: '/start' },
    { name: 'start-form', who: 'olga', path: '/start/agreement' },
    { name: 'notifications', who: 'olga', path: '/notifications' },
    { name: 'profile', who: 'olga', path: '/profile' },
    { name: 'not-found', who: 'olga', path: '/no/such/page' },
    { name: 'admin-users', who: 'admin', path: '/admin/users' },
    { name: 'admin-user', who: 'admin', path: '/admin/users/olga' },
    { name: 'admin-units', who: 'admin', path: '/admin/units' },
    { name: 'admin-calendar', who: 'admin', path: '/admin/calendar' },
    { name: 'admin-webhooks', who: 'admin', path: '/admin/webhooks' },
    { name: 'admin-webhook', who: 'admin', path: `/admin/webhooks/${enc(hook.id)}` },
    { name: 'admin-definitions', who: 'admin', path: '/admin/definitions' },
    { name: 'admin-definition', who: 'admin', path: '/admin/definitions/agreement' },
    { name: 'admin-audit', who: 'admin', path: '/admin/audit' },
  ];
}

// Opens a page and waits until it has settled (and its further state, if any).
export async function visit(page, entry, lang) {
  await page.goto(entry.path);
  await settle(page);
  if (entry.then) {
    await entry.then(page, lang);
    await settle(page);
  }
}
