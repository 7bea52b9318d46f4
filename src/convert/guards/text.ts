// Guards for text formats: decoding, nesting depth (JSON/YAML/TOML), CSV row shape. They run
// before or right after parsing and turn "the parser ate all the memory/stack" into a clear 422.
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** Decode UTF-8 strictly (a binary file sent as CSV is an error, not mojibake); strip a BOM. */
export function decodeUtf8(data: Buffer, what: string): string {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(data);
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  } catch {
    throw new ConvertError('INVALID_INPUT', `${what} is not valid UTF-8 text`);
  }
}

/**
 * Maximum bracket nesting of a JSON text, found by scanning (no recursion, no parse), so a
 * `[[[[…` file is refused before JSON.parse or any recursive walk sees it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) { depth++; if (depth > max) max = depth; }
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function assertJsonDepth(text: string, limit: number = LIMITS.maxNestingDepth): void {
  const d = jsonDepth(text);
  if (d > limit) throw new ConvertError('TOO_COMPLEX', `nesting depth ${d} exceeds the limit of ${limit}`);
}

/** Depth of an already-parsed value (YAML/TOML), iterative so a deep value cannot overflow the stack. */
export function valueDepth(value: unknown, limit: number = LIMITS.maxNestingDepth): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) continue; // YAML aliases share objects; count each once
    seen.add(v);
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function assertValueDepth(value: unknown, limit: number = LIMITS.maxNestingDepth): void {
  const d = valueDepth(value, limit);
  if (d > limit) throw new ConvertError('TOO_COMPLEX', `nesting depth exceeds the limit of ${limit}`);
}

export interface CsvLimits { maxRowBytes: number; maxRows: number; maxColumns: number }
export const DEFAULT_CSV_LIMITS: CsvLimits = { maxRowBytes: LIMITS.csvMaxRowBytes, maxRows: LIMITS.csvMaxRows, maxColumns: LIMITS.csvMaxColumns };

/** Check parsed CSV rows: count, width, and the size of any single row. */
export function assertCsvShape(rows: readonly unknown[][], limits: CsvLimits = DEFAULT_CSV_LIMITS): void {
  if (rows.length > limits.maxRows) throw new ConvertError('TOO_COMPLEX', `CSV has more than ${limits.maxRows} rows`);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as unknown[];
    if (row.length > limits.maxColumns) throw new ConvertError('TOO_COMPLEX', `CSV row ${r + 1} has ${row.length} columns (limit ${limits.maxColumns})`);
    let bytes = 0;
    for (const cell of row) bytes += typeof cell === 'string' ? cell.length : String(cell ?? '').length;
    if (bytes > limits.maxRowBytes) throw new ConvertError('TOO_COMPLEX', `CSV row ${r + 1} is larger than ${limits.maxRowBytes} bytes`);
  }
}
