// DOM helpers. Everything shown is set as text (never innerHTML: the CSP's Trusted Types with no
// policy would refuse it anyway), so nothing from a file name, an event or a server message can
// become markup.

export const $ = (id) => document.getElementById(id);

/** el('li', { class: 'x', hidden: true, dataset: { id: '1' } }, 'text', child, …) */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** "12.3 KB" */
export function bytesText(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One polite live region for the whole page, so screen readers hear progress without a flood. */
export function announce(text) {
  const r = $('announcer');
  if (!r) return;
  r.textContent = '';
  // A tick later, so the same sentence twice is announced twice.
  setTimeout(() => { r.textContent = text; }, 50);
}

/** Save bytes as a file via a temporary link to an object URL (no request leaves the page). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
