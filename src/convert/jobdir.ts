// Job folders: <dataDir>/jobs/<slot>/{in,out}. A folder is made for each warm worker before
// it starts (the jail's write grant must be known at spawn time), and becomes a job's folder
// when that worker gets the job. Everything is 0700/0600 and owned by us; the worker may write
// ONLY out/ (the jail's allowWrite); in/ is made read-only once the input is in place.
import { mkdirSync, mkdtempSync, chmodSync, rmSync, writeFileSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface JobFolder {
  root: string;
  inDir: string;
  outDir: string;
  /**
   * A private scratch folder (system-tool families only): HOME and TMPDIR of the worker and of
   * the programs it runs (LibreOffice's fresh user profile lives here). Writable like out/,
   * removed with the job folder.
   */
  tmpDir?: string;
}

export function jobsRoot(dataDir: string): string {
  const root = join(dataDir, 'jobs');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  return root;
}

export function createJobFolder(root: string, opts: { tmp?: boolean } = {}): JobFolder {
  const dir = mkdtempSync(join(root, 'w-'));
  chmodSync(dir, 0o700);
  const inDir = join(dir, 'in');
  const outDir = join(dir, 'out');
  mkdirSync(inDir, { mode: 0o700 });
  mkdirSync(outDir, { mode: 0o700 });
  if (!opts.tmp) return { root: dir, inDir, outDir };
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { mode: 0o700 });
  return { root: dir, inDir, outDir, tmpDir };
}

/** Put the input(s) in place under fixed names (the user's names never touch the disk), then seal in/. */
export function writeInput(f: JobFolder, data: Buffer, more: readonly Buffer[] = []): string[] {
  const files = [data, ...more].map((d, i) => {
    const file = join(f.inDir, i === 0 ? 'input' : `input-${i}`);
    writeFileSync(file, d, { mode: 0o400, flag: 'wx' });
    return file;
  });
  chmodSync(f.inDir, 0o500);
  return files;
}

/** Check the worker's output: a regular file (not a symlink) directly in out/, within the cap. */
export function checkOutput(f: JobFolder, file: string, maxBytes: number): { ok: true; bytes: number } | { ok: false; code: 'INVALID_OUTPUT' | 'OUTPUT_TOO_LARGE'; reason: string } {
  if (!file.startsWith(f.outDir + '/') || file.slice(f.outDir.length + 1).includes('/')) return { ok: false, code: 'INVALID_OUTPUT', reason: 'result outside the output folder' };
  let st;
  try { st = lstatSync(file); } catch { return { ok: false, code: 'INVALID_OUTPUT', reason: 'result file missing' }; }
  if (!st.isFile()) return { ok: false, code: 'INVALID_OUTPUT', reason: 'result is not a regular file' };
  // A hard link would hand the user (through the download) a file the worker merely could read.
  if (st.nlink !== 1) return { ok: false, code: 'INVALID_OUTPUT', reason: 'result is a hard link' };
  if (st.size > maxBytes) return { ok: false, code: 'OUTPUT_TOO_LARGE', reason: `result is ${st.size} bytes (limit ${maxBytes})` };
  return { ok: true, bytes: st.size };
}

export function removeJobFolder(f: JobFolder): void {
  // in/ was sealed 0500: reopen it so rm can unlink the input.
  try { chmodSync(f.inDir, 0o700); } catch {}
  rmSync(f.root, { recursive: true, force: true });
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
