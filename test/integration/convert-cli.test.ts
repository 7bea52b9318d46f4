// `hermetic convert` end to end: converts through a jailed worker and writes beside the input;
// failures print the stable code and exit 1; usage errors exit 2; existing files are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';

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

test('usage errors exit 2', () => {
  const r = hermetic(join(dir, 'x.csv'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--to is required/);
  const bad = hermetic(join(dir, 'x.csv'), '--to', 'exe');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown format/);
});
