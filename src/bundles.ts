// Bundled copies of the two start-up paths every jailed worker runs (scripts/bundle.mjs): the
// tripwire preload and the converter worker. The code is ours and the packages', unchanged; one
// file (or a few chunks) instead of ~200 modules makes a fresh worker's start about half as
// costly (issue #15; bench/convert.js section 3). A bundle is used only while each of our input
// files has the content it had when bundled and each package in it the version it had: a `tsc`
// without the bundle step must not leave workers running yesterday's code, nor an `npm update`
// leave them running a package's old copy. Without a current bundle, the modules run as tsc
// wrote them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './version.js';

export type BundleName = 'worker' | 'tripwire';
export type BundleState = { script: string } | { unavailable: string };

/** dist/bundle/<name>: the bundle's files and its inputs.json. */
export function bundleDir(name: BundleName): string {
  return join(packageRoot, 'dist', 'bundle', name);
}

/** What scripts/bundle.mjs writes: the entry file, each of our input files' sha256, each bundled package folder's version. */
interface InputsFile { entry: string; inputs: Record<string, string>; lockfile?: string | null; packages?: Record<string, string> }

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function versionAt(dir: string): string | null {
  try { return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? null; } catch { return null; }
}

/** Is the bundle in `dir` there and built from the files now on disk (paths relative to `root`)? */
export function checkBundle(dir: string, root: string): BundleState {
  let meta: InputsFile;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as InputsFile;
  } catch {
    return { unavailable: 'not built (npm run build makes it; it needs the esbuild-wasm dev dependency)' };
  }
  if (typeof meta.entry !== 'string' || typeof meta.inputs !== 'object' || meta.inputs === null) return { unavailable: 'its inputs.json is not what scripts/bundle.mjs writes' };
  for (const [file, was] of Object.entries(meta.inputs)) {
    let now: string;
    try { now = sha256(join(root, file)); } catch { return { unavailable: `stale: ${file} is gone since it was bundled (npm run build)` }; }
    if (now !== was) return { unavailable: `stale: ${file} changed since it was bundled (npm run build)` };
  }
  // npm's record of node_modules unchanged since: every package is as bundled (one file read).
  // Otherwise each package, where it was when bundled (an install laid out otherwise runs the
  // modules); ~200 package.json files, ~20 ms.
  let lock: string | null = null;
  try { lock = sha256(join(root, 'node_modules', '.package-lock.json')); } catch { /* another layout or package manager */ }
  if (lock !== null && lock === meta.lockfile) return { script: join(dir, meta.entry) };
  for (const [pkgDir, was] of Object.entries(meta.packages ?? {})) {
    const now = versionAt(join(root, pkgDir));
    if (now !== was) return { unavailable: `stale: ${pkgDir} is ${now ?? 'not there'} now, ${was} in the bundle (npm run build)` };
  }
  return { script: join(dir, meta.entry) };
}

const checked = new Map<BundleName, BundleState>();

/** The shipped bundle's state, checked once per process (a few ms: ~45 small files and npm's lockfile hashed). */
export function shippedBundle(name: BundleName): BundleState {
  let s = checked.get(name);
  if (!s) { s = checkBundle(bundleDir(name), packageRoot); checked.set(name, s); }
  return s;
}
