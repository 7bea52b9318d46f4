// Every converter family, in-process (the worker runs exactly this code inside the jail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import ExcelJS from 'exceljs';
import { BUILTIN_CONVERTERS } from '../../src/convert/converters/index.js';
import { ConverterRegistry } from '../../src/convert/registry.js';
import { detectFormat } from '../../src/convert/detect.js';
import type { FormatId } from '../../src/convert/index.js';
import { textPng, solidPng, docx, xlsx, textPdf } from './convert-fixtures.js';

const reg = new ConverterRegistry(BUILTIN_CONVERTERS);

async function run(data: Buffer, to: FormatId, opts: Record<string, unknown> = {}, declared?: string): Promise<{ data: Buffer; from: FormatId; id: string }> {
  const from = await detectFormat(data, { format: declared ?? null });
  const c = reg.find(from, to);
  const out = await c.convert({ data, from, to }, reg.parseOptions(c, opts));
  assert.equal(out.format, to);
  return { data: out.data, from, id: c.manifest.id };
}

test('image: PNG → JPEG / WEBP with resize; metadata of the result matches', async () => {
  const png = await solidPng(400, 200);
  const jpg = await run(png, 'jpeg', { width: 100 });
  assert.equal(jpg.id, 'image');
  const meta = await sharp(jpg.data).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 100);
  assert.equal(meta.height, 50);
  const webp = await run(png, 'webp');
  assert.equal((await sharp(webp.data).metadata()).format, 'webp');
});

test('image: unknown option keys are refused with INVALID_OPTIONS', async () => {
  const c = reg.find('png', 'jpeg');
  assert.throws(() => reg.parseOptions(c, { widht: 10 }), { code: 'INVALID_OPTIONS' });
  assert.throws(() => reg.parseOptions(c, { width: -1 }), { code: 'INVALID_OPTIONS' });
});

test('document: DOCX → Markdown / HTML / text', async () => {
  const d = await docx('Quarterly report', 'Revenue went up.');
  assert.equal(await detectFormat(d), 'docx');
  const md = (await run(d, 'md')).data.toString();
  assert.match(md, /^# Quarterly report/m);
  assert.match(md, /Revenue went up\./);
  const html = (await run(d, 'html', { standalone: true })).data.toString();
  assert.match(html, /<h1>Quarterly report<\/h1>/);
  assert.match(html, /default-src 'none'/, 'standalone HTML forbids every fetch');
  assert.match((await run(d, 'txt')).data.toString(), /Quarterly report\s+Revenue went up\./);
});

test('document: Markdown → HTML escapes raw HTML; HTML → Markdown drops scripts', async () => {
  const html = (await run(Buffer.from('# Title\n\n<img src="http://192.0.2.1/x.png"> *hi*\n'), 'html', {}, 'md')).data.toString();
  assert.match(html, /<h1>Title<\/h1>/);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;img/);
  const md = (await run(Buffer.from('<h2>Sub</h2><script>alert(1)</script><p>para</p>'), 'md', {}, 'html')).data.toString();
  assert.match(md, /## Sub/);
  assert.doesNotMatch(md, /alert/);
});

test('data: CSV ↔ JSON ↔ YAML ↔ TOML round trip', async () => {
  const json = (await run(Buffer.from('name,qty\nbolt,3\nnut,5\n'), 'json', {}, 'csv')).data;
  assert.deepEqual(JSON.parse(json.toString()), [{ name: 'bolt', qty: '3' }, { name: 'nut', qty: '5' }]);
  const yaml = (await run(json, 'yaml')).data;
  assert.match(yaml.toString(), /- name: bolt/);
  const csv = (await run(yaml, 'csv', {}, 'yaml')).data.toString();
  assert.equal(csv, 'name,qty\nbolt,3\nnut,5\n');
  const toml = (await run(Buffer.from('{"server": {"port": 8080, "name": "x"}}'), 'toml')).data.toString();
  assert.match(toml, /\[server\]/);
  assert.deepEqual(JSON.parse((await run(Buffer.from(toml), 'json', {}, 'toml')).data.toString()), { server: { port: 8080, name: 'x' } });
});

test('data: CSV output neutralises spreadsheet formulas', async () => {
  const csv = (await run(Buffer.from('[{"a": "=HYPERLINK(\\"http://192.0.2.1\\")"}]'), 'csv')).data.toString();
  assert.doesNotMatch(csv, /^"?=/m);
});

test('spreadsheet: XLSX → CSV / JSON and CSV → XLSX', async () => {
  const x = await xlsx([['city', 'pop'], ['Oslo', 709000], ['Bergen', 291000]]);
  assert.equal(await detectFormat(x), 'xlsx');
  assert.equal((await run(x, 'csv')).data.toString(), 'city,pop\nOslo,709000\nBergen,291000\n');
  assert.deepEqual(JSON.parse((await run(x, 'json')).data.toString())[1], { city: 'Bergen', pop: 291000 });
  const back = (await run(Buffer.from('k,v\na,1\n'), 'xlsx', {}, 'csv')).data;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(back as unknown as ArrayBuffer);
  assert.equal(wb.worksheets[0]?.getCell('A2').value, 'a');
});

test('pdf: text extraction with the local standard fonts; image → PDF', async () => {
  const pdf = await textPdf(['Hermetic keeps files local', 'second line']);
  const txt = (await run(pdf, 'txt')).data.toString();
  assert.match(txt, /Hermetic keeps files local/);
  assert.match(txt, /second line/);
  const fromImg = await run(await solidPng(300, 200), 'pdf');
  assert.equal(fromImg.id, 'pdf');
  assert.equal(await detectFormat(fromImg.data), 'pdf');
});

test('ocr: text from a rendered image with the installed English model', async () => {
  const png = await textPng('Hermetic offline OCR');
  const r = await run(png, 'txt');
  assert.equal(r.id, 'ocr');
  assert.match(r.data.toString(), /Hermetic offline OCR/);
});
