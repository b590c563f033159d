// A lost connection resumes without a missed task. The officer's inbox is open through a TCP
// proxy that the test cuts (every connection dropped, new ones refused), as a network failure
// would; while it is down, agreements are started over the API (their draft tasks are hers) and
// one of her tasks is completed by a colleague. The page says the connection is lost, and once
// the network is back it resumes from its cursor: every new task appears, the closed one goes,
// without a reload.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setup, scenario, T, waitFor, taskTitle, markPage, stillSamePage, signIn, settle, day } from './harness.mjs';

describe('the live inbox across a lost connection', () => {
  const server = setup();

  const feedStatus = (page, key) => page.getByRole('status').filter({ hasText: T('en', key) });
  const link = (page, title) => page.getByRole('link', { name: title, exact: true });

  scenario('a lost connection resumes without a missed task', async () => {
    const proxy = await server.proxy();
    const context = await server.newContext({ url: proxy.url });
    const page = await context.newPage();
    await page.goto('/');
    await signIn(page, 'olga');
    await page.getByRole('heading', { level: 1, name: T('en', 'inbox.title'), exact: true }).waitFor();
    await settle(page);
    await feedStatus(page, 'feed.live').waitFor({ state: 'attached' });
    await markPage(page);

    // A task of hers that a colleague will complete meanwhile: the draft of the demo's agreement
    // with Salamanca (DEMO-2027-001).
    const { items: [salamanca] } = await server.must('GET', '/instances?workflow=agreement&key=DEMO-2027-001');
    const closing = await server.taskOf(salamanca.id, 'draft');
    await link(page, closing.title).waitFor();

    proxy.cut();
    await feedStatus(page, 'feed.lost').waitFor();

    const partners = [
      { name: 'Universidade de Coimbra', country: 'PT' },
      { name: 'Uniwersytet Jagielloński', country: 'PL' },
      { name: 'Københavns Universitet', country: 'DK' },
    ];
    const titles = partners.map((partner) => taskTitle('mou_proposal', 'draft', { partner }, 'en'));
    for (const partner of partners) {
      const started = await server.startAgreement({ partner, agreement_type: 'student_exchange', faculty: 'arts' });
      await server.taskOf(started.id, 'draft'); // opened while she is offline
    }
    await server.must('POST', `/tasks/${encodeURIComponent(closing.id)}/complete`, {
      outcome: 'submit',
      fields: { agreement_type: 'student_exchange', scope: 'Faculty of Arts: Spanish philology', rationale: 'A long-standing partner',
        start_date: day(90), end_date: day(90 + 730), quotas: { students: 3, staff: 1 } },
    }, { as: 'hala' });
    // Still lost, and nothing new shown yet: the page cannot know.
    assert.ok(await feedStatus(page, 'feed.lost').isVisible(), 'the page still says the connection is lost');
    for (const title of titles) assert.equal(await link(page, title).count(), 0, `"${title}" cannot have arrived yet`);

    proxy.restore();
    await feedStatus(page, 'feed.live').waitFor({ state: 'attached', timeout: 30000 });
    for (const title of titles) await link(page, title).waitFor();
    await waitFor(async () => (await link(page, closing.title).count()) === 0, { message: 'the task completed meanwhile to leave the inbox' });
    assert.equal(await feedStatus(page, 'feed.lost').count(), 0);
    assert.ok(await stillSamePage(page), 'the page was not reloaded');

    // What the page lists is what waits for her.
    const inbox = await server.must('GET', '/tasks?limit=200', undefined, { as: 'olga' });
    const shown = page.getByRole('list', { name: T('en', 'inbox.list'), exact: true }).getByRole('listitem');
    await waitFor(async () => (await shown.count()) === inbox.items.length, { message: `${inbox.items.length} tasks listed` });
    for (const task of inbox.items) assert.equal(await link(page, task.title).count(), 1, `"${task.title}" listed once`);
    await context.close();
  });
});
