// Screenshots of every page in English and Arabic, at a desktop's width (1280×800) and a phone's
// (360×740), into ACCORD_SCREENSHOTS as <page>-<language>-<desktop|phone>.png; and at the phone's
// width, no page is wider than the screen (no sideways scrolling of the document).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { setup, scenario, signIn, switchLanguage, htmlLang, htmlDir, shot, SCREENSHOTS } from './harness.mjs';
import { pageList, visit } from './pages.mjs';

describe('screenshots', () => {
  const server = setup();
  const DESKTOP = { width: 1280, height: 800 };
  const PHONE = { width: 360, height: 740 };
  let pages = null;

  // What sticks out of a page narrower than its content: the outermost elements past either edge
  // that no scrolling box of their own contains.
  function overflowing(width) {
    const out = [];
    const scrolls = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (!r.width || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
      if (scrolls(el)) continue;
      if (out.some((o) => o.el.contains(el))) continue;
      out.push({ el, what: `<${el.tagName.toLowerCase()}${el.id ? ` id=${el.id}` : ''}${el.className && typeof el.className === 'string' ? ` class="${el.className}"` : ''}> ${Math.round(r.left)}..${Math.round(r.right)} "${(el.textContent || '').trim().slice(0, 50)}"` });
    }
    return out.slice(0, 5).map((o) => o.what);
  }

  for (const lang of ['en', 'ar']) {
    scenario(`every page in ${lang === 'en' ? 'English' : 'Arabic'}, at a desktop's and a phone's width`, async (t) => {
      pages ||= await pageList(server);
      const failures = [];
      // Each device opens the pages as it would: the phone as a phone (its viewport meta honoured,
      // touch), not a desktop window made narrow.
      for (const device of ['desktop', 'phone']) {
        const contexts = {};
        const as = async (who) => {
          if (contexts[who]) return contexts[who];
          const options = device === 'phone' ? { viewport: PHONE, isMobile: true, hasTouch: true } : { viewport: DESKTOP };
          const context = await server.newContext({ locale: lang === 'ar' ? 'ar' : 'en-GB', ...options });
          const page = await context.newPage();
          await page.goto('/');
          if (who) {
            await signIn(page, who);
            if ((await htmlLang(page)) !== lang) await switchLanguage(page, lang);
          }
          return (contexts[who] = page);
        };
        for (const entry of pages) {
          const page = await as(entry.who);
          try {
            await visit(page, entry, lang);
            assert.equal(await htmlLang(page), lang);
            assert.equal(await htmlDir(page), lang === 'ar' ? 'rtl' : 'ltr');
            if (device === 'phone') {
              const width = await page.evaluate(() => document.documentElement.scrollWidth);
              if (width > PHONE.width) {
                const culprits = await page.evaluate(overflowing, PHONE.width);
                failures.push(`${entry.name} (${lang}) is ${width} px wide at ${PHONE.width} px:\n      ${culprits.join('\n      ')}`);
              }
            }
            await shot(page, `${entry.name}-${lang}-${device}`);
          } catch (e) {
            failures.push(`${entry.name} (${lang}, ${device}): ${e.message}`);
          }
        }
        for (const page of Object.values(contexts)) await page.context().close();
      }
      t.diagnostic(`${pages.length * 2} screenshots in ${SCREENSHOTS}`);
      assert.ok(failures.length === 0, `${failures.length} page(s) failed:\n${failures.join('\n')}`);
    }, { timeout: 240000 });
  }
});
