// How many bytes a zlib/deflate stream inflates to, found WITHOUT inflating it. A back-reference
// (copy `length` bytes from `distance` back) only needs its length to be counted, so no output
// and no 32 KB window are kept: memory stays constant whatever the ratio. That matters in the
// worker, where pdfjs already runs close to the memory limit and zlib's own inflate — even
// streamed — leaves tens of MB of allocator growth behind (measured: it turned a convertible
// 40 MB PDF into OUT_OF_MEMORY one run in two).
// The decoder follows RFC 1951 the way zlib's reference decoder `puff.c` does: canonical Huffman
// codes decoded bit by bit from count/symbol tables.

export class InflateLimit extends Error {}

const MAXBITS = 15;
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

class Bits {
  pos: number;
  private buf = 0;
  private cnt = 0;
  constructor(private readonly data: Uint8Array, start: number) { this.pos = start; }
  get(n: number): number {
    let v = this.buf;
    while (this.cnt < n) {
      if (this.pos >= this.data.length) throw new RangeError('truncated');
      v |= (this.data[this.pos++] as number) << this.cnt;
      this.cnt += 8;
    }
    this.buf = v >>> n;
    this.cnt -= n;
    return v & ((1 << n) - 1);
  }
  align(): void { this.buf = 0; this.cnt = 0; }
  get length(): number { return this.data.length; }
}

interface Huffman { count: Int16Array; symbol: Int16Array }

function build(lengths: ArrayLike<number>, n: number): Huffman {
  const count = new Int16Array(MAXBITS + 1);
  const symbol = new Int16Array(n);
  for (let s = 0; s < n; s++) count[lengths[s] as number]!++;
  const offs = new Int16Array(MAXBITS + 1);
  for (let len = 1; len < MAXBITS; len++) offs[len + 1] = (offs[len] as number) + (count[len] as number);
  for (let s = 0; s < n; s++) if (lengths[s]) symbol[offs[lengths[s] as number]!++] = s;
  return { count, symbol };
}

function decode(b: Bits, h: Huffman): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= MAXBITS; len++) {
    code |= b.get(1);
    const count = h.count[len] as number;
    if (code - count < first) return h.symbol[index + (code - first)] as number;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  throw new RangeError('bad code');
}

let fixed: { lit: Huffman; dist: Huffman } | null = null;
function fixedTables(): { lit: Huffman; dist: Huffman } {
  if (fixed) return fixed;
  const l = new Uint8Array(288);
  l.fill(8, 0, 144); l.fill(9, 144, 256); l.fill(7, 256, 280); l.fill(8, 280, 288);
  fixed = { lit: build(l, 288), dist: build(new Uint8Array(30).fill(5), 30) };
  return fixed;
}

function dynamicTables(b: Bits): { lit: Huffman; dist: Huffman } {
  const nlen = b.get(5) + 257;
  const ndist = b.get(5) + 1;
  const ncode = b.get(4) + 4;
  if (nlen > 286 || ndist > 30) throw new RangeError('bad counts');
  const lengths = new Uint8Array(320);
  for (let i = 0; i < ncode; i++) lengths[CODE_ORDER[i] as number] = b.get(3);
  const lencode = build(lengths, 19);
  lengths.fill(0);
  for (let i = 0; i < nlen + ndist;) {
    const sym = decode(b, lencode);
    if (sym < 16) { lengths[i++] = sym; continue; }
    let len = 0;
    let rep: number;
    if (sym === 16) { if (i === 0) throw new RangeError('repeat with no first'); len = lengths[i - 1] as number; rep = 3 + b.get(2); }
    else if (sym === 17) rep = 3 + b.get(3);
    else rep = 11 + b.get(7);
    if (i + rep > nlen + ndist) throw new RangeError('too many lengths');
    while (rep--) lengths[i++] = len;
  }
  return { lit: build(lengths.subarray(0, nlen), nlen), dist: build(lengths.subarray(nlen, nlen + ndist), ndist) };
}

/**
 * Bytes a zlib stream (2-byte header, as in PDF's FlateDecode) inflates to. Throws InflateLimit
 * past `cap`. Data that is not deflate, or is cut short, ends the count where the decoding
 * stops (pdfjs stops there too); null when nothing at all decodes (not a zlib stream).
 */
export function zlibInflatedLength(data: Uint8Array, cap: number): number | null {
  if (data.length < 2) return null;
  const cmf = data[0] as number;
  const flg = data[1] as number;
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) return null;
  const b = new Bits(data, 2);
  let out = 0;
  try {
    for (let last = 0; !last;) {
      last = b.get(1);
      const type = b.get(2);
      if (type === 0) {
        b.align();
        if (b.pos + 4 > b.length) break;
        const len = (data[b.pos] as number) | ((data[b.pos + 1] as number) << 8);
        b.pos += 4;
        out += Math.min(len, b.length - b.pos);
        b.pos += len;
      } else if (type === 1 || type === 2) {
        const { lit, dist } = type === 1 ? fixedTables() : dynamicTables(b);
        for (;;) {
          const sym = decode(b, lit);
          if (sym < 256) { out++; continue; }
          if (sym === 256) break;
          const li = sym - 257;
          if (li >= 29) throw new RangeError('bad length');
          const len = (LENGTH_BASE[li] as number) + b.get(LENGTH_EXTRA[li] as number);
          const ds = decode(b, dist);
          if (ds >= 30) throw new RangeError('bad distance');
          const d = (ds < 4 ? ds + 1 : ((2 + (ds & 1)) << (DIST_EXTRA[ds] as number)) + 1) + b.get(DIST_EXTRA[ds] as number);
          if (d > out) throw new RangeError('distance too far back');
          out += len;
          if (out > cap) throw new InflateLimit();
        }
      } else {
        break; // invalid block type: decoding stops here
      }
      if (out > cap) throw new InflateLimit();
    }
  } catch (e) {
    if (e instanceof InflateLimit) throw e;
    // RangeError: truncated or invalid data — count what decoded before it.
  }
  return out > 0 || b.pos > 2 ? out : null;
}
