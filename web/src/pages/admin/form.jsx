// The pieces of the forms on the profile and administration pages: a field with its label, help
// and error; a group of choices; the summary of a refused form (GOV.UK's pattern: the errors at
// the top, each a link to its field); and the server's field errors read from a problem.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t, languages, locale } from '../../i18n.js';
import { ErrorMessage } from '../../components/common.jsx';
import './form.css';

// A refused request's errors by JSON Pointer: the validator's list (`errors`), and the single
// `pointer` most problems name, with the problem's detail as its message.
export function problemErrors(error) {
  if (!error || !error.problem) return {};
  const byPointer = { ...error.errors };
  const p = error.problem;
  if (typeof p.pointer === 'string' && !(p.pointer in byPointer)) byPointer[p.pointer] = p.detail || p.title || '';
  return byPointer;
}

// The id of the control for a member of a form's body: ('me', '/away/deputy') -> 'me-away-deputy'.
export const pointerId = (form, pointer) => form + pointer.replace(/[^A-Za-z0-9_]/g, '-');

// A form's state after a request failed: the field errors (by pointer), and the error itself
// when it names no field of the form (shown as a whole).
export function failure(error, knows) {
  const fields = problemErrors(error);
  const known = Object.keys(fields).filter((p) => knows(p));
  if (known.length === 0) return { fields: {}, general: error };
  const shown = {};
  for (const p of known) shown[p] = fields[p];
  return { fields: shown, general: null };
}

// Attributes that tie a control to its help and error texts.
export function described(id, { help, error } = {}) {
  const ids = [help && `${id}-help`, error && `${id}-error`].filter(Boolean).join(' ');
  return { id, 'aria-describedby': ids || undefined, 'aria-invalid': error ? 'true' : undefined };
}

// A control's help and error texts, with the ids described() names.
function Notes({ id, help, error }) {
  return (
    <>
      {help && <p class="field-help" id={`${id}-help`}>{help}</p>}
      {error && <p class="field-error" id={`${id}-error`}><span class="visually-hidden">{t('admin.error_prefix')} </span><span dir="auto">{error}</span></p>}
    </>
  );
}

// One field: its label, the control (children(attributes)), help and error.
export function Field({ id, label, help, error, required, lang, children }) {
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id} class={required ? 'required' : undefined}>{label}</label>
      <Notes id={id} help={help} error={error} />
      {children({ ...described(id, { help, error }), required: required || undefined, lang })}
    </div>
  );
}

// A group of radio buttons or check boxes: a fieldset whose legend names it.
export function Choices({ id, legend, help, error, children, class: cls }) {
  return (
    <fieldset id={id} tabIndex={-1} class={`choices${cls ? ' ' + cls : ''}${error ? ' has-error' : ''}`}
              aria-describedby={described(id, { help, error })['aria-describedby']}>
      <legend>{legend}</legend>
      <Notes id={id} help={help} error={error} />
      {children}
    </fieldset>
  );
}

// A check box or radio button with its label beside it.
export function Choice({ type = 'checkbox', id, label, lang, dir, ...rest }) {
  return (
    <div class="choice">
      <input type={type} id={id} {...rest} />
      <label for={id} lang={lang} dir={dir}>{label}</label>
    </div>
  );
}

// The errors of a refused form, at its top: each links to its field. It takes the focus when it
// appears, so that a keyboard or screen reader user starts from it.
export function ErrorSummary({ form, errors, general, labels = {} }) {
  const ref = useRef(null);
  const pointers = Object.keys(errors || {});
  const shown = pointers.length > 0 || !!general;
  useEffect(() => { if (shown && ref.current) ref.current.focus(); }, [errors, general]);
  if (!shown) return null;
  if (pointers.length === 0) return <div ref={ref} tabIndex={-1} class="summary-focus"><ErrorMessage error={general} /></div>;
  const go = (event, pointer) => {
    const target = document.getElementById(pointerId(form, pointer));
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: 'center' });
    const control = target.matches('input, select, textarea, button') ? target : target.querySelector('input, select, textarea, button') || target;
    control.focus();
  };
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <p class="error-summary-title"><strong>{t('admin.error_summary')}</strong></p>
      <ul>
        {pointers.map((p) => (
          <li key={p}>
            <a href={`#${pointerId(form, p)}`} onClick={(e) => go(e, p)}>
              {labels[p] ? <>{labels[p]}: </> : null}<span dir="auto">{errors[p]}</span>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

// "Saved" after a request went through: announced, and gone when the form changes again.
export function Status({ text }) {
  return <p class={text ? 'notice form-status' : 'form-status quiet'} role="status">{text || ''}</p>;
}

// Every IANA time zone the browser knows, with `current` among them even if it does not.
let knownZones = null;
export function timeZones(current) {
  if (!knownZones) {
    let zones = [];
    try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
    knownZones = [...new Set([...zones, 'UTC'])].sort();
  }
  return !current || knownZones.includes(current) ? knownZones : [...knownZones, current].sort();
}

export function TimeZoneSelect({ value, onChange, ...attributes }) {
  return (
    <select {...attributes} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {timeZones(value).map((z) => <option key={z} value={z}>{z.replace(/_/g, ' ')}</option>)}
    </select>
  );
}

// The languages, each named in itself.
export function LanguageSelect({ value, onChange, ...attributes }) {
  return (
    <select {...attributes} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {languages.map((l) => <option key={l.code} value={l.code} lang={l.code}>{l.name}</option>)}
    </select>
  );
}

// A list as the reader writes one: "a, b, and c", "أ وب وج".
export const listOf = (items) => new Intl.ListFormat(locale.value, { style: 'long', type: 'conjunction' }).format(items);

// A secret or token shown once, with a button that copies it (or, where the browser keeps the
// clipboard from the page, selects it for the reader to copy).
export function Secret({ value, id }) {
  const [copied, setCopied] = useState('');
  const select = () => {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(id));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    setCopied(t('admin.selected'));
  };
  const copy = () => {
    if (!navigator.clipboard) return select();
    navigator.clipboard.writeText(value).then(() => setCopied(t('admin.copied')), select);
  };
  return (
    <p class="secret-line">
      <code class="secret" dir="ltr" id={id}>{value}</code>
      <button type="button" onClick={copy} aria-describedby={id}>{t('admin.copy')}</button>
      <span class="copied" role="status">{copied}</span>
    </p>
  );
}
