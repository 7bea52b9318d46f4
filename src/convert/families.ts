// Worker families: a warm worker pre-imports only the converter modules of ONE family (image →
// sharp; document → mammoth/markdown-it/turndown; …), so warming it is cheap and an idle worker
// holds only what its kind of job needs. The server routes a job to a family from the declared
// format (or the file name's extension) and the target — it never parses the input itself; the
// worker still detects the real type from the content and refuses a mismatch.
import type { FormatId } from './formats.js';

export const BUILTIN_FAMILIES = ['image', 'document', 'data', 'spreadsheet', 'pdf', 'ocr'] as const;
/** 'plugin': the user's converter modules only; 'all': every module (catalog, or an input of unknown type). */
export type Family = (typeof BUILTIN_FAMILIES)[number] | 'plugin' | 'all';
export const FAMILIES: readonly Family[] = [...BUILTIN_FAMILIES, 'plugin', 'all'];
/** Kept warm (one each) even before any demand: the conversions people do most. */
export const COMMON_FAMILIES: readonly Family[] = ['image', 'data', 'document'];

const RASTER = new Set<FormatId>(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif']);
const DATA = new Set<FormatId>(['csv', 'json', 'yaml', 'toml']);
const DOCS = new Set<FormatId>(['docx', 'md', 'html']);

export function isFamily(s: unknown): s is Family {
  return typeof s === 'string' && (FAMILIES as readonly string[]).includes(s);
}

/**
 * The family whose worker can run from→to (the converter that registry.find() would pick; a
 * unit test keeps the two in step). `from` null (no declared format, no extension): 'all'.
 */
export function familyFor(from: FormatId | null, to: FormatId, converter?: string | null): Family {
  if (converter) return (BUILTIN_FAMILIES as readonly string[]).includes(converter) ? (converter as Family) : 'plugin';
  if (from === null) return 'all';
  if (RASTER.has(from) && RASTER.has(to)) return 'image';
  if (RASTER.has(from) && to === 'txt') return 'ocr';
  if (from === 'pdf' || to === 'pdf' || to === 'zip') return 'pdf';
  if (from === 'xlsx' || to === 'xlsx') return 'spreadsheet';
  if (DATA.has(from) && DATA.has(to)) return 'data';
  if (DOCS.has(from)) return 'document';
  return 'all';
}
