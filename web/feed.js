// The security-event feed: each event as a sentence with its severity colour, newest first,
// live over the event stream; filters by type and severity; every detail on demand.
import { $, el } from './dom.js';
import { api, errorOf, live } from './api.js';
import { eventSentence, detailRows, errorWords } from './words.js';

const PAGE = 50;
/** Event types the server's filter accepts (GET /api/security/events?type=); others are filtered here. */
export const KNOWN_TYPES = {
  network_attempt: 'Network attempts', dns_blocked: 'DNS look-ups', p2p_blocked: 'Peer-to-peer / WebRTC',
  process_spawn_blocked: 'Programs started', process_terminated: 'Stopped processes', monitor_hole: 'Holes found',
  verification_completed: 'Isolation checks', verification_failed: 'Failed isolation checks', monitor_started: 'Monitor started',
  monitor_stopped: 'Monitor stopped', monitor_degraded: 'Monitor degraded', events_dropped: 'Events dropped',
  event_flood: 'Event floods', non_loopback_bind: 'Non-loopback listening', server_started: 'Server started',
  background_fault: 'Background faults',
};
const SEVERITIES = { '': 'Any severity', 'warning,critical': 'Warnings and critical', critical: 'Critical only' };

const events = new Map(); // id → event
/** Rows whose details the user opened: a re-render (a new event, a filter) keeps them open. */
const opened = new Set();
let shown = PAGE;
let onNew = () => {};
let converterOf = () => null;

function filter() {
  return { type: $('event-type').value, severity: $('event-severity').value };
}

function matches(ev, f) {
  if (f.type && ev.type !== f.type) return false;
  if (f.severity && !f.severity.split(',').includes(ev.severity)) return false;
  return true;
}

function row(ev) {
  const s = eventSentence(ev, { converterOf });
  const when = new Date(ev.timestamp);
  return el('li', { class: `event sev-${s.tone}`, dataset: { id: String(ev.id), type: ev.type, severity: ev.severity } },
    el('p', { class: 'event-head' },
      el('span', { class: 'sev', text: ev.severity }),
      el('time', { datetime: ev.timestamp, text: Number.isNaN(when.getTime()) ? '' : when.toLocaleString() })),
    el('p', { class: 'sentence', text: s.text }),
    el('details', { class: 'more', open: opened.has(ev.id), ontoggle: (e) => { if (e.target.open) opened.add(ev.id); else opened.delete(ev.id); } },
      el('summary', { text: 'Details' }),
      el('dl', { class: 'details' }, ...detailRows(ev.details).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]),
        el('dt', { text: 'type' }), el('dd', { text: ev.type }), el('dt', { text: 'event id' }), el('dd', { text: String(ev.id) }))));
}

function render() {
  const f = filter();
  const list = [...events.values()].filter((ev) => matches(ev, f)).sort((a, b) => b.id - a.id);
  const rows = list.slice(0, shown).map(row);
  if (!rows.length) rows.push(el('li', { class: 'event empty muted', text: f.type || f.severity ? 'No events match this filter.' : 'No security events recorded. Blocked attempts will appear here the moment they happen.' }));
  $('events-list').replaceChildren(...rows);
  $('events-more').hidden = list.length <= shown;
  const filtered = f.type || f.severity;
  $('events-note').textContent = list.length ? `${list.length} ${list.length === 1 ? `event${filtered ? ' matches' : ''}` : `events${filtered ? ' match' : ''}`}; newest first.` : '';
}

function remember(ev) {
  if (!ev || typeof ev.id !== 'number') return false;
  const isNew = !events.has(ev.id);
  events.set(ev.id, ev);
  if (events.size > 1000) events.delete(Math.min(...events.keys()));
  if (isNew && !$('event-type').querySelector(`option[value="${CSS.escape(ev.type)}"]`)) {
    $('event-type').append(el('option', { value: ev.type, text: ev.type.replace(/_/g, ' ') }));
  }
  return isNew;
}

async function load() {
  const f = filter();
  const q = new URLSearchParams({ limit: '200' });
  if (f.type && KNOWN_TYPES[f.type]) q.set('type', f.type);
  if (f.severity) q.set('severity', f.severity);
  const r = await api(`/api/security/events?${q}`);
  if (!r.ok) {
    const e = errorWords(errorOf(r));
    $('events-note').textContent = r.status === 401 ? 'Sign in (see above) to see security events.' : `Could not load events: ${e.words} (${e.code})`;
    return false;
  }
  for (const ev of r.body.events || []) remember(ev);
  render();
  return true;
}

let renderTimer = null;
function renderSoon() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => { renderTimer = null; render(); }, 100);
}

/**
 * Start the feed. `whenNew` runs for every new or updated event; `jobConverter(jobId)` names a
 * job's converter when the page knows it (from the jobs stream).
 */
export async function startFeed(whenNew, jobConverter) {
  onNew = whenNew || onNew;
  converterOf = jobConverter || converterOf;
  $('event-type').replaceChildren(el('option', { value: '', text: 'All types' }), ...Object.entries(KNOWN_TYPES).map(([v, t]) => el('option', { value: v, text: t })));
  $('event-severity').replaceChildren(...Object.entries(SEVERITIES).map(([v, t]) => el('option', { value: v, text: t })));
  const refilter = () => { shown = PAGE; render(); void load(); };
  $('event-type').addEventListener('change', refilter);
  $('event-severity').addEventListener('change', refilter);
  $('events-more').addEventListener('click', () => { shown += PAGE; render(); });
  if (!(await load())) return;
  const after = Math.max(0, ...events.keys());
  let poll = null;
  live(`/api/security/events/stream?afterId=${after}`, {
    security_event: (ev) => { if (remember(ev)) { renderSoon(); onNew(ev); } },
    security_event_update: (ev) => { remember(ev); renderSoon(); onNew(ev); },
  }, {
    // The stream was refused (e.g. too many tabs): poll instead, less often.
    onGone: () => { if (!poll) poll = setInterval(() => { void load().then(() => onNew(null)); }, 10_000); },
  });
}
