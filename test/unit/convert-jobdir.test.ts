// Job folders: private permissions, a sealed input folder, and a result check that refuses
// anything but a regular, singly-linked file inside out/ within the size cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, symlinkSync, linkSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobsRoot, createJobFolder, writeInput, checkOutput, removeJobFolder, sweepJobsRoot } from '../../src/convert/jobdir.js';

let dataDir: string;
before(() => { dataDir = mkdtempSync(join(tmpdir(), 'hermetic-jobdir-')); });
after(() => { rmSync(dataDir, { recursive: true, force: true }); });

test('folders are 0700, the input is 0400 under a fixed name, and in/ is sealed', () => {
  const root = jobsRoot(dataDir);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  const f = createJobFolder(root);
  assert.equal(statSync(f.root).mode & 0o777, 0o700);
  const file = writeInput(f, Buffer.from('data'));
  assert.equal(file, join(f.inDir, 'input'));
  assert.equal(statSync(file).mode & 0o777, 0o400);
  assert.equal(statSync(f.inDir).mode & 0o777, 0o500);
  removeJobFolder(f);
  assert.equal(existsSync(f.root), false);
});

test('checkOutput accepts a regular file and refuses symlinks, hard links, strays and oversize', () => {
  const f = createJobFolder(jobsRoot(dataDir));
  const good = join(f.outDir, 'output.txt');
  writeFileSync(good, 'ok');
  assert.deepEqual(checkOutput(f, good, 100), { ok: true, bytes: 2 });
  assert.deepEqual(checkOutput(f, good, 1), { ok: false, code: 'OUTPUT_TOO_LARGE', reason: 'result is 2 bytes (limit 1)' });
  const secret = join(dataDir, 'secret');
  writeFileSync(secret, 'do not hand out');
  const sym = join(f.outDir, 'output.md');
  symlinkSync(secret, sym);
  assert.equal((checkOutput(f, sym, 100) as { code: string }).code, 'INVALID_OUTPUT');
  const hard = join(f.outDir, 'output.csv');
  linkSync(secret, hard);
  assert.match((checkOutput(f, hard, 100) as { reason: string }).reason, /hard link/);
  assert.equal((checkOutput(f, join(dataDir, 'secret'), 100) as { code: string }).code, 'INVALID_OUTPUT');
  mkdirSync(join(f.outDir, 'sub'));
  writeFileSync(join(f.outDir, 'sub', 'x'), 'x');
  assert.equal((checkOutput(f, join(f.outDir, 'sub', 'x'), 100) as { code: string }).code, 'INVALID_OUTPUT');
  removeJobFolder(f);
});

test('sweep removes leftovers of an earlier run, sealed inputs included', () => {
  const root = jobsRoot(dataDir);
  const a = createJobFolder(root);
  writeInput(a, Buffer.from('x'));
  createJobFolder(root);
  assert.ok(sweepJobsRoot(root) >= 2);
  assert.equal(existsSync(a.root), false);
});
