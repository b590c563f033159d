// The organisation's units (GET /api/v1/admin/units) as the pages show them: a unit's name in
// the reader's language, and the tree in reading order with each unit's depth.
import { lang } from '../../i18n.js';

export const unitName = (unit) => (unit && unit.name && (unit.name[lang.value] || unit.name.en || unit.name.ar)) || (unit && unit.id) || '';

// [{ unit, depth }] parents before their children, siblings by name. Units whose parent is not
// listed, or that sit in a loop, come last at depth 0, so that nothing is hidden.
export function treeOrder(units, key = (u) => u.id) {
  const children = new Map();
  const ids = new Set(units.map(key));
  for (const u of units) {
    const parent = u.parent && ids.has(u.parent) && u.parent !== key(u) ? u.parent : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(u);
  }
  const byName = (a, b) => unitName(a).localeCompare(unitName(b), lang.value);
  const out = [];
  const seen = new Set();
  const walk = (parent, depth) => {
    for (const u of (children.get(parent) || []).slice().sort(byName)) {
      if (seen.has(u)) continue;
      seen.add(u);
      out.push({ unit: u, depth });
      walk(key(u), depth + 1);
    }
  };
  walk(null, 0);
  for (const u of units) if (!seen.has(u)) out.push({ unit: u, depth: 0 });
  return out;
}
