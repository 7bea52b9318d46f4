// Sample inputs for one conversion of every family, made here from nothing: no binary fixture
// shipped, and no converter library loaded outside the jail (the orchestrator is unjailed, so it
// must not run the very code the proof is about). A PNG with block-letter text (for OCR too), a
// one-page PDF with a text line, and the text formats. Formats these cannot reach (DOCX, XLSX)
// are made by conversions during the run (see conversions.ts).
import { crc32, deflateSync } from 'node:zlib';

/** 5×7 block letters, one string of 7 rows per glyph ('#' = ink). */
const GLYPHS: Record<string, string[]> = {
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  I: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '#####'],
  C: ['.####', '#....', '#....', '#....', '#....', '#....', '.####'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
};

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A greyscale PNG of `text` in block letters (scale px per dot), black on white. */
export function textPng(text: string, scale = 8): Buffer {
  const margin = 3;
  const cols = text.length * 6 - 1 + margin * 2;
  const rows = 7 + margin * 2;
  const width = cols * scale;
  const height = rows * scale;
  const raw = Buffer.alloc((width + 1) * height, 0xff);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // filter byte: none
  [...text.toUpperCase()].forEach((ch, i) => {
    const g = GLYPHS[ch] ?? GLYPHS[' '] as string[];
    g.forEach((row, gy) => {
      [...row].forEach((dot, gx) => {
        if (dot !== '#') return;
        const x0 = (margin + i * 6 + gx) * scale;
        const y0 = (margin + gy) * scale;
        for (let y = y0; y < y0 + scale; y++) raw.fill(0, y * (width + 1) + 1 + x0, y * (width + 1) + 1 + x0 + scale);
      });
    });
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF 1.4 with one line of Helvetica text; the cross-reference offsets are computed. */
export function textPdf(text: string): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Every sample the run starts with, by format id. */
export function sampleInputs(): Map<string, Buffer> {
  const text = 'HERMETIC PROVE';
  return new Map<string, Buffer>([
    ['png', textPng(text)],
    ['pdf', textPdf('Hermetic prove: a sample page')],
    ['md', Buffer.from('# Hermetic prove\n\nA *sample* document with a [local link](#top).\n')],
    ['html', Buffer.from('<!doctype html><html><head><title>Hermetic prove</title></head><body><h1>Hermetic prove</h1><p>A sample page.</p></body></html>\n')],
    ['txt', Buffer.from('Hermetic prove: a sample text.\n')],
    ['csv', Buffer.from('name,value\nalpha,1\nbeta,2\n')],
    ['json', Buffer.from('[{"name":"alpha","value":1},{"name":"beta","value":2}]\n')],
    ['yaml', Buffer.from('- name: alpha\n  value: 1\n- name: beta\n  value: 2\n')],
    ['toml', Buffer.from('[[row]]\nname = "alpha"\nvalue = 1\n')],
  ]);
}
