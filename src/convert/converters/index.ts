// The built-in converter families, in lookup order (the first that supports a pair wins).
import type { Converter } from '../types.js';
import { imageConverter } from './image.js';
import { documentConverter } from './document.js';
import { dataConverter } from './data.js';
import { spreadsheetConverter } from './spreadsheet.js';
import { pdfConverter } from './pdf.js';
import { ocrConverter } from './ocr.js';

export const BUILTIN_CONVERTERS: readonly Converter[] = [
  imageConverter, documentConverter, dataConverter, spreadsheetConverter, pdfConverter, ocrConverter,
] as unknown as readonly Converter[];

export { imageConverter, documentConverter, dataConverter, spreadsheetConverter, pdfConverter, ocrConverter };
export { loadPdfJs } from './pdf.js';
