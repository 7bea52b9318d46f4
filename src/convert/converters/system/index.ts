// The system converters (a program found on the machine, run as the jailed worker's child), in
// lookup order — the same order as SYSTEM_TOOLS (routing in families.ts follows it).
import type { Converter } from '../../types.js';
import { libreofficeConverter } from './libreoffice.js';
import { pandocConverter } from './pandoc.js';
import { imagemagickConverter } from './imagemagick.js';
import { qpdfConverter } from './qpdf.js';
import { tesseractConverter } from './tesseract.js';

export const OFFICE_CONVERTERS: readonly Converter[] = [libreofficeConverter] as unknown as readonly Converter[];
export const SYSTEM_CONVERTERS: readonly Converter[] = [pandocConverter, imagemagickConverter, qpdfConverter, tesseractConverter] as unknown as readonly Converter[];
export { libreofficeConverter, pandocConverter, imagemagickConverter, qpdfConverter, tesseractConverter };
export { warm as warmOffice } from './libreoffice.js';
export { setDetectedTools } from './run.js';
