// A JSON document as the lines of its pretty print (JSON.stringify(value, null, 2), exactly), and
// for each JSON Pointer in it the line where its member starts: the validator's errors name
// pointers, the page marks those lines. A pointer to a member that is not there (a required key
// missing) falls back to its nearest ancestor that is.

// RFC 6901: "~" is written "~0" and "/" is written "~1" inside a reference token.
const escapeToken = (token) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (token) => token.replace(/~1/g, '/').replace(/~0/g, '~');

export function splitPointer(pointer) {
  if (!pointer) return [];
  return pointer.replace(/^\//, '').split('/').map(unescapeToken);
}

export const joinPointer = (tokens) => tokens.map((x) => '/' + escapeToken(String(x))).join('');

// { lines, lineOf }: lineOf maps each pointer in the value to its line's index (0-based).
export function layout(value) {
  const lines = [];
  const lineOf = new Map();
  const emit = (v, pointer, indent, prefix, suffix) => {
    lineOf.set(pointer, lines.length);
    if (v === null || typeof v !== 'object') {
      lines.push(prefix + JSON.stringify(v) + suffix);
      return;
    }
    const isArray = Array.isArray(v);
    const keys = isArray ? v.map((_, i) => i) : Object.keys(v);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (keys.length === 0) {
      lines.push(prefix + open + close + suffix);
      return;
    }
    lines.push(prefix + open);
    const inner = indent + '  ';
    keys.forEach((k, i) => {
      const head = isArray ? inner : `${inner}${JSON.stringify(k)}: `;
      emit(v[k], `${pointer}/${escapeToken(String(k))}`, inner, head, i < keys.length - 1 ? ',' : '');
    });
    lines.push(indent + close + suffix);
  };
  emit(value, '', '', '', '');
  return { lines, lineOf };
}

// The line of a pointer's member: { line, exact }. Not there: its nearest ancestor's line,
// exact false ("" is always there: the document's first line).
export function lineOfPointer(laid, pointer) {
  const tokens = splitPointer(pointer || '');
  for (let n = tokens.length; n >= 0; n--) {
    const p = joinPointer(tokens.slice(0, n));
    if (laid.lineOf.has(p)) return { line: laid.lineOf.get(p), exact: n === tokens.length };
  }
  return { line: 0, exact: false };
}

// JSON.parse with the place of a syntax error: { value } or { error: { message, offset, line,
// column } } (line and column from 1). Browsers word the error each their own way and do not
// always say where it is, so the place comes from a scan of our own.
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const offset = syntaxErrorAt(text);
    const before = text.slice(0, offset).split('\n');
    return { error: { message: String((e && e.message) || e), offset, line: before.length, column: before[before.length - 1].length + 1 } };
  }
}

// The offset of the first character that makes `text` not JSON (RFC 8259), or its length when
// it ends too soon.
export function syntaxErrorAt(text) {
  let i = 0;
  const fail = () => { throw i; };
  const space = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const literal = (word) => { for (const c of word) { if (text[i] !== c) fail(); i++; } };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') { i++; return; }
      if (c < ' ') fail();
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] || '')) { i += k; fail(); }
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] || '#')) i++;
        else fail();
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || !m[0] || m[0] === '-') fail();
    i += m[0].length;
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === '{') {
      i++; space();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string(); space();
        if (text[i] !== ':') fail();
        i++; value(); space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    } else if (c === '[') {
      i++; space();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else fail();
  };
  try {
    value(); space();
    if (i < text.length) fail();
    return text.length;
  } catch (at) {
    if (typeof at !== 'number') throw at;
    return Math.min(at, text.length);
  }
}
