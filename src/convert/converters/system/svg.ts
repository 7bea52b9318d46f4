// SVG with its external references removed, before any renderer sees it. An SVG can make its
// renderer read a URL or a local file: <image xlink:href="http://…">, <use href="file:…">,
// CSS url(…) and @import, <?xml-stylesheet?>, and XML external entities declared in a DOCTYPE
// (XXE: <!ENTITY x SYSTEM "file:///…">). Kept: references inside the document (#id) and
// embedded raster images (data:image/png|jpeg|gif|webp). Removed references are reported by
// host (remote) or as "local" — never by path. The jail refuses the network whatever the
// renderer does; this makes it never try, and tells the user what the file pointed at.
import { ConvertError } from '../../errors.js';
import { decodeUtf8 } from '../../guards/index.js';
import { isRemoteUrl } from '../remote-refs.js';

export interface SvgClean {
  svg: string;
  /** One entry per removed reference: a host for remote URLs, 'local' otherwise. */
  removed: string[];
  /** A DOCTYPE (with or without entity declarations) was dropped. */
  doctype: boolean;
}

const ENTITY = /&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi;
function decodeEntities(v: string): string {
  return v.replace(ENTITY, (_m, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16) % 0x110000);
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10) % 0x110000);
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[k] ?? '';
  });
}

/** Inside the document (#id) or an embedded raster image: the only references kept. */
function internal(raw: string): boolean {
  // Whitespace and control characters inside a URL are ignored by parsers ("jav\tascript:").
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped here
  const v = decodeEntities(raw).replace(/[\s\u0000-\u001f]+/g, '');
  return v.startsWith('#') || /^data:image\/(png|jpeg|jpg|gif|webp)[;,]/i.test(v);
}

function where(raw: string): string {
  const v = decodeEntities(raw).trim();
  if (!isRemoteUrl(v)) return 'local';
  try { return new URL(v.startsWith('//') ? `http:${v}` : v).host || 'local'; } catch { return '(unparsable)'; }
}

export function sanitizeSvg(data: Buffer): SvgClean {
  let svg = decodeUtf8(data, 'SVG');
  const removed: string[] = [];
  // DOCTYPE (with any internal subset): no entity, external DTD or parameter entity survives.
  let doctype = false;
  svg = svg.replace(/<!DOCTYPE\b(?:[^[>]*\[[\s\S]*?\]\s*>|[^>]*>)/gi, () => { doctype = true; return ''; });
  if (/<!ENTITY\b/i.test(svg)) throw new ConvertError('INVALID_INPUT', 'the SVG declares XML entities outside a DOCTYPE');
  // References to the entities the DOCTYPE declared are now undefined: drop them (the predefined
  // five and character references stay).
  if (doctype) svg = svg.replace(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)[A-Za-z_][\w.-]*;/gi, '');
  // Processing instructions other than the XML declaration (xml-stylesheet fetches).
  svg = svg.replace(/<\?(?!xml\s)[\s\S]*?\?>/gi, (pi) => { removed.push(where(/href\s*=\s*["']([^"']*)/i.exec(pi)?.[1] ?? '')); return ''; });
  // href / xlink:href / src attributes (any namespace prefix) that leave the document.
  svg = svg.replace(/(\s)((?:[A-Za-z_][\w.-]*:)?(?:href|src))\s*=\s*("([^"]*)"|'([^']*)')/g, (m, sp: string, _name: string, _q: string, dq?: string, sq?: string) => {
    const v = dq ?? sq ?? '';
    if (internal(v)) return m;
    removed.push(where(v));
    return sp;
  });
  // CSS: @import and url(…) in <style> and style="…" (both are plain text to us).
  svg = svg.replace(/@import\s+(?:url\()?\s*["']?([^"');\s]*)["']?\s*\)?[^;]*;?/gi, (_m, u: string) => { removed.push(where(u)); return ''; });
  svg = svg.replace(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi, (m, a?: string, b?: string, c?: string) => {
    const v = (a ?? b ?? c ?? '').trim();
    if (internal(v)) return m;
    removed.push(where(v));
    return 'none';
  });
  if (!/<svg\b/i.test(svg)) throw new ConvertError('INVALID_INPUT', 'the input is not an SVG image (no <svg> element)');
  return { svg, removed, doctype };
}

/** The job warnings for what sanitizeSvg removed (grouped by host). */
export function svgWarnings(c: SvgClean): string[] {
  const counts = new Map<string, number>();
  for (const r of c.removed) counts.set(r, (counts.get(r) ?? 0) + 1);
  const out = [...counts].map(([h, n]) => (h === 'local' ? `SVG reference to a local file removed (not read): ${n}` : `SVG reference to a remote resource removed (not fetched): ${n} to ${h}`));
  if (c.doctype) out.push('SVG DOCTYPE removed (external entities are never read)');
  return out;
}
