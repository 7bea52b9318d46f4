// LibreOffice under the real jail (1/3): the issue's "done when" — `hermetic convert report.docx
// --to pdf` gives a valid 10-page PDF through LibreOffice in the jail — and every Writer pair on
// documents made by this test, checked with pdfinfo / unzip -t / file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';
import { pagedDocx, rtf } from '../helpers/office-fixtures.js';
import { bareOffice, jailed, openHarness, tool, type Harness } from '../helpers/system-harness.js';

const lo = tool('libreoffice');
const skip = jailed('libreoffice');
let h: Harness;
before(async () => { h = await openHarness('office-convert', ['office']); });
after(async () => { await h.close(); });

test('`hermetic convert report.docx --to pdf`: a valid 10-page PDF, through LibreOffice, under the jail', { skip }, async () => {
  const dir = mkdtempSync(join(h.work, 'cli-'));
  writeFileSync(join(dir, 'report.docx'), await pagedDocx(10));
  const r = spawnSync(testNode, [cliPath, 'convert', join(dir, 'report.docx'), '--to', 'pdf', '-v', '--strictness', 'strict', '--data-dir', join(dir, 'data')], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(dir, 'report.pdf'));
  assert.match(r.stderr, /'libreoffice' \(docx → pdf\)/);
  assert.match(r.stderr, /worker isolation: .*(namespace|seccomp)/);
  assert.equal(h.pdfPages(readFileSync(join(dir, 'report.pdf'))), 10);
});

test('LibreOffice, Writer: docx/odt/rtf/doc → pdf, docx ↔ odt, doc/rtf → docx/odt', { skip }, async () => {
  const docx = await pagedDocx(2, 'Writer check');
  const { job, out: pdf } = await h.convert(docx, 'w.docx', 'pdf');
  assert.equal(job.converter, 'libreoffice');
  assert.equal(job.family, 'office');
  assert.ok(job.layers.includes('seccomp') || job.layers.includes('namespace'), job.layers.join());
  assert.equal(job.info?.['tool'], lo.version);
  assert.equal(h.pdfPages(pdf), 2);
  const { out: odt } = await h.convert(docx, 'w.docx', 'odt');
  h.zipIntact(odt);
  assert.match(h.fileKind(odt), /OpenDocument Text/);
  const { out: back } = await h.convert(odt, 'w.odt', 'docx');
  h.zipIntact(back);
  assert.match(h.fileKind(back), /Microsoft Word 2007\+/);
  assert.equal(h.pdfPages((await h.convert(odt, 'w.odt', 'pdf')).out), 2);
  const rich = rtf('Rich text from the test');
  assert.ok(h.pdfPages((await h.convert(rich, 'w.rtf', 'pdf')).out) >= 1);
  assert.match(h.fileKind((await h.convert(rich, 'w.rtf', 'odt')).out), /OpenDocument Text/);
  const legacy = await bareOffice(h.work, docx, 'docx', 'doc');
  assert.equal(legacy.line, 'ok');
  assert.match(h.fileKind(legacy.out!), /Composite Document File|Microsoft Word/);
  assert.equal(h.pdfPages((await h.convert(legacy.out!, 'w.doc', 'pdf')).out), 2);
  assert.match(h.fileKind((await h.convert(legacy.out!, 'w.doc', 'docx')).out), /Microsoft Word 2007\+/);
});
