// Spreadsheets: XLSX (exceljs) → CSV / JSON, and CSV / JSON → XLSX. Formulas are read as their
// cached results and never evaluated; nothing in a workbook (external links, queries) is followed.
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { Converter } from '../types.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { assertXlsxBounded, decodeUtf8, assertJsonDepth } from '../guards/index.js';
import { parseCsv, toCsvText } from './data.js';

const options = z
  .object({
    /** Sheet to read: 1-based index or name. Default: the first. */
    sheet: z.union([z.coerce.number().int().min(1), z.string().min(1)]).optional(),
    /** First row is a header (JSON output: objects keyed by it). */
    header: z.coerce.boolean().default(true),
  })
  .strict();

type Cell = string | number | boolean | null;

function plain(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('result' in v) return plain((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue); // cached result, never evaluated
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join('');
    if ('text' in v) return String((v as ExcelJS.CellHyperlinkValue).text);
    if ('error' in v) return String((v as ExcelJS.CellErrorValue).error);
  }
  return String(v);
}

async function readSheet(data: Buffer, sheet: number | string | undefined): Promise<Cell[][]> {
  await assertXlsxBounded(data); // zip-bomb checks, and the cells counted before exceljs builds them
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw new ConvertError('INVALID_INPUT', `XLSX could not be read: ${(e as Error).message}`);
  }
  const ws = typeof sheet === 'string' ? wb.getWorksheet(sheet) : wb.worksheets[(sheet ?? 1) - 1];
  if (!ws) throw new ConvertError('INVALID_INPUT', `the workbook has no sheet ${JSON.stringify(sheet ?? 1)}`);
  const cols = ws.columnCount;
  if (ws.rowCount * Math.max(1, cols) > LIMITS.xlsxMaxCells) throw new ConvertError('TOO_COMPLEX', `sheet has more than ${LIMITS.xlsxMaxCells} cells`);
  const rows: Cell[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => {
    const out: Cell[] = [];
    for (let c = 1; c <= cols; c++) out.push(plain(row.getCell(c).value));
    rows.push(out);
  });
  return rows;
}

function rowsToRecords(rows: Cell[][]): Record<string, Cell>[] {
  const [head, ...rest] = rows;
  const keys = (head ?? []).map((k, i) => (k === null || k === '' ? `column${i + 1}` : String(k)));
  return rest.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i] ?? null])));
}

async function writeXlsx(records: unknown): Promise<Buffer> {
  const list = Array.isArray(records) ? records : [records];
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  const isArrays = list.every((r) => Array.isArray(r));
  const keys = isArrays ? [] : [...new Set(list.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
  if (!isArrays) ws.addRow(keys);
  for (const r of list) {
    if (r === null || typeof r !== 'object') throw new ConvertError('INVALID_INPUT', 'XLSX output needs a list of records (objects or arrays)');
    const values = isArrays ? (r as unknown[]) : keys.map((k) => (r as Record<string, unknown>)[k]);
    ws.addRow(values.map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as Cell))));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const spreadsheetConverter: Converter<typeof options> = {
  manifest: {
    id: 'spreadsheet',
    title: 'Spreadsheets (XLSX)',
    from: ['xlsx', 'csv', 'json'],
    to: ['csv', 'json', 'xlsx'],
    pairs: [['xlsx', 'csv'], ['xlsx', 'json'], ['csv', 'xlsx'], ['json', 'xlsx']],
    options,
  },
  async convert(input, opts) {
    if (input.from === 'xlsx') {
      const rows = await readSheet(input.data, opts.sheet);
      if (input.to === 'csv') return { data: Buffer.from(toCsvText(rows), 'utf8'), format: 'csv' };
      if (input.to === 'json') return { data: Buffer.from(JSON.stringify(opts.header ? rowsToRecords(rows) : rows, null, 2) + '\n', 'utf8'), format: 'json' };
    } else if (input.to === 'xlsx') {
      if (input.from === 'csv') return { data: await writeXlsx(parseCsv(decodeUtf8(input.data, 'CSV'), { header: opts.header })), format: 'xlsx' };
      if (input.from === 'json') {
        const text = decodeUtf8(input.data, 'JSON');
        assertJsonDepth(text);
        let v: unknown;
        try { v = JSON.parse(text); } catch (e) { throw new ConvertError('INVALID_INPUT', `JSON could not be parsed: ${(e as Error).message}`); }
        return { data: await writeXlsx(v), format: 'xlsx' };
      }
    }
    throw new ConvertError('NO_CONVERTER', `spreadsheet cannot convert ${input.from} to ${input.to}`);
  },
};
