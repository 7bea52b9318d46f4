// Folders on disk, all 0700/0600 and owned by us, under <dataDir>/jobs/run-<pid>-XXXXXX/:
//   j-XXXXXX/       one per job (the server's side: workers are never granted it): uploads are
//                   spooled here (u-<n>) as they arrive, and results are moved here (r-<n>.<ext>)
//                   as soon as a worker reports them, out of the worker's reach.
//   w-XXXXXX/in,out one per warm worker, made before it starts (the jail's grants must be known
//                   at spawn time). The worker may write ONLY out/ (Landlock allowWrite, Node
//                   --allow-fs-write); in/ stays sealed 0500 except while we put a file there.
// The user's file names never touch the disk: fixed names only.
import { mkdirSync, mkdtempSync, chmodSync, rmSync, writeFileSync, lstatSync, readdirSync, renameSync, copyFileSync, unlinkSync, constants as fsc } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface JobFolder {
  root: string;
  inDir: string;
  outDir: string;
}

export function jobsRoot(dataDir: string): string {
  const root = join(dataDir, 'jobs');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  return root;
}

/** A warm worker's folder: in/ (sealed, read-only to it) and out/ (its only writable place). */
export function createJobFolder(root: string): JobFolder {
  const dir = mkdtempSync(join(root, 'w-'));
  chmodSync(dir, 0o700);
  const inDir = join(dir, 'in');
  const outDir = join(dir, 'out');
  mkdirSync(inDir, { mode: 0o500 });
  mkdirSync(outDir, { mode: 0o700 });
  return { root: dir, inDir, outDir };
}

/** A job's own folder (spooled uploads, results); never granted to a worker. */
export function createJobDir(root: string): string {
  const dir = mkdtempSync(join(root, 'j-'));
  chmodSync(dir, 0o700);
  return dir;
}

/** Where an input comes from: a file spooled into the job folder (moved), the user's file (copied, CLI), or bytes. */
export type InputSource = { spooled: string } | { path: string } | { data: Buffer };

/** Run `fn` with in/ writable for us, sealed again afterwards. */
function withInOpen<T>(f: JobFolder, fn: () => T): T {
  chmodSync(f.inDir, 0o700);
  try { return fn(); } finally { chmodSync(f.inDir, 0o500); }
}

/**
 * Put one task's input(s) in the worker's in/ under fixed names (input-<n>): a spooled upload is
 * renamed (same file system, no copy), a CLI input copied (copy_file_range/reflink where the
 * file system can), bytes written. Returns the paths, in order.
 */
export function placeInputs(f: JobFolder, task: number, sources: readonly InputSource[]): string[] {
  return withInOpen(f, () => sources.map((s, i) => {
    const file = join(f.inDir, i === 0 ? `input-${task}` : `input-${task}-${i}`);
    if ('spooled' in s) renameSync(s.spooled, file);
    else if ('path' in s) copyFileSync(s.path, file, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
    else writeFileSync(file, s.data, { mode: 0o400, flag: 'wx' });
    chmodSync(file, 0o400);
    return file;
  }));
}

/** Remove a finished task's inputs from in/ (the worker needs them no longer). */
export function clearInputs(f: JobFolder, files: readonly string[]): void {
  withInOpen(f, () => { for (const file of files) if (dirname(file) === f.inDir) rmSync(file, { force: true }); });
}

/** Move a task's inputs back into the job's folder (its worker died before it got them). */
export function takeBackInputs(f: JobFolder, files: readonly string[], jobDir: string): string[] {
  return withInOpen(f, () => files.map((file) => {
    const dest = join(jobDir, `u-back-${basename(file)}`);
    renameSync(file, dest);
    return dest;
  }));
}

export type OutputCheck = { ok: true; path: string; bytes: number } | { ok: false; code: 'INVALID_OUTPUT' | 'OUTPUT_TOO_LARGE'; reason: string };

/**
 * Take the result a (still running) worker reported: it must be out/output.<ext>; it is moved
 * into the job's folder FIRST — out of the worker's reach, so it cannot be swapped after the
 * check — and then checked there: a regular file (not a symlink, not a hard link to something
 * the worker merely could read), within the size cap. A bad one is deleted.
 */
export function takeOutput(f: JobFolder, reported: string, jobDir: string, name: string, maxBytes: number): OutputCheck {
  if (dirname(reported) !== f.outDir || !/^output\.[a-z0-9]{1,8}$/.test(basename(reported))) return { ok: false, code: 'INVALID_OUTPUT', reason: 'result outside the output folder' };
  const dest = join(jobDir, name);
  try { renameSync(reported, dest); } catch { return { ok: false, code: 'INVALID_OUTPUT', reason: 'result file missing' }; }
  const st = lstatSync(dest);
  const bad = !st.isFile() ? 'result is not a regular file' : st.nlink !== 1 ? 'result is a hard link' : null;
  if (bad) { unlinkSync(dest); return { ok: false, code: 'INVALID_OUTPUT', reason: bad }; }
  if (st.size > maxBytes) { unlinkSync(dest); return { ok: false, code: 'OUTPUT_TOO_LARGE', reason: `result is ${st.size} bytes (limit ${maxBytes})` }; }
  return { ok: true, path: dest, bytes: st.size };
}

export function removeJobFolder(f: JobFolder): void {
  // in/ is sealed 0500: reopen it so rm can unlink what is left there.
  try { chmodSync(f.inDir, 0o700); } catch {}
  rmSync(f.root, { recursive: true, force: true });
}

export function removeJobDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * This process's own folder under jobs/: `run-<pid>-XXXXXX`. Several Hermetic processes may share
 * a data dir (the server and a `hermetic convert`), so each only ever touches its own run folder.
 */
export function createRunRoot(jobsDir: string): string {
  const dir = mkdtempSync(join(jobsDir, `run-${process.pid}-`));
  chmodSync(dir, 0o700);
  return dir;
}

function removeTree(dir: string): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; } // already gone
  // Sealed in/ folders (0500) must be reopened before their files can be unlinked.
  for (const name of names) {
    if (!name.startsWith('w-')) continue;
    try { chmodSync(join(dir, name, 'in'), 0o700); } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Leftovers of runs whose process is gone (crash, kill -9) are removed at start-up; live runs are left alone. */
export function sweepJobsRoot(jobsDir: string): number {
  let n = 0;
  for (const name of readdirSync(jobsDir)) {
    const m = /^run-(\d+)-/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    removeTree(join(jobsDir, name));
    n++;
  }
  return n;
}

/** Remove this process's run folder (service close). */
export function removeRunRoot(runDir: string): void {
  removeTree(runDir);
}
