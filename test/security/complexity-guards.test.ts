// The complexity guards of issue 13 item 12, directly (the end-to-end cases through the real
// server are in hostile-files.test.ts): what they count, that they stop early, and that
// ordinary, sloppy input is not mistaken for an attack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { ConvertError } from '../../src/convert/index.js';
import { assertHtmlBounded, assertPdfStreamsBounded, assertXlsxBounded, htmlShape, streamFilters, structureStreamsOnly } from '../../src/convert/guards/index.js';
import { ascii85, deepHtml, pdfFromObjects, pdfSmall, pdfSpaceBomb, xlsxCells } from './hostile-files.js';

const MB = 1024 * 1024;
const isTooComplex = (e: unknown) => e instanceof ConvertError && e.code === 'TOO_COMPLEX';
const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]);

test('PDF: every filter chain is decoded and counted; a bomb stops at the per-stream limit', async () => {
  assert.deepEqual(streamFilters('<< /Filter [/ASCII85Decode /FlateDecode] /Length 5 >>'), ['ASCII85Decode', 'FlateDecode']);
  assert.deepEqual(streamFilters('<< /F /x /Filter /Fl >>'), ['FlateDecode']);
  const text = Buffer.alloc(3 * MB, 0x41);
  const flate = deflateSync(text);
  const pdf = pdfFromObjects([
    '<< /Type /Catalog /Pages 2 0 R >>',
    stream('/Filter /FlateDecode', flate),
    stream('/Filter [/ASCIIHexDecode /FlateDecode]', Buffer.from(`${flate.toString('hex')}>`)),
    stream('/Filter [/ASCII85Decode /FlateDecode]', ascii85(flate)),
    stream('/Filter /RunLengthDecode', Buffer.from([0x81, 0x42, 0x81, 0x42, 0x80])), // 2 × 128 bytes
    stream('/Filter /DCTDecode', Buffer.alloc(1000)),
  ]);
  const s = await assertPdfStreamsBounded(pdf);
  assert.equal(s.streams, 5);
  assert.equal(s.decodedBytes, 3 * text.length + 256 + 1000);
  // The limits bite: per stream, and in total.
  await assert.rejects(assertPdfStreamsBounded(pdf, { maxStreamBytes: 2 * MB, maxTotalBytes: 100 * MB }), (e: unknown) => isTooComplex(e) && /more than 2097152 bytes/.test((e as Error).message));
  await assert.rejects(assertPdfStreamsBounded(pdf, { maxStreamBytes: 4 * MB, maxTotalBytes: 7 * MB }), (e: unknown) => isTooComplex(e) && /in total/.test((e as Error).message));
  // A 600 MB bomb stops at the limit (the guard never holds more than one stream's output).
  const bomb = await pdfSpaceBomb(600 * MB);
  const before = process.memoryUsage().rss;
  await assert.rejects(assertPdfStreamsBounded(bomb), isTooComplex);
  assert.ok(process.memoryUsage().rss - before < 300 * MB, 'counting did not keep the output');
  // For pdf-lib only the structure streams count: a large image stream is not measured, an object stream is.
  assert.equal((await assertPdfStreamsBounded(pdf, { maxStreamBytes: 1, maxTotalBytes: 1, only: structureStreamsOnly })).streams, 0);
  const objstm = pdfFromObjects(['<< /Type /Catalog >>', stream('/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', flate)]);
  await assert.rejects(assertPdfStreamsBounded(objstm, { maxStreamBytes: MB, maxTotalBytes: 100 * MB, only: structureStreamsOnly }), isTooComplex);
  // Positive control: an ordinary PDF.
  assert.equal((await assertPdfStreamsBounded(pdfSmall())).streams, 1);
  // Writing "/Encrypt" into a file that is not encrypted hides no bomb.
  const marked = Buffer.concat([bomb, Buffer.from('\n% /Encrypt 9 0 R\n')]);
  await assert.rejects(assertPdfStreamsBounded(marked), isTooComplex);
});

test('HTML: depth counted in one pass; sloppy markup is shallow, deep nesting is refused', () => {
  assert.equal(htmlShape('<div><p>a<p>b<p>c</div>').depth, 2, 'an open <p> is closed by the next');
  assert.equal(htmlShape(`<ul>${'<li>x'.repeat(10_000)}</ul>`).depth, 2);
  assert.equal(htmlShape(`<table>${'<tr><td>1<td>2'.repeat(5_000)}</table>`).depth, 3);
  assert.equal(htmlShape(`<p>${'a<br>b<img src=x><hr/>'.repeat(1000)}</p>`).depth, 1, 'void elements do not nest');
  assert.equal(htmlShape(`<script>${'<div>'.repeat(10_000)}</script><div>x</div>`).depth, 1, 'script text is not markup');
  assert.equal(htmlShape(`<!-- ${'<div>'.repeat(10_000)} --><b>x</b>`).depth, 1, 'comments are not markup');
  assert.equal(htmlShape(`<svg>${'<path d="M0"/>'.repeat(1000)}</svg>`).depth, 1, 'self-closing in SVG');
  assert.equal(htmlShape('<div title="a > b"><span>x</span></div>').depth, 2);
  assert.equal(htmlShape(deepHtml(300).toString()).depth, 302);
  assert.doesNotThrow(() => assertHtmlBounded(deepHtml(300).toString()));
  assert.throws(() => assertHtmlBounded(deepHtml(100_000).toString()), isTooComplex);
  assert.throws(() => assertHtmlBounded(`${'<div/>'.repeat(1000)}`), isTooComplex, '<div/> opens a div in HTML');
  // It stops early: 10⁵ levels are refused long before the end of the text.
  const t = process.hrtime.bigint();
  assert.throws(() => assertHtmlBounded(deepHtml(1_000_000).toString()), isTooComplex);
  assert.ok(Number(process.hrtime.bigint() - t) / 1e6 < 5_000, 'linear, and stops at the limit');
});

test('XLSX: cells counted while the zip is checked, across chunk boundaries', async () => {
  const small = await xlsxCells(100, 10);
  assert.equal((await assertXlsxBounded(small)).cells, 1000);
  const medium = await xlsxCells(20_000, 10); // inflates in many chunks: '<c' is cut at some boundaries
  assert.equal((await assertXlsxBounded(medium)).cells, 200_000);
  await assert.rejects(assertXlsxBounded(medium, 199_999), (e: unknown) => isTooComplex(e) && /more than 199999 cells/.test((e as Error).message));
});

test('the counting inflater agrees with zlib on every block type, and stops a bomb at once', async () => {
  const { zlibInflatedLength, InflateLimit } = await import('../../src/convert/guards/inflate-count.js');
  const { randomBytes } = await import('node:crypto');
  const samples = [Buffer.from('x'), Buffer.alloc(3 * MB, 65), randomBytes(MB), Buffer.from(`${'abc'.repeat(100_000)}${randomBytes(5000).toString('hex')}`)];
  for (const sample of samples) {
    for (const level of [0, 1, 6, 9]) assert.equal(zlibInflatedLength(deflateSync(sample, { level }), Number.MAX_SAFE_INTEGER), sample.length, `level ${level}, ${sample.length} bytes`);
  }
  const bomb = deflateSync(Buffer.alloc(200 * MB, 0x20), { level: 9 });
  assert.throws(() => zlibInflatedLength(bomb, 64 * MB), InflateLimit);
  assert.equal(zlibInflatedLength(randomBytes(64), 1e9), null, 'not a zlib stream');
  const text = deflateSync(Buffer.from('hello world '.repeat(10_000)));
  const cut = zlibInflatedLength(text.subarray(0, 40), 1e9);
  assert.ok(cut !== null && cut < 120_000, 'a truncated stream counts what decodes');
});
