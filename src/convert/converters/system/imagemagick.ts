// Images sharp does not cover, through ImageMagick as the jailed worker's child: BMP, ICO, HEIC
// (when ImageMagick has the codec), SVG (external references removed first: svg.ts), multi-page
// TIFF. Safety beyond the jail:
// - the input's coder is named explicitly (`BMP:input`), from OUR content detection: a file
//   cannot make ImageMagick pick MVG, MSL, TEXT or another scriptable coder by itself;
// - a policy of our own (MAGICK_CONFIGURE_PATH) forbids URL/HTTP/FTP, every delegate program,
//   the scriptable and Ghostscript coders and indirect reads (@file), and caps resources;
//   ImageMagick lets a policy only restrict the system's, never relax it;
// - PDF output is assembled by pdf-lib from PNG frames (many systems forbid ImageMagick's PDF
//   coder, and it is not needed for writing pages).
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Converter } from '../../types.js';
import { ConvertError } from '../../errors.js';
import { extOf, type FormatId } from '../../formats.js';
import { LIMITS } from '../../limits.js';
import { readResult, runTool, scratchDir, systemManifest, toolEnv, toolOf } from './run.js';
import { sanitizeSvg, svgWarnings } from './svg.js';
import { cjsNamespace } from '../interop.js';

/** Explicit input/output coders. SVG: ImageMagick's own renderer (MSVG) — the `SVG` coder would first hand the file to an external program (inkscape, rsvg), which the policy forbids. */
const CODER: Partial<Record<FormatId, string>> = { png: 'PNG', jpeg: 'JPEG', webp: 'WEBP', tiff: 'TIFF', gif: 'GIF', bmp: 'BMP', ico: 'ICO', heic: 'HEIC', svg: 'MSVG' };
/** Outputs that keep every frame (a multi-page TIFF stays one; an animation stays one). */
const MULTI_FRAME_OUT = new Set<FormatId>(['tiff', 'gif']);

const POLICY = `<policymap>
  <policy domain="delegate" rights="none" pattern="*" />
  <policy domain="coder" rights="none" pattern="{URL,HTTP,HTTPS,FTP,FILE,MSL,TEXT,TXT,LABEL,CAPTION,PANGO,SHOW,WIN,X,EPHEMERAL,INLINE,HTML,PS,PS2,PS3,EPS,EPI,EPSF,EPSI,EPT,PDF,EPDF,PDFA,AI,XPS,PCL,GS,MAGICK,SCREEN,VID,IMPLICIT}" />
  <policy domain="path" rights="none" pattern="@*" />
  <policy domain="resource" name="memory" value="512MiB" />
  <policy domain="resource" name="map" value="1GiB" />
  <policy domain="resource" name="disk" value="2GiB" />
  <policy domain="resource" name="width" value="16KP" />
  <policy domain="resource" name="height" value="16KP" />
  <policy domain="resource" name="area" value="${Math.round(LIMITS.maxInputPixels / 1e6)}MP" />
  <policy domain="resource" name="time" value="120" />
  <policy domain="resource" name="thread" value="2" />
</policymap>
`;

const options = z
  .object({
    /** Multi-page or multi-size input (TIFF, ICO, GIF) to a single-image format: which page, from 1. */
    page: z.coerce.number().int().min(1).max(LIMITS.pdfMaxPages).default(1),
    /** SVG: rendering resolution, dots per inch. */
    density: z.coerce.number().int().min(10).max(1200).default(96),
    /** JPEG/WebP quality 1–100. */
    quality: z.coerce.number().int().min(1).max(100).default(85),
    /** Drop EXIF/GPS/XMP and comments (default true, as the image converter). */
    stripMetadata: z.coerce.boolean().default(true),
  })
  .strict();

function magickError(code: number | null, signal: string | null, stderr: string, from: FormatId): ConvertError {
  if (/exceeds limit|cache resources exhausted|width or height exceeds/i.test(stderr)) return new ConvertError('TOO_COMPLEX', 'the image is larger than the limits allow');
  if (/not allowed by the security policy/i.test(stderr)) return new ConvertError('INVALID_INPUT', 'the image needs a coder the security policy forbids');
  if (/no decode delegate|NoDecodeDelegate/i.test(stderr)) return new ConvertError('UNAVAILABLE', `ImageMagick here cannot read ${from} (no codec)`);
  return new ConvertError('INVALID_INPUT', `ImageMagick could not convert the ${from} image (${signal ? `stopped by ${signal}` : `exit ${code}`})`);
}

async function framesToPdf(files: string[]): Promise<Buffer> {
  const { PDFDocument } = cjsNamespace(await import('pdf-lib'), 'PDFDocument');
  const doc = await PDFDocument.create();
  for (const f of files) {
    const img = await doc.embedPng(readResult(f, 'ImageMagick'));
    doc.addPage([img.width, img.height]).drawImage(img, { x: 0, y: 0, width: img.width, height: img.height });
  }
  return Buffer.from(await doc.save());
}

export const imagemagickConverter: Converter<typeof options> = {
  manifest: { ...systemManifest('imagemagick'), options },
  async convert(input, opts) {
    const im = toolOf('imagemagick');
    const inCoder = CODER[input.from];
    if (!inCoder || (input.to !== 'pdf' && !CODER[input.to])) throw new ConvertError('NO_CONVERTER', `imagemagick does not convert ${input.from} to ${input.to}`);
    const dir = scratchDir('magick');
    mkdirSync(join(dir, 'policy'), { mode: 0o700 });
    writeFileSync(join(dir, 'policy', 'policy.xml'), POLICY, { mode: 0o600 });
    const warnings: string[] = [];
    let data = input.data;
    if (input.from === 'svg') {
      const clean = sanitizeSvg(input.data);
      warnings.push(...svgWarnings(clean));
      data = Buffer.from(clean.svg, 'utf8');
    }
    const inFile = join(dir, `input.${extOf(input.from)}`);
    writeFileSync(inFile, data, { mode: 0o600 });
    const toPdf = input.to === 'pdf';
    // Which frames: all for PDF (bounded) and multi-frame formats, else the chosen page.
    const frames = toPdf ? `[0-${LIMITS.pdfMaxPages - 1}]` : MULTI_FRAME_OUT.has(input.to) ? '' : `[${opts.page - 1}]`;
    const outCoder = toPdf ? 'PNG' : CODER[input.to]!;
    const outFile = toPdf ? join(dir, 'frames', 'frame-%05d.png') : join(dir, `result.${extOf(input.to)}`);
    if (toPdf) mkdirSync(join(dir, 'frames'), { mode: 0o700 });
    const args = [
      ...(input.from === 'svg' ? ['-density', String(opts.density)] : []),
      `${inCoder}:${inFile}${frames}`,
      ...(opts.stripMetadata ? ['-strip'] : []),
      ...(input.to === 'jpeg' || input.to === 'webp' ? ['-quality', String(opts.quality)] : []),
      // ICO holds at most 256×256.
      ...(input.to === 'ico' ? ['-resize', '256x256>'] : []),
      ...(toPdf ? ['+adjoin'] : []),
      `${outCoder}:${outFile}`,
    ];
    const r = await runTool(im.path, args, { cwd: dir, env: toolEnv(dir, { MAGICK_CONFIGURE_PATH: join(dir, 'policy'), MAGICK_TEMPORARY_PATH: dir }), maxStdout: 1024 * 1024 });
    if (r.code !== 0) throw magickError(r.code, r.signal, r.stderr, input.from);
    let out: Buffer;
    const info: Record<string, string | number> = { tool: im.version ?? 'ImageMagick' };
    if (toPdf) {
      const files = readdirSync(join(dir, 'frames')).filter((n) => /^frame-\d+\.png$/.test(n)).sort().map((n) => join(dir, 'frames', n));
      if (!files.length) throw new ConvertError('INVALID_INPUT', 'ImageMagick produced no page');
      out = await framesToPdf(files);
      info.pages = files.length;
    } else out = readResult(outFile, 'ImageMagick');
    return { data: out, format: input.to, info, ...(warnings.length ? { warnings } : {}) };
  },
};
