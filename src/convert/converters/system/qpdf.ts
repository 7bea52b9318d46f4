// PDF structure through qpdf, as the jailed worker's child: linearise ("fast web view"),
// decrypt with the password the user gives, or repair (qpdf rebuilds a damaged cross-reference
// table while rewriting). The password reaches qpdf on its standard input (--password-file=-),
// never on its command line (which other processes of the user could read), and is never
// stored or logged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Converter } from '../../types.js';
import { ConvertError } from '../../errors.js';
import { readResult, runTool, scratchDir, systemManifest, toolEnv, toolOf } from './run.js';

const options = z
  .object({
    /** linearize: fast web view; decrypt: remove the encryption (needs `password`); repair: rewrite, fixing what qpdf can. */
    operation: z.enum(['linearize', 'decrypt', 'repair']).default('repair'),
    /** The password of an encrypted PDF (user or owner password). */
    password: z.string().max(1024).refine((s) => !/[\r\n]/.test(s), 'one line').optional(),
  })
  .strict();

export const qpdfConverter: Converter<typeof options> = {
  manifest: { ...systemManifest('qpdf'), options },
  async convert(input, opts) {
    const qpdf = toolOf('qpdf');
    if (opts.operation === 'decrypt' && opts.password === undefined) throw new ConvertError('INVALID_OPTIONS', "invalid options for 'qpdf': password: needed to decrypt");
    const dir = scratchDir('qpdf');
    const inFile = join(dir, 'input.pdf');
    const outFile = join(dir, 'result.pdf');
    writeFileSync(inFile, input.data, { mode: 0o600 });
    const args = [
      ...(opts.password !== undefined ? ['--password-file=-'] : []),
      ...(opts.operation === 'linearize' ? ['--linearize'] : opts.operation === 'decrypt' ? ['--decrypt'] : []),
      inFile, outFile,
    ];
    const r = await runTool(qpdf.path, args, { cwd: dir, env: toolEnv(dir), input: opts.password !== undefined ? `${opts.password}\n` : '', maxStdout: 1024 * 1024 });
    // qpdf: 0 success, 3 success with warnings (a repaired file), 2 error.
    if (r.code !== 0 && r.code !== 3) {
      if (/invalid password/i.test(r.stderr)) throw new ConvertError('INVALID_OPTIONS', 'the PDF is encrypted and the password is missing or wrong (option password)');
      throw new ConvertError('INVALID_INPUT', `qpdf could not ${opts.operation} this PDF (${r.signal ? `stopped by ${r.signal}` : `exit ${r.code}`})`);
    }
    const warnings = r.code === 3 ? ['qpdf found and worked around problems in the file (it was damaged)'] : [];
    return { data: readResult(outFile, 'qpdf'), format: 'pdf', info: { tool: qpdf.version ?? 'qpdf', operation: opts.operation }, ...(warnings.length ? { warnings } : {}) };
  },
};
