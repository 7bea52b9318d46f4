// Bad-input limits in one place. They bound what a hostile file can make a worker do before a
// parser even starts (the jail's memory cap and the job timeout are the backstop).
export const LIMITS = {
  /** Images: decoded pixels (width × height) sharp accepts. 50 MP ≈ 8K × 6K. */
  maxInputPixels: 50_000_000,
  /** ZIP containers (DOCX/XLSX): entry count, total inflated bytes, per-entry ratio. */
  zipMaxEntries: 5_000,
  zipMaxTotalBytes: 256 * 1024 * 1024,
  /** A ratio above this on an entry larger than `zipRatioMinBytes` is a bomb, not a document. */
  zipMaxRatio: 200,
  zipRatioMinBytes: 1024 * 1024,
  /** YAML: aliases (billion-laughs) and document size. */
  yamlMaxAliasCount: 100,
  /** JSON / YAML / TOML: nesting depth. */
  maxNestingDepth: 64,
  /** CSV: one row's size, rows, columns. */
  csvMaxRowBytes: 1024 * 1024,
  csvMaxRows: 1_000_000,
  csvMaxColumns: 10_000,
  /**
   * Spreadsheet: cells (and shared strings) in an XLSX, counted in the XML before exceljs parses
   * it. exceljs needs ~0.7 KB and ~16 µs per cell: 1 M cells ≈ 700 MB and 15 s; 6 M pinned a
   * worker for the whole job timeout.
   */
  xlsxMaxCells: 1_000_000,
  /** HTML: element nesting (browsers stop at 512; the DOM parser is quadratic in it) and elements. */
  htmlMaxDepth: 512,
  htmlMaxElements: 1_000_000,
  /**
   * PDF: bytes one stream may decode to, and all streams together (measured before parsing).
   * pdfjs, with a 1 GiB heap, peaks near the worker's memory rlimit already for a 64 MB content
   * stream (measured: VmData 1.75 GB of 1.79); a 600 MB one took the worker down.
   */
  pdfMaxStreamBytes: 64 * 1024 * 1024,
  pdfMaxInflatedBytes: 1024 * 1024 * 1024,
  /** PDF pages read for text, pages written from images. */
  pdfMaxPages: 2_000,
  /** Output bytes a worker may write (the result cap). */
  maxOutputBytes: 512 * 1024 * 1024,
  /** File names: bytes. */
  maxNameBytes: 255,
} as const;
