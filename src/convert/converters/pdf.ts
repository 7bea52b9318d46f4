// PDF: text extraction (pdfjs-dist, legacy build for Node) and images → PDF (pdf-lib).
// pdfjs runs its "worker" in this thread from the locally installed module (no workerSrc URL,
// no CDN), with scripting, eval and font/CMap fetching off; the only data it reads are the
// standard fonts and CMaps shipped inside the package, by file path.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { z } from 'zod';
import type { Converter, ConvertOutput } from '../types.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { assertPdfStreamsBounded, DEFAULT_PDF_LIMITS, structureStreamsOnly } from '../guards/index.js';
import { openImage, imageError } from './image.js';
import { parsePageRanges, parseSplit } from './page-ranges.js';
import { zipBuffers } from './zip-out.js';

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

/** Warm-up for pdf workers: pdfjs is the heaviest import; done before the job, not during it. */
export async function warm(): Promise<void> {
  await loadPdfJs();
}

const options = z
  .object({
    /** Text output: pages to read (default all, bounded by the page limit). */
    maxPages: z.coerce.number().int().min(1).max(LIMITS.pdfMaxPages).optional(),
    /** PDF → PDF: keep these pages, in this order ("1-3,5,8-"). */
    pages: z.string().max(1000).optional(),
    /** PDF → ZIP: one PDF per group ("1-3;4-6"), or "each" for one per page. */
    split: z.string().max(1000).optional(),
  })
  .strict();

async function pdfToText(data: Buffer, maxPages: number): Promise<string> {
  await assertPdfStreamsBounded(data); // a stream bomb is refused before pdfjs inflates it
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

/** Re-encode an image through sharp first: the pixel limit applies and pdf-lib only ever sees a clean PNG. */
async function addImagePage(doc: PDFDocument, data: Buffer): Promise<void> {
  let png: Buffer;
  let width: number;
  let height: number;
  try {
    const r = await openImage(data).rotate().png().toBuffer({ resolveWithObject: true });
    png = r.data; width = r.info.width; height = r.info.height;
  } catch (e) {
    throw imageError(e);
  }
  const img = await doc.embedPng(png);
  const page = doc.addPage([width, height]);
  page.drawImage(img, { x: 0, y: 0, width, height });
}

async function newPdf(): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  doc.setProducer('Hermetic');
  doc.setCreator('Hermetic');
  return doc;
}

async function loadPdf(data: Buffer): Promise<PDFDocument> {
  // pdf-lib inflates object and cross-reference streams to read the file at all (nothing else).
  await assertPdfStreamsBounded(data, { ...DEFAULT_PDF_LIMITS, only: structureStreamsOnly });
  try {
    // No updateMetadata: pdf-lib would stamp its own producer/dates into the source.
    return await PDFDocument.load(data, { updateMetadata: false });
  } catch (e) {
    const msg = (e as Error).message;
    if (/encrypt/i.test(msg)) throw new ConvertError('INVALID_INPUT', 'the PDF is encrypted');
    throw new ConvertError('INVALID_INPUT', `PDF could not be read: ${msg.split('\n')[0]}`);
  }
}

async function save(doc: PDFDocument): Promise<Buffer> {
  if (doc.getPageCount() > LIMITS.pdfMaxPages) throw new ConvertError('TOO_COMPLEX', `the result would have ${doc.getPageCount()} pages (limit ${LIMITS.pdfMaxPages})`);
  return Buffer.from(await doc.save());
}

/** Every input in order (PDF pages copied, images one page each) into one PDF: merge / images → PDF. */
async function combine(inputs: readonly { data: Buffer; from: string }[]): Promise<PDFDocument> {
  const out = await newPdf();
  for (const inp of inputs) {
    if (inp.from === 'pdf') {
      const src = await loadPdf(inp.data);
      if (out.getPageCount() + src.getPageCount() > LIMITS.pdfMaxPages) throw new ConvertError('TOO_COMPLEX', `more than ${LIMITS.pdfMaxPages} pages in total`);
      for (const p of await out.copyPages(src, src.getPageIndices())) out.addPage(p);
    } else {
      await addImagePage(out, inp.data);
    }
  }
  return out;
}

async function pick(src: PDFDocument, indexes: readonly number[]): Promise<Buffer> {
  const out = await newPdf();
  for (const p of await out.copyPages(src, [...indexes])) out.addPage(p);
  return save(out);
}

export const pdfConverter: Converter<typeof options> = {
  manifest: {
    id: 'pdf',
    title: 'PDF (text, images to PDF, merge, split by page ranges)',
    from: ['pdf', 'png', 'jpeg', 'webp', 'tiff'],
    to: ['txt', 'pdf', 'zip'],
    pairs: [['pdf', 'txt'], ['pdf', 'pdf'], ['pdf', 'zip'], ['png', 'pdf'], ['jpeg', 'pdf'], ['webp', 'pdf'], ['tiff', 'pdf']],
    options,
    // Several inputs (PDFs and images, in order) make one PDF: merge.
    multiInput: true,
  },
  async convert(input, opts): Promise<ConvertOutput> {
    const more = input.more ?? [];
    if (input.from === 'pdf' && input.to === 'txt') {
      if (more.length) throw new ConvertError('NO_CONVERTER', 'PDF → text takes one PDF at a time');
      return { data: Buffer.from(await pdfToText(input.data, opts.maxPages ?? LIMITS.pdfMaxPages), 'utf8'), format: 'txt' };
    }
    if (input.to === 'zip') {
      if (input.from !== 'pdf' || more.length) throw new ConvertError('NO_CONVERTER', 'splitting takes one PDF');
      if (!opts.split) throw new ConvertError('INVALID_OPTIONS', "PDF → zip needs the 'split' option (\"1-3;4-6\" or \"each\")");
      const src = await loadPdf(input.data);
      const groups = parseSplit(opts.split, src.getPageCount());
      if (groups.length > 1000) throw new ConvertError('TOO_COMPLEX', 'more than 1000 parts');
      const files = [];
      for (const [i, g] of groups.entries()) files.push({ name: `part-${String(i + 1).padStart(3, '0')}.pdf`, data: await pick(src, g) });
      return { data: await zipBuffers(files), format: 'zip', info: { parts: files.length } };
    }
    if (input.to === 'pdf') {
      const doc = await combine([{ data: input.data, from: input.from }, ...more]);
      const data = opts.pages ? await pick(doc, parsePageRanges(opts.pages, doc.getPageCount())) : await save(doc);
      return { data, format: 'pdf', info: { inputs: 1 + more.length } };
    }
    throw new ConvertError('NO_CONVERTER', `pdf cannot convert ${input.from} to ${input.to}`);
  },
};
