// LibreOffice under the real jail (2/3): Calc and Impress pairs on documents made by this test
// (the spreadsheet with exceljs, the presentation with pandoc, the legacy xls/ppt by LibreOffice
// itself outside the jail), checked with pdfinfo / unzip -t / file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xlsx } from '../unit/convert-fixtures.js';
import { bareOffice, jailed, openHarness, tool, type Harness } from '../helpers/system-harness.js';

const pandoc = tool('pandoc');
let h: Harness;
before(async () => { h = await openHarness('office-formats', ['office']); });
after(async () => { await h.close(); });

const KIND: Record<string, RegExp> = { ods: /OpenDocument Spreadsheet/, odp: /OpenDocument Presentation/, xlsx: /Microsoft Excel 2007\+/, pptx: /Microsoft PowerPoint 2007\+/ };
function archive(to: string, data: Buffer): void {
  h.zipIntact(data);
  assert.match(h.fileKind(data), KIND[to]!);
}

test('LibreOffice, Calc: xlsx/ods/xls → pdf, xlsx ↔ ods, xls → ods', { skip: jailed('libreoffice') }, async () => {
  const book = await xlsx([['name', 'count'], ['a', 1], ['b', 2]]);
  const { job, out } = await h.convert(book, 'c.xlsx', 'pdf');
  assert.equal(h.pdfPages(out), 1);
  assert.equal(job.info?.['officePath'], 'command line');
  const { out: ods } = await h.convert(book, 'c.xlsx', 'ods');
  archive('ods', ods);
  archive('xlsx', (await h.convert(ods, 'c.ods', 'xlsx')).out);
  assert.equal(h.pdfPages((await h.convert(ods, 'c.ods', 'pdf')).out), 1);
  const legacy = await bareOffice(h.work, book, 'xlsx', 'xls');
  assert.equal(legacy.line, 'ok');
  assert.equal(h.pdfPages((await h.convert(legacy.out!, 'c.xls', 'pdf')).out), 1);
  archive('ods', (await h.convert(legacy.out!, 'c.xls', 'ods')).out);
});

test('LibreOffice, Impress: pptx/odp/ppt → pdf, pptx ↔ odp', { skip: jailed('libreoffice') || (pandoc.available ? false : `the PPTX fixture is made with pandoc: ${pandoc.reason}`) }, async () => {
  const md = h.file('s.md', '# Slide one\n\nHermetic\n\n# Slide two\n\nOffline\n');
  const out = join(h.work, 's.pptx');
  const made = spawnSync(pandoc.path!, [md, '-o', out], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const pptx = readFileSync(out);
  assert.equal(h.pdfPages((await h.convert(pptx, 's.pptx', 'pdf')).out), 2);
  const { out: odp } = await h.convert(pptx, 's.pptx', 'odp');
  archive('odp', odp);
  archive('pptx', (await h.convert(odp, 's.odp', 'pptx')).out);
  assert.equal(h.pdfPages((await h.convert(odp, 's.odp', 'pdf')).out), 2);
  const legacy = await bareOffice(h.work, pptx, 'pptx', 'ppt');
  assert.equal(legacy.line, 'ok');
  assert.equal(h.pdfPages((await h.convert(legacy.out!, 's.ppt', 'pdf')).out), 2);
});
