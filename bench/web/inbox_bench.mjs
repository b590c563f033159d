// The web application's performance on this machine (issue 21's goals), with Debian's Chromium
// headless through playwright-core:
//
//   1. The inbox with WEB_TASKS (500) open tasks: first contentful paint, and the time from the
//      navigation's start until the list holds its first page of rows, cold (a new browser
//      context: empty cache, signed in over the API) and warm (the same context navigating to
//      / again), WEB_LOADS (10) of each. Goal: ≤ 1 s each.
//   2. A change another person commits shown in an open inbox: WEB_CHANGES (100) changes, a
//      quarter each of claims, releases and completions by a second legal reviewer (bearer token)
//      and starts of new legal reviews by the administrator, one at a time; from just before the
//      REST call is sent (Node's Date.now()) to the page's DOM showing it (a MutationObserver in
//      the page, its Date.now(); one machine, one clock). Goal: p99 ≤ 1 s.
//   3. The JavaScript the inbox loads: every .js response of a cold load, sized by the build's
//      .br (and .gz) siblings (Chromium advertises brotli only over HTTPS; over http the server
//      answers gzip). Goal: ≤ 300 KB brotli. The whole build's JS beside it.
//
// It starts its own redis-server (in memory only), accordd and Chromium on free loopback ports
// (tests/web/harness.mjs, the browser tests' harness), seeds them over the public API, prints a
// Markdown table (and a RESULT line of JSON), and stops them.
//
//   node bench/web/inbox_bench.mjs          (bench/run.sh web; make bench-web)
//   ACCORDD, ACCORDCTL     the binaries (default build/release/apps/...)
//   ACCORD_WEB_DIST        the web build accordd serves (bench/run.sh: BUILD_DIR/web/dist)
//   ACCORD_CHROMIUM        the browser (default /usr/bin/chromium)
//   WEB_TASKS, WEB_LOADS, WEB_CHANGES, WEB_CONCURRENCY   500, 10, 100, 16
import { execFile } from 'node:child_process';
import os from 'node:os';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
// The browser tests' harness starts the private redis-server, accordd and Chromium, and stops them.
import { Server, waitFor, PASSWORD, WEB_DIST } from '../../tests/web/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = resolve(here, '..', '..');
const env = process.env;
const TASKS = Number(env.WEB_TASKS || 500);
const LOADS = Number(env.WEB_LOADS || 10);
const CHANGES = Number(env.WEB_CHANGES || 100);
const CONCURRENCY = Number(env.WEB_CONCURRENCY || 16);
const GOAL_MS = 1000;
const GOAL_JS_BYTES = 300 * 1000;

const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`bench/web: ${s}\n`);

const sorted = (xs) => [...xs].sort((a, b) => a - b);
// Nearest rank: the smallest value with at least p of the values at or below it.
const percentile = (xs, p) => { const s = sorted(xs); return s[Math.max(0, Math.ceil(p * s.length) - 1)]; };
const median = (xs) => { const s = sorted(xs); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const max = (xs) => Math.max(...xs);
const ms = (v) => `${Math.round(v).toLocaleString('en-US')} ms`;
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

const run = (file, args) => new Promise((ok, fail) => execFile(file, args, { timeout: 60000 }, (e, out, err) => (e ? fail(new Error(`${file}: ${e.message}\n${out}${err}`)) : ok(out))));

// --- the server, seeded -------------------------------------------------------------------------

// --rate 0: the set-up's 500 starts in a few seconds (the rate limit counts token requests only;
// the page's, with its session cookie, are not limited either way).
const server = await new Server({ seed: false, args: ['--rate', '0'] }).start();
const base = server.url;
const adminToken = server.token;
const browser = server.browser;
const tail = (file) => { try { return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n'); } catch { return '(no log)'; } };

async function api(token, method, path, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return data;
}

if (!(await api(adminToken, 'GET', '/definitions')).items.some((d) => d.name === 'legal_review')) {
  console.error(`bench/web: accordd did not load legal_review (an accordd older than the definitions?):\n${tail(server.log)}`);
  process.exit(1);
}

// Two legal reviewers: `lina` has the inbox open, `omar` works the same queue.
const reader = 'lina';
await api(adminToken, 'POST', '/admin/users', { name: reader, roles: ['legal'], password: PASSWORD, display_name: 'Lina Khoury', language: 'en' });
const other = await api(adminToken, 'POST', '/admin/users', { name: 'omar', roles: ['legal'], password: PASSWORD, display_name: 'Omar Nasser', language: 'en' });
const otherToken = other.token;

let serial = 0;
const review = () => ({
  workflow: 'legal_review',
  data: { partner: { name: `Partner University ${++serial}`, country: 'JO' }, agreement_type: 'MoU', start_date: '2027-01-01', end_date: '2031-12-31' },
});

const seedStart = Date.now();
{
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < TASKS) { next++; await api(adminToken, 'POST', '/instances', review()); }
  }));
}
const seedMs = Date.now() - seedStart;
log(`${TASKS} legal reviews started in ${seedMs} ms`);

// --- the browser --------------------------------------------------------------------------------

// (Chromium: the harness's, launched with the server.)

async function signedInContext() {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Asia/Hebron' });
  context.setDefaultTimeout(30000);
  const res = await context.request.post('/api/v1/session', { data: { name: reader, password: PASSWORD } });
  if (res.status() !== 200) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
  await context.addInitScript(observeRows);
  return context;
}

// In the page, before its scripts: every change of the number of rows of the task list, with its
// performance.now(), the moment the count line appears, and the next animation frame after each.
function observeRows() {
  const bench = (window.__bench = { counts: [], countAt: null, lcp: [] });
  let last = 0;
  const look = () => {
    const n = document.querySelectorAll('ul.tasks > li').length;
    if (n !== last) {
      const entry = { at: performance.now(), n, frame: null };
      bench.counts.push(entry);
      requestAnimationFrame(() => { entry.frame = performance.now(); });
      last = n;
    }
    if (bench.countAt === null && document.querySelector('p.count')) bench.countAt = performance.now();
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) bench.lcp.push(e.startTime); })
      .observe({ type: 'largest-contentful-paint', buffered: true });
  } catch { /* no LCP */ }
}

// One load of /: the figures, and (cold) the JavaScript it fetched.
async function load(context, page) {
  const scripts = [];
  let firstPage = null;
  const onResponse = async (response) => {
    const url = new URL(response.url());
    if (url.pathname.endsWith('.js')) scripts.push(response);
    if (url.pathname === '/api/v1/tasks' && !url.searchParams.get('cursor') && !firstPage) {
      firstPage = response.json().then((b) => b.items.length, () => null);
    }
  };
  page.on('response', onResponse);
  await page.goto('/', { waitUntil: 'load' });
  await waitFor(() => firstPage, { message: 'the inbox to ask for its tasks' });
  const expected = await firstPage;
  if (!expected) throw new Error('the inbox\'s GET /api/v1/tasks failed');
  await page.waitForFunction((n) => window.__bench.counts.some((c) => c.n >= n && c.frame !== null), expected);
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
  await pause(300); // late scripts (prefetches), the last LCP entries
  page.off('response', onResponse);
  const m = await page.evaluate((n) => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const end = (f) => { const r = res.filter(f); return r.length ? Math.max(...r.map((x) => x.responseEnd)) : null; };
    const shown = window.__bench.counts.find((c) => c.n >= n);
    return {
      fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
      list: shown.at,
      listFrame: shown.frame,
      countLine: window.__bench.countAt,
      lcp: window.__bench.lcp.length ? window.__bench.lcp[window.__bench.lcp.length - 1] : null,
      documentEnd: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      scriptsEnd: end((r) => r.initiatorType === 'script' || /\.js$/.test(new URL(r.name).pathname)),
      meEnd: end((r) => new URL(r.name).pathname === '/api/v1/me'),
      tasksEnd: end((r) => new URL(r.name).pathname === '/api/v1/tasks'),
      rows: document.querySelectorAll('ul.tasks > li').length,
    };
  }, expected);
  return { ...m, expected, scripts };
}

// Sizes of the scripts a load fetched: as built, and their brotli and gzip siblings (made here,
// at the build's settings, when the build has none).
const brotli = (buf) => brotliCompressSync(buf, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
function sizes(file) {
  const raw = readFileSync(file);
  const br = existsSync(file + '.br') ? statSync(file + '.br').size : brotli(raw);
  const gz = existsSync(file + '.gz') ? statSync(file + '.gz').size : gzipSync(raw, { level: 9 }).length;
  return { raw: raw.length, br, gz, siblings: existsSync(file + '.br') };
}
async function scriptSizes(responses) {
  const out = [];
  const seen = new Set();
  for (const r of responses) {
    const path = new URL(r.url()).pathname;
    if (seen.has(path)) continue;
    seen.add(path);
    const file = join(WEB_DIST, path);
    if (!existsSync(file)) throw new Error(`a script the page loaded is not in the build: ${path}`);
    const transfer = await r.request().sizes().then((s) => s.responseBodySize, () => null);
    out.push({ path, ...sizes(file), encoding: r.headers()['content-encoding'] || 'identity', transfer });
  }
  return out;
}

const cold = [];
const warm = [];
let loaded = null;
for (let i = 0; i < LOADS; i++) {
  const context = await signedInContext();
  const page = await context.newPage();
  const c = await load(context, page);
  if (!loaded) loaded = await scriptSizes(c.scripts);
  cold.push(c);
  warm.push(await load(context, page));
  await context.close();
  log(`load ${i + 1}: cold FCP ${c.fcp.toFixed(0)} ms, list ${c.list.toFixed(0)} ms; warm FCP ${warm[i].fcp.toFixed(0)} ms, list ${warm[i].list.toFixed(0)} ms`);
}

// --- changes by another person, shown in the open inbox -----------------------------------------

function installWatcher() {
  // spec: { kind: 'gone' | 'back', id } or { kind: 'new' }: resolves with the Date.now() of the
  // mutation that showed it, and of the next animation frame.
  window.__benchWatch = (spec) => {
    const rows = () => document.querySelectorAll('ul.tasks > li[data-task]');
    const has = (id) => [...rows()].some((li) => li.dataset.task === id);
    const known = new Set([...rows()].map((li) => li.dataset.task));
    const check = () => {
      if (spec.kind === 'gone') return has(spec.id) ? null : spec.id;
      if (spec.kind === 'back') return has(spec.id) ? spec.id : null;
      for (const li of rows()) if (!known.has(li.dataset.task)) return li.dataset.task;
      return null;
    };
    if (check() !== null) return Promise.resolve({ error: `already ${spec.kind}: ${spec.id}` });
    return new Promise((resolveWatch) => {
      const timer = setTimeout(() => { observer.disconnect(); resolveWatch({ error: `not shown within 15 s: ${spec.kind} ${spec.id || ''}` }); }, 15000);
      const observer = new MutationObserver(() => {
        const id = check();
        if (id === null) return;
        const at = Date.now();
        observer.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolveWatch({ id, at, frame: Date.now() }));
      });
      observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-task'] });
    });
  };
}

const changes = [];
{
  const context = await signedInContext();
  const page = await context.newPage();
  await load(context, page);
  // Every page of the inbox read ("Show more" until none is left): a task opened later is less
  // urgent than all 500, and the inbox shows it only once the pages before it are shown.
  for (;;) {
    const more = page.locator('button.more');
    if (!(await more.count())) break;
    await Promise.all([page.waitForResponse((r) => r.url().includes('/api/v1/tasks?')), more.click()]);
    await page.waitForTimeout(50);
  }
  await page.evaluate(installWatcher);
  const ids = () => page.evaluate(() => [...document.querySelectorAll('ul.tasks > li[data-task]')].map((li) => li.dataset.task));
  const kinds = ['claim', 'release', 'complete', 'start'];
  let claimed = null;
  let random = 42;
  const pick = (list) => { random = (random * 1103515245 + 12345) % 2147483648; return list[random % list.length]; };
  for (let i = 0; i < CHANGES; i++) {
    const kind = kinds[i % kinds.length];
    const present = await ids();
    let spec, call;
    if (kind === 'claim') {
      claimed = pick(present.slice(0, 50));
      spec = { kind: 'gone', id: claimed };
      call = () => api(otherToken, 'POST', `/tasks/${encodeURIComponent(claimed)}/claim`, {});
    } else if (kind === 'release') {
      spec = { kind: 'back', id: claimed };
      const id = claimed;
      call = () => api(otherToken, 'POST', `/tasks/${encodeURIComponent(id)}/release`);
    } else if (kind === 'complete') {
      const id = pick(present.slice(0, 50));
      spec = { kind: 'gone', id };
      call = () => api(otherToken, 'POST', `/tasks/${encodeURIComponent(id)}/complete`, { outcome: 'approve', fields: { risk: 'low' } });
    } else {
      spec = { kind: 'new' };
      call = () => api(adminToken, 'POST', '/instances', review());
    }
    await page.evaluate((s) => { window.__benchPending = window.__benchWatch(s); }, spec);
    const t0 = Date.now();
    const answer = await call();
    const answered = Date.now();
    const shown = await page.evaluate(() => window.__benchPending);
    if (shown.error) throw new Error(`change ${i + 1} (${kind}): ${shown.error}`);
    if (kind === 'start' && !(answer.tasks || []).some((t) => t.id === shown.id)) {
      throw new Error(`change ${i + 1}: the new row ${shown.id} is not the started instance's task`);
    }
    changes.push({ kind, ms: shown.at - t0, frameMs: shown.frame - t0, restMs: answered - t0 });
    await pause(50 + (i % 5) * 20);
  }
  await context.close();
}
const browserVersion = browser.version();
await server.stop({ quiet: true });

// --- the whole build's JavaScript ----------------------------------------------------------------

function* files(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (name.endsWith('.js')) yield p;
  }
}
const build = [...files(WEB_DIST)].map((f) => ({ path: f.slice(WEB_DIST.length), ...sizes(f) }));
const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);

// --- the report --------------------------------------------------------------------------------

const col = (xs, k) => xs.map((x) => x[k]);
const figure = (xs) => `median ${ms(median(xs))}, max ${ms(max(xs))}`;
const met = (ok) => (ok ? 'yes' : '**no**');
const lat = col(changes, 'ms');
const jsBr = sum(loaded, 'br');
let commit = '?';
try { commit = (await run('git', ['-C', SOURCE, 'describe', '--always', '--dirty'])).trim(); } catch { /* not a checkout */ }
const when = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const [load1, load5] = os.loadavg();

const out = [];
out.push(`== bench/web: the inbox in Chromium ${browserVersion} headless (${TASKS} open tasks, ${LOADS} cold and ${LOADS} warm loads, ${changes.length} changes)`);
out.push(`bench/web/inbox_bench.mjs, ${when}, commit ${commit}, node ${process.version}, web build ${WEB_DIST}, load average at the end ${load1.toFixed(2)} (1 min) ${load5.toFixed(2)} (5 min), ${os.cpus().length} CPUs`);
out.push('');
out.push('| goal | measured | goal | met |');
out.push('|---|---|---|---|');
out.push(`| inbox, ${TASKS} open tasks, cold load (new context, empty cache): first contentful paint | ${figure(col(cold, 'fcp'))} | ≤ 1,000 ms | ${met(median(col(cold, 'fcp')) <= GOAL_MS)}${max(col(cold, 'fcp')) > GOAL_MS ? ' (median; max over)' : ''} |`);
out.push(`| inbox, cold load: navigation start → first page of rows in the list (${cold[0].expected} rows) | ${figure(col(cold, 'list'))} | ≤ 1,000 ms | ${met(median(col(cold, 'list')) <= GOAL_MS)}${max(col(cold, 'list')) > GOAL_MS ? ' (median; max over)' : ''} |`);
out.push(`| inbox, warm load (same context, cached): first contentful paint | ${figure(col(warm, 'fcp'))} | ≤ 1,000 ms | ${met(median(col(warm, 'fcp')) <= GOAL_MS)}${max(col(warm, 'fcp')) > GOAL_MS ? ' (median; max over)' : ''} |`);
out.push(`| inbox, warm load: navigation start → first page of rows | ${figure(col(warm, 'list'))} | ≤ 1,000 ms | ${met(median(col(warm, 'list')) <= GOAL_MS)}${max(col(warm, 'list')) > GOAL_MS ? ' (median; max over)' : ''} |`);
out.push(`| a change by another person shown in an open inbox (${changes.length}: claims, releases, completions, starts): REST call sent → DOM shows it | p50 ${ms(percentile(lat, 0.5))}, p90 ${ms(percentile(lat, 0.9))}, **p99 ${ms(percentile(lat, 0.99))}**, max ${ms(max(lat))} | p99 ≤ 1,000 ms | ${met(percentile(lat, 0.99) <= GOAL_MS)} |`);
out.push(`| JavaScript the inbox loads (${loaded.length} files), brotli | **${kb(jsBr)}** (gzip ${kb(sum(loaded, 'gz'))}, as built ${kb(sum(loaded, 'raw'))}) | ≤ 300 KB | ${met(jsBr <= GOAL_JS_BYTES)} |`);
out.push(`| the whole build's JavaScript (${build.length} files), brotli | ${kb(sum(build, 'br'))} (gzip ${kb(sum(build, 'gz'))}, as built ${kb(sum(build, 'raw'))}) | — | — |`);
out.push('');
out.push('KB = 1,000 bytes. A load\'s figures are from its navigation start; "met" reads the median of the loads and the p99 of the changes.');
out.push('');
out.push(`| load, medians (ms from navigation start) | document | scripts | /me answered | /tasks answered | rows in DOM | next frame | count line | LCP | FCP | rows at the end (a count) |`);
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, xs] of [['cold', cold], ['warm', warm]]) {
  const m = (k) => { const v = col(xs, k).filter((x) => x !== null); return v.length ? median(v).toFixed(0) : '—'; };
  out.push(`| ${name} | ${m('documentEnd')} | ${m('scriptsEnd')} | ${m('meEnd')} | ${m('tasksEnd')} | ${m('list')} | ${m('listFrame')} | ${m('countLine')} | ${m('lcp')} | ${m('fcp')} | ${m('rows')} |`);
}
out.push('');
out.push('| change | n | p50 ms | p90 ms | p99 ms | max ms | REST answer p50 ms | next frame p99 ms |');
out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const k of ['claim', 'release', 'complete', 'start', 'all']) {
  const xs = k === 'all' ? changes : changes.filter((c) => c.kind === k);
  if (!xs.length) continue;
  const v = col(xs, 'ms');
  out.push(`| ${k === 'all' ? '**all**' : k} | ${xs.length} | ${percentile(v, 0.5)} | ${percentile(v, 0.9)} | ${percentile(v, 0.99)} | ${max(v)} | ${percentile(col(xs, 'restMs'), 0.5)} | ${percentile(col(xs, 'frameMs'), 0.99)} |`);
}
out.push('');
out.push('| script the inbox loads | as built | brotli | gzip | served as (http) | transferred |');
out.push('|---|---:|---:|---:|---|---:|');
for (const s of loaded) out.push(`| ${s.path} | ${s.raw.toLocaleString('en-US')} | ${s.br.toLocaleString('en-US')} | ${s.gz.toLocaleString('en-US')} | ${s.encoding} | ${s.transfer === null ? '—' : s.transfer.toLocaleString('en-US')} |`);
const largest = [...build].sort((a, b) => b.br - a.br).slice(0, 5);
out.push('');
out.push(`The build's largest scripts (brotli): ${largest.map((s) => `${s.path} ${kb(s.br)}`).join(', ')}${build.some((s) => !s.siblings) ? ' (no .br siblings in the build: compressed here at quality 11)' : ''}.`);
out.push(`Set-up: ${TASKS} legal reviews started over REST, ${CONCURRENCY} in flight, in ${(seedMs / 1000).toFixed(1)} s`);
console.log(out.join('\n'));
console.log('RESULT ' + JSON.stringify({
  when, commit, chromium: browserVersion, tasks: TASKS,
  cold: { fcpMedian: median(col(cold, 'fcp')), fcpMax: max(col(cold, 'fcp')), listMedian: median(col(cold, 'list')), listMax: max(col(cold, 'list')) },
  warm: { fcpMedian: median(col(warm, 'fcp')), fcpMax: max(col(warm, 'fcp')), listMedian: median(col(warm, 'list')), listMax: max(col(warm, 'list')) },
  change: { n: changes.length, p50: percentile(lat, 0.5), p90: percentile(lat, 0.9), p99: percentile(lat, 0.99), max: max(lat) },
  js: { files: loaded.length, br: jsBr, gz: sum(loaded, 'gz'), raw: sum(loaded, 'raw') },
  build: { files: build.length, br: sum(build, 'br'), gz: sum(build, 'gz'), raw: sum(build, 'raw') },
}));
