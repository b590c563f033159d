// Who may open a task: a person without its workflow's roles is refused it by the page (no form,
// no answer buttons) and by the API, with the same session; a dean of another faculty may read
// it but not answer it. Nothing about it changes.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setup, scenario, T, taskTitle, outcomeLabel, settle } from './harness.mjs';

describe('who may open a task', () => {
  const server = setup();

  // Karim's endorsement of the demo's agreement with Cairo University (DEMO-2027-002: submitted by
  // hala for the Faculty of Engineering).
  async function karimsTask() {
    const { items: [agreement] } = await server.must('GET', '/instances?workflow=agreement&key=DEMO-2027-002');
    const task = await server.taskOf(agreement.id, 'endorsement');
    const karim = await server.must('GET', `/tasks?state=endorsement&limit=200`, undefined, { as: 'karim' });
    assert.ok(karim.items.some((x) => x.id === task.id), "the task waits in karim's inbox");
    return task;
  }

  const outcomes = ['endorse', 'return', 'decline'].flatMap((o) => ['en', 'ar'].map((l) => outcomeLabel('mou_proposal', 'endorsement', o, l)));

  async function noAnswering(page) {
    for (const name of outcomes) assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no "${name}" button`);
    assert.equal(await page.getByRole('group', { name: T('en', 'task.outcomes'), exact: true }).count(), 0, 'no answers');
    assert.equal(await page.getByRole('heading', { name: T('en', 'task.form_heading'), exact: true }).count(), 0, 'no form');
    assert.equal(await page.getByRole('main').getByRole('textbox').count(), 0, 'no field');
  }

  scenario("the legal reviewer cannot open the dean's task: the page and the API refuse", async () => {
    const task = await karimsTask();
    const { page } = await server.newPerson('lena');
    await page.goto(`/tasks/${encodeURIComponent(task.id)}`);
    const refusal = page.getByRole('heading', { level: 1, name: T('en', 'task.refused_title'), exact: true })
      .or(page.getByRole('heading', { level: 1, name: T('en', 'task.not_found_title'), exact: true }));
    await refusal.waitFor();
    await settle(page);
    await noAnswering(page);
    assert.equal(await page.getByText(task.title).count(), 0, 'the title is not shown');
    assert.equal(await page.getByText('جامعة القاهرة').count(), 0, 'nothing of the agreement is shown');

    // The same session, over the API.
    const read = await page.request.get(`/api/v1/tasks/${encodeURIComponent(task.id)}`);
    assert.ok([403, 404].includes(read.status()), `GET the task: ${read.status()}`);
    const instance = await page.request.get(`/api/v1/instances/${encodeURIComponent(task.instance)}`);
    assert.ok([403, 404].includes(instance.status()), `GET its instance: ${instance.status()}`);
    const complete = await page.request.post(`/api/v1/tasks/${encodeURIComponent(task.id)}/complete`, {
      headers: { Origin: server.url }, data: { outcome: 'endorse', fields: {} },
    });
    assert.ok([403, 404].includes(complete.status()), `complete it: ${complete.status()}`);
    const inbox = await (await page.request.get('/api/v1/tasks?limit=200')).json();
    assert.ok(!inbox.items.some((x) => x.id === task.id), "not in lena's inbox");

    // Nor its agreement's page.
    await page.goto(`/instances/${encodeURIComponent(task.instance)}`);
    await page.getByRole('heading', { level: 1, name: T('en', 'instance.refused_title'), exact: true })
      .or(page.getByRole('heading', { level: 1, name: T('en', 'instance.not_found_title'), exact: true })).waitFor();

    const after = await server.must('GET', `/tasks/${encodeURIComponent(task.id)}`);
    assert.equal(after.status, 'open');
  });

  scenario("a signatory cannot open it either (in Arabic too)", async () => {
    const task = await karimsTask();
    const { page } = await server.newPerson('yousef');
    await page.goto(`/tasks/${encodeURIComponent(task.id)}`);
    await page.getByRole('heading', { level: 1, name: T('ar', 'task.refused_title'), exact: true })
      .or(page.getByRole('heading', { level: 1, name: T('ar', 'task.not_found_title'), exact: true })).waitFor();
    await settle(page);
    await noAnswering(page);
    const read = await page.request.get(`/api/v1/tasks/${encodeURIComponent(task.id)}`);
    assert.ok([403, 404].includes(read.status()), `GET the task: ${read.status()}`);
  });

  scenario("the dean of another faculty may read the task but not answer it", async () => {
    const task = await karimsTask();
    const { page } = await server.newPerson('dmitri');
    await page.goto(`/tasks/${encodeURIComponent(task.id)}`);
    const title = taskTitle('mou_proposal', 'endorsement', { partner: { name: 'جامعة القاهرة', country: 'EG' }, agreement_type: 'staff_exchange' }, 'en');
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    await settle(page);
    await noAnswering(page);
    await page.getByText(T('en', 'task.cannot_complete')).waitFor();
    const complete = await page.request.post(`/api/v1/tasks/${encodeURIComponent(task.id)}/complete`, {
      headers: { Origin: server.url }, data: { outcome: 'endorse', fields: {} },
    });
    assert.equal(complete.status(), 403);
    assert.equal((await server.must('GET', `/tasks/${encodeURIComponent(task.id)}`)).status, 'open');
  });
});
