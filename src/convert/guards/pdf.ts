// PDF stream bombs, measured BEFORE pdfjs or pdf-lib sees the file. A PDF stream is usually
// Flate-compressed, and Flate reaches ~1000:1: a 598 KB file held a 600 MB page content stream,
// and pdfjs, inflating it into one growing buffer, took the worker down with an abort (a native
// allocation failure, not a JavaScript error anyone could catch). So every stream's filter chain
// is measured here first — Flate, LZW and RunLength by counting alone (no output is produced),
// ASCIIHex/ASCII85 in front of them decoded — stopping at the first limit crossed:
//   - one stream may decode to at most `maxStreamBytes`;
//   - all streams together to at most `maxTotalBytes`.
// Image codecs (DCT, JPX, JBIG2, CCITT) end the chain: their data is counted as it stands
// (neither text extraction nor page copying decodes images).
// Not measurable: streams of an encrypted PDF (their bytes are ciphertext until decrypted) —
// pdfjs decrypts with the empty user password; those remain bounded only by the jail's memory cap.
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { InflateLimit, zlibInflatedLength } from './inflate-count.js';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface PdfLimits {
  maxStreamBytes: number;
  maxTotalBytes: number;
  /** Measure only the streams whose dictionary this accepts (default: all). */
  only?: (dict: string) => boolean;
}

/**
 * The streams a PDF *parser* must inflate just to read the file: object streams and
 * cross-reference streams. pdf-lib (merge, split, page selection) decodes nothing else — it
 * copies page contents and images as they are — so for it only these are measured, and a large
 * lossless image does not stop a merge.
 */
export const structureStreamsOnly = (dict: string): boolean => /\/Type\s*\/(ObjStm|XRef)\b/.test(dict);
export const DEFAULT_PDF_LIMITS: PdfLimits = { maxStreamBytes: LIMITS.pdfMaxStreamBytes, maxTotalBytes: LIMITS.pdfMaxInflatedBytes };

export interface PdfStreamSummary { streams: number; decodedBytes: number; largestStream: number; encrypted: boolean }

const FILTER_ALIASES: Record<string, string> = { Fl: 'FlateDecode', AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', LZW: 'LZWDecode', RL: 'RunLengthDecode' };

/** Filter names of a stream dictionary, in order ([] = no filter). */
export function streamFilters(dict: string): string[] {
  const m = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9#]+)/.exec(dict);
  if (!m) return [];
  return ((m[1] as string).match(/\/[A-Za-z0-9#]+/g) ?? []).map((n) => FILTER_ALIASES[n.slice(1)] ?? n.slice(1));
}

class TooBig extends Error {}

/**
 * A Flate stream's decoded size, and its bytes when another filter still has to read them.
 * Counting needs no output at all (inflate-count.ts: constant memory, whatever the ratio); only
 * the rare chain where Flate is not the last filter inflates for real, capped.
 */
function inflateMeasured(data: Buffer, cap: number, keep: boolean): { bytes: number; out: Buffer | null } | null {
  let bytes: number | null;
  try {
    bytes = zlibInflatedLength(data, cap);
  } catch (e) {
    if (e instanceof InflateLimit) throw new TooBig();
    throw e;
  }
  if (bytes === null) return null; // not a zlib stream (corrupt, or ciphertext: see the header)
  if (!keep) return { bytes, out: null };
  const out = inflateSync(data, { maxOutputLength: cap + 1, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return { bytes: out.length, out };
}

function asciiHex(data: Buffer): Buffer {
  const hex = data.toString('latin1').replace(/>.*$/s, '').replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
}

function ascii85(data: Buffer): Buffer {
  const text = data.toString('latin1').replace(/~>.*$/s, '').replace(/\s+/g, '');
  const out: number[] = [];
  let group: number[] = [];
  for (const ch of text) {
    if (ch === 'z' && group.length === 0) { out.push(0, 0, 0, 0); continue; }
    const c = ch.charCodeAt(0) - 33;
    if (c < 0 || c > 84) continue;
    group.push(c);
    if (group.length === 5) {
      let v = 0;
      for (const d of group) v = v * 85 + d;
      out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
      group = [];
    }
  }
  if (group.length > 1) {
    const n = group.length;
    while (group.length < 5) group.push(84);
    let v = 0;
    for (const d of group) v = v * 85 + d;
    out.push(...[(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].slice(0, n - 1));
  }
  return Buffer.from(out);
}

/** Decoded length of an LZW stream (PDF variant, early change 1), without producing the bytes. */
function lzwLength(data: Buffer, cap: number): number {
  const lengths: number[] = [];
  const reset = (): void => { lengths.length = 258; for (let i = 0; i < 256; i++) lengths[i] = 1; };
  reset();
  let bits = 0;
  let acc = 0;
  let width = 9;
  let prev = -1;
  let total = 0;
  for (const byte of data) {
    acc = ((acc << 8) | byte) >>> 0;
    bits += 8;
    while (bits >= width) {
      const code = (acc >>> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      if (code === 257) return total; // end of data
      if (code === 256) { reset(); width = 9; prev = -1; continue; }
      const len = code < lengths.length ? (lengths[code] as number) : prev >= 0 ? (lengths[prev] as number) + 1 : 1;
      total += len;
      if (total > cap) throw new TooBig();
      if (prev >= 0 && lengths.length < 4096) lengths.push((lengths[prev] as number) + 1);
      prev = code;
      const next = lengths.length + 1; // early change
      width = next >= 2048 ? 12 : next >= 1024 ? 11 : next >= 512 ? 10 : 9;
    }
    acc &= (1 << bits) - 1;
  }
  return total;
}

/** Decoded length of a RunLength stream. */
function runLengthLength(data: Buffer): number {
  let total = 0;
  for (let i = 0; i < data.length;) {
    const n = data[i] as number;
    if (n === 128) break;
    if (n < 128) { total += n + 1; i += n + 2; } else { total += 257 - n; i += 2; }
  }
  return total;
}

/** Where each stream's data is: [dictionary text, data start, data end). */
function* streams(buf: Buffer): Generator<{ dict: string; start: number; end: number }> {
  let pos = 0;
  for (;;) {
    const k = buf.indexOf('stream', pos, 'latin1');
    if (k < 0) return;
    pos = k + 6;
    if (k >= 3 && buf.toString('latin1', k - 3, k) === 'end') continue;
    // The keyword ends its line (CRLF or LF; a lone CR is tolerated).
    let start = k + 6;
    if (buf[start] === 0x0d) start++;
    if (buf[start] === 0x0a) start++;
    if (start === k + 6) continue; // "stream" inside a name or a string, not the keyword
    const before = buf.toString('latin1', Math.max(0, k - 4096), k);
    const dictAt = before.lastIndexOf(' obj');
    if (!/>>\s*$/.test(before)) continue;
    const dict = dictAt >= 0 ? before.slice(dictAt) : before;
    let end = buf.indexOf('endstream', start, 'latin1');
    if (end < 0) end = buf.length;
    pos = end;
    // The end-of-line before `endstream` is not part of the data.
    if (end > start && buf[end - 1] === 0x0a) end--;
    if (end > start && buf[end - 1] === 0x0d) end--;
    yield { dict, start, end };
  }
}

const IMAGE_CODECS = new Set(['DCTDecode', 'JPXDecode', 'JBIG2Decode', 'CCITTFaxDecode', 'Crypt']);

function tooComplex(what: string): ConvertError {
  return new ConvertError('TOO_COMPLEX', what);
}

/** Decode every stream's filter chain as far as it goes, counting; TOO_COMPLEX past a limit. */
export async function assertPdfStreamsBounded(buf: Buffer, limits: PdfLimits = DEFAULT_PDF_LIMITS): Promise<PdfStreamSummary> {
  // Only a hint: a Flate stream is measured whenever it inflates, so writing "/Encrypt" into a
  // file that is not really encrypted hides nothing (pdfjs would garble such streams itself).
  const encrypted = buf.indexOf('/Encrypt', 0, 'latin1') >= 0;
  const summary: PdfStreamSummary = { streams: 0, decodedBytes: 0, largestStream: 0, encrypted };
  for (const s of streams(buf)) {
    if (limits.only && !limits.only(s.dict)) continue;
    summary.streams++;
    let data: Buffer | null = buf.subarray(s.start, s.end);
    let size = data.length;
    const filters = streamFilters(s.dict);
    const cap = Math.min(limits.maxStreamBytes, limits.maxTotalBytes - summary.decodedBytes);
    try {
      for (let i = 0; i < filters.length && data; i++) {
        const f = filters[i] as string;
        const last = i === filters.length - 1;
        if (f === 'ASCIIHexDecode') data = asciiHex(data);
        else if (f === 'ASCII85Decode') data = ascii85(data);
        else if (f === 'FlateDecode') {
          const r = inflateMeasured(data, cap, !last);
          if (!r) break; // not zlib data (corrupt, or ciphertext of an encrypted file: see the header)
          size = r.bytes;
          data = r.out;
          continue;
        } else if (f === 'LZWDecode') { if (encrypted) break; /* ciphertext has no LZW length */ size = lzwLength(data, cap); data = null; continue; }
        else if (f === 'RunLengthDecode') { size = runLengthLength(data); data = null; continue; }
        else if (IMAGE_CODECS.has(f)) break;
        else break; // an unknown filter: the readers will not decode it either
        size = data.length;
      }
    } catch (e) {
      if (e instanceof TooBig) {
        if (cap < limits.maxStreamBytes) throw tooComplex(`the PDF's streams decode to more than ${limits.maxTotalBytes} bytes in total (a compression bomb, or far too large to convert)`);
        throw tooComplex(`a PDF stream decodes to more than ${limits.maxStreamBytes} bytes (${filters.join(' + ')}; a compression bomb, or far too large to convert)`);
      }
      throw e;
    }
    if (size > limits.maxStreamBytes) throw tooComplex(`a PDF stream decodes to ${size} bytes (limit ${limits.maxStreamBytes})`);
    summary.decodedBytes += size;
    summary.largestStream = Math.max(summary.largestStream, size);
    if (summary.decodedBytes > limits.maxTotalBytes) throw tooComplex(`the PDF's streams decode to more than ${limits.maxTotalBytes} bytes in total`);
  }
  return summary;
}
