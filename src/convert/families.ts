// Worker families: a warm worker pre-imports only the converter modules of ONE family (image →
// sharp; document → mammoth/markdown-it/turndown; …), so warming it is cheap and an idle worker
// holds only what its kind of job needs. The server routes a job to a family from the declared
// format (or the file name's extension) and the target — it never parses the input itself; the
// worker still detects the real type from the content and refuses a mismatch.
import type { FormatId } from './formats.js';
import { SYSTEM_TOOLS, toolSpec } from './system-tools.js';

/**
 * 'office' (LibreOffice) and 'system' (pandoc, ImageMagick, qpdf, native tesseract) run a
 * program found on the machine, as the jailed worker's child: they get child processes and a
 * private scratch/ folder (spawn-options.ts). LibreOffice has a family of its own because its
 * warm worker pre-starts the office (seconds of CPU and ~150 MiB) — kept only where demand is.
 */
export const BUILTIN_FAMILIES = ['image', 'document', 'data', 'spreadsheet', 'pdf', 'ocr', 'office', 'system'] as const;
/** 'plugin': the user's converter modules only; 'all': every module (catalog, or an input of unknown type). */
export type BuiltinFamily = (typeof BUILTIN_FAMILIES)[number];
export type Family = BuiltinFamily | 'plugin' | 'all';
export const FAMILIES: readonly Family[] = [...BUILTIN_FAMILIES, 'plugin', 'all'];
/** Kept warm (one each) even before any demand: the conversions people do most. */
export const COMMON_FAMILIES: readonly Family[] = ['image', 'data', 'document'];

const RASTER = new Set<FormatId>(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif']);
const DATA = new Set<FormatId>(['csv', 'json', 'yaml', 'toml']);
const DOCS = new Set<FormatId>(['docx', 'md', 'html']);
const DOCS_OUT = new Set<FormatId>(['html', 'md', 'txt']);
const PDF_IMAGES = new Set<FormatId>(['png', 'jpeg', 'webp', 'tiff']);

export function isFamily(s: unknown): s is Family {
  return typeof s === 'string' && (FAMILIES as readonly string[]).includes(s);
}

/** A family whose workers run our converters only (not 'plugin' or 'all', which load the user's modules). */
export function isBuiltinFamily(s: unknown): s is BuiltinFamily {
  return typeof s === 'string' && (BUILTIN_FAMILIES as readonly string[]).includes(s);
}

/**
 * The family whose worker can run from→to (the converter that registry.find() would pick; a
 * unit test keeps the two in step). `from` null (no declared format, no extension): 'all'.
 */
export function familyFor(from: FormatId | null, to: FormatId, converter?: string | null, available?: (tool: string) => boolean): Family {
  if (converter) return toolSpec(converter)?.family ?? (isBuiltinFamily(converter) ? converter : 'plugin');
  if (from === null) return 'all';
  // The JavaScript converters first (lighter, always there); their pairs exactly.
  if (RASTER.has(from) && RASTER.has(to)) return 'image';
  if (RASTER.has(from) && to === 'txt') return 'ocr';
  if ((from === 'pdf' && (to === 'txt' || to === 'pdf' || to === 'zip')) || (to === 'pdf' && PDF_IMAGES.has(from))) return 'pdf';
  if ((from === 'xlsx' && (to === 'csv' || to === 'json')) || (to === 'xlsx' && (from === 'csv' || from === 'json'))) return 'spreadsheet';
  if (DATA.has(from) && DATA.has(to)) return 'data';
  if (DOCS.has(from) && DOCS_OUT.has(to)) return 'document';
  return systemToolFor(from, to, available)?.family ?? 'all';
}

/**
 * The system tool that takes from→to when no JavaScript converter does: the first in
 * SYSTEM_TOOLS order that supports the pair and is available (when `available` is known),
 * else the first that supports it (its worker then answers UNAVAILABLE with the install hint).
 */
export function systemToolFor(from: FormatId, to: FormatId, available?: (tool: string) => boolean): (typeof SYSTEM_TOOLS)[number] | null {
  const able = SYSTEM_TOOLS.filter((t) => t.pairs.some((p) => p.from === from && p.to === to));
  return (available ? able.find((t) => available(t.id)) : undefined) ?? able[0] ?? null;
}
