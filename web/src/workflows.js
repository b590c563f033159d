// The workflow definitions' summaries (GET /api/v1/definitions), read once per language: the
// pages show a workflow's title rather than its name.
import { signal, effect } from '@preact/signals';
import { get } from './api.js';
import { lang } from './i18n.js';
import { me } from './session.js';

export const definitions = signal([]);

effect(() => {
  if (!me.value) return;
  const wanted = lang.value;
  get(`/definitions?lang=${wanted}`).then((list) => { if (lang.value === wanted) definitions.value = list.items; }, () => {});
});

export function workflowTitle(name) {
  const d = definitions.value.find((x) => x.name === name);
  return (d && d.title) || name;
}
