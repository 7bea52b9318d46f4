// OCR with tesseract.js 7 and the English model installed with the package
// (@tesseract.js-data/eng). langPath is that local folder and cacheMethod 'none', so tesseract
// neither downloads a model from its default CDN nor writes a cache; the image is handed over
// as a buffer (a string would be treated as a path or URL).
import { createRequire } from 'node:module';
import { createWorker, OEM } from 'tesseract.js';
import { z } from 'zod';
import type { Converter } from '../types.js';
import { ConvertError } from '../errors.js';
import { openImage, imageError } from './image.js';

const require = createRequire(import.meta.url);
/** The installed model folder: <node_modules>/@tesseract.js-data/eng/4.0.0 (eng.traineddata.gz). */
export const ENG_LANG_PATH: string = (require('@tesseract.js-data/eng') as { langPath: string }).langPath;

const options = z
  .object({
    /** Page segmentation mode (tesseract PSM), default automatic. */
    psm: z.coerce.number().int().min(0).max(13).optional(),
  })
  .strict();

type Engine = Awaited<ReturnType<typeof createWorker>>;
let engine: Promise<Engine> | null = null;
/** The page segmentation mode the running engine was set to (undefined: its default). */
let enginePsm: number | undefined;
/** Keep the engine between images (a worker process: it serves one job and is then killed). */
let keepEngine = false;

/**
 * In a worker, the engine outlives an image: the next image of the same job (a batch of scans)
 * skips the engine start. Elsewhere (tests, benches) it stops after each image, so that the
 * process can exit (the engine's thread would keep it alive).
 */
export function keepEngineBetweenImages(): void {
  keepEngine = true;
}

function startEngine(): Promise<Engine> {
  engine ??= createWorker('eng', OEM.LSTM_ONLY, {
    langPath: ENG_LANG_PATH,
    gzip: true,
    cacheMethod: 'none',
    // errorHandler keeps a tesseract error a rejected promise instead of an uncaught throw.
    errorHandler: () => {},
  });
  return engine;
}

/** Stop the engine; the next image starts a fresh one. */
async function stopEngine(): Promise<void> {
  const e = engine;
  engine = null;
  enginePsm = undefined;
  if (e) await (await e).terminate().catch(() => undefined);
}

/**
 * Warm-up for OCR workers: start the engine and load the model before any job (≈1 s saved per
 * job). A worker serves one job only, so the engine never sees another job's image; it is kept
 * for the next image of the same job (a batch of scans pays the start-up once).
 */
export async function warm(): Promise<void> {
  await startEngine();
}

export const ocrConverter: Converter<typeof options> = {
  manifest: {
    id: 'ocr',
    title: 'OCR: text from images (tesseract.js, English, local model)',
    from: ['png', 'jpeg', 'webp', 'tiff', 'gif'],
    to: ['txt'],
    options,
    // tesseract.js runs its engine in a worker thread.
    needs: { workerThreads: true },
  },
  async convert(input, opts) {
    let png: Buffer;
    try {
      // Greyscale PNG through sharp: the pixel limit applies, and tesseract gets one clean format.
      png = await openImage(input.data).rotate().greyscale().png().toBuffer();
    } catch (e) {
      throw imageError(e);
    }
    // A different PSM than the engine's (a set one cannot be unset): start from a fresh engine.
    if (opts.psm !== enginePsm) await stopEngine();
    const worker = await startEngine();
    try {
      if (opts.psm !== undefined && opts.psm !== enginePsm) { await worker.setParameters({ tessedit_pageseg_mode: String(opts.psm) as never }); enginePsm = opts.psm; }
      const r = await worker.recognize(png);
      // Mean word confidence (0–100) as tesseract reports it: shown with the result.
      const confidence = Math.round(r.data.confidence * 10) / 10;
      const warnings = confidence < 60 ? [`low OCR confidence (${confidence}%): check the text against the image`] : [];
      return { data: Buffer.from(r.data.text, 'utf8'), format: 'txt', info: { confidence }, warnings };
    } catch (e) {
      // The engine's state after a failure is unknown: the next image gets a fresh one.
      await stopEngine();
      throw new ConvertError('INVALID_INPUT', `OCR failed: ${(e as Error).message}`);
    } finally {
      if (!keepEngine) await stopEngine();
    }
  },
};
