// What the pages look up besides their own object, read once per page load and shared: the
// organisational units, the people a reader may list (for display names and choosing someone),
// and workflow definitions and their graphs by version.
import { get, enc, query } from '../api.js';
import { lang } from '../i18n.js';
import { me, isAdmin } from '../session.js';
import { localText } from './labels.js';

const cache = new Map();
function once(key, load) {
  if (!cache.has(key)) {
    const p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key)); // a failure is tried again next time
  }
  return cache.get(key);
}

// The units as a map id -> {id, name: {en, ar}, parent} (GET /admin/units: anyone signed in).
export const loadUnits = () => once('units', () => get('/admin/units').then((r) => {
  const byId = {};
  for (const u of r.items) byId[u.id] = u;
  return byId;
}));
export const unitName = (units, id) => (units && units[id] ? localText(units[id].name) : id);

// The holders of a role (GET /people?role=R: admins, auditors and the role's leads).
export const loadPeopleOf = (role) => once(`people:${role}`, () => get('/people' + query({ role })).then((r) => r.items));

// Whether the reader may list a role's holders.
export function mayListPeople(role) {
  const roles = (me.value && me.value.roles) || [];
  return roles.includes('admin') || roles.includes('auditor') || roles.includes(`${role}_lead`);
}

// The user names that what a page shows may hold: every string shaped like one (a-z 0-9 . _ -)
// in the values given (history entries, tasks, an instance's data). Looked up by name, the ones
// that are people get their display names; the others are simply not found.
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export function namesIn(...values) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === 'string') { if (NAME.test(v)) out.add(v); }
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  values.forEach(walk);
  return [...out].sort();
}

// Everyone the reader may know by name, as a map name -> {name, display_name, units}: every user
// for admins; else the holders of the given roles the reader may list, the people `names` names
// (GET /people?name=: anyone signed in, a hundred at a time), and the reader.
export async function loadPeople(roles = [], names = []) {
  const byName = {};
  const add = (p) => { if (p && p.name) byName[p.name] = { ...byName[p.name], ...p }; };
  add(me.value);
  if (isAdmin.value) {
    try { (await once('users', () => get('/admin/users'))).items.forEach(add); } catch { /* names stay ids */ }
    return byName;
  }
  const lists = await Promise.allSettled([...new Set(roles)].filter(mayListPeople).map(loadPeopleOf));
  for (const l of lists) if (l.status === 'fulfilled') l.value.forEach(add);
  const missing = names.filter((n) => !byName[n]);
  const chunks = [];
  for (let i = 0; i < missing.length; i += 100) chunks.push(missing.slice(i, i + 100).join(','));
  const found = await Promise.allSettled(chunks.map((name) => once(`named:${name}`, () => get('/people' + query({ name })))));
  for (const f of found) if (f.status === 'fulfilled') f.value.items.forEach(add);
  return byName;
}

// A definition as published (every language in it), and its graph in the reader's language.
export const loadDefinition = (workflow, version) =>
  once(`def:${workflow}:${version || ''}`, () => get(`/definitions/${enc(workflow)}${version ? `/versions/${version}` : ''}`));
export const loadGraph = (workflow, version) => {
  const l = lang.value;
  return once(`graph:${workflow}:${version}:${l}`, () => get(`/definitions/${enc(workflow)}/versions/${version}/graph?lang=${l}`));
};

// The graph with each state's title from the definition where the graph has none (a state's
// `title`, in every language the definition gives).
export function titledGraph(graph, definition) {
  const states = definition && definition.states;
  if (!graph || !states) return graph;
  return { ...graph, nodes: graph.nodes.map((n) => (n.title || !states[n.id] || !states[n.id].title ? n : { ...n, title: states[n.id].title })) };
}
