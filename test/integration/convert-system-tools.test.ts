// pandoc, ImageMagick, qpdf and native tesseract: every pair on inputs made by this test (with
// the tools themselves, outside the jail), checked with `file` / unzip / pdfinfo — the full
// matrices in-process (the exact code a worker runs), the representative jobs through the
// jailed service with the monitor attached. Hostile inputs (a Markdown image on a URL, a LaTeX
// \input of a local file, an SVG pointing at a URL, a local file and an external entity) convert
// with what they pointed at reported, nothing fetched, nothing read; positive controls show the
// bare tools DO fetch / read. A missing tool is UNAVAILABLE with its apt package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as cpSpawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { ConvertService, ConvertError, type FormatId, type JobView } from '../../src/convert/index.js';
import { imagemagickConverter, pandocConverter, setDetectedTools } from '../../src/convert/converters/system/index.js';
import type { Converter } from '../../src/convert/types.js';
import { settle } from '../helpers/canary.js';
import { testNode } from '../helpers/paths.js';
import { svgReachingOut } from '../helpers/office-fixtures.js';
import { textPdf, textPng } from '../unit/convert-fixtures.js';
import { jailed, missing, noJail, openHarness, tool, tools, type Harness } from '../helpers/system-harness.js';

let h: Harness;
let work: string;
before(async () => {
  h = await openHarness('systools', ['system']);
  work = h.work;
  // In-process runs write their scratch files here (a worker uses its job folder's tmp/).
  process.env.HERMETIC_WORKER_TMP = mkdtempSync(join(work, 'scratch-'));
  setDetectedTools(tools.tools);
});
after(async () => {
  delete process.env.HERMETIC_WORKER_TMP;
  await h.close();
});

// ---- helpers ----------------------------------------------------------------------------------

const file = (name: string, data: Buffer | string): string => h.file(name, data);
const fileKind = (d: Buffer): string => h.fileKind(d);
const pdfPages = (d: Buffer): number => h.pdfPages(d);
const zipIntact = (d: Buffer): void => h.zipIntact(d);
/** Run a tool bare (outside the jail) to make a fixture; returns the output file's bytes. */
function make(cmd: string, args: string[], out: string): Buffer {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, cwd: work });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return readFileSync(out);
}
async function inProcess(c: Converter, data: Buffer, from: FormatId, to: FormatId, opts: Record<string, unknown> = {}): Promise<Buffer> {
  const out = await c.convert({ data, from, to }, c.manifest.options.parse(opts));
  assert.equal(out.format, to);
  return out.data;
}
const job = (data: Buffer, name: string, to: string, extra: { converter?: string; options?: Record<string, unknown> } = {}): Promise<{ job: JobView; out: Buffer }> => h.convert(data, name, to, extra);
const svcConvert = (req: Parameters<ConvertService['convert']>[0]): Promise<JobView> => h.svc.convert(req);
const at = (): string => h.at();
const jobEvents = (id: string) => h.jobEvents(id);

// ---- pandoc -------------------------------------------------------------------------------------

const MD = '---\ntitle: Hermetic\n---\n\n# Hermetic\n\nLocal *conversion* only.\n\n- one\n- two\n';
const PANDOC_WRITER: Partial<Record<FormatId, string>> = { md: 'markdown', html: 'html5', docx: 'docx', odt: 'odt', epub: 'epub3', rst: 'rst', latex: 'latex' };
const KIND: Partial<Record<FormatId, RegExp>> = { docx: /Microsoft Word 2007\+/, odt: /OpenDocument Text/, epub: /EPUB document/ };

function pandocSource(to: FormatId): Buffer {
  const src = file('s.md', MD);
  const out = join(work, `source.${to}`);
  return make(tool('pandoc').path!, [src, '-s', '-t', PANDOC_WRITER[to]!, '-o', out], out);
}

function checkDocument(to: FormatId, data: Buffer, what: string): void {
  if (KIND[to]) { zipIntact(data); assert.match(fileKind(data), KIND[to]!, what); return; }
  assert.match(data.toString('utf8'), /Hermetic/, `${what}: the text came through`);
}

test('pandoc: every pair among md/html/docx/odt/epub/rst/latex (and → txt) on documents pandoc made here', { skip: missing('pandoc') }, async () => {
  const formats: FormatId[] = ['md', 'html', 'docx', 'odt', 'epub', 'rst', 'latex'];
  const sources = new Map(formats.map((f) => [f, f === 'md' ? Buffer.from(MD) : pandocSource(f)] as const));
  let n = 0;
  for (const from of formats) {
    for (const to of [...formats, 'txt' as FormatId]) {
      if (to === from || (from === 'md' && to === 'txt')) continue;
      checkDocument(to, await inProcess(pandocConverter, sources.get(from)!, from, to), `${from} → ${to}`);
      n++;
    }
  }
  assert.equal(n, 48);
});

test('pandoc under the jail: md → docx, docx → epub, latex → html, rst → odt', { skip: jailed('pandoc') }, async () => {
  const docx = (await job(Buffer.from(MD), 'a.md', 'docx')).out;
  checkDocument('docx', docx, 'md → docx');
  const { job: v, out: epub } = await job(docx, 'a.docx', 'epub');
  checkDocument('epub', epub, 'docx → epub');
  assert.equal(v.converter, 'pandoc');
  assert.equal(v.family, 'system');
  assert.ok(v.layers.includes('seccomp') || v.layers.includes('namespace'), v.layers.join());
  assert.equal(v.info?.['tool'], tool('pandoc').version);
  checkDocument('html', (await job(pandocSource('latex'), 'a.tex', 'html')).out, 'latex → html');
  checkDocument('odt', (await job(pandocSource('rst'), 'a.rst', 'odt')).out, 'rst → odt');
});

test('pandoc, hostile: a remote image becomes a link and a local one is dropped (nothing fetched, nothing read); positive control: bare pandoc fetches it', { skip: jailed('pandoc') }, async () => {
  const md = Buffer.from(`# Hostile\n\n![tracker](http://${at()}/pixel.png)\n\n![secret](/etc/hostname)\n`);
  const hits = h.canary.hits;
  const { job: v, out } = await job(md, 'h.md', 'docx');
  zipIntact(out);
  assert.ok(v.warnings.includes(`remote image turned into a link (not fetched): 1 from ${at()}`), v.warnings.join(' | '));
  assert.ok(v.warnings.includes('image with a local file path not read: 1 (only images inside the document are kept)'), v.warnings.join(' | '));
  await settle();
  assert.equal(h.canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(jobEvents(v.id), [], 'pandoc did not even try');
  // Positive control: pandoc itself, outside the jail, fetches the image to embed it (bounded:
  // the canary never answers).
  const before = h.canary.tcpConnections;
  const p = cpSpawn(tool('pandoc').path!, [file('h.md', md), '-o', join(work, 'bare.docx')], { stdio: 'ignore' });
  const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
  for (let i = 0; i < 150 && h.canary.tcpConnections === before; i++) await settle(100);
  p.kill('SIGKILL');
  clearTimeout(timer);
  assert.ok(h.canary.tcpConnections > before, 'bare pandoc reached the canary');
});

test('pandoc, hostile: a LaTeX \\input of a local file is not read (sandboxed reader); positive control: bare pandoc includes it', { skip: missing('pandoc') }, async () => {
  const secret = file('secret.tex', 'SECRET-FROM-DISK-42');
  const tex = Buffer.from(`\\documentclass{article}\\begin{document}\nBefore \\input{${secret.replace(/\.tex$/, '')}} after\n\\end{document}\n`);
  const ours = (await inProcess(pandocConverter, tex, 'latex', 'txt')).toString('utf8');
  assert.match(ours, /Before\s+after/);
  assert.ok(!ours.includes('SECRET-FROM-DISK-42'));
  const bare = spawnSync(tool('pandoc').path!, ['-f', 'latex', '-t', 'plain', file('x.tex', tex)], { encoding: 'utf8' });
  assert.match(bare.stdout, /SECRET-FROM-DISK-42/, 'without the sandbox, pandoc reads the file');
});

// ---- ImageMagick ---------------------------------------------------------------------------------

const OUT_KIND: Partial<Record<FormatId, RegExp>> = {
  png: /PNG image data/, jpeg: /JPEG image data/, webp: /Web\/P image|RIFF .*WEBP/, tiff: /TIFF image data/, gif: /GIF image data/,
  bmp: /PC bitmap/, ico: /MS Windows icon resource/, pdf: /PDF document/,
};

function magickSources(): Map<FormatId, Buffer> {
  const im = tool('imagemagick').path!;
  const m = new Map<FormatId, Buffer>();
  for (const [f, ext] of [['bmp', 'bmp'], ['ico', 'ico'], ['gif', 'gif']] as const) m.set(f, make(im, ['rose:', join(work, `rose.${ext}`)], join(work, `rose.${ext}`)));
  m.set('tiff', make(im, ['rose:', 'rose:', 'rose:', join(work, 'three.tiff')], join(work, 'three.tiff')));
  m.set('svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40"><rect width="64" height="40" fill="#2a7"/><circle cx="20" cy="20" r="12" fill="#fff"/></svg>'));
  if (tool('imagemagick').components.includes('HEIC')) m.set('heic', make(im, ['rose:', join(work, 'rose.heic')], join(work, 'rose.heic')));
  return m;
}

test('ImageMagick: bmp/ico/gif/svg/multi-page tiff (and heic where the codec is) → png/jpeg/webp/tiff/gif/bmp/ico/pdf', { skip: missing('imagemagick') }, async () => {
  const sources = magickSources();
  const outs: FormatId[] = ['png', 'jpeg', 'webp', 'tiff', 'gif', 'bmp', 'ico', 'pdf'];
  let n = 0;
  for (const [from, data] of sources) {
    for (const to of outs) {
      if (to === from) continue;
      const out = await inProcess(imagemagickConverter, data, from, to);
      assert.match(fileKind(out), OUT_KIND[to]!, `${from} → ${to}`);
      if (to === 'pdf') assert.equal(pdfPages(out), from === 'tiff' ? 3 : 1, `${from} → pdf pages`);
      n++;
    }
  }
  assert.ok(n >= 35, `${n} pairs`);
});

test('ImageMagick under the jail: bmp → png, 3-page tiff → 3-page pdf (by name), png → ico', { skip: jailed('imagemagick') }, async () => {
  const s = magickSources();
  const { job: v, out } = await job(s.get('bmp')!, 'r.bmp', 'png');
  assert.match(fileKind(out), /PNG image data/);
  assert.equal(v.converter, 'imagemagick');
  assert.ok(v.layers.includes('seccomp') || v.layers.includes('namespace'), v.layers.join());
  const pdf = await job(s.get('tiff')!, 'scan.tiff', 'pdf', { converter: 'imagemagick' });
  assert.equal(pdfPages(pdf.out), 3);
  assert.equal(pdf.job.info?.['pages'], 3);
  assert.match(fileKind((await job(await textPng('ico', 300, 80), 'i.png', 'ico')).out), /MS Windows icon resource/);
});

test('ImageMagick, hostile SVG (image on a URL, CSS url(), external entity, local file): renders; every reference removed and reported; nothing fetched or read', { skip: jailed('imagemagick') }, async () => {
  const hits = h.canary.hits;
  const { job: v, out } = await job(svgReachingOut(`http://${at()}/`), 'h.svg', 'png');
  assert.match(fileKind(out), /PNG image data, 120 x 80/);
  assert.deepEqual(v.warnings, [
    `SVG reference to a remote resource removed (not fetched): 2 to ${at()}`,
    'SVG reference to a local file removed (not read): 1',
    'SVG DOCTYPE removed (external entities are never read)',
  ]);
  await settle();
  assert.equal(h.canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(jobEvents(v.id), []);
});

// ---- qpdf -----------------------------------------------------------------------------------------

test('qpdf under the jail: linearise, decrypt with the password (wrong or missing → INVALID_OPTIONS), repair a damaged file', { skip: jailed('qpdf') }, async () => {
  const qpdf = tool('qpdf').path!;
  const pdf = await textPdf(['Hermetic', 'qpdf check']);
  const lin = await job(pdf, 'a.pdf', 'pdf', { converter: 'qpdf', options: { operation: 'linearize' } });
  assert.equal(lin.job.converter, 'qpdf');
  assert.match(spawnSync(qpdf, ['--check-linearization', file('l.pdf', lin.out)], { encoding: 'utf8' }).stdout, /no linearization errors/);
  const enc = make(qpdf, ['--encrypt', 'open-sesame', 'owner-pw', '256', '--', file('p.pdf', pdf), join(work, 'enc.pdf')], join(work, 'enc.pdf'));
  assert.match(spawnSync(qpdf, ['--show-encryption', '--password=open-sesame', file('e.pdf', enc)], { encoding: 'utf8' }).stdout, /R = 6/, 'the fixture is encrypted');
  const dec = await job(enc, 'e.pdf', 'pdf', { converter: 'qpdf', options: { operation: 'decrypt', password: 'open-sesame' } });
  assert.match(spawnSync(qpdf, ['--show-encryption', file('d.pdf', dec.out)], { encoding: 'utf8' }).stdout, /File is not encrypted/);
  const wrong = await svcConvert({ data: enc, name: 'e.pdf', to: 'pdf', converter: 'qpdf', options: { operation: 'decrypt', password: 'nope' } });
  assert.equal(wrong.error?.code, 'INVALID_OPTIONS', JSON.stringify(wrong.error));
  assert.match(wrong.error?.message ?? '', /password is missing or wrong/);
  assert.ok(!JSON.stringify(wrong).includes('nope'), 'the password is never echoed');
  const none = await svcConvert({ data: enc, name: 'e.pdf', to: 'pdf', converter: 'qpdf', options: { operation: 'decrypt' } });
  assert.equal(none.error?.code, 'INVALID_OPTIONS');
  // Damage: a classic cross-reference table (pdf-lib writes an xref stream) whose offset points
  // nowhere; qpdf rebuilds it by scanning the objects (exit 3: warnings).
  const plain = make(qpdf, ['--object-streams=disable', file('o.pdf', pdf), join(work, 'plain.pdf')], join(work, 'plain.pdf'));
  const damaged = Buffer.from(plain.toString('latin1').replace(/startxref\s+\d+/, 'startxref\n7'), 'latin1');
  assert.notEqual(spawnSync(qpdf, ['--check', file('bad.pdf', damaged)], { encoding: 'utf8' }).status, 0, 'the fixture is really damaged');
  const fixed = await job(damaged, 'd.pdf', 'pdf', { converter: 'qpdf', options: { operation: 'repair' } });
  assert.ok(fixed.job.warnings.some((w) => /damaged/.test(w)), fixed.job.warnings.join(' | '));
  assert.equal(pdfPages(fixed.out), 1);
  assert.equal(spawnSync(qpdf, ['--check', file('f.pdf', fixed.out)], { encoding: 'utf8' }).status, 0, 'the repaired file checks clean');
});

// ---- tesseract ---------------------------------------------------------------------------------

test('native tesseract under the jail (by name): the text and its confidence; an uninstalled language is INVALID_OPTIONS', { skip: jailed('tesseract') }, async () => {
  const { job: v, out } = await job(await textPng('Native engine'), 'scan.png', 'txt', { converter: 'tesseract' });
  assert.match(out.toString('utf8'), /Native engine/);
  assert.equal(v.converter, 'tesseract');
  assert.ok(typeof v.info?.['confidence'] === 'number' && v.info['confidence'] > 50, JSON.stringify(v.info));
  const bad = await svcConvert({ data: await textPng('x'), name: 'x.png', to: 'txt', converter: 'tesseract', options: { lang: 'xyz' } });
  assert.equal(bad.error?.code, 'INVALID_OPTIONS');
  assert.match(bad.error?.message ?? '', /not installed here: xyz .*apt install tesseract-ocr-xyz/);
});

// ---- a missing tool ------------------------------------------------------------------------------

test('each tool missing (PATH without it): UNAVAILABLE with its apt package, before any worker is spent', { skip: noJail }, async () => {
  const empty = mkdtempSync(join(work, 'bin-'));
  const s = new ConvertService({ config: h.config({ dataDir: mkdtempSync(join(work, 'd-')) }), spawn: jailSpawn, nodePath: testNode, prewarm: [], toolsPath: empty });
  s.start();
  try {
    const report = await s.systemTools();
    assert.ok(report.tools.every((t) => !t.available));
    const cases: [string, string, string | null, RegExp][] = [
      ['a.md', 'docx', null, /apt install pandoc/],
      ['a.bmp', 'png', null, /apt install imagemagick/],
      ['a.pdf', 'pdf', 'qpdf', /apt install qpdf/],
      ['a.png', 'txt', 'tesseract', /apt install tesseract-ocr tesseract-ocr-eng/],
      ['a.docx', 'pdf', null, /apt install libreoffice-writer-nogui/],
    ];
    for (const [name, to, converter, hint] of cases) {
      assert.throws(() => s.submit({ data: Buffer.from('x'), name, to, converter }), (e: unknown) => e instanceof ConvertError && e.code === 'UNAVAILABLE' && hint.test(e.message), `${name} → ${to}`);
    }
    assert.equal(s.stats().pool.spawned, 0, 'no worker was started for them');
  } finally { await s.close(); }
});
