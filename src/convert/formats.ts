// Every format Hermetic knows by id, with its media type and file extension. One table, so the
// API, the CLI and detection agree on names.
export const FORMATS = {
  png: { mediaType: 'image/png', ext: 'png', text: false },
  jpeg: { mediaType: 'image/jpeg', ext: 'jpg', text: false },
  webp: { mediaType: 'image/webp', ext: 'webp', text: false },
  avif: { mediaType: 'image/avif', ext: 'avif', text: false },
  tiff: { mediaType: 'image/tiff', ext: 'tiff', text: false },
  gif: { mediaType: 'image/gif', ext: 'gif', text: false },
  pdf: { mediaType: 'application/pdf', ext: 'pdf', text: false },
  docx: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx', text: false },
  xlsx: { mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx', text: false },
  csv: { mediaType: 'text/csv; charset=utf-8', ext: 'csv', text: true },
  json: { mediaType: 'application/json; charset=utf-8', ext: 'json', text: true },
  yaml: { mediaType: 'application/yaml; charset=utf-8', ext: 'yaml', text: true },
  toml: { mediaType: 'application/toml; charset=utf-8', ext: 'toml', text: true },
  md: { mediaType: 'text/markdown; charset=utf-8', ext: 'md', text: true },
  html: { mediaType: 'text/html; charset=utf-8', ext: 'html', text: true },
  txt: { mediaType: 'text/plain; charset=utf-8', ext: 'txt', text: true },
  /** Output only: several results in one archive (PDF split, batch downloads). */
  zip: { mediaType: 'application/zip', ext: 'zip', text: false },
  // Read and written by the system converters (LibreOffice, pandoc, ImageMagick; see
  // converters/system/). `cfb` formats (doc, xls, ppt) share one container signature: the
  // declared format or extension names which one, and detection checks its marker stream.
  odt: { mediaType: 'application/vnd.oasis.opendocument.text', ext: 'odt', text: false },
  ods: { mediaType: 'application/vnd.oasis.opendocument.spreadsheet', ext: 'ods', text: false },
  odp: { mediaType: 'application/vnd.oasis.opendocument.presentation', ext: 'odp', text: false },
  pptx: { mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', ext: 'pptx', text: false },
  doc: { mediaType: 'application/msword', ext: 'doc', text: false },
  xls: { mediaType: 'application/vnd.ms-excel', ext: 'xls', text: false },
  ppt: { mediaType: 'application/vnd.ms-powerpoint', ext: 'ppt', text: false },
  rtf: { mediaType: 'application/rtf', ext: 'rtf', text: false },
  epub: { mediaType: 'application/epub+zip', ext: 'epub', text: false },
  rst: { mediaType: 'text/x-rst; charset=utf-8', ext: 'rst', text: true },
  latex: { mediaType: 'application/x-latex; charset=utf-8', ext: 'tex', text: true },
  bmp: { mediaType: 'image/bmp', ext: 'bmp', text: false },
  ico: { mediaType: 'image/vnd.microsoft.icon', ext: 'ico', text: false },
  heic: { mediaType: 'image/heic', ext: 'heic', text: false },
  svg: { mediaType: 'image/svg+xml', ext: 'svg', text: true },
} as const;

export type FormatId = keyof typeof FORMATS;

export const FORMAT_IDS = Object.keys(FORMATS) as FormatId[];

/** Extension aliases users type (`hermetic convert a.jpeg --to jpg`). */
const ALIASES: Record<string, FormatId> = {
  jpg: 'jpeg', jpeg: 'jpeg', tif: 'tiff', yml: 'yaml', markdown: 'md', htm: 'html', text: 'txt',
  tex: 'latex', heif: 'heic',
};

export function isFormatId(s: string): s is FormatId {
  return Object.prototype.hasOwnProperty.call(FORMATS, s);
}

/** Normalise a user-typed format or extension to a FormatId, or null. */
export function toFormatId(s: string | undefined | null): FormatId | null {
  if (!s) return null;
  const k = s.toLowerCase().replace(/^\./, '');
  if (isFormatId(k)) return k;
  return ALIASES[k] ?? null;
}

export function mediaTypeOf(f: FormatId): string {
  return FORMATS[f].mediaType;
}

export function extOf(f: FormatId): string {
  return FORMATS[f].ext;
}

/** The format a file name's extension names, or null (a hint only: the content decides). */
export function formatOfName(name: string | null | undefined): FormatId | null {
  const m = name ? /\.([A-Za-z0-9]{1,10})$/.exec(name) : null;
  return m ? toFormatId(m[1]) : null;
}
