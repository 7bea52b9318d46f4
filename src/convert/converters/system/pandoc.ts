// Markup documents through pandoc, as the jailed worker's child, in two steps so that pandoc
// never reads a file the user did not hand in:
//   1. read, sandboxed: `pandoc --sandbox -f FROM -t json --extract-media=media` — includes
//      (LaTeX \input, reST `include::`) and images are not read from the disk; the images
//      inside a DOCX/ODT/EPUB are extracted into the job's private folder;
//   2. the document tree is cleaned here: images must be extracted ones or data: URIs (remote
//      images become links — a writer would fetch them; local paths are dropped), metadata is
//      kept to plain descriptive fields (EPUB's cover-image/css would be read from disk), raw
//      HTML is dropped for EPUB (its writer embeds what raw <img> tags point at);
//   3. write: `pandoc -f json -t TO` from the cleaned tree (not sandboxed only because this
//      pandoc's DOCX/ODT/EPUB writers need their own data files, which --sandbox hides).
import { writeFileSync, lstatSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { Converter } from '../../types.js';
import { ConvertError } from '../../errors.js';
import { extOf, type FormatId } from '../../formats.js';
import { inspectZip, decodeUtf8 } from '../../guards/index.js';
import { isRemoteUrl, remoteReferenceWarnings } from '../remote-refs.js';
import { readResult, runTool, scratchDir, systemManifest, toolEnv, toolOf } from './run.js';

const READER: Partial<Record<FormatId, string>> = { md: 'markdown', html: 'html', docx: 'docx', odt: 'odt', epub: 'epub', rst: 'rst', latex: 'latex' };
const WRITER: Partial<Record<FormatId, string>> = { md: 'markdown', html: 'html5', docx: 'docx', odt: 'odt', epub: 'epub3', rst: 'rst', latex: 'latex', txt: 'plain' };
/** Writers that embed images (and would fetch a remote one). */
const EMBEDDING = new Set<FormatId>(['docx', 'odt', 'epub']);
const ZIPPED = new Set<FormatId>(['docx', 'odt', 'epub']);
/** Metadata fields a writer only prints; everything else (cover-image, css, header-includes…) is dropped. */
const META_KEEP = new Set(['title', 'subtitle', 'author', 'date', 'lang', 'abstract', 'keywords', 'subject', 'description', 'rights', 'publisher', 'dir']);
/** Deeper than this, the tree is refused before it is parsed (JSON.parse and the walk recurse). */
const MAX_TREE_DEPTH = 1000;

const options = z
  .object({
    /** HTML/LaTeX/reST: a complete document instead of a fragment (HTML gets a no-fetch CSP). */
    standalone: z.coerce.boolean().default(false),
    /** Remote images: 'link' (default), 'remove' (alt text only), 'keep' (HTML, Markdown, reST, LaTeX only: never fetched). */
    remoteImages: z.enum(['link', 'remove', 'keep']).default('link'),
  })
  .strict();

type Node = { t: string; c?: unknown };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Node).t === 'string';

interface Clean { remoteImages: Map<string, number>; localImages: number; rawDropped: number; metaDropped: string[] }

function hostOf(url: string): string {
  try { return new URL(url.trim().startsWith('//') ? `https:${url.trim()}` : url.trim()).host; } catch { return '(unparsable)'; }
}

/** The tree with every image the writer could read from disk or fetch replaced (see the header). */
export function cleanTree(doc: { meta?: Record<string, unknown>; blocks?: unknown }, o: { dir: string; to: FormatId; remoteImages: 'link' | 'remove' | 'keep' }): Clean {
  const report: Clean = { remoteImages: new Map(), localImages: 0, rawDropped: 0, metaDropped: [] };
  const media = resolve(o.dir, 'media') + sep;
  const extracted = (url: string): boolean => {
    const p = resolve(o.dir, url);
    if (!p.startsWith(media)) return false;
    try { return lstatSync(p).isFile(); } catch { return false; } // lstat: a symlink is not a file
  };
  const fix = (n: Node): Node | null => {
    if (n.t === 'Image') {
      const [attr, alt, target] = n.c as [unknown, unknown[], [string, string]];
      const url = target[0];
      if (/^data:image\//i.test(url) || extracted(url)) return n;
      if (isRemoteUrl(url)) {
        report.remoteImages.set(hostOf(url), (report.remoteImages.get(hostOf(url)) ?? 0) + 1);
        if (o.remoteImages === 'keep' && !EMBEDDING.has(o.to)) return n;
        if (o.remoteImages === 'remove') return { t: 'Span', c: [['', [], []], alt] };
        return { t: 'Link', c: [attr, alt.length ? alt : [{ t: 'Str', c: url }], [url, target[1]]] };
      }
      report.localImages++;
      return { t: 'Span', c: [['', [], []], alt] };
    }
    if ((n.t === 'RawBlock' || n.t === 'RawInline') && o.to === 'epub') { report.rawDropped++; return null; }
    return n;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) {
        if (isNode(x)) { const y = fix(x); if (y) out.push(walk(y)); } else out.push(walk(x));
      }
      return out;
    }
    if (isNode(v)) { const y = fix(v); return y ? { ...y, ...(y.c !== undefined ? { c: walk(y.c) } : {}) } : { t: 'Str', c: '' }; }
    return v;
  };
  doc.blocks = walk(doc.blocks);
  if (doc.meta) {
    for (const k of Object.keys(doc.meta)) if (!META_KEEP.has(k)) { report.metaDropped.push(k); delete doc.meta[k]; }
    doc.meta = walk(doc.meta) as Record<string, unknown>;
  }
  return report;
}

function failed(step: string, from: FormatId, to: FormatId, code: number | null, signal: string | null): ConvertError {
  const why = signal ? `stopped by ${signal}` : `exit ${code}`;
  return new ConvertError('INVALID_INPUT', step === 'read' ? `pandoc could not read the ${from} input (${why})` : `pandoc could not write ${to} (${why})`);
}

function page(body: string): string {
  // The same no-fetch CSP as the document converter's standalone HTML.
  return body.replace(/<head>/i, `<head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`);
}

export const pandocConverter: Converter<typeof options> = {
  manifest: { ...systemManifest('pandoc'), options },
  async convert(input, opts) {
    const pandoc = toolOf('pandoc');
    const reader = READER[input.from];
    const writer = WRITER[input.to];
    if (!reader || !writer) throw new ConvertError('NO_CONVERTER', `pandoc does not convert ${input.from} to ${input.to}`);
    if (ZIPPED.has(input.from)) await inspectZip(input.data);
    else decodeUtf8(input.data, input.from);
    const dir = scratchDir('pandoc');
    const env = toolEnv(dir);
    const inFile = join(dir, `input.${extOf(input.from)}`);
    writeFileSync(inFile, input.data, { mode: 0o600 });
    const read = await runTool(pandoc.path, ['--sandbox', '-f', reader, '-t', 'json', '--extract-media=media', inFile], { cwd: dir, env, maxStdout: 256 * 1024 * 1024 });
    if (read.code !== 0) throw failed('read', input.from, input.to, read.code, read.signal);
    const json = read.stdout.toString('utf8');
    let depth = 0;
    let max = 0;
    for (let i = 0; i < json.length && max <= MAX_TREE_DEPTH; i++) { const c = json.charCodeAt(i); if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth); else if (c === 0x5d || c === 0x7d) depth--; }
    if (max > MAX_TREE_DEPTH) throw new ConvertError('TOO_COMPLEX', `the document nests deeper than ${MAX_TREE_DEPTH} levels`);
    const tree = JSON.parse(json) as { meta?: Record<string, unknown>; blocks?: unknown };
    const report = cleanTree(tree, { dir, to: input.to, remoteImages: opts.remoteImages });
    const outFile = join(dir, `result.${extOf(input.to)}`);
    const standalone = opts.standalone && ['html', 'latex', 'rst', 'md'].includes(input.to) ? ['-s'] : [];
    const write = await runTool(pandoc.path, ['-f', 'json', '-t', writer, ...standalone, '-o', outFile], { cwd: dir, env, input: JSON.stringify(tree) });
    if (write.code !== 0) throw failed('write', input.from, input.to, write.code, write.signal);
    let data = readResult(outFile, 'pandoc');
    const warnings: string[] = [];
    for (const [host, n] of report.remoteImages) {
      const done = opts.remoteImages === 'keep' && !EMBEDDING.has(input.to) ? 'kept as a reference (not fetched)' : opts.remoteImages === 'remove' ? 'removed (alt text kept)' : 'turned into a link (not fetched)';
      warnings.push(`remote image ${done}: ${n} from ${host}`);
    }
    if (report.localImages) warnings.push(`image with a local file path not read: ${report.localImages} (only images inside the document are kept)`);
    if (report.rawDropped) warnings.push(`raw HTML/LaTeX dropped from the EPUB: ${report.rawDropped} (its images would be read from disk)`);
    if (report.metaDropped.length) warnings.push(`metadata fields not passed on: ${report.metaDropped.slice(0, 10).join(', ')}`);
    if (input.to === 'html') {
      if (standalone.length) data = Buffer.from(page(data.toString('utf8')), 'utf8');
      warnings.push(...remoteReferenceWarnings(data.toString('utf8')));
    }
    return { data, format: input.to, info: { tool: pandoc.version ?? 'pandoc' }, ...(warnings.length ? { warnings } : {}) };
  },
};
