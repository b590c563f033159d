// Names for things the server names by identifier: a definition's text in the reader's language,
// a state, an event or an enum value in words. The server gives texts for people where it has
// them (task titles, field titles, outcome labels); these are the fall-backs where it does not.
import { t, lang } from '../i18n.js';

// A definition's text ({"en": ..., "ar": ...} or a string) in the reader's language, else
// English, else the first it has.
export function localText(text) {
  if (text == null) return '';
  if (typeof text !== 'object') return String(text);
  return text[lang.value] ?? text.en ?? Object.values(text)[0] ?? '';
}

// "request_changes" -> "Request changes", as the server words an outcome without a label.
export function humanize(name) {
  const s = String(name || '').replace(/[_.]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : '';
}

// An enum value in words: its schema's `labels` where the definition gives them, else the
// value made readable.
export function valueLabel(value, schema) {
  const label = schema && schema.labels && schema.labels[value];
  return label ? localText(label) : humanize(value);
}

// A state in words: its title where the definition gives one (a graph node's `title`, see
// directory.js titledGraph), else its name made readable.
export function stateLabel(state, graph) {
  const node = graph && graph.nodes && graph.nodes.find((n) => n.id === state);
  return (node && node.title && localText(node.title)) || humanize(state);
}

// A JSON Pointer's segments, unescaped.
export const pointerParts = (pointer) => String(pointer || '').split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

// An instance's outcome in words: "cancelled" is the engine's own; another is its final state's.
export function outcomeLabel(outcome, graph) {
  if (outcome === 'cancelled') return t('instance.status_cancelled');
  const node = graph && graph.nodes && graph.nodes.find((n) => n.kind === 'final' && n.outcome === outcome);
  return node ? stateLabel(node.id, graph) : humanize(outcome);
}
