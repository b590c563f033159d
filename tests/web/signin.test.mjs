// Signing in and out, in English and in Arabic: the form's labels, the language switch, a wrong
// password, a browser that asks for Arabic, a person whose profile is Arabic (the whole page
// right-to-left, the inbox's task titles in Arabic), and signing out.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setup, scenario, signIn, PASSWORD, T, htmlLang, htmlDir, waitFor, signOutButton, taskTitle, settle } from './harness.mjs';

describe('signing in and out, in English and Arabic', () => {
  const server = setup();
  const ARABIC = /[\u0600-\u06FF]/;

  async function signInPage(options) {
    const context = await server.newContext(options);
    const page = await context.newPage();
    await page.goto('/');
    return { context, page };
  }

  // The task titles of the inbox's list, in the order shown.
  async function inboxTitles(page, lang) {
    const list = page.getByRole('list', { name: T(lang, 'inbox.list'), exact: true });
    await list.waitFor();
    const items = list.getByRole('listitem');
    const titles = [];
    for (let i = 0; i < await items.count(); i++) titles.push((await items.nth(i).getByRole('link').first().textContent()).trim());
    return titles;
  }

  scenario('the sign-in page in English: its fields, its button, the language switch', async () => {
    const { page, context } = await signInPage({ locale: 'en-GB' });
    await page.getByLabel('User name', { exact: true }).waitFor();
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await htmlDir(page), 'ltr');
    assert.ok(await page.getByLabel('Password', { exact: true }).isVisible());
    const name = page.getByLabel('User name', { exact: true });
    assert.equal(await name.getAttribute('type') ?? 'text', 'text');
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
    assert.ok(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible());
    const languages = page.getByRole('group', { name: T('en', 'common.language'), exact: true });
    assert.ok(await languages.getByRole('button', { name: 'العربية', exact: true }).isVisible());
    assert.ok(await languages.getByRole('button', { name: 'English', exact: true }).isVisible());
    assert.equal(await languages.getByRole('button', { name: 'English', exact: true }).getAttribute('aria-pressed'), 'true');
    await context.close();
  });

  scenario('switching to Arabic turns the page right-to-left with Arabic labels, and back', async () => {
    const { page, context } = await signInPage({ locale: 'en-GB' });
    await page.getByRole('button', { name: 'العربية', exact: true }).click();
    await waitFor(async () => (await htmlLang(page)) === 'ar', { message: 'lang=ar' });
    assert.equal(await htmlDir(page), 'rtl');
    assert.ok(await page.getByLabel(T('ar', 'signin.name'), { exact: true }).isVisible());
    assert.ok(await page.getByLabel(T('ar', 'signin.password'), { exact: true }).isVisible());
    assert.ok(await page.getByRole('button', { name: T('ar', 'signin.submit'), exact: true }).isVisible());
    assert.equal(await page.getByLabel('User name', { exact: true }).count(), 0);
    assert.ok(ARABIC.test(T('ar', 'signin.name')));
    // The choice is remembered by this browser.
    await page.reload();
    await page.getByLabel(T('ar', 'signin.name'), { exact: true }).waitFor();
    assert.equal(await htmlDir(page), 'rtl');
    await page.getByRole('button', { name: 'English', exact: true }).click();
    await page.getByLabel('User name', { exact: true }).waitFor();
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await htmlDir(page), 'ltr');
    await context.close();
  });

  scenario('a wrong password shows an error and stays on the sign-in page', async () => {
    const { page, context } = await signInPage({ locale: 'en-GB' });
    await page.getByLabel('User name', { exact: true }).fill('olga');
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: T('en', 'signin.wrong') });
    await alert.waitFor();
    assert.ok(await page.getByLabel('User name', { exact: true }).isVisible());
    assert.equal(await signOutButton(page).count(), 0);
    const me = await page.request.get('/api/v1/me');
    assert.equal(me.status(), 401);
    // The right password then signs in.
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signOutButton(page).waitFor();
    await context.close();
  });

  scenario('a browser whose language is Arabic sees the sign-in page in Arabic first', async () => {
    const { page, context } = await signInPage({ locale: 'ar' });
    await page.getByLabel(T('ar', 'signin.name'), { exact: true }).waitFor();
    assert.equal(await htmlLang(page), 'ar');
    assert.equal(await htmlDir(page), 'rtl');
    assert.ok(await page.getByRole('button', { name: T('ar', 'signin.submit'), exact: true }).isVisible());
    assert.equal(await page.getByRole('button', { name: 'العربية', exact: true }).getAttribute('aria-pressed'), 'true');
    await context.close();
  });

  scenario('a person whose profile is Arabic gets the page right-to-left, the inbox with Arabic task titles', async () => {
    // Signed in from an English page: the profile's language wins.
    const { page, context } = await signInPage({ locale: 'en-GB' });
    await signIn(page, 'hala');
    await waitFor(async () => (await htmlLang(page)) === 'ar', { message: "hala's page in Arabic" });
    assert.equal(await htmlDir(page), 'rtl');
    await page.getByRole('heading', { level: 1, name: T('ar', 'inbox.title'), exact: true }).waitFor();
    await settle(page);
    const titles = await inboxTitles(page, 'ar');
    assert.ok(titles.length >= 2, `hala's inbox: ${JSON.stringify(titles)}`);
    for (const title of titles) assert.ok(ARABIC.test(title), `an Arabic task title: ${title}`);
    // Her own agreement with Mohammed V University waits for its proposal, titled in Arabic.
    const expected = taskTitle('mou_proposal', 'draft', { partner: { name: 'جامعة محمد الخامس', country: 'MA' } }, 'ar');
    assert.ok(titles.includes(expected), `"${expected}" in ${JSON.stringify(titles)}`);
    const link = page.getByRole('link', { name: expected, exact: true });
    // The title reads right-to-left: its direction is the page's (dir=auto on Arabic text).
    assert.equal(await link.evaluate((a) => getComputedStyle(a).direction), 'rtl');
    // The list is laid out from the right: the title starts nearer the right edge than the left.
    const box = await link.boundingBox();
    const width = page.viewportSize().width;
    assert.ok(width - (box.x + box.width) < box.x, `title at x=${box.x}, width ${box.width}, of ${width}`);
    await context.close();
  });

  scenario('signing out returns to the sign-in page, and the session is over', async () => {
    const { page, context } = await signInPage({ locale: 'en-GB' });
    await signIn(page, 'olga');
    await page.getByRole('heading', { level: 1, name: T('en', 'inbox.title'), exact: true }).waitFor();
    assert.equal((await page.request.get('/api/v1/me')).status(), 200);
    await signOutButton(page).click();
    await page.getByLabel('User name', { exact: true }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible());
    assert.equal((await page.request.get('/api/v1/me')).status(), 401);
    await page.reload();
    await page.getByLabel('User name', { exact: true }).waitFor();
    assert.equal(await signOutButton(page).count(), 0);
    await context.close();
  });
});
