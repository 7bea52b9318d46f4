// Raster images via sharp (libvips): re-encode and optionally resize. SVG is deliberately not an
// input: an SVG can reference external resources, and a converter has no business resolving them.
import sharp from 'sharp';
import { z } from 'zod';
import type { Converter } from '../types.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { FormatId } from '../formats.js';

const RASTER = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'] as const satisfies readonly FormatId[];

const options = z
  .object({
    width: z.coerce.number().int().min(1).max(16_384).optional(),
    height: z.coerce.number().int().min(1).max(16_384).optional(),
    fit: z.enum(['cover', 'contain', 'fill', 'inside', 'outside']).default('inside'),
    quality: z.coerce.number().int().min(1).max(100).default(85),
    /** Drop EXIF/XMP/IPTC (camera, GPS position, software) — on by default: a privacy tool should not pass location along. */
    stripMetadata: z.coerce.boolean().default(true),
    /** AVIF encoder effort 0–9. The library default (4) is kept moderate on purpose: 9 is ~10× slower. */
    effort: z.coerce.number().int().min(0).max(9).default(4),
  })
  .strict();

// One image at a time per worker, and no cache shared between jobs (workers are single-use anyway).
sharp.cache(false);
sharp.concurrency(1);

/** A sharp pipeline with the pixel limit set; every image read in Hermetic goes through here. */
export function openImage(data: Buffer): ReturnType<typeof sharp> {
  return sharp(data, { limitInputPixels: LIMITS.maxInputPixels, failOn: 'error', animated: false });
}

/** sharp's errors → stable codes (pixel bombs are TOO_COMPLEX, junk is INVALID_INPUT). */
export function imageError(e: unknown): ConvertError {
  if (e instanceof ConvertError) return e;
  const msg = (e as Error).message ?? String(e);
  if (/pixel limit/i.test(msg)) return new ConvertError('TOO_COMPLEX', `image is larger than ${LIMITS.maxInputPixels} pixels`);
  return new ConvertError('INVALID_INPUT', `image could not be decoded: ${msg}`);
}

export const imageConverter: Converter<typeof options> = {
  manifest: { id: 'image', title: 'Raster images (sharp)', from: RASTER, to: RASTER, options },
  async convert(input, opts) {
    try {
      // Honour EXIF orientation; sharp writes no metadata unless asked, so stripping is the default.
      let img = openImage(input.data).rotate();
      if (!opts.stripMetadata) img = img.keepMetadata();
      if (opts.width || opts.height) img = img.resize({ width: opts.width, height: opts.height, fit: opts.fit, withoutEnlargement: true });
      switch (input.to) {
        case 'png': img = img.png(); break;
        case 'jpeg': img = img.jpeg({ quality: opts.quality, mozjpeg: true }); break;
        case 'webp': img = img.webp({ quality: opts.quality }); break;
        case 'avif': img = img.avif({ quality: opts.quality, effort: opts.effort }); break;
        case 'tiff': img = img.tiff({ quality: opts.quality }); break;
        case 'gif': img = img.gif(); break;
        default: throw new ConvertError('NO_CONVERTER', `image cannot write ${input.to}`);
      }
      return { data: await img.toBuffer(), format: input.to };
    } catch (e) {
      throw imageError(e);
    }
  },
};
