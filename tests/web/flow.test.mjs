// The main story, through the pages, as the people of the demo: an officer starts an
// agreement and drafts its proposal; the dean of the proposing faculty sees the endorsement task
// arrive live (another faculty's dean does not), gets a field error, then endorses; the IR
// director accepts; the legal reviewer approves at low risk; the officer names the signatories;
// one signs himself, the other is away and his deputy signs for him; the agreement's page then
// tells the whole story and its picture marks where it stands.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, scenario, T, waitFor, day, taskTitle, outcomeLabel, fieldTitle, valueLabel, workflowTitle, stateName,
  htmlDir, markPage, stillSamePage, settle, problems, escapeRegExp,
} from './harness.mjs';

describe('an agreement from its start to its signatures', () => {
  const server = setup();

  // The agreement of this run: a partner no demo agreement has.
  const partner = { name: 'Universiteit Leiden', country: 'NL' };
  const data = {
    partner, agreement_type: 'joint_research', faculty: 'eng',
    scope: 'Faculty of Engineering: hydraulic engineering and coastal research',
    rationale: 'Joint doctoral supervision and a shared flume laboratory',
    start_date: day(200), end_date: day(200 + 3 * 365),
    quotas: { students: 2, staff: 1 },
  };
  const people = {}; // name -> { context, page }
  let agreementId = null;

  // Each step needs the one before it: when one fails, the next ones say so at once.
  const passed = [];
  function step(name, fn) {
    const index = steps.length;
    steps.push(name);
    scenario(name, async (t) => {
      if (index > 0 && !passed.includes(steps[index - 1])) assert.fail(`the step before failed: ${steps[index - 1]}`);
      await fn(t);
      passed.push(name);
    });
  }
  const steps = [];

  const inboxLink = (page, title) => page.getByRole('link', { name: title, exact: true });
  const outcomeButton = (page, lang, label) => page.getByRole('group', { name: T(lang, 'task.outcomes'), exact: true })
    .getByRole('button', { name: label, exact: true });
  const confirmation = (page, lang, label) => page.getByRole('status').filter({ hasText: T(lang, 'task.done', { outcome: label }) });
  const feedLive = (page, lang) => page.getByRole('status').filter({ hasText: T(lang, 'feed.live') }).waitFor({ state: 'attached' });

  // Opens a task from the inbox by its title and waits for its page.
  async function openFromInbox(page, lang, title) {
    if (!(await page.getByRole('heading', { level: 1, name: T(lang, 'inbox.title'), exact: true }).isVisible())) {
      await page.getByRole('navigation', { name: T(lang, 'nav.main') }).getByRole('link', { name: T(lang, 'nav.inbox'), exact: true }).click();
    }
    await inboxLink(page, title).click();
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    await settle(page);
  }

  async function person(name, options) {
    people[name] ||= await server.newPerson(name, options);
    return people[name].page;
  }

  step('the officer starts an agreement from the Start page and finds its first task', async () => {
    await server.addUser('rana', ['signatory'], { display_name: 'Rana Khalil' });
    const olga = await person('olga');
    await olga.getByRole('navigation', { name: T('en', 'nav.main') }).getByRole('link', { name: T('en', 'nav.start'), exact: true }).click();
    await olga.getByRole('heading', { level: 1 }).waitFor();
    // The agreement's workflow, by its title, opens its start form.
    await olga.getByRole('link', { name: workflowTitle('agreement', 'en') }).first().click();
    await olga.waitForURL(/\/start\/agreement$/);
    await settle(olga);
    // The form comes from the workflow's data schema.
    const partnerGroup = olga.getByRole('group', { name: 'Partner institution' });
    await partnerGroup.getByLabel('Name', { exact: true }).fill(partner.name);
    await partnerGroup.getByLabel('Country', { exact: true }).fill(partner.country);
    // The optional details are folded away.
    const more = olga.getByText(T('en', 'start.optional'), { exact: true });
    if (!(await olga.getByLabel('Type of agreement', { exact: true }).isVisible())) await more.click();
    await olga.getByLabel('Type of agreement', { exact: true }).selectOption(data.agreement_type);
    await olga.getByLabel('Proposing faculty', { exact: true }).selectOption(data.faculty);
    await olga.getByLabel('First day of the agreement', { exact: true }).fill(data.start_date);
    await olga.getByLabel('Last day of the agreement', { exact: true }).fill(data.end_date);
    await olga.getByRole('main').getByRole('button', { name: T('en', 'start.submit'), exact: true }).click();
    await olga.waitForURL((url) => !url.pathname.startsWith('/start'));

    const found = await waitFor(async () => (await server.must('GET', `/instances?workflow=agreement&data.partner.name=${encodeURIComponent(partner.name)}`)).items[0],
      { message: 'the started agreement' });
    agreementId = found.id;
    assert.equal(found.data.faculty, 'eng');
    assert.equal(found.data.agreement_type, 'joint_research');
    assert.equal(found.data.start_date, data.start_date);

    // The draft of the proposal, on the child mou_proposal: the page leads to it, or the inbox has it.
    const title = taskTitle('mou_proposal', 'draft', data, 'en');
    const heading = olga.getByRole('heading', { level: 1, name: title, exact: true });
    const link = inboxLink(olga, title);
    await heading.or(link).first().waitFor();
    if (!(await heading.isVisible())) {
      await link.first().click();
      await heading.waitFor();
    }
    await settle(olga);
    const task = await server.taskOf(agreementId, 'draft');
    assert.match(olga.url(), new RegExp(`/tasks/${escapeRegExp(encodeURIComponent(task.id))}$`));
  });

  step('the officer drafts the proposal; the dean of engineering sees it arrive live, the dean of arts does not', async () => {
    // The deans have their inboxes open before the submit.
    const karim = await person('karim');
    const dmitri = await person('dmitri');
    for (const [page, lang] of [[karim, 'ar'], [dmitri, 'en']]) {
      await page.getByRole('heading', { level: 1, name: T(lang, 'inbox.title'), exact: true }).waitFor();
      await feedLive(page, lang);
      await markPage(page);
    }
    const karimTitle = taskTitle('mou_proposal', 'endorsement', data, 'ar');
    assert.equal(await inboxLink(karim, karimTitle).count(), 0, 'not there before the submit');

    const olga = people.olga.page;
    assert.equal(await olga.getByLabel('Type of agreement', { exact: true }).inputValue(), data.agreement_type, 'prefilled from the agreement');
    await olga.getByLabel('Scope', { exact: true }).fill(data.scope);
    await olga.getByLabel('Rationale', { exact: true }).fill(data.rationale);
    await olga.getByLabel('Start date', { exact: true }).fill(data.start_date);
    await olga.getByLabel('End date', { exact: true }).fill(data.end_date);
    await olga.getByLabel('Students per academic year, each way', { exact: true }).fill(String(data.quotas.students));
    await olga.getByLabel('Staff members per academic year, each way', { exact: true }).fill(String(data.quotas.staff));
    const submit = outcomeLabel('mou_proposal', 'draft', 'submit', 'en');
    await outcomeButton(olga, 'en', submit).click();
    await confirmation(olga, 'en', submit).waitFor();

    // Karim (Arabic) sees it appear in his open inbox, without a reload.
    await inboxLink(karim, karimTitle).waitFor();
    assert.ok(await stillSamePage(karim), "karim's page was not reloaded");
    assert.equal(await htmlDir(karim), 'rtl');
    assert.match(karimTitle, /[\u0600-\u06FF]/);

    // Dmitri (arts) does not get it. To know his feed has gone past it, a later endorsement for
    // arts is made and must arrive there first.
    const other = await server.startAgreement({ partner: { name: 'Université de Genève', country: 'CH' }, agreement_type: 'summer_school', faculty: 'arts' });
    const draft = await server.taskOf(other.id, 'draft');
    await server.must('POST', `/tasks/${encodeURIComponent(draft.id)}/complete`, {
      outcome: 'submit',
      fields: { agreement_type: 'summer_school', scope: 'Faculty of Arts: French literature', rationale: 'A summer school in Geneva',
        start_date: day(100), end_date: day(465), quotas: { students: 5, staff: 1 } },
    }, { as: 'hala' });
    await inboxLink(dmitri, taskTitle('mou_proposal', 'endorsement', { partner: { name: 'Université de Genève', country: 'CH' }, agreement_type: 'summer_school' }, 'en')).waitFor();
    assert.equal(await inboxLink(dmitri, taskTitle('mou_proposal', 'endorsement', data, 'en')).count(), 0, "not in dmitri's inbox");
    assert.equal(await dmitri.getByRole('link', { name: new RegExp(escapeRegExp(partner.name)) }).count(), 0, "nothing of Leiden for dmitri");
    assert.ok(await stillSamePage(dmitri), "dmitri's page was not reloaded");
  });

  step('the dean gets a field error first, then endorses', async () => {
    const karim = people.karim.page;
    const title = taskTitle('mou_proposal', 'endorsement', data, 'ar');
    await inboxLink(karim, title).click();
    await karim.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    await settle(karim);

    // "Return for changes" needs a note: left empty, the page says so at the field.
    const back = outcomeLabel('mou_proposal', 'endorsement', 'return', 'ar');
    await outcomeButton(karim, 'ar', back).click();
    const note = karim.getByLabel(fieldTitle('mou_proposal', 'endorsement', 'note', 'ar'), { exact: true });
    await waitFor(async () => (await note.getAttribute('aria-invalid')) === 'true', { message: 'the note marked invalid' });
    const described = (await note.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const messages = [];
    for (const id of described) {
      const el = karim.locator(`[id="${id}"]`);
      if (await el.isVisible()) messages.push((await el.textContent()).trim());
    }
    assert.ok(messages.some((m) => m.includes(T('ar', 'form.error.required'))), `the field's own error, next to it: ${JSON.stringify(messages)}`);
    // The message is visible, right by the field: it belongs to the same field block as the control.
    const near = await note.evaluate((el, text) => {
      const block = el.closest('div, fieldset');
      return !!block && block.textContent.includes(text);
    }, T('ar', 'form.error.required'));
    assert.ok(near, 'the error is shown with its field');
    await karim.getByRole('alert').filter({ hasText: T('ar', 'form.problems', { count: 1 }) }).waitFor();
    const task = await server.taskOf(agreementId, 'endorsement');
    assert.equal(task.status, 'open', 'nothing was sent');

    const endorse = outcomeLabel('mou_proposal', 'endorsement', 'endorse', 'ar');
    await outcomeButton(karim, 'ar', endorse).click();
    await confirmation(karim, 'ar', endorse).waitFor();
    const done = await server.must('GET', `/tasks/${encodeURIComponent(task.id)}`);
    assert.equal(done.status, 'completed');
    assert.equal(done.outcome, 'endorse');
    assert.equal(done.closed_by, 'karim');
  });

  step('the IR director accepts, the legal reviewer approves at low risk', async () => {
    const irene = await person('irene');
    await openFromInbox(irene, 'en', taskTitle('mou_proposal', 'ir_review', data, 'en'));
    const accept = outcomeLabel('mou_proposal', 'ir_review', 'accept', 'en');
    await outcomeButton(irene, 'en', accept).click();
    await confirmation(irene, 'en', accept).waitFor();

    const lena = await person('lena');
    await openFromInbox(lena, 'en', taskTitle('legal_review', 'review', data, 'en'));
    await lena.getByRole('group', { name: fieldTitle('legal_review', 'review', 'risk', 'en') })
      .getByRole('radio', { name: valueLabel('legal_review', 'review', 'risk', 'low', 'en'), exact: true }).check();
    const approve = outcomeLabel('legal_review', 'review', 'approve', 'en');
    await outcomeButton(lena, 'en', approve).click();
    await confirmation(lena, 'en', approve).waitFor();
    await waitFor(async () => (await server.must('GET', `/instances/${agreementId}`)).state === 'negotiation', { message: 'the agreement in negotiation' });
    assert.equal((await server.must('GET', `/instances/${agreementId}`)).data.risk, 'low');
  });

  step('the officer names the signatories; one signs, the other is away and his deputy signs for him', async () => {
    // Yousef is away from yesterday to next week; Rana (a signatory too) stands in for him.
    const away = await server.must('PATCH', '/me', { away: { from: day(-1), to: day(7), deputy: 'rana' } }, { as: 'yousef' });
    assert.equal(away.away.deputy, 'rana');

    const olga = people.olga.page;
    await openFromInbox(olga, 'en', taskTitle('agreement', 'negotiation', data, 'en'));
    await olga.getByLabel(fieldTitle('agreement', 'negotiation', 'final_text', 'en'), { exact: true }).fill('IRO-2027-101 v2');
    const label = fieldTitle('agreement', 'negotiation', 'signatories', 'en');
    const group = olga.getByRole('group', { name: label, exact: true });
    await group.getByLabel(T('en', 'form.item', { label, n: 1 }), { exact: true }).fill('sam');
    await group.getByRole('button', { name: T('en', 'form.add', { label }), exact: true }).click();
    await group.getByLabel(T('en', 'form.item', { label, n: 2 }), { exact: true }).fill('yousef');
    const ready = outcomeLabel('agreement', 'negotiation', 'ready', 'en');
    await outcomeButton(olga, 'en', ready).click();
    await confirmation(olga, 'en', ready).waitFor();

    const title = taskTitle('signing', 'sign', data, 'en');
    const sign = outcomeLabel('signing', 'sign', 'sign', 'en');
    const sam = await person('sam');
    await openFromInbox(sam, 'en', title);
    await outcomeButton(sam, 'en', sign).click();
    await confirmation(sam, 'en', sign).waitFor();

    // Rana's inbox holds Yousef's own signature task, marked as for him.
    const rana = await person('rana');
    const link = inboxLink(rana, title);
    await link.waitFor();
    const row = rana.getByRole('listitem').filter({ has: link });
    assert.match(await row.textContent(), /yousef|يوسف عمر/, 'the row says for whom');
    await openFromInbox(rana, 'en', title);
    await outcomeButton(rana, 'en', sign).click();
    await confirmation(rana, 'en', sign).waitFor();

    const signing = (await server.must('GET', `/instances/${agreementId}`)).children.find((c) => c.workflow === 'signing');
    const history = await server.must('GET', `/instances/${encodeURIComponent(signing.id)}/history`);
    const completions = history.items.filter((e) => e.input === 'complete');
    assert.deepEqual(completions.map((e) => [e.actor, e.detail.for || null]).sort(), [['rana', 'yousef'], ['sam', null]]);
    await waitFor(async () => (await server.must('GET', `/instances/${agreementId}`)).state === 'pending_start', { message: 'the agreement signed, waiting for its start date' });
  });

  step("the agreement's page shows the whole timeline and the picture's current state", async () => {
    const olga = people.olga.page;
    await olga.goto(`/instances/${encodeURIComponent(agreementId)}`);
    await olga.getByRole('heading', { level: 1, name: new RegExp(escapeRegExp(partner.name)) }).waitFor();
    await settle(olga);

    // The timeline: every input of the agreement, oldest first.
    const history = await server.must('GET', `/instances/${agreementId}/history`);
    const timeline = olga.getByRole('list', { name: T('en', 'timeline.title'), exact: true });
    const entries = timeline.getByRole('listitem');
    await waitFor(async () => (await entries.count()) === history.items.length, { message: `${history.items.length} timeline entries` });
    assert.deepEqual(history.items.map((e) => e.input), ['start', 'child', 'child', 'complete', 'child']);
    const texts = await entries.allTextContents();
    const expect = (i, text) => assert.ok(texts[i].includes(text), `entry ${i + 1}: "${texts[i]}" says "${text}"`);
    expect(0, T('en', 'timeline.started', { who: 'Olga Petrenko' }));
    expect(1, `${workflowTitle('mou_proposal', 'en')} ended`);
    expect(2, `${workflowTitle('legal_review', 'en')} ended`);
    expect(3, outcomeLabel('agreement', 'negotiation', 'ready', 'en'));
    expect(3, 'Olga Petrenko');
    expect(4, `${workflowTitle('signing', 'en')} ended`);
    expect(4, stateName('agreement', 'pending_start', 'en'));

    // The picture: an image that names the current stage, and the stage marked "Now here".
    const current = stateName('agreement', 'pending_start', 'en');
    const picture = olga.getByRole('img', { name: new RegExp(escapeRegExp(current)) });
    await picture.waitFor();
    assert.equal(await picture.evaluate((el) => el.tagName.toLowerCase()), 'svg');
    const marked = await picture.evaluate((svg, marker) => {
      const text = [...svg.querySelectorAll('text')].find((x) => x.textContent.trim() === marker);
      return text ? [...text.parentNode.querySelectorAll('text')].map((x) => x.textContent.trim()) : null;
    }, T('en', 'picture.now_here'));
    assert.ok(marked, 'a stage is marked "Now here"');
    assert.ok(marked.includes(current), `the marked stage is ${current}: ${JSON.stringify(marked)}`);
  });

  scenario('no page raised an uncaught error or broke the Content-Security-Policy', async () => {
    const seen = Object.entries(people).flatMap(([name, p]) => problems(p.page).map((x) => `${name}: ${x}`));
    assert.deepEqual(seen, []);
  });
});
