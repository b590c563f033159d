// The demo's people and agreements (`make run`, and the browser tests): the units, a person per
// role in English and in Arabic with a password, and on a fresh keyspace a handful of agreements
// at different stages, so that each person's inbox holds work the first time they sign in.
// Everything goes through the public API, as an administrator and then as each person.
//
//   node examples/demo/seed.mjs --url http://127.0.0.1:8080 --token ADMIN_TOKEN --password PW [--file people.json]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const base = (args.url || 'http://127.0.0.1:8080').replace(/\/$/, '');
const password = args.password;
if (!args.token || !password) {
  console.error('usage: seed.mjs --url URL --token ADMIN_TOKEN --password PASSWORD [--file FILE]');
  process.exit(2);
}
const demo = JSON.parse(readFileSync(args.file || join(dirname(fileURLToPath(import.meta.url)), 'people.json'), 'utf8'));

async function call(auth, method, path, body) {
  const headers = { Accept: 'application/json', ...auth };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + '/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  return { status: res.status, data, headers: res.headers };
}

async function must(auth, method, path, body) {
  const r = await call(auth, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

const admin = { Authorization: `Bearer ${args.token}` };

// Signed in as a person, as their browser would be: the session cookie, and the server's origin.
const sessions = {};
async function as(name) {
  if (sessions[name]) return sessions[name];
  const r = await call({}, 'POST', '/session', { name, password });
  if (r.status !== 200) throw new Error(`sign-in of ${name}: ${r.status} ${JSON.stringify(r.data)}`);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  return (sessions[name] = { Cookie: cookie, Origin: new URL(base).origin });
}

async function people() {
  await must(admin, 'PUT', '/admin/units', { items: demo.units });
  for (const p of demo.people) {
    const profile = { display_name: p.display_name, language: p.language, units: p.units, time_zone: p.time_zone || 'Asia/Hebron' };
    const made = await call(admin, 'POST', '/admin/users', { name: p.name, roles: p.roles, password, ...profile });
    if (made.status === 409) {
      await must(admin, 'PATCH', `/admin/users/${p.name}`, { ...profile, roles: p.roles });
      await must(admin, 'PUT', `/admin/users/${p.name}/password`, { password });
    } else if (made.status !== 201) {
      throw new Error(`adding ${p.name}: ${made.status} ${JSON.stringify(made.data)}`);
    }
  }
}

// The open task of `state` that `name` may complete, on the agreement or on one of its children.
async function taskOf(name, agreement, state) {
  const who = await as(name);
  for (let attempt = 0; attempt < 50; attempt++) {
    const page = await must(who, 'GET', `/tasks?state=${state}&limit=200`);
    for (const task of page.items) {
      if (task.instance === agreement) return task;
      const instance = await must(who, 'GET', `/instances/${encodeURIComponent(task.instance)}`);
      if (instance.parent === agreement) return task;
    }
    await new Promise((r) => setTimeout(r, 100)); // a child starts a moment after its parent's commit
  }
  throw new Error(`no ${state} task of ${agreement} for ${name}`);
}

async function agreements() {
  for (const a of demo.agreements) {
    const found = await must(admin, 'GET', `/instances?workflow=agreement&key=${encodeURIComponent(a.key)}`);
    if (found.items.length) continue;
    const started = await must(await as(a.as), 'POST', '/instances', { workflow: 'agreement', key: a.key, data: a.data });
    for (const step of a.steps) {
      const task = await taskOf(step.as, started.id, step.state);
      await must(await as(step.as), 'POST', `/tasks/${encodeURIComponent(task.id)}/complete`, { outcome: step.outcome, fields: step.fields });
    }
    console.log(`seed: ${a.key} (${a.data.partner.name}) ${a.steps.length ? 'after ' + a.steps.map((s) => s.state).join(', ') : 'just started'}`);
  }
}

await people();
await agreements();
