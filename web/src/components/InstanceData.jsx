// An instance's data as a definition list people read: nested members flattened ("Partner
// institution › Name"), lists joined, dates in the reader's calendar. Each member is named by
// the workflow's data schema, else by a task field of the same path in the definition (an
// event's fields name new values: "New end date"), else by its name in words. A task's kept
// result (`save_to`) reads as its answer, who gave it and when.
import { t } from '../i18n.js';
import { localText, humanize } from './labels.js';
import { formatValue, orderedProperties } from './Form.jsx';

const isPlainObject = (v) => v && typeof v === 'object' && !Array.isArray(v);

// Titles and enum labels by data path ("partner.name") from every field the definition declares.
function fieldHints(definition) {
  const titles = {};
  const labels = {};
  const walk = (props, prefix) => {
    for (const [name, s] of Object.entries(props || {})) {
      if (!s || typeof s !== 'object') continue;
      const path = prefix + name;
      if (s.title && !titles[path]) titles[path] = s.title;
      if (s.labels && !labels[path]) labels[path] = s.labels;
      if (s.properties) walk(s.properties, path + '.');
    }
  };
  if (!definition) return { titles, labels };
  walk(definition.data && definition.data.properties, '');
  for (const state of Object.values(definition.states || {})) if (state && state.task) walk(state.task.fields, '');
  return { titles, labels };
}

// Where tasks keep their results (`save_to`): path -> the task's state and form.
function taskRecords(definition) {
  const records = {};
  for (const [state, s] of Object.entries((definition && definition.states) || {})) {
    if (s && s.task && s.task.save_to) records[s.task.save_to] = { state, task: s.task };
  }
  return records;
}

// A task's result as the engine keeps it ({outcome, by, at, comment, fields}): its answer by the
// outcome's label, who and when, the comment, and the fields by their titles.
function record(value, rec, names, out, ctx) {
  const label = (o) => {
    const node = ctx.graph && ctx.graph.nodes && ctx.graph.nodes.find((n) => n.id === rec.state);
    return (node && node.task && node.task.labels && node.task.labels[o]) || localText((rec.task.labels || {})[o]) || humanize(o);
  };
  if (value.outcome) out.push([[...names, t('instance.record_outcome')].join(' › '), label(value.outcome)]);
  if (value.by) out.push([[...names, t('instance.record_by')].join(' › '), formatValue({ format: 'user' }, value.by, ctx)]);
  if (value.at) out.push([[...names, t('instance.record_at')].join(' › '), formatValue({}, value.at, ctx)]);
  if (value.comment) out.push([[...names, t('instance.record_comment')].join(' › '), formatValue({}, value.comment, ctx)]);
  for (const [name, v] of Object.entries(value.fields || {})) {
    const field = (rec.task.fields || {})[name];
    flatten(field, v, '', [...names, (field && localText(field.title)) || humanize(name)], out, ctx);
  }
}

function flatten(schema, value, path, names, out, ctx) {
  if (value === undefined || value === null) return;
  const title = (s, name, p) => (s && localText(s.title)) || localText(ctx.titles[p]) || humanize(name);
  if (path && ctx.records[path] && isPlainObject(value) && ('outcome' in value || 'by' in value)) {
    record(value, ctx.records[path], names, out, ctx);
    return;
  }
  if (isPlainObject(value)) {
    const props = (schema && schema.properties) || {};
    const known = orderedProperties(schema).map(([n]) => n).filter((n) => n in value);
    const rest = Object.keys(value).filter((n) => !(n in props)).sort();
    for (const name of [...known, ...rest]) {
      const p = path ? `${path}.${name}` : name;
      flatten(props[name], value[name], p, [...names, title(props[name], name, p)], out, ctx);
    }
    return;
  }
  if (Array.isArray(value) && value.some(isPlainObject)) {
    value.forEach((item, i) => flatten(schema && schema.items, item, path, [...names.slice(0, -1), `${names[names.length - 1]} ${i + 1}`], out, ctx));
    return;
  }
  const labelled = schema && schema.labels ? schema : { ...schema, labels: ctx.labels[path] };
  out.push([names.join(' › '), formatValue(labelled, value, ctx)]);
}

// `data`: the instance's data; `definition`: its workflow definition as published, and `graph`
// its graph in the reader's language (both optional).
export function InstanceData({ data, definition, graph, units, people }) {
  const out = [];
  const ctx = { units, people, graph, ...fieldHints(definition), records: taskRecords(definition) };
  flatten((definition && definition.data) || {}, data || {}, '', [], out, ctx);
  if (!out.length) return <p class="empty">{t('form.nothing_given')}</p>;
  return (
    <dl class="data instance-data">
      {out.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}
    </dl>
  );
}

export default InstanceData;
