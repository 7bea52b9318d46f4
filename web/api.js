// The page's only ways to talk to anything: fetch, XHR (for upload progress) and EventSource,
// all to this same server (the CSP's connect-src 'self' refuses anything else). The token
// travels in the HttpOnly cookie the server set; no script can read it.

const unauthorizedListeners = new Set();
export function onUnauthorized(fn) { unauthorizedListeners.add(fn); }
function noteStatus(status) { if (status === 401) for (const fn of unauthorizedListeners) fn(); }

/** GET/POST JSON; resolves { ok, status, body, res } and never throws (a dead server is status 0, code NETWORK). */
export async function api(path, init = {}) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  } catch (e) {
    return { ok: false, status: 0, body: { error: { code: 'NETWORK', message: String(e && e.message || e) } }, res: null };
  }
  noteStatus(res.status);
  const type = res.headers.get('content-type') || '';
  const body = type.includes('application/json') ? await res.json().catch(() => null) : null;
  return { ok: res.ok, status: res.status, body, res };
}

/**
 * Download a file: { ok, status, blob } on success, the API's error otherwise. The body is read
 * as bytes whatever its type: a JSON result is a file, not an API answer.
 */
export async function download(path) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    return { ok: false, status: 0, body: { error: { code: 'NETWORK', message: String(e && e.message || e) } } };
  }
  noteStatus(res.status);
  const blob = await res.blob();
  if (res.ok) return { ok: true, status: res.status, blob };
  let body = null;
  try { body = JSON.parse(await blob.text()); } catch { /* not an API error body */ }
  return { ok: false, status: res.status, body, retryAfter: Number(res.headers.get('retry-after')) || null };
}

/** The API's error object from an answer, or a made-up one that still has a code. */
export function errorOf(r) {
  const e = r && r.body && r.body.error;
  if (e && typeof e.code === 'string') return e;
  return { code: r && r.status ? `HTTP_${r.status}` : 'NETWORK', message: r && r.status ? `the server answered ${r.status}` : 'no answer from the server' };
}

/** POST a form with upload progress (fetch cannot report it). onProgress(fraction 0..1). */
export function upload(path, form, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.responseType = 'text';
    xhr.withCredentials = true;
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      noteStatus(xhr.status);
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: body stays null */ }
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, body, retryAfter: Number(xhr.getResponseHeader('retry-after')) || null });
    });
    const failed = (why) => () => resolve({ ok: false, status: 0, body: { error: { code: 'NETWORK', message: why } } });
    xhr.addEventListener('error', failed('the upload was interrupted'));
    xhr.addEventListener('abort', failed('the upload was cancelled'));
    xhr.send(form);
  });
}

/**
 * A live stream: `handlers` maps SSE event names to functions(parsedData). `onOpen` runs on
 * every (re)connect — the place to resynchronise; `onDown` whenever the stream drops (the
 * browser retries by itself); `onGone` when it gave up (the server refused the stream): the
 * caller falls back to polling.
 */
export function live(url, handlers, { onOpen, onDown, onGone } = {}) {
  if (typeof EventSource === 'undefined') { if (onDown) onDown(); if (onGone) onGone(); return { close() {} }; }
  const es = new EventSource(url);
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (e) => { let data; try { data = JSON.parse(e.data); } catch { return; } fn(data); });
  }
  es.addEventListener('open', () => { if (onOpen) onOpen(); });
  es.addEventListener('error', () => {
    if (onDown) onDown();
    if (es.readyState === EventSource.CLOSED && onGone) onGone();
  });
  return { close: () => es.close() };
}
