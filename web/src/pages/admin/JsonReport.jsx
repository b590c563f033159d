// A definition's JSON with the validator's findings on it: every line numbered, the lines that
// errors and warnings point at marked (by a word and a sign, not by colour alone) with the
// message under them, and above it the list of findings, each a button that brings its line
// into view.
import { t, dir } from '../../i18n.js';
import { layout, lineOfPointer } from './json-lines.js';

// notes: [{ kind: 'error' | 'warning', message, pointer }] on `value` (already parsed), or
// a syntax error { message, line, column } on the raw `text`.
export function findings(value, notes) {
  const laid = layout(value);
  const placed = notes.map((n, i) => ({ ...n, i, ...lineOfPointer(laid, n.pointer) }));
  return { lines: laid.lines, notes: placed };
}

export function JsonReport({ lines, notes, prefix, label }) {
  const byLine = new Map();
  for (const n of notes) {
    if (!byLine.has(n.line)) byLine.set(n.line, []);
    byLine.get(n.line).push(n);
  }
  const lineId = (n) => `${prefix}-line-${n + 1}`;
  const go = (n) => {
    const el = document.getElementById(lineId(n));
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
  };
  const errors = notes.filter((n) => n.kind === 'error').length;
  const inOrder = notes.slice().sort((a, b) => a.line - b.line || a.i - b.i);
  const warnings = notes.length - errors;
  return (
    <div class="json-report">
      {notes.length > 0 && (
        <>
          <p class="report-count">
            {t('admin.definitions.error_count', { count: errors })}{warnings > 0 && <> {t('admin.definitions.warning_count', { count: warnings })}</>}
          </p>
          <ol class="findings">
            {inOrder.map((n) => (
              <li key={n.i} class={n.kind}>
                <button type="button" class="link" onClick={() => go(n.line)}>
                  <span class="finding-kind">{t(`admin.definitions.${n.kind}`)}</span>{' '}
                  {t('admin.definitions.at_line', { line: n.line + 1 })}{' '}
                  {n.pointer !== undefined && <Pointer value={n.pointer} />}{' '}
                  <span dir="auto">{n.message}</span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
      <div class="json-view" dir="ltr" tabIndex={0} role="region" aria-label={label}>
        <ol class="json-lines">
          {lines.map((text, i) => {
            const here = byLine.get(i);
            const worst = here && (here.some((n) => n.kind === 'error') ? 'error' : 'warning');
            return (
              <li key={i} id={lineId(i)} tabIndex={here ? -1 : undefined} class={worst ? `marked ${worst}` : undefined}>
                <span class="ln" aria-hidden="true">{i + 1}</span>
                <code>{text || ' '}</code>
                {here && here.map((n) => (
                  <div class={`json-note ${n.kind}`} dir={dir.value}>
                    <span class="sign" aria-hidden="true">{n.kind === 'error' ? '✖' : '⚠'}</span>
                    <strong>{t(`admin.definitions.${n.kind}`)}</strong>{' '}
                    {n.pointer !== undefined && <Pointer value={n.pointer} />}{' '}
                    {n.exact === false && <span class="missing">{t('admin.definitions.missing_member')}</span>}{' '}
                    {n.column && <span>{t('admin.definitions.line_column', { line: n.line + 1, column: n.column })}</span>}{' '}
                    <span dir="auto">{n.message}</span>
                  </div>
                ))}
              </li>
            );
          })}
        </ol>
      </div>
    </div>
  );
}

// A JSON Pointer as written; the empty one (the whole document) in words.
const Pointer = ({ value }) => (value ? <code dir="ltr">{value}</code> : <span>{t('admin.definitions.root')}</span>);
