// Bad-input guards: archives, text shape, names.
export { inspectZip, DEFAULT_ZIP_LIMITS, type ZipLimits, type ZipSummary } from './zip.js';
export { decodeUtf8, jsonDepth, assertJsonDepth, valueDepth, assertValueDepth, assertCsvShape, DEFAULT_CSV_LIMITS, type CsvLimits } from './text.js';
export { safeFileName, outputName } from './names.js';
