// The browser tests' harness: each *.test.mjs file starts its own server with `setup()`, so that
// files run side by side. It starts a private redis-server and
// accordd on free loopback ports, serving the web build, seeds the demo's people and agreements
// (examples/demo/seed.mjs), launches Debian's Chromium through playwright-core, and tears all of
// it down again, also when a test fails or the run is interrupted (then it prints the tail of
// accordd's log and screenshots of the open pages).
//
// Paths come from the environment, as CTest sets it (tests/web/CMakeLists.txt); by hand, from a
// checkout with a release build: ACCORD_WEB_DIST=web/dist node tests/web/run.mjs
//   ACCORDD, ACCORDCTL     the binaries (default build/release/apps/...)
//   ACCORD_WEB_DIST        the web build accordd serves (default web/dist)
//   ACCORD_SOURCE_DIR      the checkout (workflows, the calendar, the demo, the catalogues)
//   ACCORD_SCREENSHOTS     where PNGs go (default $TMPDIR/accord-screenshots)
//   ACCORD_CHROMIUM        the browser (default /usr/bin/chromium)
import { spawn, execFile } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const SOURCE = resolve(process.env.ACCORD_SOURCE_DIR || join(here, '..', '..'));
const ACCORDD = process.env.ACCORDD || join(SOURCE, 'build/release/apps/accordd/accordd');
const ACCORDCTL = process.env.ACCORDCTL || join(SOURCE, 'build/release/apps/accordctl/accordctl');
export const WEB_DIST = resolve(process.env.ACCORD_WEB_DIST || join(SOURCE, 'web/dist'));
export const SCREENSHOTS = resolve(process.env.ACCORD_SCREENSHOTS || join(tmpdir(), 'accord-screenshots'));
const CHROMIUM = process.env.ACCORD_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

// The demo's password for everyone (examples/demo/seed.mjs sets it).
export const PASSWORD = 'olive grove in spring';
export const demo = JSON.parse(readFileSync(join(SOURCE, 'examples/demo/people.json'), 'utf8'));

function dependency(name) {
  try {
    return require(name);
  } catch {
    throw new Error(`tests/web: ${name} is missing: run \`npm ci\` in tests/web (the build does it)`);
  }
}
const { chromium } = dependency('playwright-core');
export const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// --- waiting ----------------------------------------------------------------------------------

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn() until it returns something truthy (and returns that); a throw counts as "not yet".
// On timeout, fails with `message` and the last thing fn said or threw.
export async function waitFor(fn, { timeout = 20000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${why})`);
    }
    await pause(interval);
  }
}

// --- the interface's words --------------------------------------------------------------------

// The catalogues of the web application (web/src/messages/<lang>/<area>.json) as "area.key".
const catalogues = {};
export function catalogue(lang) {
  if (!catalogues[lang]) {
    const dir = join(SOURCE, 'web/src/messages', lang);
    const out = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const area = basename(file, '.json');
      for (const [key, text] of Object.entries(JSON.parse(readFileSync(join(dir, file), 'utf8')))) out[`${area}.${key}`] = text;
    }
    catalogues[lang] = out;
  }
  return catalogues[lang];
}

// T('ar', 'signin.name'), T('en', 'inbox.count', { count: 3 }): a message as the page words it
// (plural forms by the language's rules, {name} filled in, numbers in Latin digits).
export function T(lang, key, params) {
  const text = catalogue(lang)[key] ?? catalogue('en')[key];
  if (text === undefined) throw new Error(`no message ${key} in ${lang} or en`);
  let s = text;
  if (typeof text === 'object') {
    const n = params && typeof params.count === 'number' ? params.count : 0;
    s = text[n === 0 && text.zero ? 'zero' : new Intl.PluralRules(lang).select(n)] ?? text.other;
  }
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}
// Whether a message exists (pages still being written may not have theirs yet).
export const hasMessage = (lang, key) => key in catalogue(lang);

// The workflows' own texts, as the server hands them in the reader's language.
const definitions = {};
export function definition(name) {
  return (definitions[name] ||= JSON.parse(readFileSync(join(SOURCE, 'workflows', `${name}.json`), 'utf8')));
}
const local = (text, lang) => (text && typeof text === 'object' ? text[lang] ?? text.en : text);
const lookup = (data, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), data);
// A template filled as the engine fills it (engine/src/template.cpp): {{path}} by the value at
// path, a member of the data schema that has `labels` by its label in the text's language.
function fill(template, data, schema, lang) {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (m, path) => {
    const v = lookup(data, path);
    const member = path.split('.').reduce((s, k) => (s && s.properties ? s.properties[k] : undefined), schema);
    if (member && member.labels && typeof v === 'string' && member.labels[v] !== undefined) return local(member.labels[v], lang);
    return v == null ? '' : String(v);
  });
}
export const workflowTitle = (workflow, lang) => local(definition(workflow).title, lang);
export const taskTitle = (workflow, state, data, lang) =>
  fill(local(definition(workflow).states[state].task.title, lang), data, definition(workflow).data, lang);
export const outcomeLabel = (workflow, state, outcome, lang) => local(definition(workflow).states[state].task.labels[outcome], lang);
export const fieldTitle = (workflow, state, field, lang) => local(definition(workflow).states[state].task.fields[field].title, lang);
export const valueLabel = (workflow, state, field, value, lang) => local(definition(workflow).states[state].task.fields[field].labels[value], lang);
// A state's name as pages show it (labels.js: the node's title when definitions give one, else
// the name made readable).
export function stateName(workflow, state, lang) {
  const title = local(definition(workflow).states[state].title, lang);
  if (title) return title;
  const s = state.replace(/[_.]+/g, ' ').trim();
  return s[0].toUpperCase() + s.slice(1);
}

// A calendar date `days` from today (UTC), as the API writes dates.
export const day = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
export const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// --- processes --------------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

function redisPing(port) {
  return new Promise((ok) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(500, () => { socket.destroy(); ok(false); });
    socket.on('error', () => ok(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) { socket.destroy(); ok(data.startsWith('+PONG')); }
    });
  });
}

function run(file, args, { timeout = 60000, env } = {}) {
  return new Promise((ok, fail) => {
    execFile(file, args, { timeout, env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${basename(file)} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`));
      else ok(stdout);
    });
  });
}

const tail = (file, lines = 80) => {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
};

// Every server still running, for the exit handlers.
const running = new Set();
function killAll() {
  for (const server of running) server.killNow();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => { killAll(); process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[signal]); });
}

// --- the server -------------------------------------------------------------------------------

export class Server {
  // seed: the demo's people and agreements; args: more of accordd's arguments.
  constructor({ seed = true, args = [] } = {}) {
    this.seed = seed;
    this.args = args;
    this.children = [];
    this.contexts = new Set();
    this.sessions = {};
    this.failed = [];
  }

  async start() {
    running.add(this);
    this.dir = mkdtempSync(join(tmpdir(), 'accord-web-test-'));
    this.log = join(this.dir, 'accordd.log');
    try {
      for (const [what, path] of [['accordd', ACCORDD], ['accordctl', ACCORDCTL], ['the web build', join(WEB_DIST, 'index.html')], ['Chromium', CHROMIUM]]) {
        if (!existsSync(path)) throw new Error(`tests/web: ${what} is missing at ${path}`);
      }
      // Redis: private, in memory only.
      this.redisPort = await freePort();
      const redisDir = join(this.dir, 'redis');
      mkdirSync(redisDir);
      this.spawn('redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--dir', redisDir, '--daemonize', 'no', '--logfile', join(this.dir, 'redis.log')], join(this.dir, 'redis.out'));
      await waitFor(() => redisPing(this.redisPort), { timeout: 10000, message: 'redis-server to answer' });
      this.redisUrl = `redis://127.0.0.1:${this.redisPort}/0`;

      // The administrator's token, as an operator bootstraps it.
      const out = await run(ACCORDCTL, ['user', 'add', 'admin', '--role', 'admin', '--redis', this.redisUrl]);
      this.token = out.split('\n').map((l) => l.trim()).find((l) => l.startsWith('acc_'));
      if (!this.token) throw new Error(`accordctl printed no token: ${out}`);

      // accordd, serving the build.
      this.port = await freePort();
      this.url = `http://127.0.0.1:${this.port}`;
      this.accordd = this.spawn(ACCORDD, ['--redis', this.redisUrl, '--workflows', join(SOURCE, 'workflows'),
        '--calendar', join(SOURCE, 'examples/calendar-palestine.json'), '--listen', `127.0.0.1:${this.port}`,
        '--web', WEB_DIST, ...this.args], this.log);
      await waitFor(async () => {
        if (this.accordd.exitCode !== null) throw new Error(`accordd stopped (exit ${this.accordd.exitCode})`);
        const res = await fetch(`${this.url}/readyz`);
        return res.status === 200;
      }, { timeout: 20000, message: 'accordd /readyz' });

      // The demo's units, people and agreements, through the public API.
      if (this.seed) {
        await run(process.execPath, [join(SOURCE, 'examples/demo/seed.mjs'), '--url', this.url, '--token', this.token, '--password', PASSWORD], { timeout: 90000 });
      }
      this.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      return this;
    } catch (e) {
      process.stderr.write(`\n--- the server did not start: ${e.message}\n--- accordd's log (${this.log}):\n${tail(this.log)}\n`);
      await this.stop({ quiet: true });
      throw e;
    }
  }

  spawn(file, args, logFile) {
    const fd = openSync(logFile, 'a');
    const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', (e) => { child.spawnError = e; });
    this.children.push(child);
    return child;
  }

  // Synchronous last resort (process exit): kill what still runs, remove the directory.
  killNow() {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
    if (this.dir) { try { rmSync(this.dir, { recursive: true, force: true }); } catch { /* busy */ } }
  }

  async stop({ quiet = false } = {}) {
    if (this.failed.length && !quiet) {
      process.stderr.write(`\n--- failed: ${this.failed.join('; ')}\n--- the tail of accordd's log:\n${tail(this.log)}\n`);
    }
    for (const c of this.contexts) await c.close().catch(() => {});
    this.contexts.clear();
    if (this.browser) await this.browser.close().catch(() => {});
    if (this.proxyServer) this.proxyServer.close();
    // accordd first (it drains its sockets), then Redis.
    for (const child of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(hard);
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    running.delete(this);
  }

  // --- the API, as scripts and as people ---

  // A person's session over the API, as their browser has it: the cookie and the origin.
  async session(name) {
    if (this.sessions[name]) return this.sessions[name];
    const res = await fetch(`${this.url}/api/v1/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password: PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`sign-in of ${name}: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
    return (this.sessions[name] = { Cookie: cookie, Origin: this.url });
  }

  // { status, data }. `as`: 'admin' (the bearer token, default) or a person's name.
  async api(method, path, body, { as = 'admin', headers = {} } = {}) {
    const auth = as === 'admin' ? { Authorization: `Bearer ${this.token}` } : await this.session(as);
    const h = { Accept: 'application/json', ...auth, ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`${this.url}/api/v1${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, data };
  }

  async must(method, path, body, options) {
    const r = await this.api(method, path, body, options);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.data)}`);
    return r.data;
  }

  // Adds a person with the demo's password (and the same profile defaults as the demo's).
  addUser(name, roles, profile = {}) {
    return this.must('POST', '/admin/users', {
      name, roles, password: PASSWORD, language: 'en', time_zone: 'Asia/Hebron', units: ['uni'], ...profile,
    });
  }

  // Starts an agreement as `as` (default the admin's token) and returns the instance.
  startAgreement(data, { as = 'admin', key } = {}) {
    return this.must('POST', '/instances', { workflow: 'agreement', data, ...(key ? { key } : {}) }, { as });
  }

  // The open task of `state` in the instance `agreement` or one of its children, as the admin
  // sees it (waiting for it to open: a child starts a moment after its parent's commit).
  async taskOf(agreement, state, { timeout = 10000 } = {}) {
    return waitFor(async () => {
      const page = await this.must('GET', `/tasks?role=${definitionRole(state)}&state=${state}&limit=200`);
      for (const task of page.items) {
        if (task.instance === agreement) return task;
        const instance = await this.must('GET', `/instances/${encodeURIComponent(task.instance)}`);
        if (instance.parent === agreement) return task;
      }
      return null;
    }, { timeout, message: `the ${state} task of ${agreement}` });
  }

  // --- the browser ---

  // A fresh browser context (its own cookies and storage) at this server. `axe: true` bypasses
  // the page's Content-Security-Policy so that axe-core can be injected (the policy as served is
  // unchanged: only this context ignores it). `url` points it elsewhere (a proxy).
  async newContext({ locale = 'en-GB', axe = false, viewport = { width: 1280, height: 800 }, url = this.url, ...more } = {}) {
    const context = await this.browser.newContext({ baseURL: url, locale, viewport, bypassCSP: axe, timezoneId: 'Asia/Hebron', ...more });
    // Generous: `make test` runs other tests beside these on a machine of two cores.
    context.setDefaultTimeout(20000);
    context.setDefaultNavigationTimeout(30000);
    context.on('page', watch);
    this.contexts.add(context);
    context.on('close', () => this.contexts.delete(context));
    return context;
  }

  // A fresh browser context, signed in as `name` through the sign-in form, its page on the inbox.
  async newPerson(name, options = {}) {
    const context = await this.newContext(options);
    const page = await context.newPage();
    await page.goto('/');
    await signIn(page, name);
    return { name, context, page };
  }

  // A TCP proxy in front of accordd whose connections the test can cut (a lost network), and
  // which refuses new ones until restored. { url, cut(), restore() }
  async proxy() {
    const sockets = new Set();
    let down = false;
    const server = net.createServer((client) => {
      if (down) { client.destroy(); return; }
      const upstream = net.connect(this.port, '127.0.0.1');
      for (const [a, b] of [[client, upstream], [upstream, client]]) {
        sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => { sockets.delete(a); b.destroy(); });
        a.pipe(b);
      }
    });
    const port = await new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server.address().port)));
    this.proxyServer = server;
    return {
      url: `http://127.0.0.1:${port}`,
      cut() { down = true; for (const s of sockets) s.destroy(); },
      restore() { down = false; },
    };
  }

  // Screenshots of every open page, for a failed test.
  async failureShots(label) {
    const dir = join(SCREENSHOTS, 'failures');
    mkdirSync(dir, { recursive: true });
    let i = 0;
    for (const context of this.contexts) {
      for (const page of context.pages()) {
        const file = join(dir, `${slug(label)}-${++i}.png`);
        try {
          await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
          process.stderr.write(`--- ${page.url()}: ${file}\n`);
        } catch { /* closed meanwhile */ }
      }
    }
  }
}

// The role whose queue holds a state's task (for taskOf's query).
function definitionRole(state) {
  for (const name of ['agreement', 'mou_proposal', 'legal_review', 'signing']) {
    const s = definition(name).states[state];
    if (s && s.task) return s.task.role;
  }
  throw new Error(`no task state ${state}`);
}

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

// Uncaught errors in a page, and what its Content-Security-Policy refused, for `problems(page)`.
function watch(page) {
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) page.problems.push(`CSP: ${m.text()}`);
  });
}
export const problems = (page) => page.problems || [];

// One server for a test file, called inside the file's `describe` (hooks in a suite work alike
// on Node 18 and later): started before its tests, stopped after them, also when they fail.
// `scenario` (below) records failures for it.
let current = null;
export function setup(options) {
  const server = new Server(options);
  current = server;
  before(() => server.start(), { timeout: 120000 });
  after(() => server.stop(), { timeout: 60000 });
  return server;
}

// A test whose failure keeps screenshots of the open pages and prints accordd's log at the end.
export function scenario(name, fn, { timeout = 120000 } = {}) {
  return nodeTest(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      if (current) {
        current.failed.push(name);
        await current.failureShots(`${basename(process.argv[1] || 'test', '.mjs')}-${name}`);
      }
      throw e;
    }
  });
}

// --- pages ------------------------------------------------------------------------------------

export const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);
export const htmlDir = (page) => page.evaluate(() => document.documentElement.dir);

// Signs in through the form, in whichever language the page shows it, and waits for the
// signed-in frame (its "Sign out").
export async function signIn(page, name, password = PASSWORD) {
  const lang = await waitFor(async () => {
    const l = await htmlLang(page);
    return catalogue(l) && (await page.getByLabel(T(l, 'signin.name'), { exact: true }).isVisible()) && l;
  }, { message: 'the sign-in form' });
  await page.getByLabel(T(lang, 'signin.name'), { exact: true }).fill(name);
  await page.getByLabel(T(lang, 'signin.password'), { exact: true }).fill(password);
  await page.getByRole('button', { name: T(lang, 'signin.submit'), exact: true }).click();
  await signedIn(page);
}

// The signed-in frame, in either language.
export function signOutButton(page) {
  return page.getByRole('button', { name: T('en', 'nav.sign_out'), exact: true })
    .or(page.getByRole('button', { name: T('ar', 'nav.sign_out'), exact: true }));
}
export const signedIn = (page) => signOutButton(page).waitFor({ state: 'visible' });

// A page is settled when its heading is there and nothing says "Loading…".
export async function settle(page, { timeout = 20000 } = {}) {
  const loading = [T('en', 'common.loading'), T('ar', 'common.loading')];
  await waitFor(() => page.evaluate((words) => {
    const h1 = document.querySelector('h1');
    if (!h1 || !h1.getClientRects().length) return false;
    const busy = [...document.querySelectorAll('[role=status], [aria-busy=true]')]
      .some((e) => e.getAttribute('aria-busy') === 'true' || words.includes(e.textContent.trim()));
    return !busy && document.fonts.status === 'loaded';
  }, loading), { timeout, message: `${page.url()} to settle` });
}

// The language, through the frame's switch (signed in, it is kept in the profile).
// Signed in, the choice is saved in the person's profile (PATCH /me): waited for, since a page
// loaded while it is on its way comes in the profile's old language.
export async function switchLanguage(page, lang) {
  const saved = (await signOutButton(page).isVisible())
    ? page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/me')
    : null;
  await page.getByRole('button', { name: T(lang, 'common.language_name'), exact: true }).click();
  await waitFor(async () => (await htmlLang(page)) === lang, { message: `the page in ${lang}` });
  if (saved) assert.equal((await saved).status(), 200, 'the language saved in the profile');
}

// axe-core on the page as it is: fails on serious or critical violations, listing them.
// Needs a context made with `axe: true` (the injected script is inline).
export async function axeCheck(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, html: n.html.slice(0, 160) })),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = bad.flatMap((v) => [`  ${v.id} (${v.impact}): ${v.help}`,
      ...v.nodes.slice(0, 6).map((n) => `      at ${n.target}: ${n.html}`),
      ...(v.nodes.length > 6 ? [`      ... and ${v.nodes.length - 6} more`] : [])]);
    throw new Error(`axe: ${label} (${page.url()}) has ${bad.length} serious or critical violation(s):\n${lines.join('\n')}`);
  }
  return violations;
}

// A full-page screenshot into ACCORD_SCREENSHOTS as NAME.png.
export async function shot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Marks the page's window; `stillSamePage` then says whether it was never reloaded since.
export const markPage = (page) => page.evaluate(() => { window.__accordTestMark = true; });
export const stillSamePage = (page) => page.evaluate(() => window.__accordTestMark === true);
