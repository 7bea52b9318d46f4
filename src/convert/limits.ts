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
  /** Spreadsheet: cells read from XLSX. */
  xlsxMaxCells: 5_000_000,
  /** PDF pages read for text, pages written from images. */
  pdfMaxPages: 2_000,
  /** Output bytes a worker may write (the result cap). */
  maxOutputBytes: 512 * 1024 * 1024,
  /** File names: bytes. */
  maxNameBytes: 255,
} as const;
