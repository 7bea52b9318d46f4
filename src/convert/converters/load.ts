// Import the converter modules of one family only (the worker's warm-up). Dynamic imports, so a
// data worker never loads sharp, pdfjs or tesseract. Each family may export `warm(pairs)`, run
// once before the worker says it is ready, for work that is the same for every job (pdfjs's
// worker handler, the OCR engine + model) and for the libraries the recent jobs' from:to pairs
// needed (the pool passes them: HERMETIC_WORKER_PAIRS) — a worker preloads what is being asked
// for, and a converter imports anything else when a file first needs it.
import type { Converter } from '../types.js';
import type { BuiltinFamily, Family } from '../families.js';
import type { FormatId } from '../formats.js';
import { pairsOf } from '../registry.js';

type FamilyModule = { warm?: (pairs?: readonly string[]) => Promise<void> } & Record<string, unknown>;

const LOADERS: Record<BuiltinFamily, () => Promise<{ mod: FamilyModule; converters: Converter[] }>> = {
  image: async () => { const m = await import('./image.js'); return { mod: m, converters: [m.imageConverter as unknown as Converter] }; },
  document: async () => { const m = await import('./document.js'); return { mod: m, converters: [m.documentConverter as unknown as Converter] }; },
  data: async () => { const m = await import('./data.js'); return { mod: m, converters: [m.dataConverter as unknown as Converter] }; },
  spreadsheet: async () => { const m = await import('./spreadsheet.js'); return { mod: m, converters: [m.spreadsheetConverter as unknown as Converter] }; },
  pdf: async () => { const m = await import('./pdf.js'); return { mod: m, converters: [m.pdfConverter as unknown as Converter] }; },
  // Imported by a worker: its OCR engine serves every image of the worker's one job.
  ocr: async () => { const m = await import('./ocr.js'); m.keepEngineBetweenImages(); return { mod: m, converters: [m.ocrConverter as unknown as Converter] }; },
  // System programs (system/): an office worker pre-starts LibreOffice as its warm-up.
  office: async () => { const m = await import('./system/index.js'); return { mod: { warm: m.warmOffice }, converters: [...m.OFFICE_CONVERTERS] }; },
  system: async () => { const m = await import('./system/index.js'); return { mod: {}, converters: [...m.SYSTEM_CONVERTERS] }; },
};

/** Families whose converters run sharp (libvips). */
const USES_SHARP = new Set<Family>(['image', 'pdf', 'ocr', 'all']);

/** What a worker preloads when the pool knows no recent demand for its family. */
const DEFAULT_PAIRS: Partial<Record<Family, readonly string[]>> = {
  document: ['md:html'],
  data: ['csv:json'],
};

/** The from:to pairs recent jobs of this family converted (HERMETIC_WORKER_PAIRS, set by the pool). */
export function warmPairs(family: Family): string[] {
  const env = (process.env.HERMETIC_WORKER_PAIRS ?? '').split(',').filter((p) => /^[a-z?]{1,8}:[a-z]{1,8}$/.test(p));
  return env.length ? env : [...(DEFAULT_PAIRS[family] ?? [])];
}

/** A realistic Markdown page: headings, emphasis, links, images, lists, code, a quote. */
function markdownSample(): Buffer {
  let s = '';
  for (let i = 0; s.length < 2048; i++) {
    s += `## Section ${i}\n\nSome *emphasis*, **strong** text, a [link](https://example.invalid/${i}?a=1) and \`code\`.\n\n`;
    s += `- item one\n- item two with ![alt](img-${i}.png)\n\n1. first\n2. second\n\n> a quote\n\n\`\`\`\nblock ${i}\n\`\`\`\n\n`;
  }
  return Buffer.from(s);
}

async function tinyPng(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
}

interface Rehearsal { data: () => Promise<Buffer>; from: FormatId; to: FormatId; times: number }

/**
 * Sample jobs run at warm-up (before the worker says it is ready, so no user data is involved),
 * keyed by the pair they rehearse: the first real job then finds its code paths compiled and
 * every lazily loaded sub-module (file-type's detectors, encoders) in memory. Markdown → HTML is
 * rehearsed on a realistic page, four times: a fresh process renders its first 10 KB page
 * several times slower than a hot one (V8 has not tiered the tokenizer up yet); this moves that
 * cost from the request to the idle time before it (bench/convert.ts §2 measures the request).
 */
const REHEARSALS: Record<string, Rehearsal> = {
  'md:html': { data: async () => markdownSample(), from: 'md', to: 'html', times: 4 },
  'csv:json': { data: async () => Buffer.from('a,b\n1,2\n'), from: 'csv', to: 'json', times: 1 },
  'yaml:json': { data: async () => Buffer.from('a: 1\nb: [x, y]\n'), from: 'yaml', to: 'json', times: 1 },
  'csv:xlsx': { data: async () => Buffer.from('a,b\n1,2\n'), from: 'csv', to: 'xlsx', times: 1 },
  'png:webp': { data: () => tinyPng(), from: 'png', to: 'webp', times: 1 },
  'png:pdf': { data: () => tinyPng(), from: 'png', to: 'pdf', times: 1 },
};

/** Each family's rehearsal when recent demand names none it knows. */
const FAMILY_REHEARSAL: Partial<Record<Family, string>> = {
  data: 'csv:json', document: 'md:html', spreadsheet: 'csv:xlsx', image: 'png:webp', pdf: 'png:pdf',
};

/** Run the family's rehearsals (for its recent pairs) through detection and its converter; results are thrown away. */
export async function rehearse(family: Family, converters: readonly Converter[]): Promise<void> {
  const c = converters[0];
  // No rehearsal for the system families (their programs start per job; LibreOffice at warm-up).
  if (!c || family === 'all' || family === 'plugin' || family === 'office' || family === 'system') return;
  const pairs = pairsOf(c);
  const fits = (k: string): boolean => { const r = REHEARSALS[k]; return !!r && pairs.some(([a, b]) => a === r.from && b === r.to); };
  const keys = warmPairs(family).filter(fits);
  const fallback = FAMILY_REHEARSAL[family];
  if (!keys.length && fallback) keys.push(fallback);
  const { detectFormat } = await import('../detect.js');
  for (const k of keys) {
    const r = REHEARSALS[k]!;
    const data = await r.data();
    for (let i = 0; i < r.times; i++) {
      await detectFormat(data, { format: r.from });
      await c.convert({ data, from: r.from, to: r.to }, c.manifest.options.parse({}));
    }
  }
}

/**
 * libvips threads per image: the server shares the machine's cores out between the workers it
 * runs at once (HERMETIC_WORKER_THREADS); one image at a time per worker, so libuv's pool needs
 * no more than that either.
 */
async function configureSharp(): Promise<void> {
  const n = Number(process.env.HERMETIC_WORKER_THREADS);
  const { default: sharp } = await import('sharp');
  sharp.concurrency(Number.isInteger(n) && n >= 1 && n <= 64 ? n : 1);
}

export interface LoadedFamily {
  converters: Converter[];
  /** Start the family's engines (nothing for 'all': its engines start when a job needs them). */
  warm(): Promise<void>;
}

/** The built-in converters of `family` ('all': every one, in lookup order), imported. */
export async function importFamily(family: Family): Promise<LoadedFamily> {
  if (family === 'plugin') return { converters: [], warm: async () => {} };
  const names = family === 'all' ? (Object.keys(LOADERS) as BuiltinFamily[]) : [family];
  const loaded: { mod: FamilyModule; converters: Converter[] }[] = [];
  for (const n of names) loaded.push(await LOADERS[n]());
  if (USES_SHARP.has(family)) await configureSharp();
  return {
    converters: loaded.flatMap((l) => l.converters),
    warm: async () => { if (family !== 'all') for (const l of loaded) await l.mod.warm?.(warmPairs(family)); },
  };
}
