// Job folders: private permissions, a sealed input folder, and a result check that refuses
// anything but a regular, singly-linked file inside out/ within the size cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, symlinkSync, linkSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { jobsRoot, createJobFolder, writeInput, checkOutput, removeJobFolder, sweepJobsRoot, createRunRoot } from '../../src/convert/jobdir.js';

let dataDir: string;
before(() => { dataDir = mkdtempSync(join(tmpdir(), 'hermetic-jobdir-')); });
after(() => { rmSync(dataDir, { recursive: true, force: true }); });

test('folders are 0700, the input is 0400 under a fixed name, and in/ is sealed', () => {
  const root = jobsRoot(dataDir);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  const f = createJobFolder(root);
  assert.equal(statSync(f.root).mode & 0o777, 0o700);
  const [file] = writeInput(f, Buffer.from('data'));
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

test('sweep removes run folders of dead processes only — a live run (another server, the CLI) is left alone', () => {
  const root = jobsRoot(dataDir);
  const mine = createRunRoot(root);
  const live = createJobFolder(mine);
  writeInput(live, Buffer.from('x'));
  // A run folder of a process that has exited, with a sealed input inside.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadRun = join(root, `run-${dead.stdout}-abc123`);
  mkdirSync(deadRun, { mode: 0o700 });
  const stale = createJobFolder(deadRun);
  writeInput(stale, Buffer.from('old'));
  assert.equal(sweepJobsRoot(root), 1);
  assert.equal(existsSync(deadRun), false);
  assert.equal(existsSync(live.inDir), true, 'our own live run is untouched');
});
