// Issue 5 converter features, in-process (the worker runs exactly this code inside the jail):
// Markdown sanitising and remote-reference warnings, image metadata stripping and AVIF effort,
// PDF merge / page selection / split, and the family routing table agreeing with the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { PDFDocument } from 'pdf-lib';
import { BUILTIN_CONVERTERS } from '../../src/convert/converters/index.js';
import { ConverterRegistry, pairsOf } from '../../src/convert/registry.js';
import { familyFor } from '../../src/convert/families.js';
import { remoteReferenceWarnings } from '../../src/convert/converters/remote-refs.js';
import { parsePageRanges, parseSplit } from '../../src/convert/converters/page-ranges.js';
import type { FormatId } from '../../src/convert/index.js';
import type { ConvertOutput } from '../../src/convert/types.js';
import { solidPng, textPdf } from './convert-fixtures.js';

const reg = new ConverterRegistry(BUILTIN_CONVERTERS);

async function run(data: Buffer, from: FormatId, to: FormatId, opts: Record<string, unknown> = {}, more?: { data: Buffer; from: FormatId }[]): Promise<ConvertOutput> {
  const c = reg.find(from, to);
  return c.convert({ data, from, to, ...(more ? { more } : {}) }, reg.parseOptions(c, opts));
}

test('family routing agrees with the registry for every built-in pair', () => {
  for (const c of BUILTIN_CONVERTERS) {
    for (const [from, to] of pairsOf(c)) {
      assert.equal(familyFor(from, to), reg.find(from, to).manifest.id, `${from} → ${to}`);
    }
  }
  assert.equal(familyFor(null, 'json'), 'all', 'unknown input type: a worker with every module');
  assert.equal(familyFor('txt', 'txt', 'my-plugin'), 'plugin');
});

test('Markdown → HTML: raw HTML escaped, javascript: links refused, remote images become links, all listed as warnings', async () => {
  const md = [
    '# Title',
    '<script>fetch("https://evil.invalid")</script>',
    '[click](javascript:alert(1)) [docs](https://docs.invalid/page) [promo](https://shop.invalid/?utm_source=mail)',
    '![pixel](https://tracker.invalid/p.gif) ![local](data:image/png;base64,iVBORw0KGgo=)',
  ].join('\n\n');
  const out = await run(Buffer.from(md), 'md', 'html');
  const html = out.data.toString();
  assert.ok(!html.includes('<script'), 'raw HTML is escaped');
  assert.ok(html.includes('&lt;script&gt;'));
  assert.ok(!/href="javascript:/i.test(html), 'javascript: links are not links');
  assert.ok(!/<img[^>]+src="https:/i.test(html), 'no remote image loads when the result is opened');
  assert.match(html, /<a href="https:\/\/tracker\.invalid\/p\.gif" rel="noopener noreferrer nofollow">pixel<\/a>/);
  assert.match(html, /<img src="data:image\/png/, 'an inline image stays an image');
  assert.deepEqual(out.warnings, [
    'tracking link: 1 to shop.invalid',
    'remote link (not loaded unless clicked): 1 to docs.invalid',
    'remote link (not loaded unless clicked): 1 to tracker.invalid',
  ]);
  // remoteImages: 'keep' leaves the image — and the warning says it loads when opened.
  const kept = await run(Buffer.from('![p](https://tracker.invalid/p.gif)'), 'md', 'html', { remoteImages: 'keep' });
  assert.match(kept.data.toString(), /<img src="https:\/\/tracker\.invalid\/p\.gif"[^>]*referrerpolicy="no-referrer"/);
  assert.deepEqual(kept.warnings, ['remote resource loaded when the result is opened: 1 from tracker.invalid']);
  // Positive control: a document without remote references has no warnings.
  assert.equal((await run(Buffer.from('# plain\n\ntext'), 'md', 'html')).warnings, undefined);
});

test('remote references in any HTML: srcset, CSS url(), protocol-relative', () => {
  const w = remoteReferenceWarnings('<img srcset="//cdn.invalid/a.png 1x, /local.png 2x"><div style="background:url(https://bg.invalid/x.png)"></div><a href="#top">top</a>');
  assert.deepEqual(w, ['remote resource loaded when the result is opened: 1 from cdn.invalid', 'remote resource loaded when the result is opened: 1 from bg.invalid']);
});

test('images: metadata stripped by default (EXIF camera tags), kept on request', async () => {
  const withExif = await sharp(await solidPng(64, 48)).withExif({ IFD0: { Make: 'HermeticCam', Software: 'x' } }).jpeg().toBuffer();
  assert.ok((await sharp(withExif).metadata()).exif, 'the input carries EXIF');
  const stripped = await run(withExif, 'jpeg', 'webp');
  assert.equal((await sharp(stripped.data).metadata()).exif, undefined);
  const kept = await run(withExif, 'jpeg', 'webp', { stripMetadata: false });
  assert.ok((await sharp(kept.data).metadata()).exif?.includes(Buffer.from('HermeticCam')));
});

test('images: AVIF at a moderate effort (default 4, bounded 0–9), quality and resize', async () => {
  const c = reg.find('png', 'avif');
  assert.equal((reg.parseOptions(c, {}) as { effort: number }).effort, 4);
  assert.throws(() => reg.parseOptions(c, { effort: 10 }), { code: 'INVALID_OPTIONS' });
  const out = await run(await solidPng(120, 80), 'png', 'avif', { width: 60, quality: 40, effort: 2 });
  const meta = await sharp(out.data).metadata();
  assert.equal(meta.format, 'heif');
  assert.equal(meta.width, 60);
});

test('PDF: merge (PDFs and images, in order), page selection, split into a ZIP by ranges', async () => {
  const a = await textPdf(['A one']);
  const b = await textPdf(['B one']);
  const merged = await run(a, 'pdf', 'pdf', {}, [{ data: b, from: 'pdf' }, { data: await solidPng(30, 20), from: 'png' }]);
  const doc = await PDFDocument.load(merged.data);
  assert.equal(doc.getPageCount(), 3);
  assert.deepEqual(doc.getPage(2).getSize(), { width: 30, height: 20 }, 'the image is the last page');
  assert.deepEqual(merged.info, { inputs: 3 });
  const text = (await run(merged.data, 'pdf', 'txt')).data.toString();
  assert.ok(text.indexOf('A one') < text.indexOf('B one'), 'order kept');

  const picked = await run(merged.data, 'pdf', 'pdf', { pages: '3,1' });
  assert.equal((await PDFDocument.load(picked.data)).getPageCount(), 2);
  await assert.rejects(run(merged.data, 'pdf', 'pdf', { pages: '2-9' }), { code: 'INVALID_OPTIONS' });

  const split = await run(merged.data, 'pdf', 'zip', { split: '1;2-3' });
  assert.equal(split.format, 'zip');
  const names = await new Promise<string[]>((resolve, reject) => {
    yauzl.fromBuffer(split.data, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) { reject(err ?? new Error('no zip')); return; }
      const n: string[] = [];
      zf.on('entry', (e: yauzl.Entry) => { n.push(e.fileName); zf.readEntry(); });
      zf.on('end', () => resolve(n));
      zf.readEntry();
    });
  });
  assert.deepEqual(names, ['part-001.pdf', 'part-002.pdf']);
  await assert.rejects(run(merged.data, 'pdf', 'zip'), { code: 'INVALID_OPTIONS' }, 'split needs its ranges');
});

test('page ranges: N, N-M, N-, -M, in order; out of range and junk refused', () => {
  assert.deepEqual(parsePageRanges('1-3,5', 6), [0, 1, 2, 4]);
  assert.deepEqual(parsePageRanges('5-', 6), [4, 5]);
  assert.deepEqual(parsePageRanges('-2', 6), [0, 1]);
  assert.deepEqual(parseSplit('each', 3), [[0], [1], [2]]);
  assert.deepEqual(parseSplit('1;2-3', 3), [[0], [1, 2]]);
  for (const bad of ['0', '7', '3-1', 'a', '', '1--2']) assert.throws(() => parsePageRanges(bad, 6), { code: 'INVALID_OPTIONS' }, bad);
});
