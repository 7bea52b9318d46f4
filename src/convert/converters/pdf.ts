// PDF: text extraction (pdfjs-dist, legacy build for Node) and images → PDF (pdf-lib).
// pdfjs runs its "worker" in this thread from the locally installed module (no workerSrc URL,
// no CDN), with scripting, eval and font/CMap fetching off; the only data it reads are the
// standard fonts and CMaps shipped inside the package, by file path.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { z } from 'zod';
import type { Converter } from '../types.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { openImage, imageError } from './image.js';

const require = createRequire(import.meta.url);
const pdfjsRoot = dirname(require.resolve('pdfjs-dist/package.json'));

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsPromise: Promise<PdfJs> | null = null;

/** Load pdfjs and its worker handler into this thread once (the worker process is warm). */
export function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const worker = (await import('pdfjs-dist/legacy/build/pdf.worker.mjs')) as { WorkerMessageHandler: unknown };
    // pdfjs uses a handler found here instead of importing workerSrc: no URL is ever resolved.
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsPromise;
}

const options = z
  .object({
    /** Text output: pages to read (default all, bounded by the page limit). */
    maxPages: z.coerce.number().int().min(1).max(LIMITS.pdfMaxPages).optional(),
  })
  .strict();

async function pdfToText(data: Buffer, maxPages: number): Promise<string> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(data),
    isEvalSupported: false,
    enableXfa: false,
    useWorkerFetch: false,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: join(pdfjsRoot, 'standard_fonts') + '/',
    cMapUrl: join(pdfjsRoot, 'cmaps') + '/',
    cMapPacked: true,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  let doc;
  try {
    doc = await task.promise;
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'PasswordException') throw new ConvertError('INVALID_INPUT', 'the PDF is password-protected');
    throw new ConvertError('INVALID_INPUT', `PDF could not be read: ${(e as Error).message}`);
  }
  try {
    if (doc.numPages > LIMITS.pdfMaxPages && maxPages >= LIMITS.pdfMaxPages) throw new ConvertError('TOO_COMPLEX', `PDF has ${doc.numPages} pages (limit ${LIMITS.pdfMaxPages}; pass maxPages)`);
    const pages: string[] = [];
    for (let p = 1; p <= Math.min(doc.numPages, maxPages); p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let line = '';
      const lines: string[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        line += item.str;
        if (item.hasEOL) { lines.push(line); line = ''; }
      }
      if (line) lines.push(line);
      pages.push(lines.join('\n').trim());
      page.cleanup();
    }
    return pages.join('\n\f\n') + '\n';
  } finally {
    await doc.destroy();
  }
}

async function imagesToPdf(data: Buffer): Promise<Buffer> {
  // Re-encode through sharp first: the pixel limit applies and pdf-lib only ever sees a clean PNG.
  let png: Buffer;
  let width: number;
  let height: number;
  try {
    const r = await openImage(data).rotate().png().toBuffer({ resolveWithObject: true });
    png = r.data; width = r.info.width; height = r.info.height;
  } catch (e) {
    throw imageError(e);
  }
  const doc = await PDFDocument.create();
  doc.setProducer('Hermetic');
  doc.setCreator('Hermetic');
  const img = await doc.embedPng(png);
  const page = doc.addPage([width, height]);
  page.drawImage(img, { x: 0, y: 0, width, height });
  return Buffer.from(await doc.save());
}

export const pdfConverter: Converter<typeof options> = {
  manifest: {
    id: 'pdf',
    title: 'PDF (text extraction, images to PDF)',
    from: ['pdf', 'png', 'jpeg', 'webp', 'tiff'],
    to: ['txt', 'pdf'],
    pairs: [['pdf', 'txt'], ['png', 'pdf'], ['jpeg', 'pdf'], ['webp', 'pdf'], ['tiff', 'pdf']],
    options,
  },
  async convert(input, opts) {
    if (input.from === 'pdf' && input.to === 'txt') return { data: Buffer.from(await pdfToText(input.data, opts.maxPages ?? LIMITS.pdfMaxPages), 'utf8'), format: 'txt' };
    if (input.to === 'pdf') return { data: await imagesToPdf(input.data), format: 'pdf' };
    throw new ConvertError('NO_CONVERTER', `pdf cannot convert ${input.from} to ${input.to}`);
  },
};
