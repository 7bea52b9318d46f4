// Import the converter modules of one family only (the worker's warm-up). Dynamic imports, so a
// data worker never loads sharp, pdfjs or tesseract. Each family may export `warm()`, run once
// here, for work that is the same for every job (pdfjs's worker handler, the OCR engine + model).
import type { Converter } from '../types.js';
import type { Family } from '../families.js';
import type { FormatId } from '../formats.js';
import { detectFormat } from '../detect.js';

type FamilyModule = { warm?: () => Promise<void> } & Record<string, unknown>;

const LOADERS: Record<Exclude<Family, 'plugin' | 'all'>, () => Promise<{ mod: FamilyModule; converters: Converter[] }>> = {
  image: async () => { const m = await import('./image.js'); return { mod: m, converters: [m.imageConverter as unknown as Converter] }; },
  document: async () => { const m = await import('./document.js'); return { mod: m, converters: [m.documentConverter as unknown as Converter] }; },
  data: async () => { const m = await import('./data.js'); return { mod: m, converters: [m.dataConverter as unknown as Converter] }; },
  spreadsheet: async () => { const m = await import('./spreadsheet.js'); return { mod: m, converters: [m.spreadsheetConverter as unknown as Converter] }; },
  pdf: async () => { const m = await import('./pdf.js'); return { mod: m, converters: [m.pdfConverter as unknown as Converter] }; },
  ocr: async () => { const m = await import('./ocr.js'); return { mod: m, converters: [m.ocrConverter as unknown as Converter] }; },
  // System programs (system/): an office worker pre-starts LibreOffice as its warm-up.
  office: async () => { const m = await import('./system/index.js'); return { mod: { warm: m.warmOffice }, converters: [...m.OFFICE_CONVERTERS] }; },
  system: async () => { const m = await import('./system/index.js'); return { mod: {}, converters: [...m.SYSTEM_CONVERTERS] }; },
};

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
  // No sample for the system families: their programs are started per job (LibreOffice at warm-up).
  if (!s || !c) return;
  const data = await s.data();
  await detectFormat(data, { format: s.from });
  await c.convert({ data, from: s.from, to: s.to }, c.manifest.options.parse({}));
}

/** The built-in converters of `family` ('all': every one, in lookup order), imported and warmed. */
export async function loadFamily(family: Family): Promise<Converter[]> {
  if (family === 'plugin') return [];
  const names = family === 'all' ? (Object.keys(LOADERS) as (keyof typeof LOADERS)[]) : [family];
  const out: Converter[] = [];
  for (const n of names) {
    const { mod, converters } = await LOADERS[n]();
    // 'all' (catalog / unknown input) stays light: its engines start when a job needs them.
    if (family !== 'all') await mod.warm?.();
    out.push(...converters);
  }
  return out;
}
