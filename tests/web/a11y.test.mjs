// Accessibility: axe-core on every page in English and in Arabic, with no serious or critical
// violation allowed. axe is injected by the test into contexts that bypass the page's
// Content-Security-Policy (the policy the server sends is not changed). And the keyboard alone
// signs in and opens a task.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setup, scenario, T, signIn, axeCheck, switchLanguage, htmlLang, waitFor, PASSWORD } from './harness.mjs';
import { pageList, visit } from './pages.mjs';

describe('accessibility', () => {
  const server = setup();
  let pages = null;

  for (const lang of ['en', 'ar']) {
    scenario(`no serious or critical axe violation on any page, in ${lang === 'en' ? 'English' : 'Arabic'}`, async (t) => {
      pages ||= await pageList(server);
      const contexts = {};
      async function as(who) {
        if (contexts[who]) return contexts[who];
        const context = await server.newContext({ axe: true, locale: lang === 'ar' ? 'ar' : 'en-GB' });
        const page = await context.newPage();
        await page.goto('/');
        if (who) {
          await signIn(page, who);
          if ((await htmlLang(page)) !== lang) await switchLanguage(page, lang);
        }
        return (contexts[who] = page);
      }
      const failures = [];
      let minor = 0;
      for (const entry of pages) {
        const page = await as(entry.who);
        try {
          await visit(page, entry, lang);
          assert.equal(await htmlLang(page), lang, `${entry.name} in ${lang}`);
          const others = await axeCheck(page, `${entry.name} (${lang})`);
          minor += others.length;
        } catch (e) {
          failures.push(`${entry.name} (${lang}): ${e.message}`);
        }
      }
      for (const page of Object.values(contexts)) await page.context().close();
      t.diagnostic(`${pages.length} pages checked in ${lang}; ${minor} moderate or minor findings`);
      assert.ok(failures.length === 0, `${failures.length} page(s) failed:\n${failures.join('\n\n')}`);
    }, { timeout: 240000 });
  }

  // Irene (English): the others' languages change above.
  scenario('the sign-in form works with the keyboard alone, and so does opening a task', async () => {
    const context = await server.newContext();
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('User name', { exact: true }).waitFor();
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el.tagName.toLowerCase(), label: el.labels && el.labels[0] ? el.labels[0].textContent.trim() : null, href: el.getAttribute('href'), text: el.textContent.trim() };
    });
    // Tab until the user name has the focus (past the skip link and the language switch).
    for (let i = 0; i < 10 && (await focused()).label !== 'User name'; i++) await page.keyboard.press('Tab');
    assert.equal((await focused()).label, 'User name');
    await page.keyboard.type('irene');
    await page.keyboard.press('Tab');
    assert.equal((await focused()).label, 'Password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: T('en', 'inbox.title'), exact: true }).waitFor();

    // On to the first task by Tab, opened with Enter.
    await waitFor(async () => (await page.getByRole('list', { name: T('en', 'inbox.list'), exact: true }).getByRole('link').count()) > 0, { message: 'tasks listed' });
    let target = null;
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      if (f.tag === 'a' && f.href && f.href.startsWith('/tasks/')) { target = f; break; }
    }
    assert.ok(target, 'Tab reaches a task');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === target.href);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await context.close();
  });
});
