// Hermetic UI. Talks only to this server (same origin; the token travels in an HttpOnly
// cookie the server set). Never uses innerHTML: everything shown is set as text.
// No WebRTC, no third-party anything.

const $ = (id) => document.getElementById(id);
const POLL_MS = 5000;

/** GET/POST JSON against our API; resolves { ok, status, body } and never throws on HTTP errors. */
async function api(path, init = {}) {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  const type = res.headers.get('content-type') || '';
  const body = type.includes('application/json') ? await res.json().catch(() => null) : null;
  if (res.status === 401) $('auth-notice').hidden = false;
  return { ok: res.ok, status: res.status, body, res };
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function errorText(r) {
  const e = r.body && r.body.error;
  return e ? `${e.code}: ${e.message}` : `HTTP ${r.status}`;
}

// ---- isolation indicator ------------------------------------------------------------------

function indicatorFor(iso) {
  if (!iso || !iso.verified) return { cls: 'bad', text: 'isolation NOT verified' };
  if (iso.level === 'kernel-enforced') return { cls: 'ok', text: 'isolated (kernel-enforced)' };
  if (iso.level === 'runtime-only') return { cls: 'warn', text: 'in-process guard only' };
  return { cls: 'bad', text: 'isolation NOT verified' };
}

async function refreshHealth() {
  let r;
  try {
    r = await api('/api/health');
  } catch {
    setIndicator('unknown', 'server not reachable');
    return;
  }
  if (!r.ok || !r.body) { setIndicator('unknown', `health check failed (${errorText(r)})`); return; }
  const h = r.body;
  $('version').textContent = `Hermetic ${h.version}`;
  const iso = h.isolation || {};
  const ind = indicatorFor(iso);
  const attempts = Number(iso.blockedAttempts || 0);
  setIndicator(ind.cls, `${ind.text} · ${attempts} blocked ${attempts === 1 ? 'attempt' : 'attempts'}`);
  const bits = [`Strictness: ${iso.strictness || '?'}.`];
  bits.push(iso.verified ? `Verified ${iso.verifiedAt || ''}.` : (iso.reason ? `Not verified: ${iso.reason}.` : 'Not verified.'));
  bits.push(iso.monitor && iso.monitor.active ? `Runtime monitor active since ${iso.monitor.since}.` : 'Runtime monitor not active.');
  if (h.exposure === 'non-loopback') bits.push('WARNING: this server is reachable from other machines (--allow-non-loopback).');
  if (iso.lastAttempt) bits.push(`Last blocked attempt: ${iso.lastAttempt.summary} at ${iso.lastAttempt.ts}.`);
  $('isolation-summary').textContent = bits.join(' ');
  const list = $('layers');
  list.replaceChildren(...(iso.layers || []).map((l) => el('li', `${l.name}: ${l.reason}`, l.inForce ? 'on' : 'off')));
}

function setIndicator(cls, text) {
  $('indicator').className = `indicator ${cls}`;
  $('indicator-text').textContent = text;
}

// ---- security events ------------------------------------------------------------------------

function describe(details) {
  const d = { ...details };
  const count = d.count;
  delete d.count;
  delete d.lastSeen;
  const text = Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
  return count > 1 ? `×${count} ${text}` : text;
}

async function refreshEvents() {
  const r = await api('/api/security/events?limit=25');
  if (!r.ok) {
    $('events-note').textContent = r.status === 401 ? 'Sign in (see above) to see security events.' : `Could not load events: ${errorText(r)}`;
    return;
  }
  const rows = r.body.events.map((e) => {
    const tr = document.createElement('tr');
    tr.append(el('td', new Date(e.timestamp).toLocaleString()), el('td', e.severity, `sev-${e.severity}`), el('td', e.type), el('td', describe(e.details), 'what'));
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement('tr');
    const td = el('td', 'No security events recorded.', 'muted');
    td.colSpan = 4;
    tr.append(td);
    rows.push(tr);
  }
  $('events-body').replaceChildren(...rows);
  $('events-note').textContent = `${r.body.total} events recorded; newest first.`;
}

/** Live updates when the server has an event stream; otherwise (or if it fails) polling. */
function watchEvents() {
  let polling = null;
  const poll = () => { if (!polling) polling = setInterval(refreshEvents, POLL_MS * 2); };
  if (typeof EventSource === 'undefined') return poll();
  const es = new EventSource('/api/security/events/stream');
  // A burst of events must not turn into a burst of requests (the API allows 100 a minute).
  let pending = null;
  const update = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refreshEvents(); refreshHealth(); }, 2000);
  };
  es.addEventListener('security_event', update);
  es.addEventListener('security_event_update', update);
  es.onerror = () => { es.close(); poll(); };
}

// ---- conversion -----------------------------------------------------------------------------

function converterList(body) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body.converters)) return body.converters;
  return [];
}

async function loadConverters() {
  const r = await api('/api/converters');
  const unavailable = $('convert-unavailable');
  if (!r.ok) {
    unavailable.hidden = false;
    unavailable.textContent = r.status === 404 ? 'Conversion is not available in this server.' : r.status === 401 ? 'Sign in (see above) to convert files.' : `Conversion unavailable: ${errorText(r)}`;
    return;
  }
  const converters = converterList(r.body);
  const targets = new Set();
  for (const c of converters) for (const pair of c.pairs || []) targets.add(pair[1]);
  $('to').replaceChildren(...[...targets].sort().map((t) => { const o = el('option', t); o.value = t; return o; }));
  // System converters (LibreOffice, pandoc…) whose program is missing are listed, disabled, with the reason.
  $('converter').append(...converters.map((c) => {
    const o = el('option', c.available === false ? `${c.title || c.id} — not available: ${c.reason || 'not installed'}` : c.title || c.id);
    o.value = c.id;
    o.disabled = c.available === false;
    return o;
  }));
  if (!targets.size) { unavailable.hidden = false; unavailable.textContent = 'No converters are available.'; return; }
  $('convert-form').hidden = false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForJob(id) {
  for (let i = 0; i < 600; i++) {
    const r = await api(`/api/jobs/${encodeURIComponent(id)}`);
    if (!r.ok) return r;
    const s = r.body && r.body.job && r.body.job.status;
    if (s !== 'queued' && s !== 'running') return r;
    $('convert-status').textContent = `Job ${s}…`;
    await sleep(500);
  }
  return { ok: false, status: 0, body: { error: { code: 'TIMEOUT', message: 'the job did not finish' } } };
}

let lastObjectUrl = null;
function offerDownload(href, name) {
  const a = $('download');
  a.href = href;
  a.download = name || '';
  $('convert-result').hidden = false;
}

async function onConvert(ev) {
  ev.preventDefault();
  const file = $('file').files[0];
  if (!file) return;
  $('convert-button').disabled = true;
  $('convert-result').hidden = true;
  if (lastObjectUrl) { URL.revokeObjectURL(lastObjectUrl); lastObjectUrl = null; }
  const status = $('convert-status');
  status.className = '';
  status.textContent = 'Converting on this machine…';
  try {
    // Text fields before the file, so the server knows the target before it reads the upload.
    const form = new FormData();
    form.append('to', $('to').value);
    if ($('converter').value) form.append('converter', $('converter').value);
    form.append('file', file, file.name);
    let r = await api('/api/convert', { method: 'POST', body: form });
    const type = r.res.headers.get('content-type') || '';
    if (r.ok && !type.includes('application/json')) {
      // The converted file itself.
      const blob = await r.res.blob();
      lastObjectUrl = URL.createObjectURL(blob);
      const disp = r.res.headers.get('content-disposition') || '';
      const m = /filename="?([^";]+)"?/.exec(disp);
      offerDownload(lastObjectUrl, m ? m[1] : `converted.${$('to').value}`);
      status.textContent = 'Done.';
      return;
    }
    // Answer: { job, result: '/api/jobs/<id>/result' } (or, with wait=false, 202 { job } to poll).
    let job = r.body && r.body.job;
    if (r.ok && job && (job.status === 'queued' || job.status === 'running')) {
      r = await waitForJob(job.id);
      job = r.body && r.body.job;
    }
    if (!r.ok || (r.body && r.body.error)) throw new Error(errorText(r));
    if (!job || job.status !== 'succeeded') throw new Error(job && job.error ? `${job.error.code}: ${job.error.message}` : `job ${job ? job.status : 'missing'}`);
    const href = (r.body && r.body.result) || `/api/jobs/${encodeURIComponent(job.id)}/result`;
    // Results are single-download on the server: fetch once, keep it in this tab.
    const res = await fetch(href, { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(`could not fetch the result (HTTP ${res.status})`);
    lastObjectUrl = URL.createObjectURL(await res.blob());
    offerDownload(lastObjectUrl, job.result && job.result.name);
    status.textContent = `Done${job.durationMs ? ` in ${job.durationMs} ms` : ''}, on this machine.`;
  } catch (e) {
    status.className = 'error';
    status.textContent = `Conversion failed: ${e.message}`;
  } finally {
    $('convert-button').disabled = false;
    refreshHealth();
    refreshEvents();
  }
}

// ---- start ----------------------------------------------------------------------------------

$('convert-form').addEventListener('submit', onConvert);
refreshHealth();
setInterval(refreshHealth, POLL_MS);
refreshEvents();
watchEvents();
loadConverters();
