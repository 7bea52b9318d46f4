// System converters, in-process (no programs run except the stand-ins this file writes): routing
// to the office/system families, detection (a missing program is unavailable with its apt
// package; a `convert` that is not ImageMagick is refused), the registry's UNAVAILABLE, the SVG
// sanitiser, the office-package reference scan, pandoc's tree cleaning, and content detection of
// the new formats. The programs themselves, under the jail: test/integration/convert-system.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { familyFor, systemToolFor } from '../../src/convert/families.js';
import { decodeTools, detectSystemTools, encodeTools, findOnPath, officeHelperPath, pairAvailability, SYSTEM_TOOLS, toolSpec, type SystemToolInfo } from '../../src/convert/system-tools.js';
import { ConverterRegistry } from '../../src/convert/registry.js';
import { BUILTIN_CONVERTERS } from '../../src/convert/converters/index.js';
import { OFFICE_CONVERTERS, SYSTEM_CONVERTERS, setDetectedTools } from '../../src/convert/converters/system/index.js';
import { sanitizeSvg, svgWarnings } from '../../src/convert/converters/system/svg.js';
import { referenceWarnings, scanOfficePackage } from '../../src/convert/converters/system/references.js';
import { cleanTree } from '../../src/convert/converters/system/pandoc.js';
import { meanConfidence } from '../../src/convert/converters/system/tesseract.js';
import { detectFormat } from '../../src/convert/detect.js';
import { ConvertError } from '../../src/convert/errors.js';
import { unavailableReason } from '../../src/convert/catalog.js';
import { existsSync } from 'node:fs';
import { docxLinkingImage, odtReachingOut, svgReachingOut } from '../helpers/office-fixtures.js';
import { zip } from './convert-fixtures.js';
import { unjailedSpawnForTests } from './convert-unjailed-spawn.js';

const info = (id: SystemToolInfo['id'], over: Partial<SystemToolInfo> = {}): SystemToolInfo => {
  const s = toolSpec(id)!;
  return { id, name: s.name, family: s.family, apt: [...s.apt], available: true, reason: 'test', path: `/usr/bin/${id}`, version: `${id} 1.0`, components: ['writer', 'calc', 'impress', 'MSVG', 'HEIC', 'eng'], detail: { programDir: '/nonexistent', langs: ['eng'] }, ...over };
};

test('routing: pairs no JavaScript converter has go to the office/system families; JavaScript pairs stay where they were', () => {
  assert.equal(familyFor('docx', 'pdf'), 'office');
  assert.equal(familyFor('xlsx', 'ods'), 'office');
  assert.equal(familyFor('ppt', 'pdf'), 'office');
  assert.equal(familyFor('md', 'docx'), 'system', 'pandoc');
  assert.equal(familyFor('bmp', 'png'), 'system', 'ImageMagick');
  assert.equal(familyFor('svg', 'png'), 'system');
  // Unchanged: the JavaScript converters keep every pair they had.
  assert.equal(familyFor('docx', 'md'), 'document');
  assert.equal(familyFor('md', 'html'), 'document');
  assert.equal(familyFor('png', 'pdf'), 'pdf');
  assert.equal(familyFor('pdf', 'pdf'), 'pdf');
  assert.equal(familyFor('png', 'txt'), 'ocr');
  assert.equal(familyFor('xlsx', 'csv'), 'spreadsheet');
  // By name: a system converter's own family.
  assert.equal(familyFor('pdf', 'pdf', 'qpdf'), 'system');
  assert.equal(familyFor('docx', 'pdf', 'libreoffice'), 'office');
  assert.equal(familyFor('png', 'txt', 'tesseract'), 'system');
  // docx → odt: LibreOffice first, pandoc when LibreOffice is missing.
  assert.equal(systemToolFor('docx', 'odt')?.id, 'libreoffice');
  assert.equal(systemToolFor('docx', 'odt', (t) => t !== 'libreoffice')?.id, 'pandoc');
  assert.equal(familyFor('docx', 'odt', null, (t) => t !== 'libreoffice'), 'system');
  assert.equal(familyFor('csv', 'pdf'), 'all', 'nothing converts it: the all-worker answers NO_CONVERTER');
});

test('routing agrees with the registry for every system pair no JavaScript converter has', () => {
  setDetectedTools(SYSTEM_TOOLS.map((s) => info(s.id)));
  const js = new ConverterRegistry(BUILTIN_CONVERTERS);
  const all = new ConverterRegistry([...BUILTIN_CONVERTERS, ...OFFICE_CONVERTERS, ...SYSTEM_CONVERTERS]);
  for (const spec of SYSTEM_TOOLS) {
    for (const { from, to } of spec.pairs) {
      let jsHas = true;
      try { js.find(from, to); } catch { jsHas = false; }
      if (jsHas) continue;
      const id = all.find(from, to).manifest.id;
      assert.equal(familyFor(from, to), toolSpec(id)!.family, `${from} → ${to} (${id})`);
    }
  }
});

test('detection: a missing program is unavailable with its apt packages; a found one reports its version; a fake `convert` is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-tools-'));
  try {
    const script = (name: string, body: string): void => { writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`); chmodSync(join(dir, name), 0o755); };
    script('pandoc', 'echo "pandoc 9.8.7"');
    script('qpdf', 'echo "qpdf version 12.0.1"');
    script('convert', 'echo "not ImageMagick at all"');
    const r = await detectSystemTools({ spawn: unjailedSpawnForTests, path: dir });
    const by = new Map(r.tools.map((t) => [t.id, t]));
    assert.equal(by.get('pandoc')?.available, true);
    assert.equal(by.get('pandoc')?.version, 'pandoc 9.8.7');
    assert.equal(by.get('pandoc')?.path, join(dir, 'pandoc'));
    assert.equal(by.get('qpdf')?.version, 'qpdf 12.0.1');
    const im = by.get('imagemagick')!;
    assert.equal(im.available, false);
    assert.match(im.reason, /is not ImageMagick/);
    const lo = by.get('libreoffice')!;
    assert.equal(lo.available, false);
    assert.match(lo.reason, /LibreOffice is not installed .*sudo apt install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui/);
    assert.match(by.get('tesseract')!.reason, /sudo apt install tesseract-ocr tesseract-ocr-eng/);
    // An injected lookup instead of PATH (how tests simulate absence without uninstalling).
    const none = await detectSystemTools({ spawn: unjailedSpawnForTests, lookup: () => null });
    assert.ok(none.tools.every((t) => !t.available));
    // Relative PATH entries are never searched (they would depend on the working folder).
    assert.equal(findOnPath('pandoc', `.:${dir}`), join(dir, 'pandoc'));
    assert.equal(findOnPath('pandoc', 'relative/bin'), null);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('detection: LibreOffice needs LibreOfficeKit beside soffice and the built driver; its modules are read from its program folder', { skip: existsSync(officeHelperPath) ? false : `the LibreOfficeKit driver is not built (${officeHelperPath})` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-lo-'));
  try {
    const prog = join(dir, 'program');
    mkdirSync(prog);
    writeFileSync(join(prog, 'soffice'), '#!/bin/sh\n'); chmodSync(join(prog, 'soffice'), 0o755);
    writeFileSync(join(prog, 'soffice.bin'), '#!/bin/sh\necho "LibreOffice 9.1.2.3 40(Build:2)"\n'); chmodSync(join(prog, 'soffice.bin'), 0o755);
    const first = await detectSystemTools({ spawn: unjailedSpawnForTests, path: prog });
    assert.match(first.tools.find((t) => t.id === 'libreoffice')!.reason, /no LibreOfficeKit library/);
    writeFileSync(join(prog, 'libmergedlo.so'), '');
    writeFileSync(join(prog, 'libswlo.so'), '');
    const lo = (await detectSystemTools({ spawn: unjailedSpawnForTests, path: prog })).tools.find((t) => t.id === 'libreoffice')!;
    assert.equal(lo.available, true, lo.reason);
    assert.equal(lo.version, 'LibreOffice 9.1.2.3');
    assert.deepEqual(lo.components, ['writer']);
    const spec = toolSpec('libreoffice')!;
    assert.deepEqual(pairAvailability(spec, lo, 'docx', 'pdf'), { ok: true });
    const calc = pairAvailability(spec, lo, 'xlsx', 'pdf');
    assert.equal(calc.ok, false);
    assert.match((calc as { reason: string }).reason, /lacks calc; install it with: sudo apt install libreoffice-calc-nogui/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the hand-over to workers round-trips; garbage yields no tools', () => {
  const list = [info('pandoc'), info('qpdf', { available: false, reason: 'missing' })];
  const back = decodeTools(encodeTools({ detectedAt: 'now', tools: list }));
  assert.deepEqual([...back.keys()], ['pandoc', 'qpdf']);
  assert.equal(back.get('qpdf')?.available, false);
  assert.equal(decodeTools('{not json').size, 0);
  assert.equal(decodeTools(JSON.stringify([{ id: 'rm -rf' }])).size, 0);
});

test('registry: a missing program makes its pairs UNAVAILABLE with the apt hint; the catalog says so', () => {
  setDetectedTools([info('libreoffice', { available: false, reason: 'LibreOffice is not installed; install it with: sudo apt install libreoffice-writer-nogui' }), info('pandoc')]);
  const reg = new ConverterRegistry([...BUILTIN_CONVERTERS, ...OFFICE_CONVERTERS, ...SYSTEM_CONVERTERS]);
  assert.throws(() => reg.find('docx', 'pdf'), (e: unknown) => e instanceof ConvertError && e.code === 'UNAVAILABLE' && /apt install libreoffice-writer-nogui/.test(e.message) && e.status === 503);
  assert.throws(() => reg.find('docx', 'pdf', 'libreoffice'), (e: unknown) => e instanceof ConvertError && e.code === 'UNAVAILABLE');
  // docx → odt: pandoc takes it when LibreOffice cannot.
  assert.equal(reg.find('docx', 'odt').manifest.id, 'pandoc');
  const cat = reg.catalog();
  const lo = cat.find((c) => c.id === 'libreoffice')!;
  assert.equal(lo.available, false);
  assert.deepEqual(lo.pairs, [], 'no pair is offered');
  assert.ok(lo.unavailablePairs?.some((p) => p.from === 'docx' && p.to === 'pdf' && /apt install/.test(p.reason)));
  assert.equal(cat.find((c) => c.id === 'pandoc')?.available, true);
  assert.equal(cat.find((c) => c.id === 'image')?.available, undefined, 'JavaScript converters carry no availability');
  assert.match(unavailableReason(cat, 'docx', 'pdf') ?? '', /^libreoffice: .*apt install/);
  assert.equal(unavailableReason(cat, 'csv', 'pdf'), null, 'nothing at all converts it: not an install question');
  // Positive control: installed, the same pair is found.
  setDetectedTools([info('libreoffice')]);
  assert.equal(reg.find('docx', 'pdf').manifest.id, 'libreoffice');
});

test('SVG: remote and local references, CSS url()/@import, DOCTYPE entities removed and reported by host; internal ones kept', () => {
  const clean = sanitizeSvg(svgReachingOut('http://127.0.0.1:9/'));
  assert.ok(!/127\.0\.0\.1/.test(clean.svg), clean.svg);
  assert.ok(!/file:/.test(clean.svg));
  assert.ok(!/<!DOCTYPE|<!ENTITY|&ext;/.test(clean.svg));
  assert.deepEqual(svgWarnings(clean), [
    'SVG reference to a remote resource removed (not fetched): 2 to 127.0.0.1:9',
    'SVG reference to a local file removed (not read): 1',
    'SVG DOCTYPE removed (external entities are never read)',
  ]);
  const kept = sanitizeSvg(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'));
  assert.deepEqual(kept.removed, []);
  assert.match(kept.svg, /url\(#g\)/);
  // Embedded SVG (it could carry references of its own) and obfuscated schemes are removed too.
  const sneaky = sanitizeSvg(Buffer.from('<svg><image href="data:image/svg+xml;base64,PHN2Zy8+"/><image href="&#104;ttp://192.0.2.1/x"/><?xml-stylesheet href="http://192.0.2.2/s.css"?></svg>'));
  assert.equal(sneaky.removed.length, 3);
  assert.ok(!/192\.0\.2|svg\+xml|&#104;/.test(sneaky.svg), sneaky.svg);
  assert.throws(() => sanitizeSvg(Buffer.from('<html/>')), (e: unknown) => e instanceof ConvertError && e.code === 'INVALID_INPUT');
});

test('office packages: linked images, OLE objects, sections, fields and macros are found and reported by host', async () => {
  const docx = await scanOfficePackage(await docxLinkingImage('http://127.0.0.1:9/t.png'));
  assert.deepEqual(referenceWarnings(docx), ['macros were not run (VBA project)', 'remote image not fetched: 127.0.0.1:9']);
  const odt = await scanOfficePackage(await odtReachingOut('http://127.0.0.1:9/'));
  assert.deepEqual(referenceWarnings(odt), [
    'macros were not run (Basic modules, event bound to a macro)',
    'remote object not fetched: 127.0.0.1:9', 'remote image not fetched: 127.0.0.1:9', 'remote section not fetched: 127.0.0.1:9',
  ]);
  // Local links and hyperlinks are told apart; package-internal parts are not references.
  const mixed = await scanOfficePackage(await zip([
    { name: 'word/_rels/document.xml.rels', data: '<Relationships><Relationship Id="a" Type="x/hyperlink" Target="https://docs.invalid/p" TargetMode="External"/><Relationship Id="b" Type="x/image" Target="file:///home/u/secret.png" TargetMode="External"/><Relationship Id="c" Type="x/image" Target="media/image1.png"/></Relationships>' },
    { name: 'word/document.xml', data: '<w:document><w:instrText> INCLUDETEXT "\\\\\\\\server\\\\share\\\\x.docx" </w:instrText></w:document>' },
  ]));
  assert.deepEqual(referenceWarnings(mixed), ['external image not read (local file or other scheme)', 'external field not read (local file or other scheme)', 'remote link (not loaded unless clicked): docs.invalid']);
  // Positive control: a plain document has nothing to report.
  const { docx: plain } = await import('./convert-fixtures.js');
  assert.deepEqual(referenceWarnings(await scanOfficePackage(await plain('a', 'b'))), []);
});

test('pandoc tree cleaning: only extracted or inline images survive; remote images become links; EPUB loses raw HTML and file-reading metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-pandoc-tree-'));
  try {
    mkdirSync(join(dir, 'media'));
    writeFileSync(join(dir, 'media', 'a.png'), 'x');
    const img = (url: string) => ({ t: 'Image', c: [['', [], []], [{ t: 'Str', c: 'alt' }], [url, '']] });
    const tree = {
      meta: { title: { t: 'MetaInlines', c: [{ t: 'Str', c: 'T' }] }, 'cover-image': { t: 'MetaString', c: '/etc/passwd' }, css: { t: 'MetaString', c: '/home/u/x.css' } },
      blocks: [{ t: 'Para', c: [img('media/a.png'), img('http://192.0.2.1/p.png'), img('/etc/passwd'), img('../media/a.png'), img('data:image/png;base64,AA==')] }, { t: 'RawBlock', c: ['html', '<img src="/etc/passwd">'] }],
    };
    const r = cleanTree(tree, { dir, to: 'epub', remoteImages: 'link' });
    const para = (tree.blocks as { c: { t: string; c: unknown[] }[] }[])[0]!.c;
    assert.deepEqual(para.map((n) => n.t), ['Image', 'Link', 'Span', 'Span', 'Image']);
    assert.equal((tree.blocks as unknown[]).length, 1, 'raw HTML dropped for EPUB');
    assert.deepEqual(Object.keys(tree.meta), ['title']);
    assert.deepEqual(r.metaDropped, ['cover-image', 'css']);
    assert.equal(r.localImages, 2);
    assert.deepEqual([...r.remoteImages], [['192.0.2.1', 1]]);
    // HTML output may keep a remote image (never fetched by that writer) when asked to.
    const t2 = { blocks: [{ t: 'Para', c: [img('http://192.0.2.1/p.png')] }] };
    cleanTree(t2, { dir, to: 'html', remoteImages: 'keep' });
    assert.equal((t2.blocks[0]!.c[0] as { t: string }).t, 'Image');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('content detection of the new formats (signatures; OLE kinds by their stream name; SVG sniffed)', async () => {
  const odf = (mime: string) => zip([{ name: 'mimetype', data: mime, compress: false }, { name: 'content.xml', data: '<x/>' }]);
  assert.equal(await detectFormat(await odf('application/vnd.oasis.opendocument.text')), 'odt');
  assert.equal(await detectFormat(await odf('application/vnd.oasis.opendocument.spreadsheet')), 'ods');
  assert.equal(await detectFormat(await odf('application/vnd.oasis.opendocument.presentation')), 'odp');
  assert.equal(await detectFormat(await odf('application/epub+zip')), 'epub');
  assert.equal(await detectFormat(Buffer.from('{\\rtf1\\ansi hello}')), 'rtf');
  assert.equal(await detectFormat(Buffer.concat([Buffer.from('00000100010010100000010020006804000016000000', 'hex'), Buffer.alloc(100)])), 'ico');
  assert.equal(await detectFormat(Buffer.concat([Buffer.from('0000001c6674797068656963000000006d696631686569636d696166', 'hex'), Buffer.alloc(64)])), 'heic');
  const cfb = (stream: string) => { const b = Buffer.alloc(2048); Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(b); Buffer.from(`${stream}\0`, 'utf16le').copy(b, 1024); return b; };
  assert.equal(await detectFormat(cfb('WordDocument')), 'doc');
  assert.equal(await detectFormat(cfb('Workbook'), { name: 'a.xls' }), 'xls');
  assert.equal(await detectFormat(cfb('PowerPoint Document'), { format: 'ppt' }), 'ppt');
  await assert.rejects(detectFormat(cfb('WordDocument'), { format: 'xls' }), (e: unknown) => e instanceof ConvertError && e.code === 'FORMAT_MISMATCH');
  await assert.rejects(detectFormat(cfb('Something')), (e: unknown) => e instanceof ConvertError && e.code === 'UNSUPPORTED_FORMAT');
  assert.equal(await detectFormat(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')), 'svg');
  assert.equal(await detectFormat(Buffer.from('Title\n=====\n'), { name: 'a.rst' }), 'rst');
  assert.equal(await detectFormat(Buffer.from('\\section{A}'), { format: 'tex' }), 'latex');
  // A ZIP declared as an ODF/OOXML container goes to its converter's archive guard.
  assert.equal(await detectFormat(await zip([{ name: 'a', data: 'b' }]), { name: 'x.pptx' }), 'pptx');
});

test('native OCR confidence: the mean of recognised words from tesseract\'s TSV', () => {
  const tsv = ['level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
    '1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t', '5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t90.5\tNothing', '5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t80.5\tleaves', '5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t-1\t'].join('\n');
  assert.equal(meanConfidence(tsv), 85.5);
  assert.equal(meanConfidence('level\n'), null);
});

test('the web page offers the system formats by name: an ODT/PPTX/EPUB (ZIP) or a DOC/BMP/SVG is recognised, the server still checks the content', async () => {
  const { repoRoot } = await import('../helpers/paths.js');
  const { pathToFileURL } = await import('node:url');
  const { detect } = (await import(pathToFileURL(join(repoRoot, 'web', 'detect.js')).href)) as { detect(name: string, head: Uint8Array): { format: string | null; confirmed: boolean; note: string | null } };
  const zipHead = new TextEncoder().encode('PK\x03\x04rest');
  for (const [name, format] of [['a.odt', 'odt'], ['b.pptx', 'pptx'], ['c.epub', 'epub'], ['d.ods', 'ods']]) assert.deepEqual(detect(name!, zipHead), { format, confirmed: false, note: null });
  for (const [name, format] of [['e.doc', 'doc'], ['f.bmp', 'bmp'], ['g.svg', 'svg'], ['h.tex', 'latex'], ['i.heif', 'heic']]) assert.equal(detect(name!, new Uint8Array([1, 2, 3])).format, format);
  assert.equal(detect('bundle.zip', zipHead).format, null, 'a plain ZIP is still not a document');
});
