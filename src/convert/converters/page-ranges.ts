// Page ranges as users type them: "1-3,5,8-" (1-based, inclusive; "8-" = to the end).
import { ConvertError } from '../errors.js';

/** 0-based page indexes, in the order given; INVALID_OPTIONS names the bad part. */
export function parsePageRanges(spec: string, pageCount: number): number[] {
  const out: number[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(part);
    if (!part || !m || (!m[1] && !m[3])) throw new ConvertError('INVALID_OPTIONS', `page range '${part}': expected N, N-M, N- or -M`);
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : pageCount) : a;
    if (a < 1 || b < a || b > pageCount) throw new ConvertError('INVALID_OPTIONS', `page range '${part}' is outside 1-${pageCount}`);
    for (let p = a; p <= b; p++) out.push(p - 1);
    if (out.length > 100_000) throw new ConvertError('INVALID_OPTIONS', 'too many pages in the ranges');
  }
  return out;
}

/** "1-3;4-6" (or "each": one file per page) → groups of 0-based indexes. */
export function parseSplit(spec: string, pageCount: number): number[][] {
  if (spec.trim() === 'each') return Array.from({ length: pageCount }, (_, i) => [i]);
  return spec.split(';').map((g) => parsePageRanges(g, pageCount));
}
