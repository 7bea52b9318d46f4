// The isolation badge (header) and panel: what protects a conversion, layer by layer, in words
// a non-expert can follow — including why a layer is off and whether that matters.
import { $, el } from './dom.js';
import { api } from './api.js';
import { badgeFor, layerSentence } from './words.js';

const ICONS = { on: '✔', 'off-ok': '–', 'off-bad': '✘' };
const STATE_WORDS = { on: 'in force', 'off-ok': 'off — not needed here', 'off-bad': 'off' };

let lastHealth = null;

function timeText(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

function renderBadge(iso) {
  const b = badgeFor(iso);
  const badge = $('indicator');
  badge.className = `indicator ${b.tone}`;
  $('indicator-text').textContent = b.text;
  return b;
}

function monitorSentence(iso, monitor) {
  if (!iso.monitor || !iso.monitor.active) return 'The network monitor is not running in this server, so attempts are not recorded here.';
  const sources = monitor && monitor.sources ? Object.entries(monitor.sources) : [];
  const watching = sources.filter(([, s]) => s.active).map(([n]) => n);
  const down = sources.filter(([, s]) => !s.active && !s.notApplicable).map(([n]) => n);
  let text = `The network monitor has been watching since ${timeText(iso.monitor.since)}`;
  if (watching.length) text += ` (${watching.join(', ')})`;
  text += '.';
  if (down.length) text += ` Not watching: ${down.join(', ')} — see the events below.`;
  return text;
}

/** Draw the badge and the panel from /api/health (+ /api/security/network-status when signed in). */
export async function refreshIsolation() {
  const r = await api('/api/health');
  if (!r.ok || !r.body) {
    $('indicator').className = 'indicator unknown';
    $('indicator-text').textContent = r.status === 0 ? 'server not reachable' : 'health check failed';
    return;
  }
  lastHealth = r.body;
  $('version').textContent = `Hermetic ${r.body.version}`;
  const iso = r.body.isolation || {};
  const badge = renderBadge(iso);
  // The full report needs the token; without it the panel still explains what health says.
  const status = await api('/api/security/network-status');
  const report = status.ok && status.body ? status.body.report : null;
  const monitor = status.ok && status.body ? status.body.monitor : null;
  const checks = report && Array.isArray(report.checks) ? report.checks : [];
  const nodePermission = checks.find((c) => c.id === 'node.permission') || null;

  const summary = [badge.explain];
  if (iso.verifiedAt) summary.push(`Last checked ${timeText(iso.verifiedAt)}; strictness “${iso.strictness}”.`);
  if (r.body.exposure === 'non-loopback') summary.push('Warning: this server is reachable from other machines (--allow-non-loopback).');
  $('isolation-summary').textContent = summary.join(' ');
  $('monitor-summary').textContent = monitorSentence(iso, monitor);

  const layers = Array.isArray(iso.layers) ? iso.layers : [];
  $('layers').replaceChildren(...layers.map((layer) => {
    const s = layerSentence(layer, { layers, nodePermission });
    return el('li', { class: `layer ${s.state}`, dataset: { layer: layer.name, state: s.state } },
      el('span', { class: 'icon', 'aria-hidden': 'true', text: ICONS[s.state] }),
      el('div', { class: 'layer-body' },
        el('p', { class: 'layer-title' }, el('strong', { text: s.title }), el('span', { class: 'state', text: ` — ${STATE_WORDS[s.state]}` })),
        el('p', { class: 'layer-text', text: s.text }),
        el('details', { class: 'more' }, el('summary', { text: 'Technical detail' }), el('p', { class: 'mono', text: `${layer.name}: ${layer.reason || ''}` }))));
  }));
  if (!layers.length) $('layers').replaceChildren(el('li', { class: 'layer off-bad', text: 'No isolation report yet: the server has not verified its layers.' }));
}

/** For other modules: the last health body (or null). */
export function health() { return lastHealth; }
