// Import the converter modules of one family only (the worker's warm-up). Dynamic imports, so a
// data worker never loads sharp, pdfjs or tesseract. Each family may export `warm()`, run once
// before the worker says it is ready, for work that is the same for every job (pdfjs's worker
// handler, the OCR engine + model).
import type { Converter } from '../types.js';
import type { Family } from '../families.js';
import type { FormatId } from '../formats.js';

type FamilyModule = { warm?: () => Promise<void> } & Record<string, unknown>;
type BuiltinFamily = Exclude<Family, 'plugin' | 'all'>;

const LOADERS: Record<BuiltinFamily, () => Promise<{ mod: FamilyModule; converter: Converter }>> = {
  image: async () => { const m = await import('./image.js'); return { mod: m, converter: m.imageConverter as unknown as Converter }; },
  document: async () => { const m = await import('./document.js'); return { mod: m, converter: m.documentConverter as unknown as Converter }; },
  data: async () => { const m = await import('./data.js'); return { mod: m, converter: m.dataConverter as unknown as Converter }; },
  spreadsheet: async () => { const m = await import('./spreadsheet.js'); return { mod: m, converter: m.spreadsheetConverter as unknown as Converter }; },
  pdf: async () => { const m = await import('./pdf.js'); return { mod: m, converter: m.pdfConverter as unknown as Converter }; },
  // Imported by a worker: its OCR engine serves every image of the worker's one job.
  ocr: async () => { const m = await import('./ocr.js'); m.keepEngineBetweenImages(); return { mod: m, converter: m.ocrConverter as unknown as Converter }; },
};

/** Families whose converters run sharp (libvips). */
const USES_SHARP = new Set<Family>(['image', 'pdf', 'ocr', 'all']);

/**
 * A tiny sample job per family, run once at warm-up (before the worker says it is ready, so no
 * user data is involved): the first real job then finds its code paths compiled and every lazily
 * loaded sub-module (file-type's detectors, encoders) already in memory.
 */
const SAMPLES: Partial<Record<Family, { data: () => Promise<Buffer>; from: FormatId; to: FormatId }>> = {
  data: { data: async () => Buffer.from('a: 1\nb: [x, y]\n'), from: 'yaml', to: 'json' },
  document: { data: async () => Buffer.from('# t\n\n*a* [b](#c)\n'), from: 'md', to: 'html' },
  spreadsheet: { data: async () => Buffer.from('a,b\n1,2\n'), from: 'csv', to: 'xlsx' },
  image: { data: () => tinyPng(), from: 'png', to: 'webp' },
  pdf: { data: () => tinyPng(), from: 'png', to: 'pdf' },
};

async function tinyPng(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
}

/** Run the family's sample through detection and its converter; the result is thrown away. */
export async function rehearse(family: Family, converters: readonly Converter[]): Promise<void> {
  const s = SAMPLES[family];
  const c = converters[0];
  if (!s || !c) return;
  const { detectFormat } = await import('../detect.js');
  const data = await s.data();
  await detectFormat(data, { format: s.from });
  await c.convert({ data, from: s.from, to: s.to }, c.manifest.options.parse({}));
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
  const loaded: { mod: FamilyModule; converter: Converter }[] = [];
  for (const n of names) loaded.push(await LOADERS[n]());
  if (USES_SHARP.has(family)) await configureSharp();
  return {
    converters: loaded.map((l) => l.converter),
    warm: async () => { if (family !== 'all') for (const l of loaded) await l.mod.warm?.(); },
  };
}
