// Structured data: CSV, JSON, YAML, TOML in any direction. Records are the common shape:
// CSV is a table of rows with a header; the others are any value (CSV output needs an array
// of flat objects or of arrays).
import Papa from 'papaparse';
import { z } from 'zod';
import { cjsNamespace } from './interop.js';
import type { Converter } from '../types.js';
import type { FormatId } from '../formats.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { decodeUtf8, assertJsonDepth, assertValueDepth, assertCsvShape } from '../guards/index.js';

const FORMATS = ['csv', 'json', 'yaml', 'toml'] as const satisfies readonly FormatId[];

const options = z
  .object({
    /** CSV input: first row is a header (objects) or not (arrays). */
    header: z.coerce.boolean().default(true),
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    /** JSON output indentation. */
    indent: z.coerce.number().int().min(0).max(8).default(2),
  })
  .strict();

type Opts = z.infer<typeof options>;

// YAML and TOML are imported when a file needs them (or when the pool says recent jobs did):
// a worker spawned for CSV ↔ JSON does not pay for them (measured in bench/convert.ts §3).
let YAML: typeof import('yaml') | null = null;
let TOML: typeof import('smol-toml') | null = null;

/** Import the libraries these formats need (idempotent). */
async function formatLibs(formats: readonly string[]): Promise<void> {
  if (formats.includes('yaml')) YAML ??= cjsNamespace(await import('yaml'), 'parse');
  if (formats.includes('toml')) TOML ??= await import('smol-toml');
}

/** Warm-up: the libraries of the given from:to pairs (recent demand). */
export async function warm(pairs: readonly string[] = []): Promise<void> {
  await formatLibs(pairs.flatMap((p) => p.split(':')));
}

export function parseCsv(text: string, opts: { header: boolean; delimiter?: string | undefined }): unknown[] {
  // Parse as arrays first: the shape guard sees every row before any object is built.
  const r = Papa.parse<unknown[]>(text, { header: false, skipEmptyLines: 'greedy', delimiter: opts.delimiter ?? '', dynamicTyping: false });
  // A one-column file has no delimiter to detect; that is not an error in the data.
  const errors = r.errors.filter((e) => e.code !== 'UndetectableDelimiter');
  if (errors.length) {
    const e = errors[0];
    throw new ConvertError('INVALID_INPUT', `CSV error at row ${(e?.row ?? 0) + 1}: ${e?.message ?? 'unknown'}`);
  }
  assertCsvShape(r.data);
  if (!opts.header) return r.data;
  const [head, ...rows] = r.data;
  const keys = (head ?? []).map((k, i) => String(k || `column${i + 1}`));
  return rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, row[i] ?? ''])));
}

export function toCsvText(value: unknown, delimiter = ','): string {
  const rows = Array.isArray(value) ? value : [value];
  for (const row of rows) {
    if (row === null || typeof row !== 'object') throw new ConvertError('INVALID_INPUT', 'CSV output needs a list of records (objects or arrays)');
    for (const cell of Object.values(row)) {
      if (cell !== null && typeof cell === 'object') throw new ConvertError('INVALID_INPUT', 'CSV output needs flat records; a nested value cannot be a cell');
    }
  }
  // escapeFormulae: a cell starting with = + - @ is quoted so a spreadsheet will not execute it.
  return Papa.unparse(rows as object[], { delimiter, escapeFormulae: true, newline: '\n' }) + '\n';
}

function parse(data: Buffer, from: FormatId, opts: Opts): unknown {
  const text = decodeUtf8(data, from.toUpperCase());
  try {
    switch (from) {
      case 'json': assertJsonDepth(text); return JSON.parse(text) as unknown;
      case 'yaml': {
        const v: unknown = YAML!.parse(text, { maxAliasCount: LIMITS.yamlMaxAliasCount, uniqueKeys: true, merge: false, customTags: [] });
        assertValueDepth(v);
        return v;
      }
      case 'toml': { const v = TOML!.parse(text); assertValueDepth(v); return v; }
      case 'csv': return parseCsv(text, opts);
      default: throw new ConvertError('NO_CONVERTER', `data cannot read ${from}`);
    }
  } catch (e) {
    if (e instanceof ConvertError) throw e;
    const msg = (e as Error).message ?? String(e);
    if (/alias/i.test(msg) && /count|exceed|excessive/i.test(msg)) throw new ConvertError('TOO_COMPLEX', `YAML uses too many aliases (limit ${LIMITS.yamlMaxAliasCount})`);
    if (e instanceof RangeError) throw new ConvertError('TOO_COMPLEX', `${from} input is too deeply nested`);
    throw new ConvertError('INVALID_INPUT', `${from.toUpperCase()} could not be parsed: ${msg.split('\n')[0]}`);
  }
}

function serialize(value: unknown, to: FormatId, opts: Opts): string {
  switch (to) {
    case 'json': return JSON.stringify(value, null, opts.indent) + '\n';
    case 'yaml': return YAML!.stringify(value, { aliasDuplicateObjects: false });
    case 'toml':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConvertError('INVALID_INPUT', 'TOML output needs a table (an object) at the top level');
      try { return TOML!.stringify(value as Record<string, unknown>) + '\n'; } catch (e) { throw new ConvertError('INVALID_INPUT', `cannot be written as TOML: ${(e as Error).message}`); }
    case 'csv': return toCsvText(value, opts.delimiter ?? ',');
    default: throw new ConvertError('NO_CONVERTER', `data cannot write ${to}`);
  }
}

export const dataConverter: Converter<typeof options> = {
  manifest: { id: 'data', title: 'Structured data (CSV, JSON, YAML, TOML)', from: FORMATS, to: FORMATS, options },
  async convert(input, opts) {
    await formatLibs([input.from, input.to]);
    const value = parse(input.data, input.from, opts);
    return { data: Buffer.from(serialize(value, input.to, opts), 'utf8'), format: input.to };
  },
};
