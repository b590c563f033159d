// The REST API as the page calls it: JSON in and out, problems (RFC 9457) thrown as ApiError.
// The session cookie rides along (same origin); a 401 on any call but the sign-in itself means
// the session ended, and the application shows the sign-in page again.
import { signal } from '@preact/signals';

export const sessionEnded = signal(0);

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  // The problem's kind: "forbidden", "invalid_field", ...
  get kind() {
    return String(this.problem.type || '').replace('urn:accord:problem:', '');
  }
  // Field errors by JSON Pointer ("/fields/title" -> message).
  get errors() {
    const byPointer = {};
    for (const e of this.problem.errors || []) byPointer[e.pointer] = e.message;
    return byPointer;
  }
}

export async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  Object.assign(headers, options.headers || {});
  let res;
  try {
    res = await fetch('/api/v1' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'offline', detail: e.message });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  if (!res.ok) {
    // (GET /me answering 401 is how a signed-out page learns it: not an ending.)
    if (res.status === 401 && path !== '/session' && path !== '/me') sessionEnded.value++;
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body === undefined ? {} : body, options);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

// A query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;
