// The converter: files in (drop zone or picker, several at once), per file the formats the
// server can make from it with that converter's options, then real progress per file — the
// upload's percentage, then the job's own states as the jobs event stream reports them —
// and the results, one by one or all in one ZIP built here in the page.
import { $, el, bytesText, announce, saveBlob } from './dom.js';
import { api, download, errorOf, upload, live } from './api.js';
import { detect, HEAD_BYTES } from './detect.js';
import { fieldsOf, collectOptions } from './schema.js';
import { formatName, errorWords, LAYER_TITLES } from './words.js';
import { makeZip } from './zip.js';

/** Uploads at once (the conversions themselves run in parallel on the server's worker pool). */
const UPLOADS_AT_ONCE = 2;
/** A busy server (rate limit, full queue) says when to come back; after this many tries, it is an error. */
const BUSY_RETRIES = 5;
const MAX_FILES = 100;
const FINAL = new Set(['done', 'failed']);
const JOB_ORDER = { queued: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3 };

let catalog = null; // { pairs, converters }
const items = [];
let combined = null;
let nextId = 1;
/** Latest view of every job seen on the stream: an update may arrive before the upload's answer. */
const jobViews = new Map();
let streamUp = false;
let onSettled = () => {};

// ---- targets and options ---------------------------------------------------------------------

function targetLabel(p) {
  if (p.origin !== 'builtin') {
    const c = catalog.converters.find((x) => x.id === p.converter);
    return `${formatName(p.to)} — ${c ? c.title : p.converter} (your converter)`;
  }
  if (p.converter === 'ocr') return `${formatName(p.to)} — recognise the text (OCR)`;
  if (p.from === 'pdf' && p.to === 'pdf') return 'PDF — pick pages';
  if (p.from === 'pdf' && p.to === 'zip') return 'ZIP of PDFs — split by pages';
  if (p.from === 'pdf' && p.to === 'txt') return 'Plain text — the text of the PDF';
  return formatName(p.to);
}

/** What GET /api/converters can make from `format`: built-ins first (one per target), then user converters. */
function targetsFor(format) {
  if (!catalog || !format) return [];
  const out = [];
  const seen = new Set();
  const pairs = [...catalog.pairs.filter((p) => p.origin === 'builtin'), ...catalog.pairs.filter((p) => p.origin !== 'builtin')];
  for (const p of pairs) {
    if (p.from !== format) continue;
    const builtin = p.origin === 'builtin';
    const value = builtin ? p.to : `${p.to}@${p.converter}`;
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ value, to: p.to, converter: builtin ? null : p.converter, schema: p.options, label: targetLabel(p) });
  }
  return out;
}

function defaultTarget(item) {
  const other = item.targets.find((t) => t.to !== item.format && !t.converter);
  return (other || item.targets[0] || { value: '' }).value;
}

function currentTarget(item) {
  return item.targets.find((t) => t.value === item.target) || null;
}

/** A converted file whose target or options change is ready to convert again (its old result goes). */
function changed(item) {
  if (item.status !== 'done') return;
  resetResult(item);
  setStatus(item, 'ready');
}

function fieldControl(item, f) {
  const value = item.optionValues[f.key];
  const set = (v) => { item.optionValues[f.key] = v; changed(item); };
  if (f.kind === 'boolean') {
    const box = el('input', { type: 'checkbox', checked: value === undefined ? f.default : value === true, onchange: (e) => set(e.target.checked) });
    return el('label', { class: 'check' }, box, ` ${f.label}`);
  }
  if (f.kind === 'choice') {
    const sel = el('select', { onchange: (e) => set(e.target.value) },
      ...(f.default === undefined ? [el('option', { value: '', text: 'automatic' })] : []),
      ...f.choices.map((c) => el('option', { value: c, text: c === '\t' ? 'tab' : c, selected: (value ?? String(f.default ?? '')) === c })));
    return el('label', {}, f.label, sel);
  }
  if (f.kind === 'json') {
    const ta = el('textarea', { rows: 3, spellcheck: false, placeholder: '{"key": "value"}', oninput: (e) => set(e.target.value) });
    ta.value = value || '';
    return el('label', {}, f.label, ta);
  }
  const input = el('input', {
    type: f.kind === 'number' ? 'number' : 'text',
    min: f.min, max: f.max, step: f.kind === 'number' ? (f.integer ? 1 : 'any') : undefined, maxlength: f.maxLength,
    placeholder: f.default !== undefined ? String(f.default) : '', inputmode: f.kind === 'number' ? 'numeric' : undefined,
    oninput: (e) => set(e.target.value),
  });
  input.value = value === undefined ? '' : String(value);
  return el('label', {}, f.label, input);
}

function renderOptions(item) {
  const t = currentTarget(item);
  item.fields = t ? fieldsOf(t.schema) : [];
  const box = item.parts.options;
  box.hidden = item.fields.length === 0;
  item.parts.fields.replaceChildren(...item.fields.map((f) => fieldControl(item, f)));
}

// ---- one file's row ---------------------------------------------------------------------------

function stepList() {
  return el('ol', { class: 'steps', 'aria-label': 'Progress' }, ...['Upload', 'Waiting', 'Converting', 'Done'].map((s) => el('li', { text: s })));
}

function makeRow(item) {
  const parts = {};
  parts.status = el('p', { class: 'status' });
  parts.progress = el('progress', { max: 100, value: 0, 'aria-label': `Upload of ${item.name}`, hidden: true });
  parts.steps = stepList();
  parts.result = el('div', { class: 'result' });
  parts.error = el('p', { class: 'error', hidden: true });
  if (item.kind === 'combined') {
    item.li = el('li', { class: 'file combined', dataset: { name: item.name } },
      el('div', { class: 'file-head' }, el('strong', { class: 'name', text: item.name }), el('span', { class: 'muted', text: ` ${item.inputs.length} files → one PDF` })),
      parts.steps, parts.progress, parts.status, parts.error, parts.result);
    item.parts = parts;
    return item.li;
  }
  parts.select = el('select', { class: 'target', onchange: (e) => { item.target = e.target.value; renderOptions(item); changed(item); updateControls(); } },
    ...item.targets.map((t) => el('option', { value: t.value, text: t.label, selected: t.value === item.target })));
  parts.fields = el('div', { class: 'fields' });
  parts.options = el('details', { class: 'options' }, el('summary', { text: 'Options' }), parts.fields);
  const kind = item.format ? formatName(item.format) : 'unknown type';
  item.li = el('li', { class: 'file', dataset: { name: item.name, id: String(item.id) } },
    el('div', { class: 'file-head' },
      el('strong', { class: 'name', text: item.name }),
      el('span', { class: 'muted', text: ` ${kind} · ${bytesText(item.file.size)}` }),
      el('button', { type: 'button', class: 'link remove', 'aria-label': `Remove ${item.name}`, text: 'Remove', onclick: () => removeItem(item) })),
    item.note ? el('p', { class: 'note', text: item.note }) : null,
    item.targets.length
      ? el('div', { class: 'controls', role: 'group', 'aria-label': item.name }, el('label', {}, 'Convert to', parts.select), parts.options)
      : el('p', { class: 'note', text: item.format ? `Hermetic has no converter for ${formatName(item.format)} files.` : 'Nothing to convert this file into.' }),
    parts.steps, parts.progress, parts.status, parts.error, parts.result);
  item.parts = parts;
  if (item.targets.length) renderOptions(item);
  return item.li;
}

const STEP_OF = { ready: -1, uploading: 0, queued: 1, converting: 2, fetching: 2, done: 3, failed: -1 };

function statusText(item) {
  switch (item.status) {
    case 'ready': return item.targets.length || item.kind === 'combined' ? 'Ready to convert.' : '';
    case 'uploading': return item.busy ? item.busy : `Uploading… ${Math.round(item.uploaded * 100)}%`;
    case 'queued': return 'Uploaded. Waiting for a free worker…';
    case 'converting': return 'Converting in an isolated worker…';
    case 'fetching': return item.busy ? item.busy : 'Converted. Fetching the result…';
    case 'done': return 'Done.';
    case 'failed': return 'Failed.';
    default: return '';
  }
}

function describeResult(item) {
  const job = item.job || {};
  const nodes = [];
  const r = item.result;
  nodes.push(el('p', { class: 'download' },
    el('a', { class: 'button', href: r.url, download: r.name, text: `Download ${r.name}` }),
    el('span', { class: 'muted', text: ` ${bytesText(r.bytes)}${job.durationMs ? ` · ${job.durationMs} ms` : ''}` })));
  const info = job.info && typeof job.info === 'object' ? job.info : {};
  const facts = [];
  if (typeof info.confidence === 'number') {
    const c = Math.round(info.confidence);
    facts.push(`Text recognised with ${c}% confidence${c < 60 ? ' — low: check the text against the image' : ''}.`);
  }
  for (const [k, v] of Object.entries(info)) if (k !== 'confidence') facts.push(`${k}: ${v}`);
  if (Array.isArray(job.layers) && job.layers.length) facts.push(`Converted offline, isolated by: ${job.layers.map((l) => LAYER_TITLES[l] || l).join(', ')}.`);
  if (facts.length) nodes.push(el('ul', { class: 'facts' }, ...facts.map((f) => el('li', { text: f }))));
  const warnings = Array.isArray(job.warnings) ? job.warnings : [];
  if (warnings.length) nodes.push(el('ul', { class: 'warnings', 'aria-label': 'Warnings' }, ...warnings.map((w) => el('li', { text: `⚠ ${w}` }))));
  if (Array.isArray(job.files) && job.files.length) {
    nodes.push(el('ul', { class: 'facts' }, ...job.files.map((f) => el('li', { text: `${f.name || 'file'}: ${f.status || ''}${f.error ? ` — ${errorWords(f.error).words} (${errorWords(f.error).code})` : ''}` }))));
  }
  return nodes;
}

function updateRow(item) {
  const p = item.parts;
  if (!p) return;
  item.li.dataset.status = item.status;
  const step = STEP_OF[item.status];
  [...p.steps.children].forEach((li, i) => {
    li.className = step > i || item.status === 'done' ? 'done' : step === i ? 'current' : '';
    if (step === i && item.status !== 'done') li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
  });
  p.steps.hidden = item.status === 'ready' || item.status === 'failed';
  p.progress.hidden = item.status !== 'uploading';
  p.progress.value = Math.round(item.uploaded * 100);
  p.status.textContent = statusText(item);
  // Done is said by the steps (all ticked) and the download link; the line would only repeat it.
  p.status.hidden = item.status === 'done';
  if (item.error) {
    const e = errorWords(item.error);
    p.error.replaceChildren(el('strong', { text: e.words }), ' ', el('code', { text: e.code }), e.detail ? el('span', { class: 'muted', text: ` — ${e.detail}` }) : '');
  }
  p.error.hidden = !item.error;
  p.result.replaceChildren(...(item.status === 'done' && item.result ? describeResult(item) : []));
  if (p.select) p.select.disabled = inFlight(item);
}

function setStatus(item, status) {
  const was = item.status;
  item.status = status;
  updateRow(item);
  if (was !== status && (status === 'done' || status === 'failed')) {
    announce(`${item.name}: ${status === 'done' ? 'done' : `failed — ${errorWords(item.error).words}`}`);
    onSettled();
  }
  updateControls();
}

function inFlight(item) {
  return !['ready', 'done', 'failed'].includes(item.status);
}

function resetResult(item) {
  if (item.result) URL.revokeObjectURL(item.result.url);
  item.result = null;
  item.error = null;
  item.job = null;
  item.jobId = null;
  item.uploaded = 0;
}

function fail(item, error) {
  item.error = error;
  setStatus(item, 'failed');
}

// ---- jobs ---------------------------------------------------------------------------------------

/**
 * Run a request again when the server is busy — 429 (its rate limit) or 503 QUEUE_FULL — after
 * the Retry-After it gave, saying so on the row. Anything else is the answer.
 */
async function unlessBusy(item, request) {
  for (let tries = 1; ; tries++) {
    const r = await request();
    const code = r.body && r.body.error && r.body.error.code;
    if (tries > BUSY_RETRIES || !(r.status === 429 || code === 'QUEUE_FULL')) return r;
    const seconds = Math.min(60, Math.max(1, r.retryAfter || 5));
    item.busy = `The server is busy (${code === 'QUEUE_FULL' ? 'its queue is full' : 'too many requests'}); trying again in ${seconds} s…`;
    updateRow(item);
    await new Promise((done) => setTimeout(done, seconds * 1000));
    item.busy = null;
  }
}

async function fetchResult(item, view) {
  setStatus(item, 'fetching');
  // Results are single-download on the server: fetched once, kept in this tab as a blob. Taken
  // as bytes whatever their type — a JSON result is a file, not an API answer.
  const r = await unlessBusy(item, () => download(`/api/jobs/${encodeURIComponent(view.id)}/result`));
  if (!r.ok) { fail(item, errorOf(r)); return; }
  const blob = r.blob;
  const name = (view.result && view.result.name) || `converted.${view.to}`;
  item.result = { blob, name, bytes: blob.size, url: URL.createObjectURL(blob) };
  setStatus(item, 'done');
}

/** Apply a job view (from the stream, the upload's answer, or a poll); never moves backwards. */
function applyJob(item, view) {
  if (!view || view.id !== item.jobId) return;
  if (item.job && (JOB_ORDER[view.status] || 0) < (JOB_ORDER[item.job.status] || 0)) return;
  if (item.job && item.job.status === view.status && FINAL.has(item.status)) return;
  const settledBefore = item.job && JOB_ORDER[item.job.status] === 3;
  item.job = view;
  if (view.status === 'queued') setStatus(item, 'queued');
  else if (view.status === 'running') setStatus(item, 'converting');
  else if (view.status === 'succeeded' && !settledBefore) void fetchResult(item, view);
  else if ((view.status === 'failed' || view.status === 'cancelled') && !settledBefore) fail(item, view.error || { code: view.status === 'cancelled' ? 'CANCELLED' : 'FAILED', message: '' });
}

function everyTracked() {
  return [...items, ...(combined ? [combined] : [])];
}

/** The converter a job runs (as the jobs stream said), for the event feed's sentences. */
export function converterOfJob(jobId) {
  for (const [id, v] of jobViews) if (id === jobId || id.startsWith(jobId)) return v.converter || null;
  return null;
}

function onJobView(view) {
  jobViews.set(view.id, view);
  if (jobViews.size > 500) jobViews.delete(jobViews.keys().next().value);
  for (const item of everyTracked()) if (item.jobId === view.id) applyJob(item, view);
}

/** Without the stream (it dropped, or the server refused it): ask for the job until it is settled. */
async function pollJob(item) {
  if (item.polling) return;
  item.polling = true;
  try {
    while (item.jobId && !streamUp && ['queued', 'converting'].includes(item.status)) {
      await new Promise((r) => setTimeout(r, 1000));
      const r = await api(`/api/jobs/${encodeURIComponent(item.jobId)}`);
      if (r.ok && r.body && r.body.job) applyJob(item, r.body.job);
      else if (r.status !== 0) { fail(item, errorOf(r)); break; }
    }
  } finally {
    item.polling = false;
  }
}

async function startJobStream() {
  // Jobs that ran before this page opened: the event feed names their converters too.
  const r = await api('/api/jobs');
  if (r.ok && r.body && Array.isArray(r.body.jobs)) for (const v of [...r.body.jobs].reverse()) if (!jobViews.has(v.id)) jobViews.set(v.id, v);
  live('/api/jobs/stream', { job: onJobView }, {
    onOpen: () => {
      streamUp = true;
      // After a reconnect: catch up on jobs that settled while the stream was down.
      for (const item of everyTracked()) {
        if (item.jobId && ['queued', 'converting'].includes(item.status)) {
          void api(`/api/jobs/${encodeURIComponent(item.jobId)}`).then((r) => { if (r.ok && r.body) applyJob(item, r.body.job); });
        }
      }
    },
    onDown: () => {
      streamUp = false;
      for (const item of everyTracked()) if (item.jobId && ['queued', 'converting'].includes(item.status)) void pollJob(item);
    },
  });
}

/** Upload one request; the job's progress then comes from the stream. */
async function submit(item, form) {
  setStatus(item, 'uploading');
  const r = await unlessBusy(item, () => upload('/api/convert?async=1', form, (f) => { item.uploaded = f; updateRow(item); }));
  if (!r.ok || !r.body) { fail(item, errorOf(r)); return; }
  const job = r.body.job || (Array.isArray(r.body.jobs) ? r.body.jobs[0] : null);
  item.jobId = r.body.jobId || (job && job.id) || null;
  item.uploaded = 1;
  if (!item.jobId) { fail(item, { code: 'FAILED', message: 'the server answered without a job id' }); return; }
  setStatus(item, 'queued');
  applyJob(item, jobViews.get(item.jobId) || job);
  if (!streamUp) void pollJob(item);
}

function formFor(item) {
  const t = currentTarget(item);
  if (!t) return { error: { code: 'NO_CONVERTER', message: 'choose what to convert this file to' } };
  const { options, error } = collectOptions(item.fields || [], item.optionValues);
  if (error) return { error: { code: 'INVALID_OPTIONS', message: error } };
  // Text fields before the file, so the server knows the target before it reads the upload.
  const form = new FormData();
  form.append('to', t.to);
  if (t.converter) form.append('converter', t.converter);
  if (item.confirmed) form.append('from', item.format);
  if (Object.keys(options).length) form.append('options', JSON.stringify(options));
  form.append('file', item.file, item.file.name);
  return { form };
}

async function convertEach(todo) {
  const queue = [...todo];
  const lane = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      resetResult(item);
      const { form, error } = formFor(item);
      if (error) { fail(item, error); continue; }
      await submit(item, form);
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, queue.length) }, lane));
}

async function convertCombined(todo) {
  if (combined) { resetResult(combined); combined.li.remove(); }
  combined = { kind: 'combined', id: 'combined', name: 'combined.pdf', inputs: todo, status: 'ready', uploaded: 0, optionValues: {}, targets: [] };
  $('combined').replaceChildren(makeRow(combined));
  const form = new FormData();
  form.append('to', 'pdf');
  form.append('combine', 'true');
  for (const item of todo) form.append('file', item.file, item.file.name);
  await submit(combined, form);
}

function combinable(list) {
  return list.length >= 2 && list.every((i) => i.targets.some((t) => t.value === 'pdf'));
}

// ---- the page's controls ----------------------------------------------------------------------

/** Files to send on "Convert": new ones and failed ones (a done file is sent again once changed). */
function convertible() {
  return items.filter((i) => (i.status === 'ready' || i.status === 'failed') && currentTarget(i));
}

function updateControls() {
  const n = items.length;
  $('file-list').hidden = n === 0;
  $('batch').hidden = n < 2;
  $('set-all-row').hidden = true;
  $('combine-row').hidden = !combinable(items);
  if ($('combine-row').hidden) $('combine').checked = false;
  $('convert-button').disabled = $('combine').checked ? !combinable(items.filter((i) => !inFlight(i))) : convertible().length === 0;
  const results = everyTracked().filter((i) => i.status === 'done' && i.result);
  $('download-all').hidden = results.length < 2;
  $('clear-button').hidden = n === 0;
  // "Set all to": the targets every file offers.
  if (n >= 2) {
    const common = items.filter((i) => i.targets.length).reduce((acc, i) => (acc === null ? i.targets : acc.filter((t) => i.targets.some((x) => x.value === t.value))), null) || [];
    const sel = $('set-all');
    const values = common.map((t) => t.value).join('|');
    $('set-all-row').hidden = common.length === 0;
    if (sel.dataset.values !== values) {
      sel.dataset.values = values;
      sel.replaceChildren(el('option', { value: '', text: common.length ? 'choose…' : 'no format fits every file' }), ...common.map((t) => el('option', { value: t.value, text: t.label })));
    }
  }
}

function removeItem(item) {
  if (inFlight(item)) return;
  resetResult(item);
  items.splice(items.indexOf(item), 1);
  item.li.remove();
  updateControls();
}

async function addFiles(fileList) {
  const files = [...fileList].slice(0, Math.max(0, MAX_FILES - items.length));
  for (const file of files) {
    const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
    const det = detect(file.name, head);
    const item = { kind: 'file', id: nextId++, file, name: file.name, format: det.format, confirmed: det.confirmed, note: det.note, targets: targetsFor(det.format), target: '', optionValues: {}, status: 'ready', uploaded: 0, result: null, error: null, job: null, jobId: null };
    item.target = defaultTarget(item);
    items.push(item);
    $('file-list').append(makeRow(item));
    updateRow(item);
  }
  updateControls();
  if (files.length) announce(`${files.length} file${files.length === 1 ? '' : 's'} added`);
}

async function onConvert(ev) {
  ev.preventDefault();
  const idle = items.filter((i) => !inFlight(i));
  if ($('combine').checked && combinable(idle)) { await convertCombined(idle); return; }
  const todo = convertible();
  if (todo.length) await convertEach(todo);
}

function downloadAll() {
  const done = everyTracked().filter((i) => i.status === 'done' && i.result);
  Promise.all(done.map(async (i) => ({ name: i.result.name, data: new Uint8Array(await i.result.blob.arrayBuffer()) })))
    .then((entries) => saveBlob(new Blob([makeZip(entries)], { type: 'application/zip' }), 'hermetic-results.zip'));
}

function wireDropZone() {
  const zone = $('dropzone');
  const over = (on) => (e) => { e.preventDefault(); zone.classList.toggle('over', on); };
  zone.addEventListener('dragenter', over(true));
  zone.addEventListener('dragover', over(true));
  zone.addEventListener('dragleave', over(false));
  // A file dropped anywhere on the page is added too, instead of the browser opening it.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer && e.dataTransfer.files.length) void addFiles(e.dataTransfer.files);
  });
  $('file').addEventListener('change', (e) => { void addFiles(e.target.files).then(() => { e.target.value = ''; }); });
}

/** Load what the server can convert and wire the form; `whenSettled` runs after each finished file. */
export async function startConverter(whenSettled) {
  onSettled = whenSettled || onSettled;
  const r = await api('/api/converters');
  if (!r.ok || !r.body) {
    const e = errorWords(errorOf(r));
    $('convert-unavailable').hidden = false;
    $('convert-unavailable').textContent = r.status === 401 ? 'Sign in (see above) to convert files.' : `Conversion is not available: ${e.words} (${e.code})`;
    return;
  }
  catalog = { pairs: Array.isArray(r.body.pairs) ? r.body.pairs : [], converters: Array.isArray(r.body.converters) ? r.body.converters : [] };
  $('convert-form').hidden = false;
  wireDropZone();
  $('convert-form').addEventListener('submit', (e) => { void onConvert(e); });
  $('set-all').addEventListener('change', (e) => {
    const v = e.target.value;
    if (!v) return;
    for (const item of items) if (!inFlight(item) && item.targets.some((t) => t.value === v)) { item.target = v; item.parts.select.value = v; renderOptions(item); changed(item); }
    e.target.value = '';
    updateControls();
  });
  $('download-all').addEventListener('click', downloadAll);
  $('combine').addEventListener('change', updateControls);
  $('clear-button').addEventListener('click', () => { for (const item of [...items]) removeItem(item); if (combined && !inFlight(combined)) { resetResult(combined); combined.li.remove(); combined = null; } updateControls(); });
  updateControls();
  await startJobStream();
}
