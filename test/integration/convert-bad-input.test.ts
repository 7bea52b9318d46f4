// Every bad-input case of issue 5, through the real jailed workers (jail.spawn): for each, the
// job fails with its stable error code, no output (partial or whole) exists anywhere under the
// job folders, the job's folder is gone, and the next job succeeds. Cases refused before a
// worker is spent (empty input, unusable names) are asserted at submit().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ConvertService, type ConvertRequest } from '../../src/convert/index.js';
import { LIMITS } from '../../src/convert/limits.js';
import { spawn as jailSpawn, probe } from '../../src/isolation/jail/index.js';
import { fixturesDir } from '../helpers/paths.js';
import { solidPng, docx, xlsx, textPdf, zip, pngClaiming } from '../unit/convert-fixtures.js';

const caps = probe();
const noJail = caps.helperBuilt && (caps.layers.namespace.available || caps.layers.seccomp.available) ? false : `no kernel jail layer here (${caps.layers.namespace.reason}; ${caps.layers.seccomp.reason})`;

let dataDir: string;
let svc: ConvertService;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bad-input-'));
  svc = new ConvertService({
    config: { dataDir, strictness: 'standard', jobTimeoutMs: 8_000, workerMemoryMb: 128, poolSize: 2, logFileNames: false, convertersDir: join(fixturesDir, 'convert', 'plugins'), killGraceMs: 500, resultTtlMs: 60_000 },
    spawn: jailSpawn,
    maxQueued: 64,
  });
  if (!noJail) svc.start();
});
after(async () => { await svc.close(); rmSync(dataDir, { recursive: true, force: true }); });

/** Regular files anywhere under the job folders (a warm worker's folder is empty until its job). */
function filesUnderJobs(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else out.push(p);
    }
  };
  walk(join(dataDir, 'jobs'));
  return out;
}

const half = (b: Buffer): Buffer => b.subarray(0, Math.floor(b.length / 2));
const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

async function cases(): Promise<[string, ConvertRequest, string][]> {
  const img = sharp({ create: { width: 300, height: 200, channels: 3, background: 'red' } });
  const enc = (f: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif') => img.clone().toFormat(f).toBuffer();
  const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  const letters = 'bcdefghijk';
  for (let i = 0; i < letters.length; i++) aliasBomb.push(`${letters[i]}: &${letters[i]} [${Array(10).fill(`*${i === 0 ? 'a' : letters[i - 1]}`).join(',')}]`);
  const spaces = Buffer.alloc(20 * 1024 * 1024, 0x20);
  const docxBomb = await zip([
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'word/document.xml', data: Buffer.concat([Buffer.from(`<w:document xmlns:w="${W}">`), spaces]) },
  ]);
  const xlsxBomb = await zip([
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'xl/workbook.xml', data: '<workbook/>' },
    { name: 'xl/worksheets/sheet1.xml', data: spaces },
  ]);
  const d = await docx('Title', 'Body');
  const x = await xlsx([['a', 1]]);
  const pdf = await textPdf(['hello']);
  return [
    // corrupt / truncated, every input type
    ['truncated PNG', { data: half(await enc('png')), name: 'a.png', to: 'jpeg' }, 'INVALID_INPUT'],
    ['truncated JPEG', { data: half(await enc('jpeg')), name: 'a.jpg', to: 'png' }, 'INVALID_INPUT'],
    ['truncated WebP', { data: half(await enc('webp')), name: 'a.webp', to: 'png' }, 'INVALID_INPUT'],
    ['truncated GIF', { data: half(await enc('gif')), name: 'a.gif', to: 'png' }, 'INVALID_INPUT'],
    ['truncated TIFF', { data: half(await enc('tiff')), name: 'a.tiff', to: 'png' }, 'INVALID_INPUT'],
    ['truncated AVIF', { data: half(await enc('avif')), name: 'a.avif', to: 'png' }, 'INVALID_INPUT'],
    ['truncated PDF', { data: half(pdf), name: 'a.pdf', to: 'txt' }, 'INVALID_INPUT'],
    ['truncated DOCX', { data: d.subarray(0, d.length - 40), name: 'a.docx', to: 'html' }, 'INVALID_INPUT'],
    ['truncated XLSX', { data: x.subarray(0, x.length - 100), name: 'a.xlsx', to: 'csv' }, 'INVALID_INPUT'],
    ['corrupt JSON', { data: Buffer.from('{"a": [1, 2'), name: 'a.json', to: 'yaml' }, 'INVALID_INPUT'],
    ['corrupt YAML', { data: Buffer.from('a: [1, 2\nb: }'), name: 'a.yaml', to: 'json' }, 'INVALID_INPUT'],
    ['corrupt TOML', { data: Buffer.from('a = = 1'), name: 'a.toml', to: 'json' }, 'INVALID_INPUT'],
    ['corrupt CSV', { data: Buffer.from('a,b\n"1,2\n'), name: 'a.csv', to: 'json' }, 'INVALID_INPUT'],
    ['Markdown that is not UTF-8', { data: Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41]), name: 'a.md', to: 'html' }, 'INVALID_INPUT'],
    ['HTML that is not UTF-8', { data: Buffer.from([0x3c, 0x70, 0x3e, 0xc3, 0x28]), name: 'a.html', to: 'md' }, 'INVALID_INPUT'],
    // type by content, mismatch refused
    ['PNG bytes named .csv', { data: await solidPng(8, 8), name: 'a.csv', to: 'json' }, 'FORMAT_MISMATCH'],
    // unsupported pair
    ['unsupported pair CSV → PNG', { data: Buffer.from('a\n1\n'), name: 'a.csv', to: 'png' }, 'NO_CONVERTER'],
    // bombs
    ['DOCX zip bomb', { data: docxBomb, name: 'a.docx', to: 'html' }, 'ARCHIVE_BOMB'],
    ['XLSX zip bomb', { data: xlsxBomb, name: 'a.xlsx', to: 'csv' }, 'ARCHIVE_BOMB'],
    ['pixel bomb', { data: pngClaiming(await solidPng(8, 8), 20_000, 20_000), name: 'a.png', to: 'webp' }, 'TOO_COMPLEX'],
    ['YAML alias bomb', { data: Buffer.from(aliasBomb.join('\n')), name: 'a.yaml', to: 'json' }, 'TOO_COMPLEX'],
    ['deeply nested JSON', { data: Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), name: 'a.json', to: 'yaml' }, 'TOO_COMPLEX'],
    ['huge CSV row', { data: Buffer.from(`a\n"${'x'.repeat(LIMITS.csvMaxRowBytes + 10)}"\n`), name: 'a.csv', to: 'json' }, 'TOO_COMPLEX'],
    // converters that misbehave
    ['a converter that hangs', { data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-spin' }, 'JOB_TIMEOUT'],
    ['a converter that exhausts the JS heap', { data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-hog' }, 'OUT_OF_MEMORY'],
    ['a converter that exhausts native memory (the jail\'s RLIMIT_DATA)', { data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-native-hog' }, 'OUT_OF_MEMORY'],
  ];
}

test('bad input: stable code, no output, job folder removed, next job succeeds — every case', { skip: noJail, timeout: 600_000 }, async (t) => {
  for (const [name, req, code] of await cases()) {
    await t.test(name, async () => {
      const bad = await svc.convert(req);
      assert.equal(bad.status, 'failed', `${name}: expected ${code}, got ${bad.status}`);
      assert.equal(bad.error?.code, code, `${name}: ${JSON.stringify(bad.error)}`);
      assert.throws(() => svc.result(bad.id), { code: 'JOB_NOT_FOUND' }, 'no result for a failed job');
      assert.deepEqual(filesUnderJobs(), [], 'no input, partial or output file is left under the job folders');
      const good = await svc.convert({ data: Buffer.from('a: 1\n'), name: 'ok.yaml', to: 'json' });
      assert.equal(good.status, 'succeeded', JSON.stringify(good.error));
      svc.discardResult(good.id);
    });
  }
});

test('refused before any worker: an empty file, and a name with nothing left once path parts and control characters go', () => {
  assert.throws(() => svc.submit({ data: Buffer.alloc(0), name: 'a.csv', to: 'json' }), { code: 'INVALID_INPUT' });
  assert.throws(() => svc.submit({ data: Buffer.from('a: 1\n'), name: '../../..', from: 'yaml', to: 'json' }), { code: 'UNSAFE_NAME' });
  assert.throws(() => svc.submit({ data: Buffer.from('a: 1\n'), name: 'dir/   ', from: 'yaml', to: 'json' }), { code: 'UNSAFE_NAME' });
});

test('path traversal and control characters in a name: the result name is harmless, the result is under a fixed name in the job folder', { skip: noJail }, async () => {
  const v = await svc.convert({ data: Buffer.from('a: 1\n'), name: '../../etc/pass\u0007wd\u202e.yaml', to: 'json' });
  assert.equal(v.status, 'succeeded', JSON.stringify(v.error));
  assert.equal(v.result?.name, 'pass_wd_.json');
  const r = svc.result(v.id);
  // The worker wrote out/output.json; the server moved it to its job's folder under a fixed name.
  assert.match(r.path, /\/jobs\/run-\d+-\w+\/j-\w+\/r-0\.json$/);
  svc.discardResult(v.id);
  assert.deepEqual(filesUnderJobs(), []);
});
