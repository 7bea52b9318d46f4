// What an office document would fetch or run: external references (linked images, OLE
// objects, linked sections and tables, templates, field codes that include a URL) and macros,
// read from the package before LibreOffice opens it. LibreOffice is configured not to follow
// any of them and the jail refuses the network anyway; this list is what the user is told
// (the job's warnings): which hosts the document points at, that nothing was fetched, that its
// macros did not run. Hosts only — never paths or other document content.
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { isRemoteUrl } from '../remote-refs.js';

/** Entries worth reading: relationships (OOXML), the document bodies (ODF, DOCX fields). */
const WANTED = /(^|\/)_rels\/[^/]+\.rels$|^(content|styles)\.xml$|^word\/(document|header\d*|footer\d*)\.xml$/;
const MACRO_ENTRY = /(^|\/)vbaProject\.bin$|^Basic\/[^/]+\/[^/]+\.xml$|^Scripts\//i;
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

function readEntries(buf: Buffer): Promise<{ names: string[]; texts: Map<string, string> }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip: ZipFile) => {
      if (err) { reject(err); return; }
      const names: string[] = [];
      const texts = new Map<string, string>();
      zip.on('entry', (e: Entry) => {
        names.push(e.fileName);
        if (!WANTED.test(e.fileName) || e.uncompressedSize > MAX_ENTRY_BYTES) { zip.readEntry(); return; }
        zip.openReadStream(e, (er, stream) => {
          if (er) { reject(er); return; }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => { texts.set(e.fileName, Buffer.concat(chunks).toString('utf8')); zip.readEntry(); });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve({ names, texts }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const decode = (v: string): string => v.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m ? decode(m[1] ?? m[2] ?? '') : null;
};

function hostOf(url: string): string {
  try { return new URL(url.trim().startsWith('//') ? `http:${url.trim()}` : url.trim()).host || '(no host)'; } catch { return '(unparsable)'; }
}

/** A reference that would make the office reach outside the document. */
export interface ExternalRef {
  /** image, object (OLE), section, table, template, frame, field, link (hyperlink: not loaded unless clicked), dde. */
  kind: string;
  /** Host for remote URLs; null for local files, UNC paths and other schemes. */
  host: string | null;
  remote: boolean;
}

function classify(url: string, kind: string): ExternalRef | null {
  const u = url.trim();
  if (!u || u.startsWith('#') || /^(data:|vnd\.sun\.star\.)/i.test(u)) return null;
  if (isRemoteUrl(u) || /^(ftp|ftps|webdav|davs?|smb):/i.test(u)) return { kind, host: hostOf(u.replace(/^(webdav|davs?|smb):/i, 'http:')), remote: true };
  if (/^(file:|\/|\\\\|[a-z]:[\\/])/i.test(u) || u.startsWith('..')) return { kind, host: null, remote: false };
  if (/^[a-z][a-z0-9+.-]*:/i.test(u)) return { kind: `${kind} (${u.split(':')[0]!.toLowerCase()}:)`, host: null, remote: false };
  return null; // relative to the package: a part of the document itself
}

/** OOXML relationship types → what the office would do with the target. */
function relKind(type: string): string {
  const t = type.split('/').pop() ?? '';
  if (t === 'hyperlink') return 'link';
  if (t === 'image') return 'image';
  if (t === 'oleObject' || t === 'package') return 'object';
  if (t === 'attachedTemplate') return 'template';
  if (t === 'frame' || t === 'subDocument') return 'frame';
  if (/externalLink/i.test(t)) return 'table';
  return t || 'reference';
}

/** ODF elements whose xlink:href the office may load → kind. */
const ODF_ELEMENTS: [RegExp, string][] = [
  [/^draw:image$/, 'image'], [/^draw:(object|object-ole|plugin|applet|floating-frame)$/, 'object'],
  [/^text:section-source$/, 'section'], [/^table:table-source$/, 'table'], [/^(text|draw):a$/, 'link'],
  [/^(style:background-image|draw:fill-image|text:list-level-style-image)$/, 'image'],
];

export interface DocumentScan {
  refs: ExternalRef[];
  /** Macro code or bindings found (Basic modules, VBA project, event listeners bound to scripts). */
  macros: string[];
}

export async function scanOfficePackage(buf: Buffer): Promise<DocumentScan> {
  const { names, texts } = await readEntries(buf);
  const refs: ExternalRef[] = [];
  const macros = new Set<string>();
  for (const n of names) {
    if (/vbaProject\.bin$/i.test(n)) macros.add('VBA project');
    else if (MACRO_ENTRY.test(n)) macros.add(/^Scripts\//i.test(n) ? 'scripts' : 'Basic modules');
  }
  for (const [name, xml] of texts) {
    if (name.endsWith('.rels')) {
      for (const m of xml.matchAll(/<Relationship\b[^>]*>/g)) {
        if (!/TargetMode\s*=\s*["']External["']/i.test(m[0])) continue;
        const r = classify(attr(m[0], 'Target') ?? '', relKind(attr(m[0], 'Type') ?? ''));
        if (r) refs.push(r);
      }
      continue;
    }
    // DOCX field codes that pull content in: INCLUDEPICTURE / INCLUDETEXT / LINK "target".
    for (const m of xml.matchAll(/\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDEAUTO|DDE)\s+(?:\\[a-z*]\s+)*"([^"]+)"/gi)) {
      const r = classify(decode(m[2]!), /^dde/i.test(m[1]!) ? 'dde' : 'field');
      if (r) refs.push(r);
    }
    // ODF: every element with an xlink:href, by element name.
    for (const m of xml.matchAll(/<([a-z]+:[a-z-]+)\b[^>]*\bxlink:href\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>/gi)) {
      const el = m[1]!;
      const href = decode(m[2] ?? m[3] ?? '');
      if (/^script:event-listener$/i.test(el) || /^vnd\.sun\.star\.script:/i.test(href)) { macros.add('event bound to a macro'); continue; }
      const kind = ODF_ELEMENTS.find(([re]) => re.test(el))?.[1];
      if (!kind) continue;
      const r = classify(href, kind);
      if (r) refs.push(r);
    }
    // DDE links ask another program on the machine for data.
    for (const _ of xml.matchAll(/<office:dde-source\b/g)) refs.push({ kind: 'dde', host: null, remote: false });
  }
  return { refs, macros: [...macros] };
}

/** One warning per kind and host, the fetched-when-opened ones first (bounded). */
export function referenceWarnings(scan: DocumentScan, max = 20): string[] {
  const counts = new Map<string, number>();
  for (const r of scan.refs) {
    const what = r.kind === 'link' ? 'remote link (not loaded unless clicked)' : r.remote ? `remote ${r.kind} not fetched` : `external ${r.kind} not read (local file or other scheme)`;
    const key = r.remote ? `${what}: ${r.host}` : what;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = [...counts].sort(([a], [b]) => Number(a.startsWith('remote link')) - Number(b.startsWith('remote link'))).map(([k, n]) => (n > 1 ? `${k} (${n}×)` : k));
  if (scan.macros.length) out.unshift(`macros were not run (${scan.macros.join(', ')})`);
  return out.length > max ? [...out.slice(0, max), `… and ${out.length - max} more`] : out;
}
