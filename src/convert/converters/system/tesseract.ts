// OCR with the native tesseract engine (when installed), as the jailed worker's child: faster
// than tesseract.js, with every language model the system has. tesseract.js (converter `ocr`)
// stays the default; this one is used when asked for by name. Same result shape: the text, and
// the mean word confidence in `info.confidence` (from tesseract's TSV output).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Converter } from '../../types.js';
import { ConvertError } from '../../errors.js';
import { extOf } from '../../formats.js';
import { readResult, runTool, scratchDir, systemManifest, toolEnv, toolOf } from './run.js';

const options = z
  .object({
    /** Page segmentation mode (tesseract --psm), default automatic. */
    psm: z.coerce.number().int().min(0).max(13).optional(),
    /** Installed language model(s), e.g. "eng" or "eng+deu". */
    lang: z.string().regex(/^[A-Za-z_]{3,20}(\+[A-Za-z_]{3,20}){0,4}$/).default('eng'),
  })
  .strict();

/** Mean confidence of recognised words (TSV level 5, conf >= 0), one decimal. */
export function meanConfidence(tsv: string): number | null {
  const confs = tsv.split('\n').slice(1).map((l) => l.split('\t')).filter((c) => c[0] === '5' && c.length >= 12 && Number(c[10]) >= 0).map((c) => Number(c[10]));
  return confs.length ? Math.round((confs.reduce((a, b) => a + b, 0) / confs.length) * 10) / 10 : null;
}

export const tesseractConverter: Converter<typeof options> = {
  manifest: { ...systemManifest('tesseract'), options },
  async convert(input, opts) {
    const t = toolOf('tesseract');
    const installed = (t.detail.langs as string[] | undefined) ?? [];
    const missing = opts.lang.split('+').filter((l) => !installed.includes(l) || l === 'osd');
    if (missing.length) throw new ConvertError('INVALID_OPTIONS', `invalid options for 'tesseract': lang: not installed here: ${missing.join(', ')} (installed: ${installed.filter((l) => l !== 'osd').join(', ')}; e.g. sudo apt install tesseract-ocr-${missing[0]})`);
    const dir = scratchDir('tesseract');
    const inFile = join(dir, `input.${extOf(input.from)}`);
    writeFileSync(inFile, input.data, { mode: 0o600 });
    const base = join(dir, 'result');
    const args = [inFile, base, '-l', opts.lang, ...(opts.psm !== undefined ? ['--psm', String(opts.psm)] : []), 'txt', 'tsv'];
    const r = await runTool(t.path, args, { cwd: dir, env: toolEnv(dir, { OMP_THREAD_LIMIT: '1' }), maxStdout: 1024 * 1024 });
    if (r.code !== 0) throw new ConvertError('INVALID_INPUT', `tesseract could not read the ${input.from} image (${r.signal ? `stopped by ${r.signal}` : `exit ${r.code}`})`);
    const text = readResult(`${base}.txt`, 'tesseract', { allowEmpty: true });
    let confidence: number | null = null;
    try { confidence = meanConfidence(readFileSync(`${base}.tsv`, 'utf8')); } catch { confidence = null; }
    const warnings = confidence !== null && confidence < 60 ? [`low OCR confidence (${confidence}%): check the text against the image`] : [];
    return { data: text, format: 'txt', info: { tool: t.version ?? 'tesseract', ...(confidence !== null ? { confidence } : {}) }, ...(warnings.length ? { warnings } : {}) };
  },
};
