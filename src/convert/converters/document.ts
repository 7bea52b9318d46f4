// Documents: DOCX (mammoth) → HTML / Markdown / text; Markdown → HTML (markdown-it);
// HTML → Markdown (turndown) / text. Raw HTML inside Markdown is escaped, and no converter
// follows links or loads remote images: the output is text, references stay references.
import MarkdownIt from 'markdown-it';
import type TurndownService from 'turndown';
import { z } from 'zod';
import type { Converter } from '../types.js';
import { ConvertError } from '../errors.js';
import { inspectZip, decodeUtf8, assertHtmlBounded } from '../guards/index.js';
import { isRemoteUrl, remoteReferenceWarnings } from './remote-refs.js';

const options = z
  .object({
    /** Wrap HTML output in a minimal standalone page. */
    standalone: z.coerce.boolean().default(false),
    /**
     * Remote images in Markdown (`![](https://…)`) load — and can track — when the HTML is opened.
     * 'link' (default): turned into a plain link; 'remove': only the alt text stays; 'keep': left as
     * images. Every remote reference is listed in the job's warnings either way.
     */
    remoteImages: z.enum(['link', 'remove', 'keep']).default('link'),
  })
  .strict();

// mammoth (DOCX) and turndown (HTML → Markdown / text) are imported when a file needs them, or
// when the pool says recent jobs did: a worker spawned for Markdown → HTML does not pay for them
// (~110 + ~60 ms of start-up CPU, bench/convert.ts §3).
type Mammoth = typeof import('mammoth');
let mammoth: Mammoth | null = null;
let Turndown: typeof TurndownService | null = null;

/** Import what from → to needs (idempotent). */
async function libsFor(from: string, to: string): Promise<void> {
  if (from === 'docx' && !mammoth) { const m = await import('mammoth'); mammoth = (m as unknown as { default?: Mammoth }).default ?? m; }
  if (to === 'md' || to === 'txt') Turndown ??= (await import('turndown')).default;
}

/** Warm-up: the libraries of the given from:to pairs (recent demand). */
export async function warm(pairs: readonly string[] = []): Promise<void> {
  for (const p of pairs) { const [from = '', to = ''] = p.split(':'); await libsFor(from, to); }
}

/**
 * Markdown → HTML, sanitised: raw HTML in the Markdown is escaped (html: false), markdown-it's
 * validateLink refuses javascript:/vbscript:/file:/data: (but data:image) links, links get
 * rel="noopener noreferrer nofollow", and remote images follow `remoteImages`.
 */
function markdown(remoteImages: 'link' | 'remove' | 'keep'): ReturnType<typeof MarkdownIt> {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  const esc = md.utils.escapeHtml;
  const defaultImage = md.renderer.rules.image!;
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const t = tokens[idx]!;
    const src = String(t.attrGet('src') ?? '');
    if (remoteImages === 'keep' || !isRemoteUrl(src)) {
      t.attrSet('referrerpolicy', 'no-referrer');
      return defaultImage(tokens, idx, options, env, self);
    }
    const alt = String(self.renderInlineAsText(t.children ?? [], options, env));
    if (remoteImages === 'remove') return esc(alt);
    return `<a href="${esc(src)}" rel="noopener noreferrer nofollow">${esc(alt || src)}</a>`;
  };
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
    return self.renderToken(tokens, idx, options);
  };
  return md;
}

function turndown(): TurndownService {
  const t = new Turndown!({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
  // Scripts and styles are not content; dropping them keeps them out of the Markdown.
  t.remove(['script', 'style', 'iframe', 'object', 'embed']);
  return t;
}

function page(body: string): string {
  // A CSP that forbids every fetch: opening the result in a browser cannot phone anywhere.
  return `<!doctype html>\n<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>Converted document</title></head>\n<body>\n${body}\n</body></html>\n`;
}

function htmlToText(html: string): string {
  // Turndown to Markdown, then strip the Markdown punctuation that carries no text.
  return turndown().turndown(html).replace(/^#+\s+/gm, '').replace(/\*\*|__/g, '').replace(/!\[[^\]]*\]\([^)]*\)/g, '') + '\n';
}

async function docxToHtml(data: Buffer): Promise<string> {
  await inspectZip(data);
  try {
    // externalFileAccess false: a DOCX that links an image by path must not read the disk.
    const r = await mammoth!.convertToHtml({ buffer: data }, { externalFileAccess: false } as Parameters<Mammoth['convertToHtml']>[1]);
    return r.value;
  } catch (e) {
    throw new ConvertError('INVALID_INPUT', `DOCX could not be read: ${(e as Error).message}`);
  }
}

export const documentConverter: Converter<typeof options> = {
  manifest: {
    id: 'document',
    title: 'Documents (DOCX, Markdown, HTML)',
    from: ['docx', 'md', 'html'],
    to: ['html', 'md', 'txt'],
    pairs: [['docx', 'html'], ['docx', 'md'], ['docx', 'txt'], ['md', 'html'], ['md', 'txt'], ['html', 'md'], ['html', 'txt']],
    options,
  },
  async convert(input, opts) {
    await libsFor(input.from, input.to);
    let html: string;
    if (input.from === 'docx') html = await docxToHtml(input.data);
    else if (input.from === 'md') html = markdown(opts.remoteImages).render(decodeUtf8(input.data, 'Markdown'));
    else if (input.from === 'html') html = decodeUtf8(input.data, 'HTML');
    else throw new ConvertError('NO_CONVERTER', `document cannot read ${input.from}`);
    let out: string;
    switch (input.to) {
      case 'html': {
        out = opts.standalone ? page(html) : html;
        const warnings = remoteReferenceWarnings(html);
        return { data: Buffer.from(out, 'utf8'), format: 'html', ...(warnings.length ? { warnings } : {}) };
      }
      // The DOM parser behind turndown is quadratic in nesting depth: bound the HTML first.
      case 'md': assertHtmlBounded(html); out = turndown().turndown(html) + '\n'; break;
      case 'txt': assertHtmlBounded(html); out = htmlToText(html); break;
      default: throw new ConvertError('NO_CONVERTER', `document cannot write ${input.to}`);
    }
    return { data: Buffer.from(out, 'utf8'), format: input.to };
  },
};
