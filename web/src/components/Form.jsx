// One form renderer for the engine's field vocabulary (docs/workflow-language.md, "Fields and data
// schemas"): a task's fields and a workflow's start data. Values live in the page as the controls
// hold them (text for text and numbers, booleans, objects and arrays of those); `buildFields`
// turns them into the JSON the API takes, `validate` checks them as the server will (required,
// required_for the outcome, type, minimum/maximum, minLength/maxLength, enum, format), and
// errors are keyed by the JSON Pointer the server names (`/fields/quotas/students`), shown next
// to their field and in a summary at the top.
import { useEffect, useRef } from 'preact/hooks';
import { t, formatNumber, formatDay, formatDateTime, timeZone } from '../i18n.js';
import { localText, humanize, valueLabel, pointerParts } from './labels.js';
import { unitName } from './directory.js';
import './form.css';

// --- the schema -------------------------------------------------------------------------------

function kind(s) {
  if (s.type === 'object' || (!s.type && s.properties)) return 'object';
  if (s.type === 'array') return s.items && s.items.enum ? 'choices' : 'array';
  if (s.type === 'boolean') return 'boolean';
  if (s.enum) return 'enum';
  if (s.type === 'number' || s.type === 'integer') return 'number';
  if (s.format === 'date') return 'date';
  if (s.format === 'date-time') return 'datetime';
  if (s.format === 'email') return 'email';
  if (s.format === 'duration') return 'duration';
  if (s.format === 'user') return 'user';
  if (s.format === 'unit') return 'unit';
  return 'text';
}

// A form's fields, and an object's members, in the order the definition gives them (the API
// keeps its author's order).
export const fieldList = (fields) => Object.entries(fields || {});
export const orderedProperties = (s) => Object.entries((s && s.properties) || {});

// A workflow's data schema as form fields: its members, required or optional.
export function dataFields(schema) {
  const required = (schema && schema.required) || [];
  const fields = {};
  for (const [name, s] of Object.entries((schema && schema.properties) || {})) fields[name] = { ...s, optional: !required.includes(name) };
  return fields;
}

const isRequired = (s, outcome) => (s.required_for ? !!outcome && s.required_for.includes(outcome) : !s.optional);

// --- values -----------------------------------------------------------------------------------

function initial(s, v) {
  switch (kind(s)) {
    case 'object': {
      const o = {};
      const given = v && typeof v === 'object' && !Array.isArray(v) ? v : {};
      for (const [name, sub] of Object.entries(s.properties || {})) o[name] = initial(sub, given[name]);
      return o;
    }
    case 'array': {
      const rows = Array.isArray(v) ? v.map((x) => initial(s.items || {}, x)) : [];
      return rows.length ? rows : [initial(s.items || {}, undefined)];
    }
    case 'choices': return Array.isArray(v) ? v.map(String) : [];
    case 'boolean': return typeof v === 'boolean' ? v : undefined;
    case 'datetime': return typeof v === 'string' ? toLocalInput(v) : '';
    default: return v === undefined || v === null || typeof v === 'object' ? '' : String(v);
  }
}

// The controls' values for a set of fields, taken from `data` where a field's name matches.
export function initialValues(fields, data = {}) {
  const values = {};
  for (const [name, s] of Object.entries(fields || {})) values[name] = initial(s, data && data[name]);
  return values;
}

const DIGITS = { '٠': 0, '١': 1, '٢': 2, '٣': 3, '٤': 4, '٥': 5, '٦': 6, '٧': 7, '٨': 8, '٩': 9, '۰': 0, '۱': 1, '۲': 2, '۳': 3, '۴': 4, '۵': 5, '۶': 6, '۷': 7, '۸': 8, '۹': 9 };
// A number as typed, in Latin or Arabic-Indic digits; NaN when it is none.
export function parseNumber(text) {
  const s = String(text).trim().replace(/[٠-٩۰-۹]/g, (d) => DIGITS[d]).replace(/[٫,]/g, '.').replace(/[−–]/g, '-');
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN;
}

// A date-time control holds the reader's wall-clock time; the API takes UTC.
function zoneOffset(ms) {
  const parts = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone: timeZone.value, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return Date.UTC(+parts.year, parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - ms;
}
function toLocalInput(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return new Date(ms + zoneOffset(ms)).toISOString().slice(0, 16);
}
function fromLocalInput(local) {
  const wall = Date.parse(local + ':00Z');
  if (Number.isNaN(wall)) return local;
  return new Date(wall - zoneOffset(wall - zoneOffset(wall))).toISOString().replace('.000Z', 'Z');
}

const blank = (v) => v === undefined || (typeof v === 'string' && v.trim() === '');

// The JSON of one value, or undefined when it is left empty. `map` records, for each pointer of
// what is sent, the pointer of the control it came from (empty rows of a list are left out).
function build(s, v, sent, shown, map) {
  map[sent] = shown;
  switch (kind(s)) {
    case 'object': {
      const o = {};
      for (const [name, sub] of Object.entries(s.properties || {})) {
        const x = build(sub, v && v[name], `${sent}/${name}`, `${shown}/${name}`, map);
        if (x !== undefined) o[name] = x;
      }
      return Object.keys(o).length ? o : undefined;
    }
    case 'array': {
      const out = [];
      (v || []).forEach((row, i) => {
        const x = build(s.items || {}, row, `${sent}/${out.length}`, `${shown}/${i}`, map);
        if (x !== undefined) out.push(x);
      });
      return out.length ? out : undefined;
    }
    case 'choices': {
      const items = s.items.enum.filter((e) => (v || []).includes(String(e)));
      return items.length ? items : undefined;
    }
    case 'boolean': return v;
    case 'enum': return blank(v) ? undefined : (s.enum.find((e) => String(e) === v) ?? v);
    case 'number': { if (blank(v)) return undefined; const n = parseNumber(v); return Number.isNaN(n) ? String(v) : n; }
    case 'datetime': return blank(v) ? undefined : fromLocalInput(v);
    default: return blank(v) ? undefined : v;
  }
}

// What to send: each field's JSON, without the empty ones. A field that is not required for this
// outcome and still holds just what the instance's data gave it (`unchanged`) is left out too:
// the data has it already, and a stale value must not block the completion.
export function buildFields(fields, values, { outcome, base = '/fields', unchanged } = {}) {
  const out = {};
  const map = {};
  for (const [name, s] of Object.entries(fields || {})) {
    const v = values[name];
    if (unchanged && !isRequired(s, outcome) && JSON.stringify(v) === JSON.stringify(unchanged[name])) continue;
    const x = build(s, v, `${base}/${name}`, `${base}/${name}`, map);
    if (x !== undefined) out[name] = x;
  }
  return { value: out, map };
}

// --- checks -----------------------------------------------------------------------------------

const length = (s) => [...s].length;
function validDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === m[2] - 1 && d.getUTCDate() === +m[3];
}
const validEmail = (s) => { const at = s.indexOf('@'); return at > 0 && s.indexOf('@', at + 1) < 0 && s.indexOf('.', at) > 0 && !s.endsWith('.') && !s.includes(' '); };
const validDuration = (s) => /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(s);
const validName = (s) => /^[a-z0-9][a-z0-9._-]{0,63}$/.test(s);

// One value's first problem, as the server would find it, or none.
function check(s, x) {
  const type = s.type;
  if (type === 'integer' && !(typeof x === 'number' && Number.isInteger(x))) return t('form.error.integer');
  if (type === 'number' && typeof x !== 'number') return t('form.error.number');
  if (s.enum && !s.enum.some((e) => e === x)) return t('form.error.enum');
  if (typeof x === 'string') {
    if (s.minLength != null && length(x) < s.minLength) return t('form.error.min_length', { count: s.minLength });
    if (s.maxLength != null && length(x) > s.maxLength) return t('form.error.max_length', { count: s.maxLength });
    if (s.format === 'date' && !validDate(x)) return t('form.error.date');
    if (s.format === 'date-time' && Number.isNaN(Date.parse(x))) return t('form.error.datetime');
    if (s.format === 'email' && !validEmail(x)) return t('form.error.email');
    if (s.format === 'duration' && !validDuration(x)) return t('form.error.duration');
    if ((s.format === 'user' || s.format === 'unit') && !validName(x)) return t(s.format === 'user' ? 'form.error.user' : 'form.error.unit');
  }
  if (typeof x === 'number') {
    if (s.minimum != null && x < s.minimum) return t('form.error.minimum', { min: formatNumber(s.minimum) });
    if (s.maximum != null && x > s.maximum) return t('form.error.maximum', { max: formatNumber(s.maximum) });
  }
  return null;
}

function checkTree(s, x, pointer, errors) {
  const problem = check(s, x);
  if (problem) { errors[pointer] = problem; return; }
  if (kind(s) === 'object' && x && typeof x === 'object') {
    for (const name of s.required || []) if (x[name] === undefined) errors[`${pointer}/${name}`] = t('form.error.required');
    for (const [name, sub] of Object.entries(s.properties || {})) {
      if (x[name] !== undefined && !errors[`${pointer}/${name}`]) checkTree(sub, x[name], `${pointer}/${name}`, errors);
    }
  }
  if (kind(s) === 'array' && Array.isArray(x)) x.forEach((item, i) => checkTree(s.items || {}, item, `${pointer}/${i}`, errors));
}

// The problems of the values for this outcome, by the pointer of their control ({} when none).
export function validate(fields, values, { outcome, base = '/fields', unchanged } = {}) {
  const { value, map } = buildFields(fields, values, { outcome, base, unchanged });
  const sent = {};
  for (const [name, s] of Object.entries(fields || {})) {
    if (value[name] === undefined) {
      if (isRequired(s, outcome)) sent[`${base}/${name}`] = t('form.error.required');
    } else {
      checkTree(s, value[name], `${base}/${name}`, sent);
    }
  }
  const errors = {};
  for (const [pointer, message] of Object.entries(sent)) errors[map[pointer] || pointer] = message;
  return errors;
}

// The server's messages (English, docs/api.md) in the reader's words where we know them.
export function serverMessage(detail) {
  const d = String(detail || '');
  let m;
  if (/^is required/.test(d)) return t('form.error.required');
  if ((m = /^must be of type (\w+)/.exec(d))) return ['integer', 'number', 'string', 'boolean', 'object', 'array'].includes(m[1]) ? t(`form.error.${m[1]}`) : d;
  if ((m = /^must be at least (\d+) characters long/.exec(d))) return t('form.error.min_length', { count: +m[1] });
  if ((m = /^must be at most (\d+) characters long/.exec(d))) return t('form.error.max_length', { count: +m[1] });
  if ((m = /^must be at least (-?[\d.]+)$/.exec(d))) return t('form.error.minimum', { min: formatNumber(+m[1]) });
  if ((m = /^must be at most (-?[\d.]+)$/.exec(d))) return t('form.error.maximum', { max: formatNumber(+m[1]) });
  if (/^must be one of/.test(d)) return t('form.error.enum');
  if (/^must be a date \(/.test(d)) return t('form.error.date');
  if (/^must be a date-time/.test(d)) return t('form.error.datetime');
  if (/^must be an e-mail/.test(d)) return t('form.error.email');
  if (/^must be an ISO 8601 duration/.test(d)) return t('form.error.duration');
  if (/^must be a user name/.test(d)) return t('form.error.user');
  if (/^must be a unit id/.test(d)) return t('form.error.unit');
  if (/^is not a field of this form/.test(d)) return t('form.error.unknown');
  return d;
}

// A refused request's field errors, by the pointer of their control: the problem's `pointer`
// (and its `errors`, where the server lists several), mapped back through `build`'s map.
export function serverErrors(error, map = {}) {
  const out = {};
  const p = (error && error.problem) || {};
  const add = (pointer, message) => { if (pointer && pointer.startsWith('/') && pointer !== '/outcome') out[map[pointer] || pointer] = serverMessage(message); };
  for (const e of p.errors || []) add(e.pointer, e.message);
  add(p.pointer, p.detail);
  return out;
}

// --- rendering --------------------------------------------------------------------------------

export const fieldId = (prefix, pointer) => `${prefix}${pointer.replace(/[^A-Za-z0-9_-]/g, '-')}`;

// The label of the control at `pointer`, for the error summary: "Yearly quotas › Students".
export function labelAt(fields, pointer, base = '/fields') {
  const parts = pointerParts(pointer.slice(base.length));
  const names = [];
  let s = { properties: fields };
  for (const part of parts) {
    if (!s) break;
    if (kind(s) === 'array' || kind(s) === 'choices') { names[names.length - 1] += ` ${formatNumber(+part + 1)}`; s = s.items; continue; }
    const sub = (s.properties || {})[part];
    names.push(sub ? localText(sub.title) || humanize(part) : humanize(part));
    s = sub;
  }
  return names.join(' › ');
}

// The pointers of the controls in the order the form shows them.
function displayOrder(fields, base) {
  const out = [];
  const walk = (s, pointer) => {
    out.push(pointer);
    if (kind(s) === 'object') for (const [name, sub] of orderedProperties(s)) walk(sub, `${pointer}/${name}`);
    if (kind(s) === 'array') for (let i = 0; i < 50; i++) walk(s.items || {}, `${pointer}/${i}`);
  };
  for (const [name, s] of fieldList(fields)) walk(s, `${base}/${name}`);
  return out;
}

// A summary of the problems at the top of the form, each a link to its control (GOV.UK's pattern).
export function ErrorSummary({ errors, fields, prefix, base = '/fields' }) {
  const order = displayOrder(fields, base);
  const rank = (pointer) => {
    for (let p = pointer; p.length > base.length; p = p.slice(0, p.lastIndexOf('/'))) {
      const i = order.indexOf(p);
      if (i >= 0) return i;
    }
    return order.length;
  };
  const entries = Object.entries(errors || {}).sort(([a], [b]) => rank(a) - rank(b));
  if (!entries.length) return null;
  const go = (pointer) => (e) => {
    e.preventDefault();
    focusPointer(document, prefix, pointer);
  };
  return (
    <div class="error-summary" role="alert" tabIndex={-1}>
      <h2>{t('form.problems', { count: entries.length })}</h2>
      <ul>
        {entries.map(([pointer, message]) => (
          <li><a href={`#${fieldId(prefix, pointer)}`} onClick={go(pointer)}>{labelAt(fields, pointer, base)}: {message}</a></li>
        ))}
      </ul>
    </div>
  );
}

// Focus the control of a pointer (or the first control of its group).
export function focusPointer(root, prefix, pointer) {
  const el = root.querySelector(`#${CSS.escape(fieldId(prefix, pointer))}`);
  if (!el) return false;
  const control = el.matches('input, select, textarea, button') ? el : el.querySelector('input, select, textarea, button');
  (control || el).focus();
  return true;
}

// Focus the first control with a problem, in the order they are on the page, once `errors` is
// shown.
export function useFocusFirstError(ref, errors, prefix, token) {
  useEffect(() => {
    if (!ref.current || !errors || !Object.keys(errors).length) return;
    const marked = ref.current.querySelector('[data-invalid="true"]');
    if (marked) {
      const control = marked.matches('input, select, textarea') ? marked : marked.querySelector('input, select, textarea, button');
      if (control) { control.focus(); return; }
    }
    const summary = ref.current.querySelector('.error-summary');
    if (summary) summary.focus();
  }, [token]);
}

// The fields of a form. `values` and `onChange(values)` hold the controls' state; `errors` are by
// pointer; `labels` name the outcomes (for "Required for: ..."); `units` and `people` are offered
// for `unit` and `user` fields; `prefix` keeps the controls' ids apart from others on the page.
export function Fields({ fields, values, onChange, errors = {}, base = '/fields', prefix = 'f', labels = {}, units, people, disabled }) {
  const ctx = { errors, prefix, labels, units, people, disabled };
  return (
    <div class="form-fields">
      {fieldList(fields).map(([name, s]) => (
        <Field key={name} name={name} schema={s} value={values[name]} pointer={`${base}/${name}`} ctx={ctx} top
               required={s.required_for ? false : !s.optional} requiredFor={s.required_for}
               onChange={(v) => onChange({ ...values, [name]: v })} />
      ))}
    </div>
  );
}

function Help({ id, schema, requiredFor, ctx, extra }) {
  const texts = [localText(schema.description), localText(schema.help), extra].filter(Boolean);
  const needed = requiredFor && requiredFor.length
    ? t('form.required_for', { outcomes: requiredFor.map((o) => ctx.labels[o] || humanize(o)).join(t('form.list_separator')) })
    : null;
  if (!texts.length && !needed) return null;
  return (
    <div class="field-help" id={id}>
      {texts.map((x) => <p dir="auto">{x}</p>)}
      {needed && <p class="required-for">{needed}</p>}
    </div>
  );
}

function ErrorText({ id, message }) {
  return message ? <p class="field-error" id={id}><span class="visually-hidden">{t('form.error_prefix')} </span>{message}</p> : null;
}

function numberHint(s) {
  const whole = s.type === 'integer';
  if (s.minimum != null && s.maximum != null) return t(whole ? 'form.hint.integer_between' : 'form.hint.number_between', { min: formatNumber(s.minimum), max: formatNumber(s.maximum) });
  if (s.minimum != null) return t(whole ? 'form.hint.integer_min' : 'form.hint.number_min', { min: formatNumber(s.minimum) });
  if (s.maximum != null) return t(whole ? 'form.hint.integer_max' : 'form.hint.number_max', { max: formatNumber(s.maximum) });
  return whole ? t('form.hint.integer') : null;
}

function Field({ name, schema: s, value, onChange, pointer, ctx, required, requiredFor, top, labelText }) {
  const id = fieldId(ctx.prefix, pointer);
  const error = ctx.errors[pointer];
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const label = labelText || localText(s.title) || humanize(name);
  const k = kind(s);
  const hint = k === 'number' ? numberHint(s)
    : k === 'duration' ? t('form.hint.duration')
    : k === 'user' && !(ctx.people && ctx.people.length) ? t('form.hint.user')
    : s.maxLength != null ? t('form.hint.max_length', { count: s.maxLength }) : null;
  const hasHelp = !!(localText(s.description) || localText(s.help) || hint || (requiredFor && requiredFor.length));
  const describedBy = [hasHelp && helpId, error && errorId].filter(Boolean).join(' ') || undefined;
  const common = {
    id, disabled: ctx.disabled, 'aria-describedby': describedBy,
    'aria-invalid': error ? 'true' : undefined, 'aria-required': required ? 'true' : undefined,
    'data-invalid': error ? 'true' : undefined,
  };
  const help = <Help id={helpId} schema={s} requiredFor={requiredFor} ctx={ctx} extra={hint} />;
  const labelEl = <label for={id} class={required ? 'required' : undefined}>{label}</label>;

  if (k === 'object' || k === 'array' || k === 'choices' || (k === 'enum' && s.enum.length <= 4 && required)) {
    // A group: a fieldset whose legend is the field's title.
    return (
      <fieldset class={`field-group ${k}`} id={id} data-invalid={error ? 'true' : undefined}
                aria-describedby={describedBy}>
        <legend class={required ? 'required' : undefined}>{label}</legend>
        {help}
        <ErrorText id={errorId} message={error} />
        {k === 'object' && orderedProperties(s).map(([sub, ss]) => (
          <Field key={sub} name={sub} schema={ss} value={(value || {})[sub]} pointer={`${pointer}/${sub}`} ctx={ctx}
                 required={(s.required || []).includes(sub)}
                 onChange={(v) => onChange({ ...(value || {}), [sub]: v })} />
        ))}
        {k === 'array' && <Rows schema={s} value={value || []} onChange={onChange} pointer={pointer} ctx={ctx} label={label} />}
        {k === 'choices' && s.items.enum.map((e, i) => (
          <div class="choice">
            <input type="checkbox" id={`${id}-${i}`} checked={(value || []).includes(String(e))} disabled={ctx.disabled}
                   onChange={(ev) => onChange(ev.currentTarget.checked ? [...(value || []), String(e)] : (value || []).filter((x) => x !== String(e)))} />
            <label for={`${id}-${i}`}>{valueLabel(e, s.items)}</label>
          </div>
        ))}
        {k === 'enum' && s.enum.map((e, i) => (
          <div class="choice">
            <input type="radio" name={id} id={`${id}-${i}`} checked={value === String(e)} disabled={ctx.disabled}
                   aria-invalid={error ? 'true' : undefined} data-invalid={error && i === 0 ? 'true' : undefined}
                   onChange={() => onChange(String(e))} />
            <label for={`${id}-${i}`}>{valueLabel(e, s)}</label>
          </div>
        ))}
      </fieldset>
    );
  }

  let control;
  switch (k) {
    case 'boolean':
      return (
        <div class="field boolean">
          <div class="choice">
            <input type="checkbox" {...common} checked={!!value} onChange={(e) => onChange(e.currentTarget.checked)} />
            <label for={id} class={required ? 'required' : undefined}>{label}</label>
          </div>
          {help}
          <ErrorText id={errorId} message={error} />
        </div>
      );
    case 'enum':
      control = (
        <select {...common} value={value || ''} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{t('form.choose')}</option>
          {s.enum.map((e) => <option value={String(e)}>{valueLabel(e, s)}</option>)}
        </select>
      );
      break;
    case 'number':
      control = <input type="text" inputMode={s.type === 'integer' && !(s.minimum < 0) ? 'numeric' : 'decimal'} autoComplete="off" class="short" {...common}
                       value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
      break;
    case 'date':
      control = <input type="date" class="short" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
      break;
    case 'datetime':
      control = <input type="datetime-local" class="short" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
      break;
    case 'email':
      control = <input type="email" dir="ltr" autoComplete="off" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
      break;
    case 'duration':
      control = <input type="text" dir="ltr" class="short" autoComplete="off" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
      break;
    case 'unit':
      control = (
        <select {...common} value={value || ''} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">{t('form.choose')}</option>
          {value && ctx.units && !ctx.units[value] && <option value={value}>{value}</option>}
          {unitOptions(ctx.units).map(([u, depth]) => <option value={u}>{'\u00a0\u00a0'.repeat(depth)}{unitName(ctx.units, u)}</option>)}
        </select>
      );
      break;
    case 'user': {
      const listId = `${id}-people`;
      control = (
        <>
          <input type="text" dir="ltr" autoComplete="off" spellcheck={false} list={ctx.people && ctx.people.length ? listId : undefined}
                 {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />
          {ctx.people && ctx.people.length > 0 && (
            <datalist id={listId}>{ctx.people.map((p) => <option value={p.name}>{p.display_name || p.name}</option>)}</datalist>
          )}
        </>
      );
      break;
    }
    default: {
      const long = top && (s.maxLength == null || s.maxLength > 100);
      control = long
        ? <textarea rows={3} dir="auto" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />
        : <input type="text" dir="auto" {...common} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />;
    }
  }
  return (
    <div class="field">
      {labelEl}
      {help}
      <ErrorText id={errorId} message={error} />
      {control}
    </div>
  );
}

// A list's rows: one control each (or a group, for a list of objects), with remove and add.
function Rows({ schema: s, value, onChange, pointer, ctx, label }) {
  const items = s.items || {};
  const ref = useRef(null);
  const add = () => {
    onChange([...value, initial(items, undefined)]);
    // Focus the new row once it is drawn.
    setTimeout(() => {
      const rows = ref.current && ref.current.querySelectorAll(':scope > li');
      const last = rows && rows[rows.length - 1];
      const c = last && last.querySelector('input, select, textarea');
      if (c) c.focus();
    }, 0);
  };
  const remove = (i) => onChange(value.filter((_, j) => j !== i));
  return (
    <>
      <ol class="rows" ref={ref}>
        {value.map((row, i) => (
          <li key={i}>
            <Field name={String(i)} schema={items} value={row} pointer={`${pointer}/${i}`} ctx={ctx}
                   labelText={t('form.item', { label, n: i + 1 })}
                   onChange={(v) => onChange(value.map((x, j) => (j === i ? v : x)))} />
            {value.length > 1 && (
              <button type="button" class="remove" disabled={ctx.disabled} onClick={() => remove(i)}
                      aria-label={t('form.remove_named', { label, n: i + 1 })}>{t('form.remove')}</button>
            )}
          </li>
        ))}
      </ol>
      <button type="button" class="add" disabled={ctx.disabled} onClick={add}>{t('form.add', { label })}</button>
    </>
  );
}

// The units as a tree, depth first: [id, depth].
function unitOptions(units) {
  if (!units) return [];
  const children = {};
  for (const u of Object.values(units)) (children[u.parent || ''] ||= []).push(u.id);
  const out = [];
  const walk = (parent, depth) => {
    for (const id of (children[parent] || []).sort((a, b) => unitName(units, a).localeCompare(unitName(units, b)))) {
      out.push([id, depth]);
      walk(id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

// A completed form, read only: each field's title and the value given.
export function FieldValues({ fields, values, units, people }) {
  const rows = [];
  const show = (s, v, names) => {
    if (v === undefined || v === null) return;
    if (s && typeof v === 'object' && !Array.isArray(v)) {
      const known = orderedProperties(s).map(([n]) => n).filter((n) => n in v);
      for (const name of [...known, ...Object.keys(v).filter((n) => !known.includes(n)).sort()]) {
        const sub = (s.properties || {})[name] || {};
        show(sub, v[name], [...names, localText(sub.title) || humanize(name)]);
      }
      return;
    }
    rows.push([names.join(' › '), formatValue(s || {}, v, { units, people })]);
  };
  const names = [...fieldList(fields).map(([n]) => n), ...Object.keys(values || {}).filter((n) => !(fields && n in fields)).sort()];
  for (const name of names) {
    if (!values || !(name in values)) continue;
    const s = (fields || {})[name] || {};
    show(s, values[name], [localText(s.title) || humanize(name)]);
  }
  if (!rows.length) return <p class="empty">{t('form.nothing_given')}</p>;
  return (
    <dl class="data field-values">
      {rows.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}
    </dl>
  );
}

// One value as people read it: dates in their calendar, numbers in their digits, enum values and
// people by name, lists joined.
export function formatValue(s, v, { units, people } = {}) {
  if (Array.isArray(v)) {
    const parts = v.map((x) => formatValue((s && s.items) || {}, x, { units, people }));
    return parts.length ? parts.reduce((a, b) => [a, t('form.list_separator'), b]) : '—';
  }
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  if (typeof v === 'number') return formatNumber(v);
  if (v && typeof v === 'object') return <bdi>{JSON.stringify(v)}</bdi>;
  const str = String(v);
  if (s.enum || (s.labels && s.labels[str])) return valueLabel(str, s);
  if (s.format === 'unit' && units) return <bdi>{unitName(units, str)}</bdi>;
  if (s.format === 'user' && people && people[str]) return <bdi title={str}>{people[str].display_name || str}</bdi>;
  return <Plain text={str} />;
}

// Text from a person or the data: dates recognised, the rest as written.
export function Plain({ text }) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return <time dateTime={text}>{formatDay(text)}</time>;
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(text)) return <time dateTime={text}>{formatDateTime(text)}</time>;
  return <bdi class="user-text">{text}</bdi>;
}

