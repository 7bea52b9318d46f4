// Bad-input guards: each hostile input gets its stable error code before a parser is hurt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { inspectZip, assertJsonDepth, safeFileName, outputName, assertCsvShape } from '../../src/convert/guards/index.js';
import { BUILTIN_CONVERTERS } from '../../src/convert/converters/index.js';
import { ConverterRegistry } from '../../src/convert/registry.js';
import { detectFormat } from '../../src/convert/detect.js';
import { LIMITS } from '../../src/convert/index.js';
import { zip, docx, solidPng, pngClaiming } from './convert-fixtures.js';


const reg = new ConverterRegistry(BUILTIN_CONVERTERS);
const convert = (data: Buffer, from: Parameters<typeof reg.find>[0], to: Parameters<typeof reg.find>[1]) => {
  const c = reg.find(from, to);
  return c.convert({ data, from, to }, reg.parseOptions(c, {}));
};

test('zip bomb: a highly compressed entry is refused with ARCHIVE_BOMB (actual inflation counted)', async () => {
  const bomb = await zip([{ name: 'word/document.xml', data: Buffer.alloc(50 * 1024 * 1024, 0) }]);
  assert.ok(bomb.length < 200_000, 'the archive is small');
  await assert.rejects(inspectZip(bomb), { code: 'ARCHIVE_BOMB' });
  // The same file, sent as a DOCX, never reaches mammoth.
  await assert.rejects(convert(bomb, 'docx', 'md'), { code: 'ARCHIVE_BOMB' });
});

test('zip bomb: total inflated size over the limit is refused even with modest ratios', async () => {
  const limits = { maxEntries: 100, maxTotalBytes: 1024 * 1024, maxRatio: 1e9, ratioMinBytes: 1 };
  const many = await zip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.xml`, data: Buffer.alloc(300 * 1024, 65 + i) })));
  await assert.rejects(inspectZip(many, limits), { code: 'ARCHIVE_BOMB' });
});

test('zip: too many entries → ARCHIVE_BOMB; a normal DOCX passes', async () => {
  const many = await zip(Array.from({ length: LIMITS.zipMaxEntries + 1 }, (_, i) => ({ name: `e${i}`, data: 'x', compress: false })));
  await assert.rejects(inspectZip(many), { code: 'ARCHIVE_BOMB' });
  const ok = await inspectZip(await docx('a', 'b'));
  assert.equal(ok.entries, 3);
});

test('zip: a path-traversal entry name is refused', async () => {
  const evil = await zip([{ name: 'ok.xml', data: 'x' }]);
  // Rewrite the stored name in both headers to ../../x (same length as "ok.xml": "../x.x").
  const patched = Buffer.from(evil.toString('latin1').split('ok.xml').join('../x.x'), 'latin1');
  await assert.rejects(inspectZip(patched), { code: 'INVALID_INPUT', message: /invalid relative path|\.\./ });
});

test('image: a pixel bomb is refused with TOO_COMPLEX before decoding', async () => {
  // A tiny PNG whose header claims 20000 × 20000 = 400 MP (the IHDR chunk rewritten, CRC fixed).
  const big = pngClaiming(await solidPng(8, 8), 20_000, 20_000);
  assert.equal((await sharp(big, { limitInputPixels: false }).metadata()).width, 20_000);
  assert.ok(20_000 * 20_000 > LIMITS.maxInputPixels);
  await assert.rejects(convert(big, 'png', 'jpeg'), { code: 'TOO_COMPLEX' });
  await assert.rejects(convert(big, 'png', 'txt'), { code: 'TOO_COMPLEX' }, 'OCR goes through the same limit');
  // Positive control: a small image converts.
  assert.ok((await convert(await solidPng(50, 50), 'png', 'jpeg')).data.length > 0);
});

test('YAML: an alias bomb is refused with TOO_COMPLEX', async () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  const letters = 'bcdefghijk';
  for (let i = 0; i < letters.length; i++) lines.push(`${letters[i]}: &${letters[i]} [${Array(10).fill(`*${i === 0 ? 'a' : letters[i - 1]}`).join(',')}]`);
  await assert.rejects(convert(Buffer.from(lines.join('\n')), 'yaml', 'json'), { code: 'TOO_COMPLEX' });
  assert.ok((await convert(Buffer.from('a: &x 1\nb: *x\n'), 'yaml', 'json')).data.toString().includes('"b": 1'));
});

test('JSON: nesting past the depth limit is refused without parsing', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.throws(() => assertJsonDepth(deep), { code: 'TOO_COMPLEX' });
  await assert.rejects(convert(Buffer.from(deep), 'json', 'yaml'), { code: 'TOO_COMPLEX' });
  // Brackets inside strings do not count.
  assert.doesNotThrow(() => assertJsonDepth(JSON.stringify({ s: '['.repeat(1000) })));
});

test('CSV: an oversized row and too many columns are refused', async () => {
  const huge = `a\n"${'x'.repeat(LIMITS.csvMaxRowBytes + 10)}"\n`;
  await assert.rejects(convert(Buffer.from(huge), 'csv', 'json'), { code: 'TOO_COMPLEX' });
  assert.throws(() => assertCsvShape([Array(LIMITS.csvMaxColumns + 1).fill('')]), { code: 'TOO_COMPLEX' });
});

test('text formats: invalid UTF-8 is INVALID_INPUT, not mojibake', async () => {
  await assert.rejects(convert(Buffer.from([0x61, 0x2c, 0xff, 0xfe, 0x0a]), 'csv', 'json'), { code: 'INVALID_INPUT' });
});

test('detection: content wins over the declared type', async () => {
  const png = await solidPng(10, 10);
  assert.equal(await detectFormat(png, { name: 'photo.png' }), 'png');
  await assert.rejects(detectFormat(png, { format: 'pdf' }), { code: 'FORMAT_MISMATCH' });
  await assert.rejects(detectFormat(Buffer.from('hello'), { format: 'png' }), { code: 'FORMAT_MISMATCH' });
  await assert.rejects(detectFormat(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0, 0, 0, 0x04, 0, 0, 0, 0xff, 0xff, 0, 0])), { code: 'UNSUPPORTED_FORMAT' });
  await assert.rejects(detectFormat(Buffer.alloc(0)), { code: 'INVALID_INPUT' });
  await assert.rejects(detectFormat(Buffer.from('x'), { format: 'exe' }), { code: 'UNSUPPORTED_FORMAT' });
  assert.equal(await detectFormat(Buffer.from('a,b\n1,2\n'), { name: 'x.csv' }), 'csv');
  assert.equal(await detectFormat(Buffer.from('{"a":1}')), 'json');
});

test('names: path parts, control and bidi characters are removed; never empty', () => {
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('C:\\Users\\me\\report.docx'), 'report.docx');
  assert.equal(safeFileName('evil\u202egnp.exe'), 'evil_gnp.exe');
  assert.equal(safeFileName('..hidden'), 'hidden');
  assert.throws(() => safeFileName('../..'), { code: 'UNSAFE_NAME' });
  assert.ok(Buffer.byteLength(safeFileName('é'.repeat(300))) <= 255);
  assert.equal(outputName('report.final.docx', 'md'), 'report.final.md');
  assert.equal(outputName(undefined, 'pdf'), 'converted.pdf');
});
