// The message catalogues (web/src/messages/<lang>/<area>.json), without a browser: every
// language has the same files and keys as English, each plural message has every form its
// language's plural rules use (Intl.PluralRules: English one/other, Arabic all six) and `other`,
// and the {placeholders} of a message are the same in every language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = resolve(process.env.ACCORD_SOURCE_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const root = join(source, 'web/src/messages');
const languages = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const files = (lang) => readdirSync(join(root, lang)).filter((f) => f.endsWith('.json')).sort();
const read = (lang, file) => JSON.parse(readFileSync(join(root, lang, file), 'utf8'));
const CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'];
const isPlural = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const placeholders = (v) => new Set((isPlural(v) ? Object.values(v) : [v]).flatMap((s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

test('there is English and Arabic', () => {
  assert.ok(languages.includes('en'), `languages: ${languages}`);
  assert.ok(languages.includes('ar'), `languages: ${languages}`);
});

test('every language has the same catalogue files', () => {
  for (const lang of languages) assert.deepEqual(files(lang), files('en'), `web/src/messages/${lang} against en`);
});

test('every key of every catalogue is in every language, and no other', () => {
  const problems = [];
  for (const file of files('en')) {
    const en = read('en', file);
    for (const lang of languages.filter((l) => l !== 'en')) {
      let other;
      try { other = read(lang, file); } catch { problems.push(`${lang}/${file} is missing`); continue; }
      for (const key of Object.keys(en)) if (!(key in other)) problems.push(`${lang}/${file}: no "${key}" (en has it)`);
      for (const key of Object.keys(other)) if (!(key in en)) problems.push(`en/${file}: no "${key}" (${lang} has it)`);
    }
  }
  assert.deepEqual(problems, []);
});

test('messages are strings or plural objects with the forms their language uses', () => {
  const problems = [];
  for (const lang of languages) {
    const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const file of files(lang)) {
      for (const [key, value] of Object.entries(read(lang, file))) {
        const where = `${lang}/${file} "${key}"`;
        if (typeof value === 'string') continue;
        if (!isPlural(value)) { problems.push(`${where}: neither a string nor a plural object`); continue; }
        if (typeof value.other !== 'string') problems.push(`${where}: a plural without "other"`);
        for (const c of needed) if (!(c in value)) problems.push(`${where}: no "${c}" form (${lang} uses ${needed.join(', ')})`);
        for (const [c, text] of Object.entries(value)) {
          if (!CATEGORIES.includes(c)) problems.push(`${where}: "${c}" is no plural category`);
          else if (typeof text !== 'string') problems.push(`${where}.${c}: not a string`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('a message is plural in every language or in none, with the same placeholders', () => {
  const problems = [];
  for (const file of files('en')) {
    const en = read('en', file);
    for (const lang of languages.filter((l) => l !== 'en')) {
      let other;
      try { other = read(lang, file); } catch { continue; }
      for (const [key, value] of Object.entries(en)) {
        if (!(key in other)) continue;
        const where = `${file} "${key}"`;
        if (isPlural(value) !== isPlural(other[key])) problems.push(`${where}: plural in ${isPlural(value) ? 'en' : lang} only`);
        // A plural's forms may leave the count out ("1 day", "يوم واحد"): compare all forms together.
        const a = [...placeholders(value)].sort();
        const b = [...placeholders(other[key])].sort();
        if (a.join() !== b.join()) problems.push(`${where}: en has {${a.join('}, {')}}, ${lang} has {${b.join('}, {')}}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the language switch can name each language in itself', () => {
  for (const lang of languages) {
    const common = read(lang, 'common.json');
    assert.equal(typeof common.language_name, 'string', `${lang}/common.json language_name`);
    assert.ok(['ltr', 'rtl'].includes(common.direction), `${lang}/common.json direction: ${common.direction}`);
  }
  assert.equal(read('ar', 'common.json').direction, 'rtl');
  assert.equal(read('ar', 'common.json').language_name, 'العربية');
});
