// `hermetic convert` end to end: converts through a jailed worker and writes beside the input;
// failures print the stable code and exit 1; usage errors exit 2; existing files are kept;
// batches get a progress bar and a summary; --combine makes one job of several inputs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { cliPath, testNode } from '../helpers/paths.js';
import { solidPng } from '../unit/convert-fixtures.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'hermetic-convert-cli-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

function hermetic(...args: string[]) {
  const env = { ...process.env, HERMETIC_DATA_DIR: join(dir, 'data') };
  return spawnSync(testNode, [cliPath, 'convert', ...args, '--data-dir', join(dir, 'data')], { encoding: 'utf8', env, timeout: 120_000 });
}

test('CSV → JSON beside the input, with the worker isolation printed by -v', () => {
  const input = join(dir, 'stock list.csv');
  writeFileSync(input, 'item,qty\nbolt,4\n');
  const r = hermetic(input, '--to', 'json', '-v');
  assert.equal(r.status, 0, r.stderr);
  const out = join(dir, 'stock list.json');
  assert.equal(r.stdout.trim(), out);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), [{ item: 'bolt', qty: '4' }]);
  assert.match(r.stderr, /worker isolation: /);
  // A second run does not overwrite without --force.
  const again = hermetic(input, '--to', 'json');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; pass --force/);
});

test('a failed conversion prints its stable code and exits 1; nothing is written', () => {
  const input = join(dir, 'broken.json');
  writeFileSync(input, '{"a": ');
  const r = hermetic(input, '--to', 'yaml');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /INVALID_INPUT/);
  assert.equal(existsSync(join(dir, 'broken.yaml')), false);
});

test('a batch: progress bar, one output per file in --out-dir, a summary line, exit 1 naming the failed file and why', () => {
  const inputs = ['a.csv', 'b.yaml', 'c.json'].map((n) => join(dir, 'batch', n));
  spawnSync('mkdir', ['-p', join(dir, 'batch')]);
  writeFileSync(inputs[0]!, 'x,y\n1,2\n');
  writeFileSync(inputs[1]!, 'k: v\n');
  writeFileSync(inputs[2]!, '{"oops": ');
  const outDir = join(dir, 'batch-out');
  const r = hermetic(...inputs, '--to', 'json', '--out-dir', outDir, '--opt', 'indent=0', '--progress');
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), [join(outDir, 'a.json'), join(outDir, 'b.json')]);
  assert.equal(readFileSync(join(outDir, 'b.json'), 'utf8').trim(), '{"k":"v"}', '--opt reached the converter');
  assert.match(r.stderr, /\[#+-*\] 3\/3 {2}ok 2 {2}failed 1/, 'the progress bar reached the end');
  assert.match(r.stderr, /hermetic convert: 2 of 3 converted in [\d.]+ s; 1 failed:/);
  assert.match(r.stderr, new RegExp(`${inputs[2]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: INVALID_INPUT: `));
  assert.equal(existsSync(join(outDir, 'c.json')), false, 'nothing written for the failed file');
});

test('--combine: several images → ONE PDF (-o); a converter that takes one input refuses clearly', async () => {
  const a = join(dir, 'p1.png');
  const b = join(dir, 'p2.png');
  writeFileSync(a, await solidPng(30, 20));
  writeFileSync(b, await solidPng(40, 10));
  const out = join(dir, 'both.pdf');
  const r = hermetic(a, b, '--combine', '--to', 'pdf', '-o', out);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await PDFDocument.load(readFileSync(out))).getPageCount(), 2);
  const y1 = join(dir, 'm1.yaml');
  const y2 = join(dir, 'm2.yaml');
  writeFileSync(y1, 'a: 1\n');
  writeFileSync(y2, 'b: 2\n');
  const refused = hermetic(y1, y2, '--combine', '--to', 'json', '-o', join(dir, 'merged.json'));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /NO_CONVERTER: converter 'data' takes one input at a time/);
  assert.equal(existsSync(join(dir, 'merged.json')), false);
});

test('usage errors exit 2', () => {
  const r = hermetic(join(dir, 'x.csv'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--to is required/);
  const bad = hermetic(join(dir, 'x.csv'), '--to', 'exe');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown format/);
});
