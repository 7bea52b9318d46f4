// Bad-input guards: archives, text shape, names, and the complexity of PDF, HTML and XLSX.
export { inspectZip, DEFAULT_ZIP_LIMITS, type ZipLimits, type ZipSummary, type ZipVisitor } from './zip.js';
export { decodeUtf8, jsonDepth, assertJsonDepth, valueDepth, assertValueDepth, assertCsvShape, DEFAULT_CSV_LIMITS, type CsvLimits } from './text.js';
export { safeFileName, outputName } from './names.js';
export { assertPdfStreamsBounded, streamFilters, structureStreamsOnly, DEFAULT_PDF_LIMITS, type PdfLimits, type PdfStreamSummary } from './pdf.js';
export { assertHtmlBounded, htmlShape, DEFAULT_HTML_LIMITS, type HtmlLimits, type HtmlShape } from './html.js';
export { assertXlsxBounded, type XlsxShape } from './xlsx.js';
