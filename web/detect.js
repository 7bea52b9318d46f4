// What kind of file the user gave us, as far as the browser can tell cheaply: the name's
// extension, checked against the first bytes where the format has a signature. It decides only
// which targets to offer; the server detects again from the whole content and refuses a
// mismatch. Pure functions (unit-tested in Node).

const EXTENSIONS = {
  png: 'png', jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', webp: 'webp', avif: 'avif', tif: 'tiff', tiff: 'tiff', gif: 'gif',
  pdf: 'pdf', docx: 'docx', xlsx: 'xlsx', csv: 'csv', json: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml',
  md: 'md', markdown: 'md', html: 'html', htm: 'html', txt: 'txt', text: 'txt',
  // Formats of the system converters (LibreOffice, pandoc, ImageMagick): offered when the server
  // lists a converter for them (GET /api/converters), which it does only where the program is installed.
  odt: 'odt', ods: 'ods', odp: 'odp', pptx: 'pptx', doc: 'doc', xls: 'xls', ppt: 'ppt', rtf: 'rtf', epub: 'epub',
  rst: 'rst', tex: 'latex', latex: 'latex', bmp: 'bmp', ico: 'ico', heic: 'heic', heif: 'heic', svg: 'svg',
};
/** ZIP-based formats: a ZIP with one of these names is taken at its name (the server checks the content). */
const ZIPPED = new Set(['docx', 'xlsx', 'odt', 'ods', 'odp', 'pptx', 'epub']);
/** Formats that have a signature: a name claiming one of these is checked against the bytes. */
const SIGNED = new Set(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif', 'pdf', 'docx', 'xlsx']);

/** How many leading bytes `sniff` needs. */
export const HEAD_BYTES = 32;

export function formatOfName(name) {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(String(name || ''));
  return m ? EXTENSIONS[m[1].toLowerCase()] || null : null;
}

const at = (b, offset, ascii) => {
  for (let i = 0; i < ascii.length; i++) if (b[offset + i] !== ascii.charCodeAt(i)) return false;
  return b.length >= offset + ascii.length;
};

/** The format the first bytes prove, or null. 'zip' for any ZIP (DOCX and XLSX are ZIPs). */
export function sniff(bytes) {
  const b = bytes || new Uint8Array(0);
  if (b[0] === 0x89 && at(b, 1, 'PNG\r\n\x1a\n')) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(b, 0, 'GIF87a') || at(b, 0, 'GIF89a')) return 'gif';
  if (at(b, 0, 'RIFF') && at(b, 8, 'WEBP')) return 'webp';
  if (at(b, 4, 'ftyp') && (at(b, 8, 'avif') || at(b, 8, 'avis'))) return 'avif';
  if ((at(b, 0, 'II') && b[2] === 42 && b[3] === 0) || (at(b, 0, 'MM') && b[2] === 0 && b[3] === 42)) return 'tiff';
  if (at(b, 0, '%PDF-')) return 'pdf';
  if (at(b, 0, 'PK\x03\x04')) return 'zip';
  return null;
}

function looksLikeText(b) {
  for (let i = 0; i < b.length; i++) if (b[i] === 0) return false;
  try { new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 3))); return true; } catch { return false; }
}

/**
 * { format, confirmed, note }: `format` is a format id or null (unknown); `confirmed` is true
 * when the bytes prove it (then the page tells the server, so a misnamed file still converts);
 * `note` is a sentence for the user when something looks off.
 */
export function detect(name, head) {
  const byName = formatOfName(name);
  const magic = sniff(head);
  if (magic === 'zip') {
    if (ZIPPED.has(byName)) return { format: byName, confirmed: false, note: null };
    return { format: null, confirmed: false, note: 'This is a ZIP archive; Hermetic converts office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP) and EPUB, which are ZIPs with such a name.' };
  }
  if (magic) {
    const note = byName && byName !== magic ? `Its name says ${byName.toUpperCase()}, but its content is ${magic.toUpperCase()}: it is treated as ${magic.toUpperCase()}.` : null;
    return { format: magic, confirmed: true, note };
  }
  if (byName && SIGNED.has(byName)) {
    return { format: byName, confirmed: false, note: `The first bytes do not look like ${byName.toUpperCase()}; the file may be damaged. Hermetic will check it.` };
  }
  if (byName) return { format: byName, confirmed: false, note: null };
  if (head && head.length && looksLikeText(head)) {
    return { format: 'txt', confirmed: false, note: 'No known extension: treated as plain text.' };
  }
  return { format: null, confirmed: false, note: 'Hermetic cannot tell what kind of file this is from its name or its first bytes.' };
}
