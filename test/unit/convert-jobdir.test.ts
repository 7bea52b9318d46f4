// Job folders: private permissions, a sealed input folder, and a result check that refuses
// anything but a regular, singly-linked file inside out/ within the size cap — made after the
// result is moved out of the (still running) worker's reach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, symlinkSync, linkSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { jobsRoot, createJobFolder, createJobDir, placeInputs, clearInputs, takeOutput, removeJobFolder, sweepJobsRoot, createRunRoot } from '../../src/convert/jobdir.js';

let dataDir: string;
before(() => { dataDir = mkdtempSync(join(tmpdir(), 'hermetic-jobdir-')); });
after(() => { rmSync(dataDir, { recursive: true, force: true }); });

test('folders are 0700, inputs are 0400 under fixed names, and in/ stays sealed', () => {
  const root = jobsRoot(dataDir);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  const f = createJobFolder(root);
  assert.equal(statSync(f.root).mode & 0o777, 0o700);
  assert.equal(statSync(f.inDir).mode & 0o777, 0o500, 'sealed from the start');
  const jobDir = createJobDir(root);
  const spooled = join(jobDir, 'u-0');
  writeFileSync(spooled, 'upload');
  const user = join(dataDir, 'my photo.png');
  writeFileSync(user, 'cli input');
  const [a] = placeInputs(f, 0, [{ spooled }]);
  const [b, c] = placeInputs(f, 1, [{ path: user }, { data: Buffer.from('bytes') }]);
  assert.deepEqual([a, b, c], [join(f.inDir, 'input-0'), join(f.inDir, 'input-1'), join(f.inDir, 'input-1-1')]);
  assert.equal(existsSync(spooled), false, 'a spooled upload is moved, not copied');
  assert.equal(existsSync(user), true, 'the user\'s own file is copied, never moved');
  for (const p of [a!, b!, c!]) assert.equal(statSync(p).mode & 0o777, 0o400);
  assert.equal(statSync(f.inDir).mode & 0o777, 0o500, 'sealed again after each placement');
  clearInputs(f, [a!]);
  assert.equal(existsSync(a!), false);
  removeJobFolder(f);
  assert.equal(existsSync(f.root), false);
});

test('takeOutput moves the result out of the worker\'s reach, then refuses symlinks, hard links, strays and oversize', () => {
  const root = jobsRoot(dataDir);
  const f = createJobFolder(root);
  const jobDir = createJobDir(root);
  writeFileSync(join(f.outDir, 'output.txt'), 'ok');
  assert.deepEqual(takeOutput(f, join(f.outDir, 'output.txt'), jobDir, 'r-0.txt', 100), { ok: true, path: join(jobDir, 'r-0.txt'), bytes: 2 });
  assert.equal(existsSync(join(f.outDir, 'output.txt')), false, 'no longer in out/');
  writeFileSync(join(f.outDir, 'output.txt'), 'ok');
  assert.deepEqual(takeOutput(f, join(f.outDir, 'output.txt'), jobDir, 'r-1.txt', 1), { ok: false, code: 'OUTPUT_TOO_LARGE', reason: 'result is 2 bytes (limit 1)' });
  assert.equal(existsSync(join(jobDir, 'r-1.txt')), false, 'a refused result is deleted');
  const secret = join(dataDir, 'secret');
  writeFileSync(secret, 'do not hand out');
  symlinkSync(secret, join(f.outDir, 'output.md'));
  assert.equal((takeOutput(f, join(f.outDir, 'output.md'), jobDir, 'r-2.md', 100) as { code: string }).code, 'INVALID_OUTPUT');
  linkSync(secret, join(f.outDir, 'output.csv'));
  assert.match((takeOutput(f, join(f.outDir, 'output.csv'), jobDir, 'r-3.csv', 100) as { reason: string }).reason, /hard link/);
  assert.equal((takeOutput(f, secret, jobDir, 'r-4.txt', 100) as { code: string }).code, 'INVALID_OUTPUT');
  assert.equal(existsSync(secret), true, 'a path outside out/ is never touched');
  mkdirSync(join(f.outDir, 'sub'));
  writeFileSync(join(f.outDir, 'sub', 'x'), 'x');
  assert.equal((takeOutput(f, join(f.outDir, 'sub', 'x'), jobDir, 'r-5.txt', 100) as { code: string }).code, 'INVALID_OUTPUT');
  removeJobFolder(f);
});

test('sweep removes run folders of dead processes only — a live run (another server, the CLI) is left alone', () => {
  const root = jobsRoot(dataDir);
  const mine = createRunRoot(root);
  const live = createJobFolder(mine);
  placeInputs(live, 0, [{ data: Buffer.from('x') }]);
  // A run folder of a process that has exited, with a sealed input inside.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadRun = join(root, `run-${dead.stdout}-abc123`);
  mkdirSync(deadRun, { mode: 0o700 });
  const stale = createJobFolder(deadRun);
  placeInputs(stale, 0, [{ data: Buffer.from('old') }]);
  assert.equal(sweepJobsRoot(root), 1);
  assert.equal(existsSync(deadRun), false);
  assert.equal(existsSync(live.inDir), true, 'our own live run is untouched');
});
