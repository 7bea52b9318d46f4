// Content-type detection: what the bytes ARE, not what the name claims. Binary formats are
// recognised by their signatures (file-type); text formats must be valid UTF-8 and are then
// taken from the declared format or extension, with a light sniff as the last resort.
// A declared format that contradicts the content is FORMAT_MISMATCH, never a guess.
import { fileTypeFromBuffer } from 'file-type';
import { ConvertError } from './errors.js';
import { FORMATS, toFormatId, type FormatId } from './formats.js';

/** file-type extension → our format id, for the binary formats we read. */
const BINARY: Record<string, FormatId> = {
  png: 'png', jpg: 'jpeg', webp: 'webp', avif: 'avif', tif: 'tiff', gif: 'gif', pdf: 'pdf', docx: 'docx', xlsx: 'xlsx',
  odt: 'odt', ods: 'ods', odp: 'odp', pptx: 'pptx', epub: 'epub', rtf: 'rtf', bmp: 'bmp', ico: 'ico', heic: 'heic',
};
/** ZIP-based formats: a ZIP declared as one of them goes to its converter (see below). */
const ZIP_CONTAINERS = new Set<FormatId>(['docx', 'xlsx', 'odt', 'ods', 'odp', 'pptx', 'epub']);
/**
 * Legacy Office files are all OLE compound files ('cfb'); the stream that holds the document
 * names the kind. Directory entries are UTF-16LE names, found by a plain search (a hint only:
 * LibreOffice's own filter detection decides, inside the jail).
 */
const CFB_MARKERS: [FormatId, string[]][] = [
  ['doc', ['WordDocument']],
  ['xls', ['Workbook', 'Book']],
  ['ppt', ['PowerPoint Document']],
];

function cfbKinds(data: Buffer): FormatId[] {
  return CFB_MARKERS.filter(([, names]) => names.some((n) => data.includes(Buffer.from(`${n}\0`, 'utf16le')))).map(([f]) => f);
}
/** Detections that are really text formats we handle as text. */
const TEXTUAL = new Set(['xml']);

export interface Declared {
  /** Format the caller says the input is (API `from`, CLI `--from`). */
  format?: string | null;
  /** The original file name, only to read its extension. */
  name?: string | null;
}

export function extOfName(name: string | null | undefined): string | null {
  if (!name) return null;
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name);
  return m?.[1] ?? null;
}

function looksBinary(data: Buffer): boolean {
  const n = Math.min(data.length, 8192);
  for (let i = 0; i < n; i++) if (data[i] === 0) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, n === data.length ? n : Math.max(0, n - 4)));
    return false;
  } catch {
    return true;
  }
}

function sniffText(data: Buffer): FormatId {
  const head = data.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^[[{]/.test(head)) return 'json';
  if (/^<(!doctype html|html|head|body|p|div|h[1-6])\b/i.test(head)) return 'html';
  if (/^---\s*\n/.test(head)) return 'yaml';
  if (/^#{1,6}\s/.test(head)) return 'md';
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg\b/i.test(head)) return 'svg';
  return 'txt';
}

/** The input's real format, or a ConvertError (UNSUPPORTED_FORMAT / FORMAT_MISMATCH / INVALID_INPUT). */
export async function detectFormat(data: Buffer, declared: Declared = {}): Promise<FormatId> {
  if (data.length === 0) throw new ConvertError('INVALID_INPUT', 'the input is empty');
  const claimedRaw = declared.format ?? extOfName(declared.name);
  const claimed = toFormatId(claimedRaw);
  if (declared.format && !claimed) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown input format '${declared.format}'`);
  const ft = await fileTypeFromBuffer(data);
  // DOCX/XLSX are ZIPs; file-type names them only when it finds their marker entries early. A
  // ZIP declared as one of them goes to that converter, whose archive guard (entries, sizes,
  // ratio) and parser decide — so a bomb dressed as a DOCX is ARCHIVE_BOMB, not "unsupported".
  if (ft?.ext === 'zip' && claimed && ZIP_CONTAINERS.has(claimed)) return claimed;
  if (ft?.ext === 'cfb') {
    const kinds = cfbKinds(data);
    if (claimed && kinds.includes(claimed)) return claimed;
    if (claimed) throw new ConvertError('FORMAT_MISMATCH', `the input was declared ${claimed} but is an OLE compound file ${kinds.length ? `holding ${kinds.join('/')}` : 'of an unknown kind'}`, { declared: claimed, detected: kinds[0] ?? 'cfb' });
    if (kinds.length === 1) return kinds[0]!;
    throw new ConvertError('UNSUPPORTED_FORMAT', 'the input is an OLE compound file of an unknown kind (declare doc, xls or ppt)', { detected: 'application/x-cfb' });
  }
  if (ft && !TEXTUAL.has(ft.ext)) {
    const found = BINARY[ft.ext];
    if (!found) throw new ConvertError('UNSUPPORTED_FORMAT', `the input is ${ft.mime}, which Hermetic does not convert`, { detected: ft.mime });
    if (claimed && claimed !== found) throw new ConvertError('FORMAT_MISMATCH', `the input was declared ${claimed} but its content is ${found}`, { declared: claimed, detected: found });
    return found;
  }
  if (looksBinary(data)) {
    // Declared as something we read, but no signature matches: corrupt or truncated, say so.
    if (claimed && !FORMATS[claimed].text) throw new ConvertError('INVALID_INPUT', `the input is not a readable ${claimed} file (corrupt or truncated)`, { declared: claimed });
    if (claimed) throw new ConvertError('INVALID_INPUT', `the input was declared ${claimed} (text) but is not valid UTF-8 text`, { declared: claimed });
    throw new ConvertError('UNSUPPORTED_FORMAT', 'the input is binary data of an unknown type');
  }
  if (claimed) {
    if (!FORMATS[claimed].text) throw new ConvertError('FORMAT_MISMATCH', `the input was declared ${claimed} but its content is text`, { declared: claimed, detected: 'text' });
    return claimed;
  }
  return sniffText(data);
}
