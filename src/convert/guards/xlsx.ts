// XLSX size in cells, counted BEFORE exceljs parses the workbook. exceljs builds every cell as
// an object (≈0.7 KB each) and only then could a limit be checked: a 30 MB file with 6 M cells
// pinned a worker for the whole job timeout. The archive is inflated by the zip-bomb check
// anyway; while it is, the cell elements (<c …>) of every worksheet and the shared strings
// (<si>) are counted, and the walk stops the moment either passes the limit.
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { inspectZip, DEFAULT_ZIP_LIMITS, type ZipSummary } from './zip.js';

export interface XlsxShape extends ZipSummary { cells: number; sharedStrings: number }

/** Occurrences of `<tag` followed by whitespace, '>' or '/', across chunk boundaries. */
function tagCounter(tag: string, onCount: (n: number) => void): (chunk: Buffer) => void {
  const needle = Buffer.from(`<${tag}`);
  let carry = Buffer.alloc(0);
  return (chunk) => {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let n = 0;
    let i = buf.indexOf(needle);
    let last = 0;
    while (i >= 0 && i + needle.length < buf.length) {
      const next = buf[i + needle.length] as number;
      if (next === 0x20 || next === 0x3e || next === 0x2f || next === 0x09 || next === 0x0a || next === 0x0d) n++;
      last = i + needle.length;
      i = buf.indexOf(needle, i + 1);
    }
    // Keep a tail that may hold the start of a tag cut by the chunk boundary.
    const keepFrom = i >= 0 ? i : Math.max(last, buf.length - needle.length);
    carry = Buffer.from(buf.subarray(keepFrom));
    if (n) onCount(n);
  };
}

export async function assertXlsxBounded(buf: Buffer, maxCells: number = LIMITS.xlsxMaxCells): Promise<XlsxShape> {
  let cells = 0;
  let sharedStrings = 0;
  const summary = await inspectZip(buf, DEFAULT_ZIP_LIMITS, (name) => {
    if (/^xl\/worksheets\/[^/]+\.xml$/i.test(name)) {
      return tagCounter('c', (n) => {
        cells += n;
        if (cells > maxCells) throw new ConvertError('TOO_COMPLEX', `the workbook has more than ${maxCells} cells`);
      });
    }
    if (/^xl\/sharedStrings\.xml$/i.test(name)) {
      return tagCounter('si', (n) => {
        sharedStrings += n;
        if (sharedStrings > maxCells) throw new ConvertError('TOO_COMPLEX', `the workbook has more than ${maxCells} shared strings`);
      });
    }
    return null;
  });
  return { ...summary, cells, sharedStrings };
}
